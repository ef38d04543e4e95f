"""`ir.model` and `ir.model.fields`: the registry as records. Clients ask them whether a model
exists (`'res.partner' in odoo.env` searches ir.model) and which fields it has."""

from __future__ import annotations

from ..fields import Boolean, Char, Many2one, One2many, Selection
from ..model import Model

FIELD_TYPES = ["binary", "boolean", "char", "date", "datetime", "float", "html", "integer", "json", "many2many",
               "many2one", "many2one_reference", "monetary", "one2many", "properties", "reference", "selection",
               "text"]


class IrModel(Model):
    _name = "ir.model"
    _description = "Models"
    _order = "model"
    _rec_name = "name"
    _unique = ((("model",), "Each model must have a unique name."),)

    name = Char("Model Description", required=True)
    model = Char("Model", required=True, default="x_")
    info = Char("Information")
    state = Selection([("manual", "Custom Object"), ("base", "Base Object")], "Type", default="base")
    transient = Boolean("Transient Model")
    field_id = One2many("ir.model.fields", "model_id", "Fields")


class IrModelFields(Model):
    _name = "ir.model.fields"
    _description = "Fields"
    _order = "name"
    _rec_name = "field_description"

    name = Char("Field Name", required=True)
    model = Char("Model Name", required=True)
    model_id = Many2one("ir.model", "Model", required=True, ondelete="cascade", index=True)
    field_description = Char("Field Label", required=True)
    ttype = Selection([(t, t) for t in FIELD_TYPES], "Field Type", required=True)
    relation = Char("Related Model")
    relation_field = Char("Relation Field")
    required = Boolean("Required")
    readonly = Boolean("Readonly")
    store = Boolean("Stored", default=True)
    state = Selection([("manual", "Custom Field"), ("base", "Base Field")], "Type", default="base")


def reflect_models(env) -> None:
    """Write one ir.model row per model and one ir.model.fields row per field (Odoo's `_reflect`)."""
    env = env.sudo()
    models, fields = env["ir.model"], env["ir.model.fields"]
    specs = sorted(env.registry.specs.values(), key=lambda spec: spec.name)
    ids = models.create([{"name": spec.cls._description or spec.name, "model": spec.name} for spec in specs])
    rows = []
    for model_id, spec in zip(ids, specs):
        for name, fld in spec.fields.items():
            if name in getattr(spec.cls, "_hidden_fields", ()):
                continue
            rows.append({"name": name, "model": spec.name, "model_id": model_id,
                         "field_description": fld.string or name, "ttype": fld.type,
                         "relation": getattr(fld, "comodel", None), "required": bool(fld.required),
                         "readonly": bool(fld.readonly), "store": bool(fld.store)})
    fields.create(rows)

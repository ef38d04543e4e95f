"""External ids: `module.name` ↔ (model, res_id), unique per (module, name)."""

from __future__ import annotations

import sqlalchemy as sa

from ..api import model_method
from ..exceptions import ValidationError
from ..fields import Boolean, Char, Many2oneReference
from ..model import Model


class IrModelData(Model):
    _name = "ir.model.data"
    _description = "Model Data"
    _order = "module, model, name"
    _unique = ((("module", "name"), "External ID must be unique per module (module, name)."),)

    name = Char("External Identifier", required=True)
    module = Char("Module", required=True, default="")
    model = Char("Model Name", required=True)
    res_id = Many2oneReference("Record ID")
    noupdate = Boolean("Non Updatable", default=False)
    complete_name = Char("Complete ID", compute="_compute_complete_name")

    def _compute_complete_name(self, ids):
        rows = self.conn.execute(sa.select(self.table.c.id, self.table.c.module, self.table.c.name)
                                 .where(self.table.c.id.in_(ids)))
        return {i: f"{module}.{name}" if module else name for i, module, name in rows}

    def _display_names(self, ids):
        return self._compute_complete_name(ids)

    def _validate(self, ids):
        spaced = self.conn.scalar(sa.select(sa.func.count()).where(
            self.table.c.id.in_(ids), self.table.c.name.like("% %")))
        if spaced:
            raise ValidationError("External IDs cannot contain spaces")

    def resolve(self, module: str, name: str, model: str | None = None) -> int | None:
        """The res_id of `module.name` if it exists and its record does (stale ids resolve to None)."""
        row = self.conn.execute(sa.select(self.table.c.model, self.table.c.res_id).where(
            self.table.c.module == module, self.table.c.name == name)).first()
        if row is None or (model and row.model != model):
            return None
        target = self.env[row.model]
        return row.res_id if target._existing([row.res_id]) else None

    def bind(self, module: str, name: str, model: str, res_id: int) -> None:
        existing = self.conn.scalar(sa.select(self.table.c.id).where(
            self.table.c.module == module, self.table.c.name == name))
        if existing:
            self.write([existing], {"model": model, "res_id": res_id})
        else:
            self.create({"module": module, "name": name, "model": model, "res_id": res_id})

    def bind_many(self, model: str, bindings: list[tuple[str, str, int]]) -> None:
        """bind() for many external ids at once: one read of those that exist, one create of the others."""
        if not bindings:
            return
        t = self.table
        wanted = {(module, name) for module, name, _ in bindings}
        existing: dict[tuple[str, str], int] = {}
        names = sorted({name for _, name in wanted})
        for start in range(0, len(names), 5000):
            for row in self.conn.execute(sa.select(t.c.id, t.c.module, t.c.name).where(
                    t.c.name.in_(names[start:start + 5000]))):
                if (row.module, row.name) in wanted:
                    existing[(row.module, row.name)] = row.id
        new = {}
        for module, name, res_id in bindings:
            if (module, name) in existing:
                self.write([existing[(module, name)]], {"model": model, "res_id": res_id})
            else:
                new[(module, name)] = {"module": module, "name": name, "model": model, "res_id": res_id}
        if new:
            self.create(list(new.values()))

    @model_method("read", versions=(17,))
    def check_object_reference(self, module, xml_id, raise_on_access_error=False):
        res_id = self.resolve(module, xml_id)
        if res_id is None:
            raise ValueError(f"External ID not found in the system: {module}.{xml_id}")
        model = self.conn.scalar(sa.select(self.table.c.model).where(
            self.table.c.module == module, self.table.c.name == xml_id))
        return [model, res_id]

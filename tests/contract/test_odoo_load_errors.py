"""`load()` failures that are not about one row: an unknown column raises for the whole call (Odoo
looks every column up in `_fields` before reading any row: a KeyError), and an external id that
already names a record of another model is refused rather than moved (`_load_records`)."""

from __future__ import annotations

import uuid

import pytest

from .odoo_target import RpcError


def test_an_unknown_column_raises_for_the_whole_call(odoo):
    tag = uuid.uuid4().hex[:8]
    rows = [[f"retail_sync.col_{tag}_{i}", f"Column {tag} {i}", "1"] for i in range(3)]
    with pytest.raises(RpcError) as info:
        odoo.call("product.template", "load", ["id", "name", "colour"], rows)
    assert info.value.name == "builtins.KeyError" and "colour" in str(info.value)
    assert odoo.call("product.template", "search_count", [["name", "like", f"Column {tag}"]]) == 0
    with pytest.raises(RpcError) as path_info:  # the same for a relational column path
        odoo.call("product.template", "load", ["id", "name", "tags/id"], [rows[0][:2] + ["x"]])
    assert path_info.value.name == "builtins.KeyError"


def test_an_external_id_of_another_model_is_refused(odoo):
    tag = uuid.uuid4().hex[:8]
    xmlid = f"retail_sync.taken_{tag}"
    partner = odoo.call("res.partner", "load", ["id", "name"], [[xmlid, f"Owner {tag}"]])["ids"][0]
    result = odoo.call("product.template", "load", ["id", "name"],
                       [[f"retail_sync.free_{tag}", f"Fine {tag}"], [xmlid, f"Intruder {tag}"]])
    assert result["ids"] is False
    errors = [m for m in result["messages"] if m["type"] == "error"]
    assert errors and all("found record of different model res.partner" in m["message"] for m in errors)
    # The row itself, and first Odoo's error for the whole batch, which names the batch's first row.
    assert [m["record"] for m in errors] == [0, 1]
    assert odoo.call("product.template", "search_count", [["name", "in", [f"Fine {tag}", f"Intruder {tag}"]]]) == 0
    bound = odoo.call("ir.model.data", "search_read", [["module", "=", "retail_sync"], ["name", "=", f"taken_{tag}"]],
                      ["model", "res_id"])
    assert [(b["model"], b["res_id"]) for b in bound] == [("res.partner", partner)]

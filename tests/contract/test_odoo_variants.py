"""Variants as product.template._create_variant_ids makes them: a new combination gets a new variant
(the attribute-less first variant is not recycled), a combination that goes away deletes its variant
or archives it when something still points at it, a combination that comes back revives it, and more
than 1,000 new variants for one template are refused."""

from __future__ import annotations

import uuid

import pytest

from .odoo_target import RpcError

INVENTORY = {"inventory_mode": True}
TOO_MANY = "The number of variants to generate is above allowed limit."


def attribute(odoo, name: str, values: list[str]) -> tuple[int, list[int]]:
    attribute_id = odoo.call("product.attribute", "create", {"name": name, "create_variant": "always",
                                                             "value_ids": [(0, 0, {"name": v}) for v in values]})
    return attribute_id, odoo.call("product.attribute.value", "search", [["attribute_id", "=", attribute_id]],
                                   order="id")


def variants(odoo, template: int, archived: bool = False) -> list[int]:
    context = {"active_test": False} if archived else {}
    return sorted(odoo.call("product.product", "search", [["product_tmpl_id", "=", template]], context=context))


def test_the_attribute_less_variant_is_replaced_not_reused(odoo):
    tag = uuid.uuid4().hex[:8]
    template = odoo.call("product.template", "create", {"name": f"Plain {tag}"})
    first = variants(odoo, template)
    assert len(first) == 1
    size, values = attribute(odoo, f"Size {tag}", ["S", "M"])
    odoo.call("product.template", "write", [template], {"attribute_line_ids": [
        (0, 0, {"attribute_id": size, "value_ids": [(6, 0, values)]})]})
    now = variants(odoo, template)
    assert len(now) == 2 and first[0] not in now
    assert variants(odoo, template, archived=True) == now  # nothing pointed at it: deleted, not archived


def test_dropped_combinations_are_deleted_or_archived_and_come_back_with_their_id(odoo):
    tag = uuid.uuid4().hex[:8]
    size, (small, medium, large) = attribute(odoo, f"Size {tag}", ["S", "M", "L"])
    template = odoo.call("product.template", "create", {"name": f"Tee {tag}", **odoo.storable(),
                                                        "attribute_line_ids": [
                                                            (0, 0, {"attribute_id": size,
                                                                    "value_ids": [(6, 0, [small, medium, large])]})]})
    by_value = {}
    for variant in odoo.call("product.product", "search_read", [["product_tmpl_id", "=", template]],
                             ["product_template_attribute_value_ids"]):
        ptav = odoo.call("product.template.attribute.value", "read", variant["product_template_attribute_value_ids"],
                         ["product_attribute_value_id"], load=None)[0]
        by_value[ptav["product_attribute_value_id"]] = variant["id"]
    stock = odoo.call("stock.location", "search", [["usage", "=", "internal"]], limit=1)[0]
    odoo.call("stock.quant", "create", {"product_id": by_value[small], "location_id": stock,
                                        "inventory_quantity_auto_apply": 2}, context=INVENTORY)
    line = odoo.call("product.template", "read", [template], ["attribute_line_ids"])[0]["attribute_line_ids"][0]
    odoo.call("product.template.attribute.line", "write", [line], {"value_ids": [(6, 0, [medium])]})
    assert variants(odoo, template) == [by_value[medium]]
    # S has stock, so it is archived; L had nothing, so it is gone.
    assert variants(odoo, template, archived=True) == sorted([by_value[small], by_value[medium]])
    odoo.call("product.template.attribute.line", "write", [line], {"value_ids": [(6, 0, [small, medium])]})
    assert variants(odoo, template) == sorted([by_value[small], by_value[medium]])


def test_more_than_a_thousand_new_variants_are_refused(odoo):
    tag = uuid.uuid4().hex[:8]
    lines = []
    for name, count in (("A", 11), ("B", 10), ("C", 10)):  # 1,100 combinations
        attribute_id, values = attribute(odoo, f"{name} {tag}", [str(i) for i in range(count)])
        lines.append((0, 0, {"attribute_id": attribute_id, "value_ids": [(6, 0, values)]}))
    with pytest.raises(RpcError) as info:
        odoo.call("product.template", "create", {"name": f"Huge {tag}", "attribute_line_ids": lines})
    assert info.value.name == "odoo.exceptions.UserError" and TOO_MANY in str(info.value)
    assert odoo.call("product.template", "search_count", [["name", "=", f"Huge {tag}"]]) == 0

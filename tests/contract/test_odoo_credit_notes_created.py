"""Credit notes created directly, several in one `create` (as the order flow credits a page's refunds): an
`out_refund` move naming the invoice it reverses (`reversed_entry_id`) with the invoice's lines, linked to the
order lines (`sale_line_ids`), as Odoo's `_reverse_moves` builds them. The invoice lists it among its
reversals, the order among its invoices, the credited quantity goes back to the order line, and its total is
what its lines make; posted, it takes the refund sequence and is paid back by the Register Payment wizard."""

from __future__ import annotations

from .sale_fixtures import make_product, make_tax, read_one
from .test_odoo_sandbox_sale_invoicing import confirmed_order, invoice_orders, lines_of, with_context

LINE_FIELDS = ["product_id", "name", "quantity", "price_unit", "discount", "tax_ids", "sale_line_ids"]


def posted_invoice(odoo, order: int) -> int:
    invoice = invoice_orders(odoo, [order])["res_id"]
    odoo.call("account.move", "action_post", [invoice])
    return invoice


def credit_note(odoo, invoice: int, ref: str, quantities: dict[int, float] | None = None) -> dict:
    """The values of a credit note of `invoice`: every line, or the lines of these order lines at these
    quantities."""
    move = read_one(odoo, "account.move", invoice, ["name", "partner_id", "currency_id", "journal_id",
                                                    "invoice_origin"])
    rows = odoo.call("account.move.line", "search_read", [["move_id", "=", invoice], ["display_type", "=", "product"]],
                     LINE_FIELDS)
    lines = []
    for row in rows:
        quantity = row["quantity"] if quantities is None else quantities.get(row["sale_line_ids"][0])
        if quantity is not None:
            lines.append((0, 0, {"product_id": row["product_id"][0], "name": row["name"], "quantity": quantity,
                                 "price_unit": row["price_unit"], "discount": row["discount"],
                                 "tax_ids": [(6, 0, row["tax_ids"])], "sale_line_ids": [(6, 0, row["sale_line_ids"])]}))
    return {"move_type": "out_refund", "reversed_entry_id": invoice, "ref": f"Reversal of: {move['name']}, {ref}",
            "partner_id": move["partner_id"][0], "currency_id": move["currency_id"][0],
            "journal_id": move["journal_id"][0], "invoice_origin": move["invoice_origin"], "invoice_line_ids": lines}


def test_credit_notes_created_in_one_call_reverse_their_invoices(odoo):
    tax = make_tax(odoo, 20.0, included=False)
    shirt, mug = make_product(odoo, price=10.0, taxes=[tax], storable=False), make_product(odoo, price=4.0,
                                                                                         taxes=[tax], storable=False)
    whole = confirmed_order(odoo, [{"product_id": shirt, "product_uom_qty": 2}])
    part = confirmed_order(odoo, [{"product_id": shirt, "product_uom_qty": 3}, {"product_id": mug, "product_uom_qty": 1}])
    invoices = {whole: posted_invoice(odoo, whole), part: posted_invoice(odoo, part)}
    shirt_line = next(li["id"] for li in lines_of(odoo, part)
                      if odoo.call("sale.order.line", "read", [li["id"]], ["product_id"])[0]["product_id"][0] == shirt)

    created = odoo.call("account.move", "create", [credit_note(odoo, invoices[whole], "[refund:1]"),
                                                   credit_note(odoo, invoices[part], "[refund:2]", {shirt_line: 1})])
    assert len(created) == 2
    full, partial = (read_one(odoo, "account.move", m, ["move_type", "state", "reversed_entry_id", "amount_total",
                                                        "ref", "partner_id"]) for m in created)
    assert (full["move_type"], full["state"], full["reversed_entry_id"][0], full["amount_total"]) == (
        "out_refund", "draft", invoices[whole], 24.0)
    assert (partial["reversed_entry_id"][0], partial["amount_total"]) == (invoices[part], 12.0)
    assert "[refund:2]" in partial["ref"]
    assert read_one(odoo, "account.move", invoices[part], ["reversal_move_ids"])["reversal_move_ids"] == [created[1]]
    assert created[1] in read_one(odoo, "sale.order", part, ["invoice_ids"])["invoice_ids"]
    # A draft credit note counts already: the credited quantity goes back to the order line.
    assert sorted(li["qty_invoiced"] for li in lines_of(odoo, part)) == [1, 2]

    odoo.call("account.move", "action_post", created)
    posted = [read_one(odoo, "account.move", m, ["state", "name", "payment_state"]) for m in created]
    assert {p["state"] for p in posted} == {"posted"} and all(p["name"].startswith("R") for p in posted)
    context = {"active_model": "account.move", "active_ids": created}
    wizard = with_context(odoo, "account.payment.register", "create", [{}], context)
    with_context(odoo, "account.payment.register", "action_create_payments", [[wizard]],
                 dict(context, dont_redirect_to_payments=True))
    paid = [read_one(odoo, "account.move", m, ["payment_state", "amount_residual"]) for m in created]
    assert {p["amount_residual"] for p in paid} == {0.0}
    assert {p["payment_state"] for p in paid} <= {"paid", "in_payment"}


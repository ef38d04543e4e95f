"""Odoo set up for the demo world's orders, as an Odoo administrator would before the first order pull:
a sale tax at each store's rate (the world's prices are before tax), a pricelist in each store's
currency, and the world's products where the catalog flow has not made them. The demo seed already has
the shipping product (SHIP) and the payment journals."""

from __future__ import annotations

import json
import os
from collections import Counter


def odoo_caller(sandbox, uid: int = 2):
    """Call the sandbox's ORM in process as `uid` (2: the administrator), the way an RPC would."""
    db = sandbox.databases["odoo"]

    def odoo(model, method, *args, **kwargs):
        return sandbox.service.call_kw(db, uid, model, method, list(args), kwargs)

    return odoo


def prepare_for_orders(sandbox, world) -> None:
    prepare_odoo(odoo_caller(sandbox), sandbox.version, world)


def prepare_odoo(odoo, version: int, world) -> None:
    """`odoo(model, method, *args, **kwargs)`: the sandbox in process, or any Odoo over RPC as its administrator."""
    excluded = ({"price_include": False} if version == 17 else {"price_include_override": "tax_excluded"})
    for store in world.stores:
        rate = float(store.tax_rate * 100)
        name = f"{rate:g}% (excl.)"
        if not odoo("account.tax", "search", [["name", "=", name], ["type_tax_use", "=", "sale"]]):
            odoo("account.tax", "create", [{"name": name, "amount": rate, "amount_type": "percent",
                                            "type_tax_use": "sale", **excluded}])
        currency = odoo("res.currency", "search", [["name", "=", store.currency]], context={"active_test": False})
        if currency:
            odoo("res.currency", "write", currency, {"active": True})
            if not odoo("product.pricelist", "search", [["currency_id", "=", currency[0]]]):
                odoo("product.pricelist", "create", [{"name": store.currency, "currency_id": currency[0]}])
    known = {p["default_code"] for p in odoo("product.product", "search_read",
                                             [["default_code", "in", [p["sku"] for p in world.catalog]]],
                                             ["default_code"])}
    storable = {"detailed_type": "product"} if version == 17 else {"type": "consu", "is_storable": True}
    fresh = [p for p in world.catalog if p["sku"] not in known]
    if fresh:
        odoo("product.product", "create", [{"name": p["name"], "default_code": p["sku"],
                                            "list_price": float(p["list_price"]), "invoice_policy": "order",
                                            "taxes_id": [(6, 0, [])], **storable} for p in fresh])


CONN_IDS = "shopify_eu,shopify_us,woo_uk"
BACKLOG_ORDERS = 60           # the first pull starts at the world's 60th newest order update
LIVE_ORDERS_PER_SECOND = 0.15  # per store while the demo runs (~30 orders a minute in all, as the latency bench)
LIVE_SECONDS = 20             # between the two pulls: new orders, captures, refunds, cancellations arrive


def order_summary(sandbox, store, run) -> str:
    """What the run did to orders, what Odoo holds now, and each store's order latency (the order's
    `created_at` on the storefront to its sale order in Odoo) as the pull measured it."""
    odoo = odoo_caller(sandbox)
    m = store.metric_totals("orders", run.run_id)
    states = Counter(row["state"] for row in odoo("sale.order", "search_read", [], ["state"]))
    held = odoo("sale.order", "search_count", [["state", "in", ["draft", "sent"]], ["note", "ilike", "On hold"]])
    refunds = odoo("account.move", "search_count", [["move_type", "=", "out_refund"]])
    lines = [f"  orders this run: {m.get('orders_loaded', 0):g} loaded ({m.get('orders_held', 0):g} held for "
             f"payment), {m.get('orders_quarantined', 0):g} quarantined, {m.get('orders_dead_lettered', 0):g} "
             f"dead-lettered, {m.get('orders_skipped', 0):g} unchanged",
             f"  Odoo now: sale orders by state {dict(sorted(states.items()))}; {held} quotations on payment hold; "
             f"{refunds} credit notes (refunds)"]
    for ti in run.get_task_instances():
        pulled = ti.xcom_pull(task_ids="pull_channel", map_indexes=ti.map_index) if ti.task_id == "pull_channel" \
            else None
        if pulled and pulled.get("latency_p50") is not None:
            lines.append(f"  latency {pulled['channel']:<11} p50 {pulled['latency_p50']:>10.1f} s  p95 "
                         f"{pulled['latency_p95']:>10.1f} s  (created on the storefront → sale order in Odoo)")
    return "\n".join(lines) + "\n"


def warehouse_ships(sandbox, in_full: int = 8, in_part: int = 3) -> tuple[int, int]:
    """The warehouse at work: the open deliveries of confirmed orders validated, most in full with a tracking
    number, a few in part (one unit of their first line; the rest goes to a backorder)."""
    odoo = odoo_caller(sandbox)
    pickings = odoo("stock.picking", "search_read", [["state", "not in", ["done", "cancel", "draft"]],
                                                     ["picking_type_id.code", "=", "outgoing"]], ["id"], order="id")
    full, part = [p["id"] for p in pickings[:in_full]], [p["id"] for p in pickings[in_full:in_full + in_part]]
    for picking in full + part:
        odoo("stock.picking", "write", [picking], {"carrier_tracking_ref": f"DEMO-TRACK-{picking:05d}"})
        moves = odoo("stock.move", "search_read", [["picking_id", "=", picking]], ["product_uom_qty"], order="id")
        for n, move in enumerate(moves):
            units = move["product_uom_qty"] if picking in full else (1 if n == 0 else 0)
            odoo("stock.move", "write", [move["id"]], {"quantity": units, "picked": bool(units)})
        action = odoo("stock.picking", "button_validate", [picking])
        if isinstance(action, dict):             # the backorder wizard: keep the rest for later
            wizard = odoo("stock.backorder.confirmation", "create", {}, context=action["context"])
            odoo("stock.backorder.confirmation", "process", [wizard], context=action["context"])
    return len(full), len(part)


def run_orders_demo(console, sandbox, world, stores: dict, dagbag, report, mail) -> None:
    """Inside `storefronts(world)`: the last days' orders and live ones pulled into Odoo, twice."""
    import time

    from retail_sync.state.store import StateStore

    from .live import LiveOrders

    prepare_for_orders(sandbox, world)
    start = sorted((o["updated_at"] for o in world.orders), reverse=True)[BACKLOG_ORDERS - 1]
    os.environ["RETAIL_SYNC_ORDERS_CHANNELS"] = CONN_IDS
    os.environ["RETAIL_SYNC_ORDERS_START_AT"] = start
    os.environ["RETAIL_SYNC_FULFILLMENT_CHANNELS"] = json.dumps(CONN_IDS.split(","))
    console.write(f"\nOrders: the {BACKLOG_ORDERS} most recently updated orders waiting in the three stores (since "
                  f"{start}), and each "
                  f"store taking {LIVE_ORDERS_PER_SECOND:g} new or changed orders a second (live mode)\n")
    live = [LiveOrders(world, channel, sink, LIVE_ORDERS_PER_SECOND, seed=n).start()
            for n, (channel, sink) in enumerate(stores.items())]
    dag, store = dagbag.get_dag("order_pull"), StateStore()
    try:
        for title in ("Order pull (the backlog: its latency is the orders' age)", f"Order pull again, {LIVE_SECONDS} s later (live orders and their updates)"):
            seen = len(mail.messages)
            sandbox.stats.reset()
            run = dag.test()
            console.write(report(dag, run, sandbox, mail, title, flow="orders", emails_before=seen))
            console.write(order_summary(sandbox, store, run))
            if title.startswith("Order pull ("):
                time.sleep(LIVE_SECONDS)
    finally:
        for feed in live:
            feed.stop()
    full, part = warehouse_ships(sandbox)
    console.write(f"\nThe warehouse ships: {full} deliveries validated in full and {part} in part (the rest on a "
                  f"backorder), with tracking numbers\n")
    dag = dagbag.get_dag("fulfillment_push")
    seen = len(mail.messages)
    sandbox.stats.reset()
    run = dag.test()
    console.write(report(dag, run, sandbox, mail, "Fulfillment push (Odoo deliveries → storefront fulfillments)",
                         flow="fulfillment", emails_before=seen))

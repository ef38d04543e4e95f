"""The fulfilment push against the Odoo, Shopify and WooCommerce sandboxes over HTTP: pickings validated in
Odoo become storefront fulfilments for exactly what they shipped, with carrier and tracking; a partial
delivery leaves the order partially fulfilled and its backorder completes it; nothing is told twice (a
re-run, a run killed after the storefront answered, an answer lost on the way)."""

from __future__ import annotations

import pytest

from retail_sync.flows.fulfillment.flow import ChannelStopped
from retail_sync.state.store import StateStore

from .fulfillment_fixtures import lines_of, open_orders, start_ship_world


@pytest.fixture
def ship(tmp_path, shopify, woo):
    world = start_ship_world(tmp_path, {"shopify_eu": shopify[0].url, "woo_uk": woo[0].url}, carrier="DHL")
    yield world, shopify[1], woo[1]
    world.server.stop()


def shop_order(world, order: dict) -> dict:
    with world.connector("shopify_eu") as shop:
        return shop.order_shipping(f"gid://shopify/Order/{order['id']}")


def shipped(shop_node: dict) -> list[tuple[dict[str, int], str | None, str | None]]:
    """Each fulfillment of a Shopify order: (units per SKU, carrier, tracking number)."""
    found = []
    for f in shop_node["fulfillments"]:
        units = {}
        for item in f["fulfillmentLineItems"]["nodes"]:
            units[item["lineItem"]["sku"]] = units.get(item["lineItem"]["sku"], 0) + item["quantity"]
        tracking = (f["trackingInfo"] or [{}])[0]
        found.append((units, tracking.get("company"), tracking.get("number")))
    return found


def woo_state(world, order: dict) -> tuple[str, list[str]]:
    with world.connector("woo_uk") as store:
        return store.order(order["id"])["status"], [n["note"] for n in store.order_notes(order["id"])]


def ours(notes: list[str]) -> list[str]:
    return [n for n in notes if "[retail-sync:" in n]


def test_a_full_shipment_fulfils_the_shopify_order_with_carrier_and_tracking(ship, small_world):
    world, _shop, _woo = ship
    [order] = open_orders(small_world, "shopify-eu", 1)
    sale = world.sell("shopify-eu", order["id"], order["name"], lines_of(order))
    world.ship(sale, tracking="1Z999AA10123456784")

    outcome = world.flow().push_channel("shopify_eu")

    node = shop_order(world, order)
    assert node["displayFulfillmentStatus"] == "FULFILLED"
    assert shipped(node) == [(lines_of(order), "DHL", "1Z999AA10123456784")]
    assert (outcome.fulfillments_created, outcome.lines, outcome.units) == (1, len(order["lines"]),
                                                                          sum(lines_of(order).values()))
    assert outcome.dead_lettered == {} and outcome.watermark is not None
    metrics = world.store.metric_totals("fulfillment", "run-1")
    assert (metrics["fulfillments_created"], metrics["lines_fulfilled"]) == (1, len(order["lines"]))


def test_a_partial_shipment_then_its_backorder_on_shopify(ship, small_world):
    world, _shop, _woo = ship
    [order] = open_orders(small_world, "shopify-eu", 1)
    lines = lines_of(order)
    first_sku, *rest = sorted(lines)
    part = {first_sku: 1}                         # one unit of the first line only
    sale = world.sell("shopify-eu", order["id"], order["name"], lines)
    world.ship(sale, part, tracking="TRACK-PART-1")

    world.flow("run-1").push_channel("shopify_eu")
    node = shop_order(world, order)
    assert node["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert shipped(node) == [(part, "DHL", "TRACK-PART-1")]

    world.ship(sale, tracking="TRACK-REST-2")     # the backorder: everything left
    second = world.flow("run-2").push_channel("shopify_eu")
    node = shop_order(world, order)
    assert node["displayFulfillmentStatus"] == "FULFILLED"
    rest_units = {sku: units - part.get(sku, 0) for sku, units in lines.items() if units - part.get(sku, 0)}
    assert shipped(node) == [(part, "DHL", "TRACK-PART-1"), (rest_units, "DHL", "TRACK-REST-2")]
    assert (second.fulfillments_created, second.skipped) == (1, 1)   # the first picking: in the ledger

    third = world.flow("run-3").push_channel("shopify_eu")            # a re-run: nothing new, no channel write
    assert (third.fulfillments_created, third.skipped, third.already_on_channel) == (0, 2, 0)
    assert len(shop_order(world, order)["fulfillments"]) == 2


def test_woocommerce_gets_a_note_per_picking_and_completes_when_all_shipped(ship, small_world):
    world, _shop, _woo = ship
    [order] = open_orders(small_world, "woo-uk", 1)
    lines = lines_of(order)
    first_sku = sorted(lines)[0]
    sale = world.sell("woo-uk", order["id"], f"#{order['number']}", lines)
    first = world.ship(sale, {first_sku: lines[first_sku]}, tracking="RM-111")

    world.flow("run-1").push_channel("woo_uk")
    status, notes = woo_state(world, order)
    assert status == "processing"
    [note] = ours(notes)
    assert f"{lines[first_sku]} × {first_sku}" in note and "RM-111" in note
    assert f"[retail-sync:woo-uk:picking:{first}]" in note

    world.ship(sale, tracking="RM-222")
    outcome = world.flow("run-2").push_channel("woo_uk")
    status, notes = woo_state(world, order)
    assert status == "completed" and outcome.fulfillments_created == 1
    assert len(ours(notes)) == 2 and "RM-222" in ours(notes)[0]       # newest first
    assert "Order status changed from Processing to Completed." in notes

    world.flow("run-3").push_channel("woo_uk")
    assert woo_state(world, order) == (status, notes)                  # a re-run writes nothing


class Killed(BaseException):
    """The worker dies: not an error the flow could catch and record."""


class DiesAfterTheStorefront(StateStore):
    """A state store whose first ledger write kills the run: the storefront has answered, the ledger and the
    watermark have not moved."""

    def record_loaded(self, entries, run_id=None):
        raise Killed("killed after the storefront answered")


@pytest.mark.parametrize("conn_id, channel", [("shopify_eu", "shopify-eu"), ("woo_uk", "woo-uk")])
def test_a_run_killed_after_the_storefront_answered_creates_nothing_on_rerun(ship, small_world, conn_id, channel):
    world, _shop, _woo = ship
    [order] = open_orders(small_world, channel, 1)
    name = order["name"] if channel == "shopify-eu" else f"#{order['number']}"
    sale = world.sell(channel, order["id"], name, lines_of(order))
    world.ship(sale, tracking="KILL-1")

    with pytest.raises(Killed):
        world.flow("run-1", DiesAfterTheStorefront(world.store.url)).push_channel(conn_id)
    assert world.store.watermark("fulfillment", channel) is None

    again = world.flow("run-2").push_channel(conn_id)
    assert (again.fulfillments_created, again.already_on_channel) == (0, 1)
    if channel == "shopify-eu":
        assert shipped(shop_order(world, order)) == [(lines_of(order), "DHL", "KILL-1")]
    else:
        status, notes = woo_state(world, order)
        assert status == "completed" and len(ours(notes)) == 1
    assert world.store.watermark("fulfillment", channel) is not None


def test_a_lost_answer_from_shopify_is_found_on_the_shop_not_sent_again(ship, small_world):
    world, shop, _woo = ship
    [order] = open_orders(small_world, "shopify-eu", 1)
    sale = world.sell("shopify-eu", order["id"], order["name"], lines_of(order))
    world.ship(sale)
    # Call 2 is fulfillmentCreate: the shop runs it, the gateway loses its answer.
    shop.faults.configure(type(shop.faults.plan)(fail_calls={2: "503"}, after_commit=True))

    outcome = world.flow().push_channel("shopify_eu")

    assert len(shop_order(world, order)["fulfillments"]) == 1
    assert outcome.already_on_channel == 1 and outcome.dead_lettered == {}


def test_a_lost_answer_from_woocommerce_leaves_one_note(ship, small_world):
    world, _shop, woo = ship
    [order] = open_orders(small_world, "woo-uk", 1)
    sale = world.sell("woo-uk", order["id"], f"#{order['number']}", lines_of(order))
    world.ship(sale, tracking="RM-LOST")
    # Calls: the order (1), its notes (2), the new note (3: written, its answer lost), the notes again, the status.
    woo.faults.configure(type(woo.faults.plan)(fail_calls={3: "503"}, after_commit=True))

    outcome = world.flow().push_channel("woo_uk")

    status, notes = woo_state(world, order)
    assert status == "completed" and len(ours(notes)) == 1 and "RM-LOST" in ours(notes)[0]
    assert outcome.already_on_channel == 1 and outcome.dead_lettered == {}


@pytest.mark.parametrize("conn_id, channel", [("shopify_eu", "shopify-eu"), ("woo_uk", "woo-uk")])
def test_a_passing_429_is_retried_within_the_run(ship, small_world, conn_id, channel):
    world, shop, woo = ship
    sandbox = shop if channel == "shopify-eu" else woo
    [order] = open_orders(small_world, channel, 1)
    name = order["name"] if channel == "shopify-eu" else f"#{order['number']}"
    world.ship(world.sell(channel, order["id"], name, lines_of(order)))
    sandbox.faults.configure(type(sandbox.faults.plan)(fail_calls={1: "429", 2: "429"}, retry_after=0.01))

    outcome = world.flow().push_channel(conn_id)

    assert (outcome.fulfillments_created, outcome.stopped, outcome.dead_lettered) == (1, None, {})
    assert sandbox.faults.calls >= 4             # the two 429s, then the read and the write that succeeded


def test_pickings_the_channel_cannot_take_are_dead_lettered_and_the_rest_goes_on(ship, small_world):
    world, _shop, _woo = ship
    good, extra, no_sku, bigger = open_orders(small_world, "shopify-eu", 4)
    unbound = world.sell("shopify-eu", None, "#9001", lines_of(good), bind=False)          # no order of the channel
    gone = world.sell("shopify-eu", 999999, "#9002", lines_of(good))                         # not on the shop
    wrong_sku = world.sell("shopify-eu", extra["id"], extra["name"], {**lines_of(extra), "GIFT-WRAP": 1})
    nameless = world.sell("shopify-eu", no_sku["id"], no_sku["name"], {**lines_of(no_sku), None: 1})
    sku, units = sorted(lines_of(bigger).items())[0]
    too_many = world.sell("shopify-eu", bigger["id"], bigger["name"], {**lines_of(bigger), sku: units + 2})
    fine = world.sell("shopify-eu", good["id"], good["name"], lines_of(good))
    pickings = {sale: world.ship(sale) for sale in (unbound, gone, wrong_sku, nameless, too_many, fine)}

    outcome = world.flow().push_channel("shopify_eu")

    reasons = {int(key.rsplit(":", 1)[1]): reason for key, reason in outcome.dead_lettered.items()}
    assert set(reasons) == {pickings[s] for s in (unbound, gone, wrong_sku, nameless, too_many)}
    assert "has no order of shopify-eu" in reasons[pickings[unbound]]
    assert "shopify-eu:order:999999 is not on shopify-eu" in reasons[pickings[gone]]
    assert "SKU GIFT-WRAP" in reasons[pickings[wrong_sku]] and extra["name"] in reasons[pickings[wrong_sku]]
    assert "without a SKU" in reasons[pickings[nameless]]
    assert f"ships {units + 2} × {sku} still to fulfil, but order {bigger['name']} has {units} left" in \
        reasons[pickings[too_many]]
    assert shop_order(world, bigger)["fulfillments"] == []                # none of it: not a part of it
    letters = {letter.key: letter for letter in world.store.dead_letters("fulfillment")}
    assert set(letters) == set(outcome.dead_lettered)
    assert all(letter.stage == "push" and letter.payload["picking_id"] for letter in letters.values())
    # Nothing of the refused pickings reached the shop; the good order did.
    assert shop_order(world, extra)["fulfillments"] == [] and shop_order(world, no_sku)["fulfillments"] == []
    assert shop_order(world, good)["displayFulfillmentStatus"] == "FULFILLED"
    assert outcome.fulfillments_created == 1 and outcome.watermark is not None
    [alert] = world.alerts
    assert "5 shipment(s)" in alert.subject and "GIFT-WRAP" in alert.text

    world.flow("run-2").push_channel("shopify_eu")                  # seen again in the overlap: not alerted again
    assert len(world.alerts) == 1


@pytest.mark.parametrize("conn_id, channel, fault", [("shopify_eu", "shopify-eu", "500"),
                                                     ("woo_uk", "woo-uk", "429")])
def test_a_storefront_failing_mid_run_stops_it_and_the_next_run_picks_up(ship, small_world, conn_id, channel, fault):
    world, shop, woo = ship
    first, second = open_orders(small_world, channel, 2)
    sandbox = shop if channel == "shopify-eu" else woo

    def name(o):
        return o["name"] if channel == "shopify-eu" else f"#{o['number']}"

    sales = [world.sell(channel, o["id"], name(o), lines_of(o)) for o in (first, second)]
    for sale in sales:
        world.ship(sale)
    # The first picking goes through (Shopify: read + create; WooCommerce: order, notes, note, status); then
    # the storefront fails every call past the client's retries.
    told = 2 if channel == "shopify-eu" else 4
    sandbox.faults.configure(type(sandbox.faults.plan)(fail_calls={told + i: fault for i in range(1, 6)},
                                                       retry_after=0.01))

    with pytest.raises(ChannelStopped):
        world.flow("run-1").push_channel(conn_id)
    metrics = world.store.metric_totals("fulfillment", "run-1")
    assert (metrics["fulfillments_created"], metrics["stopped"]) == (1, 1)

    again = world.flow("run-2").push_channel(conn_id)
    assert (again.fulfillments_created, again.skipped) == (1, 1)
    if channel == "shopify-eu":
        assert [shipped(shop_order(world, o)) for o in (first, second)] == [
            [(lines_of(o), "DHL", None)] for o in (first, second)]
    else:
        for o in (first, second):
            status, notes = woo_state(world, o)
            assert status == "completed" and len(ours(notes)) == 1


@pytest.mark.parametrize("conn_id, channel", [("shopify_eu", "shopify-eu"), ("woo_uk", "woo-uk")])
def test_a_tracking_number_typed_in_after_shipping_reaches_the_storefront(ship, small_world, conn_id, channel):
    world, _shop, _woo = ship
    [order] = open_orders(small_world, channel, 1)
    name = order["name"] if channel == "shopify-eu" else f"#{order['number']}"
    picking = world.ship(world.sell(channel, order["id"], name, lines_of(order)))       # no tracking yet
    world.flow("run-1").push_channel(conn_id)

    world.odoo("stock.picking", "write", [picking], {"carrier_tracking_ref": "LATE-42"})
    outcome = world.flow("run-2").push_channel(conn_id)

    assert (outcome.tracking_updated, outcome.fulfillments_created) == (1, 0)
    if channel == "shopify-eu":
        assert shipped(shop_order(world, order)) == [(lines_of(order), "DHL", "LATE-42")]
    else:
        notes = ours(woo_state(world, order)[1])
        assert len(notes) == 2 and notes[0].startswith("Tracking for ") and "LATE-42" in notes[0]
    again = world.flow("run-3").push_channel(conn_id)                                   # told: nothing more
    assert again.tracking_updated == 0
    if channel == "woo-uk":
        assert len(ours(woo_state(world, order)[1])) == 2


def test_woocommerce_dead_letters_what_the_store_cannot_take_and_completes_the_rest(ship, small_world):
    world, _shop, _woo = ship
    good, extra = open_orders(small_world, "woo-uk", 2)
    unbound = world.sell("woo-uk", None, "#W-9001", lines_of(good), bind=False)
    wrong_sku = world.sell("woo-uk", extra["id"], f"#{extra['number']}", {**lines_of(extra), "GIFT-WRAP": 1})
    fine = world.sell("woo-uk", good["id"], f"#{good['number']}", lines_of(good))
    pickings = {sale: world.ship(sale) for sale in (unbound, wrong_sku, fine)}

    outcome = world.flow().push_channel("woo_uk")

    reasons = {int(key.rsplit(":", 1)[1]): reason for key, reason in outcome.dead_lettered.items()}
    assert set(reasons) == {pickings[unbound], pickings[wrong_sku]}
    assert "has no order of woo-uk" in reasons[pickings[unbound]]
    assert "SKU GIFT-WRAP shipped by" in reasons[pickings[wrong_sku]] and f"#{extra['number']}" in \
        reasons[pickings[wrong_sku]]
    assert woo_state(world, extra) == ("processing", [])                  # no note, no status change
    status, notes = woo_state(world, good)
    assert status == "completed" and len(ours(notes)) == 1


def test_pickings_are_read_in_pages_and_the_watermark_follows_them(tmp_path, shopify, woo, small_world):
    world = start_ship_world(tmp_path / "paged", {"shopify_eu": shopify[0].url, "woo_uk": woo[0].url}, page_size=2)
    try:
        orders = open_orders(small_world, "woo-uk", 5, min_lines=1)
        pickings = [world.ship(world.sell("woo-uk", o["id"], f"#{o['number']}", lines_of(o))) for o in orders]
        world.sandbox.stats.reset()
        outcome = world.flow().push_channel("woo_uk")
        assert outcome.fulfillments_created == 5
        # Deliveries in 3 pages (2 + 2 + 1), each with its orders' done and open deliveries, then one read of the
        # tracked pickings (none): 10 reads of stock.picking, however many pickings a page holds.
        calls = world.sandbox.stats.snapshot()["by_call"]
        assert calls["stock.picking.search_read"]["calls"] == 3 * 3 + 1
        done = world.odoo("stock.picking", "read", pickings, ["date_done"])
        assert outcome.watermark == max(r["date_done"] for r in done).replace(" ", "T") + "Z"
        assert all(woo_state(world, o)[0] == "completed" for o in orders)
    finally:
        world.server.stop()


@pytest.mark.parametrize("version", [17, 19])
def test_partial_then_backorder_on_odoo_17_and_19(tmp_path, shopify, woo, small_world, version):
    world = start_ship_world(tmp_path / f"v{version}", {"shopify_eu": shopify[0].url, "woo_uk": woo[0].url},
                             version=version)
    try:
        [order] = open_orders(small_world, "shopify-eu", 1)
        lines = lines_of(order)
        sku = sorted(lines)[0]
        sale = world.sell("shopify-eu", order["id"], order["name"], lines)
        world.ship(sale, {sku: 1}, tracking=f"V{version}-1")
        world.flow("run-1").push_channel("shopify_eu")
        assert shop_order(world, order)["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
        world.ship(sale, tracking=f"V{version}-2")
        world.flow("run-2").push_channel("shopify_eu")
        node = shop_order(world, order)
        assert node["displayFulfillmentStatus"] == "FULFILLED"
        assert [units for units, _, _ in shipped(node)] == [
            {sku: 1}, {s: u - (1 if s == sku else 0) for s, u in lines.items() if u - (1 if s == sku else 0)}]
    finally:
        world.server.stop()

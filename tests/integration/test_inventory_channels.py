"""The inventory flow against the Shopify and WooCommerce sandboxes over HTTP: mismatches found per
warehouse × channel, corrections pushed (buffer applied, only changed levels, batched), and the channel
bad inputs of issue 12: a SKU Odoo does not have, 429/5xx mid-push, a level sold between read and push."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from retail_sync.channels.errors import ChannelRetryableError
from retail_sync.flows.inventory.compare import compare_levels
from retail_sync.flows.inventory.flow import channel_levels
from retail_sync.flows.inventory.push import push_shopify
from retail_sync.retry import RetryPolicy
from retail_sync.state import schema
from retail_sync_sandbox.faults import FaultPlan

from .inventory_fixtures import SHOPIFY_LOCATION, start_stock_world, stock_catalog

NINE = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)


@pytest.fixture
def channels(tmp_path, shopify, woo, small_world):
    world = start_stock_world(tmp_path, shopify[0].url, woo[0].url, buffer=1, page_size=500, push_batch=10)
    on_hand = stock_catalog(world, small_world)
    yield world, shopify[1], woo[1], on_hand
    world.server.stop()


def shown(world, conn_id: str) -> dict[str, int]:
    with world.connector(conn_id) as connector:
        levels = channel_levels(connector, world.settings.channel(conn_id))
    return dict(zip(levels["sku"].to_pylist(), levels["available"].to_pylist()))


def test_mismatches_are_reported_then_corrected_with_the_buffer(channels):
    world, shop, _woo, on_hand = channels
    before = shown(world, "shopify_eu")
    wanted = {sku: max(0, on_hand[sku] - 1) for sku in on_hand}      # Shopify keeps a buffer of 1
    differing = {sku for sku in on_hand if before.get(sku) is not None and before[sku] != wanted[sku]}
    assert len(differing) > 10

    flow = world.flow()
    snapshot = flow.take_snapshot(NINE)
    outcome = flow.correct_channel("shopify_eu", snapshot, verify=True)

    report = pq.read_table(outcome.report_path)
    rows = {r["sku"]: r for r in report.to_pylist()}
    assert set(rows) == differing and outcome.differing == len(differing)
    some = sorted(differing)[0]
    assert rows[some]["warehouse"] == "WH" and rows[some]["channel"] == "shopify-eu"
    assert rows[some]["odoo_available"] == on_hand[some] and rows[some]["target"] == wanted[some]
    assert rows[some]["difference"] == before[some] - wanted[some]
    assert outcome.push.pushed == len(differing) and outcome.remaining == 0
    assert outcome.push.calls == -(-len(differing) // 10)                # batches of 10, only changed levels
    after = shown(world, "shopify_eu")
    assert {sku: after[sku] for sku in differing} == {sku: wanted[sku] for sku in differing}
    assert {sku: after[sku] for sku in before if sku not in differing} == \
        {sku: before[sku] for sku in before if sku not in differing}

    with world.store.engine.connect() as conn:
        metrics = conn.execute(sa.select(schema.run_metrics.c.metric, schema.run_metrics.c.value,
                                         schema.run_metrics.c.labels)
                               .where(schema.run_metrics.c.metric == "mismatched_skus")).all()
    assert [(m.value, m.labels) for m in metrics] == [
        (len(differing), '{"channel": "shopify-eu", "kind": "level_differs", "warehouse": "WH"}')]

    again = world.flow("run-2").correct_channel("shopify_eu", snapshot)
    assert again.differing == 0 and again.push.pushed == 0 and again.push.calls == 0


def test_woocommerce_shows_the_sum_of_its_warehouses(channels):
    world, _shop, woo, on_hand = channels
    sku = sorted(on_hand)[0]
    world.count(world.products[sku], world.warehouses["ANT"]["lot_stock_id"], 4)
    flow = world.flow()
    outcome = flow.correct_channel("woo_uk", flow.take_snapshot(NINE), verify=True)
    assert outcome.remaining == 0 and outcome.push.pushed == outcome.differing > 0
    after = shown(world, "woo_uk")
    assert after == {s: on_hand[s] + (4 if s == sku else 0) for s in on_hand}
    report = pq.read_table(outcome.report_path).to_pylist()
    assert {r["warehouse"] for r in report} == {"ANT+WH"}


def test_a_channel_sku_odoo_does_not_have_is_reported_not_created(channels):
    world, _shop, _woo, on_hand = channels
    gone = sorted(on_hand)[-1]
    world.odoo("product.product", "write", [world.products[gone]], {"default_code": False})
    world.odoo("stock.quant", "unlink", world.odoo("stock.quant", "search", [["product_id", "=", world.products[gone]]]))
    before = shown(world, "shopify_eu")[gone]
    flow = world.flow()
    outcome = flow.correct_channel("shopify_eu", flow.take_snapshot(NINE))
    report = pq.read_table(outcome.report_path).to_pylist()
    unknown = [r for r in report if r["kind"] == "unknown_sku"]
    assert [(r["sku"], r["odoo_available"], r["target"], r["channel_available"]) for r in unknown] == [
        (gone, None, None, before)]
    assert outcome.unknown_skus == 1
    assert shown(world, "shopify_eu")[gone] == before                  # left as it was: not zeroed
    assert world.odoo("product.product", "search_count", [["default_code", "=", gone]]) == 0   # nor created


def test_a_level_sold_between_read_and_push_keeps_the_sale(channels):
    world, _shop, _woo, on_hand = channels
    flow = world.flow()
    snapshot = flow.take_snapshot(NINE)
    target = world.settings.channel("shopify_eu")
    good, skus = pq.read_table(snapshot.good_path), pq.read_table(snapshot.skus_path)["sku"]
    with world.connector("shopify_eu") as connector:
        report = compare_levels(good, good.schema.empty_table(), skus, channel_levels(connector, target), target,
                                "shopify-eu")
        sold = report.to_pylist()[0]
        # A customer buys one between our read and our push (the storefront's own write).
        assert connector.set_available(SHOPIFY_LOCATION, [(sold["inventory_item_id"], sold["channel_available"] - 1,
                                                           sold["channel_available"])]) == []
        result = push_shopify(connector, report, batch=10, attempts=3)
    assert result.kept_sales == 1 and result.gave_up == 0 and result.failed == {}
    after = shown(world, "shopify_eu")
    assert after[sold["sku"]] == max(0, sold["target"] - 1)             # the correction, less the sale
    others = [r for r in report.to_pylist() if r["sku"] != sold["sku"]]
    assert all(after[r["sku"]] == r["target"] for r in others)


def test_throttling_and_server_errors_mid_push_are_retried(channels):
    world, shop, _woo, _on_hand = channels
    flow = world.flow()
    snapshot = flow.take_snapshot(NINE)
    shop.faults.configure(FaultPlan(fail_calls={2: "429", 4: "500"}, retry_after=0.01))  # call 1 reads the levels
    outcome = flow.correct_channel("shopify_eu", snapshot, verify=True)
    assert outcome.remaining == 0 and outcome.push.pushed == outcome.differing
    assert outcome.push.calls == -(-outcome.differing // 10) + 2          # every batch once, the 2 refused again
    assert shop.faults.snapshot()["calls"] == outcome.push.calls + 2      # and the two full reads


def test_a_push_cut_short_is_resumed_without_pushing_anything_twice(channels):
    world, shop, _woo, _on_hand = channels
    flow = world.flow()
    snapshot = flow.take_snapshot(NINE)
    world.policy = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, budget_seconds=1)
    shop.faults.configure(FaultPlan(fail_calls={4: "503", 5: "503"}))   # the 3rd batch fails past its retry
    with pytest.raises(ChannelRetryableError):
        flow.correct_channel("shopify_eu", snapshot)
    first = pq.read_table(flow.run_dir / "mismatches-shopify-eu.parquet").to_pylist()
    differing = sum(r["kind"] == "level_differs" for r in first)
    assert differing > 20
    assert "levels_pushed" not in world.store.metrics("inventory", "run-1")   # the cut-short attempt

    world.policy = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, budget_seconds=1)
    retried = flow.correct_channel("shopify_eu", snapshot, verify=True)   # the task's retry
    assert retried.differing == differing - 20          # the two batches that went through are right already
    assert retried.push.pushed == retried.differing and retried.push.already_right == 0
    assert retried.remaining == 0


def test_woocommerce_throttled_mid_push_is_retried_and_each_level_written_once(channels):
    world, _shop, woo, _on_hand = channels
    settings = type(world.settings)(**{**world.settings.__dict__, "push_batch": 20})
    flow = world.flow(settings=settings)
    snapshot = flow.take_snapshot(NINE)
    woo.stats.reset()
    shown(world, "woo_uk")
    reads = woo.stats.snapshot()["calls"]                                 # one full stock pass
    woo.stats.reset()
    # The full pass first, then the batches: the 2nd batch call is throttled, the 3rd meets a 500.
    woo.faults.configure(FaultPlan(fail_calls={reads + 2: "429", reads + 4: "500"}, retry_after=0.01))
    outcome = flow.correct_channel("woo_uk", snapshot)
    assert outcome.push.pushed == outcome.differing > 20 and outcome.push.failed == {}
    batch_calls = woo.stats.snapshot()["by_call"]["batch"]
    # Every batch call once, the two refused ones again (variations are written per parent product).
    assert batch_calls["errors"] == 2 and batch_calls["calls"] == outcome.push.calls
    again = world.flow("run-2", settings=settings).correct_channel("woo_uk", snapshot)
    assert again.differing == 0 and again.push.pushed == 0


def test_a_push_whose_answer_was_lost_is_not_applied_twice(channels):
    world, shop, _woo, _on_hand = channels
    flow = world.flow()
    snapshot = flow.take_snapshot(NINE)
    # Call 1 reads the levels; call 2, the first batch, is applied by the shop but its answer lost (503).
    shop.faults.configure(FaultPlan(fail_calls={2: "503"}, after_commit=True))
    outcome = flow.correct_channel("shopify_eu", snapshot, verify=True)
    # The retried batch met its own writes (compare-and-set refused it); a re-read found them at their target.
    assert outcome.push.already_right == 10 and outcome.push.kept_sales == 0
    assert outcome.push.pushed == outcome.differing - 10 and outcome.remaining == 0

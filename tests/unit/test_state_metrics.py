"""Run metrics read back per run: summed over their labels, a re-recorded label set counted once."""

from __future__ import annotations

from retail_sync.state.store import StateStore


def test_metric_totals_sum_labels_and_keep_the_latest_recording_of_each(tmp_path):
    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    store.record_metrics("inventory", "run-1", {"levels_pushed": 5, "channel_calls": 1}, {"channel": "shop-a"})
    store.record_metrics("inventory", "run-1", {"levels_pushed": 7, "channel_calls": 2}, {"channel": "shop-b"})
    store.record_metrics("inventory", "run-1", {"levels_pushed": 6, "channel_calls": 3}, {"channel": "shop-a"})  # retry
    store.record_metrics("inventory", "run-2", {"levels_pushed": 100}, {"channel": "shop-a"})
    store.record_metrics("catalog", "run-1", {"levels_pushed": 1000})
    assert store.metric_totals("inventory", "run-1") == {"levels_pushed": 13.0, "channel_calls": 5.0}
    assert store.metric_totals("inventory", "run-3") == {}

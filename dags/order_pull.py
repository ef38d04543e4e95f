from __future__ import annotations

import os

import pendulum
from airflow.sdk import Asset, dag, task

from retail_sync.airflow.dag_defaults import dag_kwargs

ODOO_SALE_ORDERS = Asset("retail-sync://odoo/sale-orders")


@dag(
    schedule=os.environ.get("RETAIL_SYNC_ORDERS_SCHEDULE") or "* * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    description="Storefront orders → Odoo sale orders, every minute, one task per store",
    tags=["retail-sync", "orders", "odoo"],
    # A short schedule: a failed try is retried soon, and the next run would retry it anyway.
    **dag_kwargs(default_args_overrides={"retries": 2, "retry_delay": pendulum.duration(seconds=10)}),
)
def order_pull():
    """
    ### Order pull: storefront orders → Odoo sale orders

    Every minute (`$RETAIL_SYNC_ORDERS_SCHEDULE`) each store in `$RETAIL_SYNC_ORDERS_CHANNELS` (Airflow
    connection ids; one mapped task per store, so a failing store holds up no other) is read from its
    watermark, less an overlap window. Each order is validated (Great Expectations: required fields,
    quantities, prices, currency, email, SKUs known in Odoo, totals adding up); failing orders are
    quarantined with their payload and alerted, the rest load:

    - the customer is matched (channel key, then email, then phone + name) or created, with invoice and
      delivery addresses;
    - the sale order is created once (keyed by the order's external id), its total checked against the
      channel's; paid orders are confirmed, invoiced and paid in the gateway's journal; unpaid ones are held
      as quotations until a later pull sees them paid;
    - cancellations, refunds (credit notes) and edits follow.

    The watermark advances only past orders that have an outcome, so a run that fails half-way is picked up
    exactly where it stopped. Metrics per channel (orders loaded, held, quarantined, latency p50/p95) are
    kept in the state store.
    """

    @task
    def channels() -> list[str]:
        from retail_sync.airflow.tasks import orders

        return orders.channel_conn_ids()

    @task(outlets=[ODOO_SALE_ORDERS], pool="odoo_realtime", map_index_template="{{ task.op_kwargs['conn_id'] }}")
    def pull_channel(conn_id: str, run_id: str | None = None) -> dict:
        """One store's new and changed orders into Odoo."""
        from retail_sync.airflow.tasks import orders

        return orders.pull_channel(conn_id, run_id)

    pull_channel.expand(conn_id=channels())


order_pull()

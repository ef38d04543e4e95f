from __future__ import annotations

import os

import pendulum
from airflow.sdk import dag, task

from retail_sync.airflow.dag_defaults import dag_kwargs


@dag(
    schedule=os.environ.get("RETAIL_SYNC_FULFILLMENT_SCHEDULE") or "*/5 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    description="Push the deliveries validated in Odoo back to each storefront as fulfilments",
    tags=["retail-sync", "fulfillment", "odoo"],
    **dag_kwargs(),
)
def fulfillment_push():
    """
    ### Fulfilment push: Odoo deliveries → storefront fulfilments

    Every 5 minutes (`$RETAIL_SYNC_FULFILLMENT_SCHEDULE`), for each channel connection in
    `$RETAIL_SYNC_FULFILLMENT_CHANNELS`, the delivery pickings validated in Odoo for that channel's sale
    orders since the channel's watermark (on `date_done`, read again over an overlap window) become
    fulfilments for exactly the SKUs and quantities shipped, with the picking's carrier and tracking number:
    a partial delivery leaves the order partially fulfilled, its backorder completes it. Shopify through its
    fulfillment orders (what is left to fulfil is read before every write), WooCommerce through one order
    note per picking and the `completed` status once everything shipped. A re-run, or a run killed after the
    storefront answered, creates nothing twice.

    A picking that cannot be told (its order unknown to the channel, a product without SKU or not on the
    order) is dead-lettered with the reason and alerted; the others go on. A storefront that stops answering
    fails its task (retried), and the watermark stays before what was not told.
    """

    @task
    def channels() -> list[str]:
        from retail_sync.airflow.tasks import fulfillment

        return fulfillment.channel_conn_ids()

    @task(pool="odoo_realtime", map_index_template="{{ task.op_kwargs['conn_id'] }}")
    def push_channel(conn_id: str, run_id: str | None = None) -> dict:
        """One channel's shipments: a storefront that fails, fails alone."""
        from retail_sync.airflow.tasks import fulfillment

        return fulfillment.push_channel(conn_id, run_id)

    push_channel.expand(conn_id=channels())


fulfillment_push()

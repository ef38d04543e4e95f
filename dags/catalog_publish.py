from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, dag, task

ODOO_PRODUCTS = Asset("odoo://retail-sync/product.product", extra={"model": "product.product"})


@dag(
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["retail-sync", "catalog", "odoo"],
    default_args={
        "owner": "data-team",
        "retries": 3,
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=10),
        "pool": "odoo_batch",
    },
)
def catalog_publish():
    """
    ### Catalog publishing: merchandising feed → validated → Odoo products, variants and prices

    Drop a feed file (CSV, Parquet or JSON Lines; format in the README) into the landing folder
    (`$RETAIL_SYNC_CATALOG_LANDING`, default `$AIRFLOW_HOME/retail_sync/landing/catalog`). Every 15
    minutes each new file is validated with Great Expectations, its bad rows quarantined (and an alert
    sent), and its good rows published to Odoo through the `odoo_default` connection. Unchanged rows cost
    no Odoo call. Published files move to `processed/`, unreadable ones to `rejected/`, files whose
    batch gates failed (row count collapsed, too many bad rows) to `blocked/`.
    """

    @task
    def pending_feeds(run_id: str | None = None) -> list[str]:
        from retail_sync.airflow.tasks import catalog

        return catalog.pending_feeds(run_id)

    @task(outlets=[ODOO_PRODUCTS])
    def publish_feed(uri: str, run_id: str | None = None) -> dict:
        """One file's whole unit of work: a bad file fails its own task and no other file's."""
        from retail_sync.airflow.tasks import catalog

        return catalog.publish_feed(uri, run_id)

    publish_feed.expand(uri=pending_feeds())


catalog_publish()

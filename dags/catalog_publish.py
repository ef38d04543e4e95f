from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from retail_sync.airflow.dag_defaults import dag_kwargs, map_index_by_file

ODOO_PRODUCTS = Asset("odoo://retail-sync/product.product", extra={"model": "product.product"})


@dag(
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    description="Validate merchandising feed files and publish their products, variants and prices to Odoo",
    tags=["retail-sync", "catalog", "odoo"],
    **dag_kwargs(),
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

    @task(outlets=[ODOO_PRODUCTS], pool="odoo_batch", map_index_template=map_index_by_file("uri"))
    def publish_feed(uri: str, run_id: str | None = None) -> dict:
        """One file's whole unit of work: a bad file fails its own task and no other file's."""
        from retail_sync.airflow.tasks import catalog

        return catalog.publish_feed(uri, run_id)

    publish_feed.expand(uri=pending_feeds())


catalog_publish()

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task, task_group

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
    no Odoo call. Published files move to `processed/`, unreadable ones to `rejected/`.
    """

    @task
    def pending_feeds() -> list[str]:
        from retail_sync.airflow.tasks import catalog as catalog_tasks

        return catalog_tasks.pending_feeds()

    @task(map_index_template=map_index_by_file("uri"))
    def validate(uri: str, run_id: str | None = None) -> dict | None:
        from retail_sync.airflow.tasks import catalog as catalog_tasks

        return catalog_tasks.validate(uri, run_id)

    @task(outlets=[ODOO_PRODUCTS], pool="odoo_batch", map_index_template=map_index_by_file("validated"))
    def publish(validated: dict | None, run_id: str | None = None) -> dict:
        from retail_sync.airflow.tasks import catalog as catalog_tasks

        return catalog_tasks.publish(validated, run_id)

    @task_group
    def feed_file(uri: str):
        """One file's chain: a bad file fails its own tasks and no other file's."""
        publish(validate(uri))

    feed_file.expand(uri=pending_feeds())


catalog_publish()

"""`make demo`: the catalog job end to end on an embedded Airflow, against the sandboxes.

It starts the Odoo sandbox and a local mail sink, points Airflow's `odoo_default` and `smtp_default`
connections at them (environment variables, generated secrets), drops a generated merchandising
feed with some bad rows (and one unreadable file) into the landing folder, runs `catalog_publish`
with `dag.test()` on a SQLite metadata DB, and prints what happened. Then it runs again to show that
nothing is written twice.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from pathlib import Path

DEMO = Path(os.environ.get("RETAIL_SYNC_DEMO_DIR", ".demo")).resolve()
BAD_ROWS = [
    {"sku": "BAD-PRICE", "parent_key": "BAD1", "name": "Negative price", "category_path": "Apparel",
     "list_price": "-4.00", "currency": "EUR", "tax_class": "standard", "active": "true"},
    {"sku": "BAD-EAN", "parent_key": "BAD2", "name": "Broken barcode", "category_path": "Apparel",
     "list_price": "4.00", "currency": "EUR", "tax_class": "standard", "active": "true", "barcode": "4006381333932"},
    {"sku": "BAD-CUR", "parent_key": "BAD3", "name": "Unknown currency", "category_path": "Apparel",
     "list_price": "4.00", "currency": "EURO", "tax_class": "standard", "active": "true"},
    {"sku": "ops-contact@example.com", "parent_key": "BAD4", "name": "An email where a SKU belongs",
     "category_path": "Apparel", "list_price": "4.00", "currency": "EUR", "tax_class": "standard", "active": "true"},
]


def prepare_environment() -> None:
    if DEMO.exists():
        shutil.rmtree(DEMO)
    (DEMO / "airflow").mkdir(parents=True)
    os.environ.update({
        "AIRFLOW_HOME": str(DEMO / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(Path(__file__).resolve().parents[2] / "dags"),
        "RETAIL_SYNC_HOME": str(DEMO / "retail_sync"), "RETAIL_SYNC_ALERT_EMAILS": "ops@retail-sync.example",
    })


def main() -> None:
    prepare_environment()
    from .datagen.catalog import catalog_rows, write_catalog_csv
    from .mail_sink import RunningMailSink
    from .odoo.app import OdooSandbox, create_app
    from .odoo.seed import SeedCredentials
    from .serving import RunningServer

    api_key = secrets.token_hex(20)
    version = int(os.environ.get("ODOO_VERSION", "17"))
    sandbox = OdooSandbox(version, credentials=SeedCredentials(secrets.token_urlsafe(12), integration_api_key=api_key))
    with RunningServer(create_app(sandbox)) as odoo, RunningMailSink(DEMO / "mail") as mail:
        os.environ["AIRFLOW_CONN_ODOO_DEFAULT"] = json.dumps({
            "conn_type": "odoo", "host": odoo.url, "login": "retail-sync", "password": api_key,
            "extra": {"database": "odoo"}})
        os.environ["AIRFLOW_CONN_SMTP_DEFAULT"] = mail.connection_json()
        landing = DEMO / "retail_sync" / "landing" / "catalog"
        rows = catalog_rows(int(os.environ.get("DEMO_SKUS", "2000")), seed=7) + BAD_ROWS
        write_catalog_csv(landing / "merch-feed-2026-11-27.csv", rows)
        (landing / "merch-feed-truncated.csv").write_text("sku,name\n")
        print(f"Odoo {version} sandbox: {odoo.url}   mail sink: 127.0.0.1:{mail.port}")
        print(f"Feed: {len(rows)} rows ({len(BAD_ROWS)} bad) + one file with the wrong columns\n")

        from airflow.dag_processing.dagbag import DagBag
        from airflow.utils import db

        db.resetdb()
        dag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"]).get_dag("catalog_publish")
        run = dag.test()
        report(run, sandbox, mail, "First run")
        sandbox.stats.reset()
        write_catalog_csv(landing / "merch-feed-2026-11-27-resent.csv", list(reversed(rows)))
        second = dag.test()
        report(second, sandbox, mail, "Second run (the same rows, re-sent in another order)")
    print(f"\nEverything the demo wrote is under {DEMO}: the Airflow home, the staging folder with the"
          f" quarantine, Data Docs at {DEMO / 'retail_sync' / 'data_docs'}, and the emails in {DEMO / 'mail'}.")


def report(run, sandbox, mail, title: str) -> None:
    from retail_sync.state.store import StateStore

    print(f"=== {title}: DAG run {run.run_id} → {run.state}")
    if run.state == "failed":
        print("  (a file that cannot be read fails its own task group; the other files' tasks still ran)")
    for ti in sorted(run.get_task_instances(), key=lambda t: (t.map_index, t.task_id)):
        print(f"  {ti.task_id:<22} map {ti.map_index:>2}  {ti.state}")
    metrics = StateStore().metrics("catalog", run.run_id)
    print("  " + ", ".join(f"{k}={int(v)}" for k, v in metrics.items()))
    stats = sandbox.stats.snapshot()
    writes = sum(v["calls"] for k, v in stats["by_call"].items() if k.endswith((".load", ".create", ".write",
                                                                               ".unlink")))
    print(f"  Odoo RPC calls: {stats['calls']} ({writes} writing), records touched: {stats['records']}")
    db = sandbox.databases["odoo"]
    count = sandbox.service.call_kw(db, 1, "product.product", "search_count", [[["default_code", "!=", "SHIP"]]], {})
    print(f"  products in Odoo: {count}; open dead letters: {len(StateStore().dead_letters('catalog'))}")
    print(f"  emails delivered so far: {len(mail.messages)}")
    for message in mail.messages:
        print(f"    - {message['Subject']}")


if __name__ == "__main__":
    sys.exit(main())

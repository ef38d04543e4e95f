"""`make demo`: the catalog and inventory jobs end to end on an embedded Airflow, against the sandboxes.

It starts the Odoo sandbox and a local mail sink, points Airflow's `odoo_default` and `smtp_default`
connections at them (environment variables, generated secrets), drops a generated merchandising
feed with some bad rows (and one unreadable file) into the landing folder, runs `catalog_publish`
with `dag.test()` on a SQLite metadata DB, and prints what happened. Then it runs again to show that
nothing is written twice. Then Odoo's warehouse is stocked from the demo world and `inventory_snapshot`
runs against three storefront sandboxes (two Shopify stores, one WooCommerce), twice: the mismatches it
found and corrected, then none left (demo_inventory.py).

The console stays short: everything Airflow, Great Expectations and the sandboxes log goes to
`.demo/demo.log`; the console gets one table per run, built from the task instances (task, map index,
state) and the state store's run metrics, so it follows the DAG's shape whatever its tasks are called.
"""

from __future__ import annotations

import contextlib
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


def main() -> int:
    prepare_environment()
    log = DEMO / "demo.log"
    with console_to_file(log) as console:
        try:
            run_demo(console)
        except BaseException:
            console.write(f"\nThe demo failed; the traceback follows, the full log is {log}\n")
            raise
        console.write(f"\nLogs (Airflow, Great Expectations, sandboxes): {log}\n"
                      f"Everything else is under {DEMO}: the Airflow home, the staging folder with the quarantine,"
                      f" Data Docs at {DEMO / 'retail_sync' / 'data_docs'}, and the emails in {DEMO / 'mail'}.\n")
    return 0


@contextlib.contextmanager
def console_to_file(path: Path):
    """Point file descriptors 1 and 2 at `path` (so Airflow's, GX's and any child process's output lands
    there, whatever handler or stream they hold) and yield a stream to the real console."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    console = open(os.dup(1), "w", buffering=1, encoding="utf-8")  # noqa: SIM115 - closed below
    with path.open("ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield console
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, original in zip((1, 2), saved, strict=True):
            os.dup2(original, fd)
            os.close(original)
        console.close()


def run_demo(console) -> None:
    from .datagen.catalog import catalog_rows, write_catalog_csv
    from .datagen.world import build_world
    from .demo_inventory import run_inventory_demo, storefronts
    from .demo_orders import run_orders_demo
    from .demo_settlement import run_settlement_demo
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
        console.write(f"Odoo {version} sandbox: {odoo.url}   mail sink: 127.0.0.1:{mail.port}\n"
                      f"Feed: {len(rows)} rows ({len(BAD_ROWS)} bad) + one file with the wrong columns\n")

        from airflow.dag_processing.dagbag import DagBag
        from airflow.utils import db

        db.resetdb()
        dagbag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
        dag = dagbag.get_dag("catalog_publish")
        console.write(report(dag, dag.test(), sandbox, mail, "First run"))
        sandbox.stats.reset()
        write_catalog_csv(landing / "merch-feed-2026-11-27-resent.csv", list(reversed(rows)))
        seen = len(mail.messages)
        console.write(report(dag, dag.test(), sandbox, mail, "Second run (the same rows, re-sent in another order)",
                             emails_before=seen))
        sandbox.stats.reset()
        world = build_world(seed=7)
        with storefronts(world) as stores:
            run_inventory_demo(console, sandbox, world, dagbag, report, mail, DEMO / "retail_sync" / "staging")
            run_orders_demo(console, sandbox, world, stores, dagbag, report, mail)
        run_settlement_demo(console, sandbox, world, dagbag, report, mail)


def report(dag, run, sandbox, mail, title: str, flow: str = "catalog", emails_before: int = 0) -> str:
    """One run as a short table: its task instances, its metrics, what Odoo and the mail sink saw."""
    from retail_sync.state.store import StateStore

    lines = [f"\n=== {title}: {run.run_id} → {run.state}", f"  {'task':<24} {'map':<28} state"]
    order = {task_id: index for index, task_id in enumerate(dag.task_dict)}  # the order the DAG declares them
    for ti in sorted(run.get_task_instances(), key=lambda t: (order.get(t.task_id, len(order)), t.map_index)):
        mapped = "" if ti.map_index < 0 else (getattr(ti, "rendered_map_index", None) or str(ti.map_index))
        lines.append(f"  {ti.task_id:<24} {mapped[:28]:<28} {ti.state}")
    store = StateStore()
    # Totals over the run's labels (channels, files); percentiles do not add up, the flow's own lines show them.
    metrics = {k: v for k, v in store.metric_totals(flow, run.run_id).items() if not k.startswith("latency_")}
    lines.append("  metrics: " + (", ".join(f"{k}={v:g}" for k, v in metrics.items()) or "none"))
    stats = sandbox.stats.snapshot()
    writes = sum(v["calls"] for k, v in stats["by_call"].items() if k.endswith((".load", ".create", ".write",
                                                                               ".unlink")))
    count = sandbox.service.call_kw(sandbox.databases["odoo"], 1, "product.product", "search_count",
                                    [[["default_code", "!=", "SHIP"]]], {})
    lines.append(f"  Odoo: {stats['calls']} RPC calls ({writes} writing), {count} products;"
                 f" open {flow} dead letters: {len(store.dead_letters(flow))}")
    new = mail.messages[emails_before:]
    lines.append(f"  emails: {len(new)} new" + "".join(f"\n    - {m['Subject']}" for m in new))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

"""The demo's settlement part: the demo world's Stripe payouts reconciled with Odoo by `settlement_reconciliation`
(`dag.test()`, finance's params: the world's whole payout period, booked for real), and the summary finance
reads in the report email printed, with where the HTML report is.

Odoo holds the orders the order pull loaded during the demo; the world's older sales (paid before the demo's
backlog: order, posted invoice, Stripe payment naming the charge, credit notes and their refunds) are written
into the sandbox as the order flow would have left them (`odoo/settled_sales.py`). The world's planted
discrepancies — payouts whose transactions do not add up, charges with no order reference, refunds for orders
never in Odoo, and the charges of the orders the order pull quarantined — show up as the report's exceptions.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime

FINANCE = "finance@retail-sync.example"


def run_settlement_demo(console, sandbox, world, dagbag, report, mail) -> None:
    from .odoo.settled_sales import sales_from_world, seed_sales
    from .serving import RunningServer
    from .stripe.app import StripeSandbox
    from .stripe.app import create_app as stripe_app

    loaded = {(row["origin"], row["client_order_ref"]) for row in sandbox.service.call_kw(
        sandbox.databases["odoo"], 1, "sale.order", "search_read", [[], ["origin", "client_order_ref"]], {})}
    earlier = sales_from_world(world, skip_orders={f"{o['store']}:order:{o['id']}" for o in world.orders
                                                   if (o["store"], o["name"]) in loaded})
    seed_sales(sandbox.databases["odoo"], earlier)
    key = "sk_test_" + secrets.token_hex(16)
    with RunningServer(stripe_app(StripeSandbox(world, key))) as stripe:
        os.environ["AIRFLOW_CONN_STRIPE_DEFAULT"] = json.dumps({
            "conn_type": "stripe", "host": stripe.url, "password": key, "extra": {"channel": "stripe"}})
        os.environ["RETAIL_SYNC_FINANCE_EMAILS"] = FINANCE
        created = [datetime.fromtimestamp(p["created"], UTC).date() for p in world.stripe["payouts"]]
        first, last = min(created), max(created)
        console.write(f"\nSettlement: the world's {len(created)} Stripe payouts ({first} … {last}) reconciled with "
                      f"Odoo ({len(loaded)} orders from the order pull, {len(earlier)} earlier sales)\n")
        dag = dagbag.get_dag("settlement_reconciliation")
        seen = len(mail.messages)
        sandbox.stats.reset()
        run = dag.test(run_conf={"start_date": first.isoformat(), "end_date": last.isoformat(),
                                 "providers": ["stripe"], "dry_run": False})
        console.write(report(dag, run, sandbox, mail, "Settlement reconciliation (finance's period, booked)",
                             flow="settlement", emails_before=seen))
    outcomes = [ti.xcom_pull(task_ids="reconcile", map_indexes=ti.map_index) for ti in run.get_task_instances()
                if ti.task_id == "reconcile"]
    console.write(finance_summary(mail.messages[seen:], [o for o in outcomes if o]))


def finance_summary(messages, outcomes: list[dict]) -> str:
    """The summary finance reads in the report email (its text part, up to the list of exceptions), the lines
    per status, what was booked, and where the HTML report is."""
    lines = []
    for message in messages:
        if FINANCE in (message["To"] or "") and "Settlement report" in (message["Subject"] or ""):
            text = message.get_body(preferencelist=("plain",)).get_content()
            summary = text[:text.index("\nExceptions:")] if "\nExceptions:" in text else text
            lines.append(f"  emailed to {FINANCE}:")
            lines += [f"    {line}" for line in summary.splitlines() if line.strip()]
    for outcome in outcomes:
        statuses = ", ".join(f"{n} {status}" for status, n in outcome["statuses"].items() if n)
        booked = ", ".join(f"{status}={n}" for status, n in outcome["booked"].items())
        lines += [f"  {outcome['provider']} {outcome['window']}: {outcome['payouts']} payouts "
                  f"({outcome['invalid_payouts']} invalid), {outcome['transactions']} transactions: {statuses}",
                  f"  booking in Odoo: {booked}",
                  f"  exceptions: {outcome['report']['exceptions']}, each with its reason in the HTML report: "
                  f"{outcome['report']['html']}"]
    return "\n".join(lines or ["  the settlement run reported nothing"]) + "\n"

"""`make demo` (retail_sync_sandbox.demo) end to end on a small feed: the console holds only the summary —
one table per run built from the task instances and the state store's metrics — while Airflow's and Great
Expectations' logs go to demo.log in the demo folder. The catalog runs twice, then the inventory snapshot
corrects three storefronts and, run again, finds nothing left to push. Then the world's Stripe payouts are
reconciled: finance's summary on the console, the HTML report where the README says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from retail_sync_sandbox.datagen.world import build_world


@pytest.mark.long
def test_the_demo_console_is_a_short_summary_and_the_logs_go_to_a_file(tmp_path):
    folder = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(RETAIL_SYNC_DEMO_DIR=str(folder), DEMO_SKUS="40")
    done = subprocess.run([sys.executable, "-m", "retail_sync_sandbox.demo"], env=env, capture_output=True,
                          text=True, timeout=900, cwd=tmp_path)
    console = done.stdout + done.stderr
    assert done.returncode == 0, console[-3000:]
    lines = console.splitlines()
    assert len(lines) < 130, console
    assert not any("[info" in line or "[warning" in line or "Traceback" in line for line in lines), console
    first = lines.index(next(line for line in lines if line.startswith("=== First run")))
    assert lines[first].endswith("→ failed")  # the file with the wrong columns fails its own task
    table = lines[first + 2:lines.index(next(line for line in lines[first:] if line.startswith("  metrics:")))]
    states = [line.split()[-1] for line in table]
    assert states.count("failed") == 1 and "success" in states, table
    assert "rows_loaded=40" in console and "rows_quarantined=4" in console
    second = next(line for line in lines if line.startswith("=== Second run"))
    assert second.endswith("→ success") and "rows_loaded=0" in console
    inventory = console[console.index("=== Inventory snapshot and corrections"):]
    first_pass, second_pass = inventory.split("=== Inventory again")
    assert first_pass.splitlines()[0].endswith("→ success") and second_pass.splitlines()[0].endswith("→ success")
    corrected = [line.split() for line in first_pass.splitlines() if "level_differs" in line]
    assert {fields[1] for fields in corrected} == {"shopify-eu", "shopify-us", "woo-uk"}
    pushed = sum(int(fields[3]) for fields in corrected)
    assert f"levels_pushed={pushed}," in first_pass          # every differing level pushed, once
    assert "levels_pushed=0," in second_pass and "level_differs" not in second_pass
    orders = console[console.index("=== Order pull (the backlog"):]
    backlog, live = orders.split("=== Order pull again")
    live, shipping = live.split("=== Fulfillment push")
    assert backlog.splitlines()[0].endswith("→ success") and live.splitlines()[0].endswith("→ success")
    loaded = [int(re.search(r"orders this run: (\d+) loaded", part).group(1)) for part in (backlog, live)]
    assert all(n > 0 for n in loaded), orders                   # the backlog, then the live orders
    assert "quarantined" in backlog                             # the world's planted bad orders
    latency = [line.split() for line in live.splitlines() if line.strip().startswith("latency ")]
    assert {fields[1] for fields in latency} == {"shopify-eu", "shopify-us", "woo-uk"}, live
    assert shipping.splitlines()[0].endswith("→ success")
    created = int(re.search(r"fulfillments_created=(\d+)", shipping).group(1))
    shown = int(re.search(r"already_on_channel=(\d+)", shipping).group(1))
    assert created + shown > 0, shipping                        # the deliveries the warehouse validated
    assert_settlement_part(console[console.index("=== Settlement reconciliation"):], folder)
    log = (folder / "demo.log").read_text()
    assert "[DAG TEST]" in log and log.count("\n") > 5 * len(lines)


def assert_settlement_part(settlement: str, folder: Path) -> None:
    """The world's payouts with its planted discrepancies: the payouts whose transactions do not add up are
    invalid, the charges and refunds no order explains are missing in Odoo; the report is where the README
    says, `$RETAIL_SYNC_HOME/staging/settlement/runs/<run>/<provider>/<period>/report/…/settlement_summary.html`."""
    truth = build_world(seed=7).truth
    assert settlement.splitlines()[0].endswith("→ success"), settlement
    assert "emailed to finance@retail-sync.example" in settlement
    assert re.search(r"EUR: \d+ payout\(s\), paid out [\d,.]+; gross .* matched [\d.]+% \(\d+ of \d+\)", settlement)
    counts = re.search(r"stripe (\S+): (\d+) payouts \((\d+) invalid\), (\d+) transactions: (.*)", settlement)
    assert int(counts.group(3)) == len(truth["bad_payouts"]), settlement
    statuses = {status: int(n) for n, status in re.findall(r"(\d+) (\w+)", counts.group(5))}
    planted = len(truth["charges_without_order"]) + len(truth["refunds_for_unknown_orders"])
    assert statuses["matched"] > 0 and statuses["missing_in_odoo"] >= planted, settlement
    assert re.search(r"booking in Odoo: booked=[1-9]\d*, already_booked=\d+, skipped=\d+, failed=0", settlement)
    html = Path(re.search(r"HTML report: (\S+)", settlement).group(1))
    runs = folder / "retail_sync" / "staging" / "settlement" / "runs"
    assert html.is_file() and html.name == "settlement_summary.html", html
    assert html.relative_to(runs).parts[1:3] == ("stripe", counts.group(1)), html
    assert html.parent.parent.name == "report" and "Settlement report" in html.read_text()

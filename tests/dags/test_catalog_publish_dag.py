"""catalog_publish end to end in real Airflow: feed files in, Odoo products and alert emails out."""

from __future__ import annotations

from retail_sync_sandbox.faults import FaultPlan

HEADER = "sku,parent_key,name,category_path,list_price,currency,tax_class,active,attr_size"
ROWS = ["TEE-S,TEE,Organic tee,Apparel/Tops,19.90,EUR,standard,true,S",
        "TEE-M,TEE,Organic tee,Apparel/Tops,21.90,EUR,standard,true,M",
        "MUG,MUG,Mug,Home/Kitchen,8.00,EUR,reduced,true,",
        "CAP,CAP,Cap,Apparel,12.00,EUR,standard,true,",
        "bob@shop.example,X,Bad sku,Apparel,1.00,EUR,standard,true,"]


def product_codes(world) -> set[str]:
    db = world.sandbox.databases["odoo"]  # the sandbox runs in this process: read Odoo through its service
    rows = world.sandbox.service.call_kw(db, 1, "product.product", "search_read", [[["default_code", "!=", False]]],
                                         {"fields": ["default_code"]})
    return {r["default_code"] for r in rows}


def states(run) -> dict:
    return {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}


def test_feed_to_odoo_with_quarantine_alert_and_a_rejected_file(dagbag, dag_world):
    (dag_world.landing / "a-feed.csv").write_text("\n".join([HEADER, *ROWS]) + "\n")
    (dag_world.landing / "b-empty.csv").write_text("")
    dag = dagbag.get_dag("catalog_publish")
    run = dag.test()
    result = states(run)
    assert result[("publish_feed", 0)] == "success"
    assert result[("publish_feed", 1)] == "failed"        # the empty file, alone

    assert product_codes(dag_world) == {"SHIP", "TEE-S", "TEE-M", "MUG", "CAP"}

    subjects = sorted(m["Subject"] for m in dag_world.mail.messages)
    assert any("validation failed (quarantined rows) — 1 of 5 rows" in s for s in subjects)
    assert any("input file rejected — b-empty.csv" in s for s in subjects)
    alert = next(m for m in dag_world.mail.messages if "validation failed" in m["Subject"])
    body = alert.get_body(("html", "plain")).get_content()
    assert "b***@shop.example" in body and "bob@shop.example" not in body
    assert alert["To"] == "ops@example.com"
    assert sorted(p.name for p in (dag_world.landing / "processed").iterdir()) == ["a-feed.csv"]
    assert sorted(p.name for p in (dag_world.landing / "rejected").iterdir()) == ["b-empty.csv"]

    dag_world.sandbox.stats.reset()
    again = dag.test()
    assert again.state == "success"
    assert dag_world.sandbox.stats.snapshot()["calls"] == 0


def test_publish_retries_through_odoo_outage(dagbag, dag_world):
    (dag_world.landing / "feed.csv").write_text("\n".join([HEADER, *ROWS[:4]]) + "\n")
    dag_world.sandbox.faults.configure(FaultPlan(rate_503=0.3, retry_after=0.01, seed=11))
    run = dagbag.get_dag("catalog_publish").test()
    assert run.state == "success"
    answered = dag_world.sandbox.stats.snapshot()["calls"]
    assert dag_world.sandbox.faults.snapshot()["calls"] > answered > 0   # some calls met a 503 and were retried
    dag_world.sandbox.faults.configure(FaultPlan())
    assert product_codes(dag_world) == {"SHIP", "TEE-S", "TEE-M", "MUG", "CAP"}

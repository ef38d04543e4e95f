"""Operating the Odoo sandbox: fault injection, statistics, reset, rollback, concurrency, storage."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import xmlrpc.client

import httpx
import pytest
import sqlalchemy as sa

from retail_sync_sandbox.faults import FaultPlan
from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.serving import RunningServer

from ..contract.odoo_target import OdooTarget, RpcError

CREDS = SeedCredentials(admin_password="admin-pw", integration_password="pw", integration_api_key="key-" + "x" * 36)
CONTROL_TOKEN = "control-" + "t" * 24
CONTROL = {"X-Sandbox-Token": CONTROL_TOKEN}


@pytest.fixture
def running():
    started = []

    def start(version=17, **kw):
        sandbox = OdooSandbox(version, credentials=CREDS, control_token=CONTROL_TOKEN, **kw)
        server = RunningServer(create_app(sandbox)).start()
        started.append(server)
        target = OdooTarget(server.url, next(iter(sandbox.databases)), CREDS.integration_login,
                            CREDS.integration_api_key, version, is_sandbox=True)
        return sandbox, server, target

    yield start
    for server in started:
        server.stop()


def test_http_faults_429_and_5xx(running):
    _sandbox, server, odoo = running(faults=FaultPlan(fail_calls={2: "429", 3: "503", 4: "502", 5: "504"},
                                                      retry_after=2.5))
    odoo.jsonrpc("common", "version")  # call 1
    body = {"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "version", "args": []}}
    throttled = httpx.post(f"{server.url}/jsonrpc", json=body)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2.5"
    assert [httpx.post(f"{server.url}/jsonrpc", json=body).status_code for _ in range(3)] == [503, 502, 504]
    assert httpx.post(f"{server.url}/jsonrpc", json=body).status_code == 200


def test_in_band_serialization_failure_changes_nothing(running):
    sandbox, server, odoo = running()
    before = odoo.call("res.partner", "search_count", [])
    httpx.put(f"{server.url}/sandbox/faults", json={"fail_calls": {"1": "serialization"}}, headers=CONTROL)
    with pytest.raises(RpcError) as info:
        odoo.call("res.partner", "create", {"name": "Never"})
    assert info.value.name == "psycopg2.errors.SerializationFailure"
    assert odoo.call("res.partner", "search_count", []) == before


def test_after_commit_fault_loses_the_answer_not_the_write(running):
    sandbox, server, odoo = running()
    assert odoo.uid  # authenticate before the plan counts calls
    httpx.put(f"{server.url}/sandbox/faults", json={"fail_calls": {"1": "504"}, "after_commit": True}, headers=CONTROL)
    with pytest.raises(RpcError):
        try:
            odoo.call("res.partner", "create", {"name": "Written anyway"})
        except AssertionError as exc:  # the raw client asserts HTTP 200
            assert "504" in str(exc)
            raise RpcError({"message": "504"}) from None
    assert odoo.call("res.partner", "search_count", [["name", "=", "Written anyway"]]) == 1


def test_random_fault_rates_are_seeded_and_bounded(running):
    sandbox, server, _odoo = running(faults=FaultPlan(rate_503=0.3, seed=7))
    body = {"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "version", "args": []}}
    statuses = [httpx.post(f"{server.url}/jsonrpc", json=body).status_code for _ in range(200)]
    assert set(statuses) == {200, 503} and 30 < statuses.count(503) < 90
    assert httpx.put(f"{server.url}/sandbox/faults", json={"rate_503": 2}, headers=CONTROL).status_code == 400
    assert httpx.put(f"{server.url}/sandbox/faults", json={"bogus": 1}, headers=CONTROL).status_code == 400


def test_latency_per_call_and_per_record(running):
    sandbox, server, odoo = running()
    assert odoo.uid
    httpx.put(f"{server.url}/sandbox/faults", json={"latency_ms": 50, "latency_per_record_ms": 5}, headers=CONTROL)
    started = time.perf_counter()
    odoo.call("res.partner", "create", [{"name": f"L{i}"} for i in range(20)])
    assert time.perf_counter() - started >= 0.05 + 0.1


def test_stats_count_calls_time_and_records(running):
    sandbox, server, odoo = running()
    assert odoo.uid
    httpx.post(f"{server.url}/sandbox/stats/reset", headers=CONTROL)
    odoo.call("res.partner", "create", [{"name": f"S{i}"} for i in range(30)])
    odoo.call("res.partner", "search_read", [["name", "like", "S"]], ["name"])
    with pytest.raises(RpcError):
        odoo.call("res.partner", "create", {"bogus": 1})
    stats = httpx.get(f"{server.url}/sandbox/stats", headers=CONTROL).json()
    assert stats["by_call"]["res.partner.create"] == {**stats["by_call"]["res.partner.create"], "calls": 2,
                                                       "errors": 1, "records": 30}
    assert stats["by_call"]["res.partner.search_read"]["records"] >= 30
    assert stats["calls"] == 3


def test_reset_returns_to_the_seed(running):
    sandbox, server, odoo = running()
    seeded = odoo.call("res.partner", "search_count", [])
    odoo.call("res.partner", "create", {"name": "Temporary"})
    assert httpx.post(f"{server.url}/sandbox/reset", headers=CONTROL).json() == {"ok": True}
    odoo._uid = None
    assert odoo.call("res.partner", "search_count", []) == seeded


def test_an_error_anywhere_rolls_the_whole_call_back(running):
    sandbox, server, odoo = running()
    before = odoo.call("product.pricelist.item", "search_count", [])
    with pytest.raises(RpcError):
        odoo.call("product.pricelist", "create", {"name": "Half", "item_ids": [
            (0, 0, {"fixed_price": 1.0}), (0, 0, {"applied_on": "1_product"})]})  # second item lacks its product
    assert odoo.call("product.pricelist", "search_count", [["name", "=", "Half"]]) == 0
    assert odoo.call("product.pricelist.item", "search_count", []) == before


def test_several_databases(running):
    sandbox, server, odoo = running(databases=("shop_a", "shop_b"))
    a = OdooTarget(server.url, "shop_a", CREDS.integration_login, CREDS.integration_api_key, 17)
    b = OdooTarget(server.url, "shop_b", CREDS.integration_login, CREDS.integration_api_key, 17)
    a.call("res.partner", "create", {"name": "Only in A"})
    assert a.call("res.partner", "search_count", [["name", "=", "Only in A"]]) == 1
    assert b.call("res.partner", "search_count", [["name", "=", "Only in A"]]) == 0
    assert sorted(a.jsonrpc("db", "list")) == ["shop_a", "shop_b"]
    assert a.jsonrpc("common", "authenticate", "no_such_db", CREDS.integration_login, CREDS.integration_api_key,
                     {}) is False


def concurrent_writes(odoo: OdooTarget, record: int, writers: int = 4, each: int = 15) -> list[Exception]:
    """Writers hammering one row, each through the project's own client. On PostgreSQL a write that still
    loses after the server's own retries comes back as a SerializationFailure, which the client retries
    (as in production): every write must end applied, none may surface as an error."""
    from retail_sync.odoo.client import OdooClient, OdooConfig
    from retail_sync.retry import RetryPolicy

    errors: list[Exception] = []
    assert odoo.uid

    def writer(n: int) -> None:
        client = OdooClient(OdooConfig(odoo.url, odoo.db, odoo.login, odoo.secret, odoo.version),
                            policy=RetryPolicy(max_attempts=8, base_delay=0.05, max_delay=1.0, budget_seconds=30))
        for i in range(each):
            try:
                client.call("res.partner", "write", [record], {"comment": f"writer {n} pass {i}"})
            except Exception as exc:  # collected and asserted on below
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_clients_writing_one_record_sqlite(running):
    sandbox, server, odoo = running()
    record = odoo.call("res.partner", "create", {"name": "Contended"})
    assert concurrent_writes(odoo, record) == []
    comment = odoo.call("res.partner", "read", [record], ["comment"])[0]["comment"]
    assert comment.startswith("writer ") and comment.endswith("pass 14")


def test_postgresql_backend_and_real_serialization_conflicts(running, postgres_server):
    url = postgres_server("odoo_sandbox")
    sandbox, server, odoo = running(version=18, db_url=url)
    record = odoo.call("res.partner", "create", {"name": "Contended on PG"})
    assert concurrent_writes(odoo, record) == []
    assert odoo.call("res.partner", "read", [record], ["comment"])[0]["comment"].endswith("pass 14")
    # Two transactions that both read then write the same row: REPEATABLE READ makes one fail with
    # 40001, and the server retries it as Odoo's retrying() does, so both calls succeed.
    db = sandbox.databases["odoo"]
    barrier, attempts = threading.Barrier(2), []

    def bump(env):
        attempts.append(1)
        table = env["res.partner"].table
        current = env.conn.scalar(sa.select(table.c.customer_rank).where(table.c.id == record))
        if len(attempts) <= 2:
            barrier.wait(timeout=10)
        env.conn.execute(sa.update(table).where(table.c.id == record).values(customer_rank=current + 1))

    threads = [threading.Thread(target=db.run, args=(1, None, bump)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(attempts) == 3  # one retry
    assert odoo.call("res.partner", "read", [record], ["customer_rank"])[0]["customer_rank"] == 2


def test_postgresql_contract_basics(running, postgres_server):
    sandbox, server, odoo = running(version=19, db_url=postgres_server("odoo19"))
    template = odoo.call("product.template", "create", {"name": "On PG", "type": "consu", "is_storable": True})
    assert odoo.call("product.product", "search_count", [["product_tmpl_id", "=", template]]) == 1
    with pytest.raises(RpcError) as info:
        odoo.call("product.template", "create", {"list_price": 1.0})
    assert info.value.name == "odoo.exceptions.ValidationError"
    result = odoo.call("product.template", "load", ["id", "name"], [["retail_sync.pg_1", "Loaded on PG"]])
    assert result["messages"] == [] and odoo.call("product.template", "load", ["id", "name"],
                                                  [["retail_sync.pg_1", "Loaded on PG"]])["ids"] == result["ids"]


def test_file_database_keeps_data_across_restarts(tmp_path):
    url = f"sqlite:///{tmp_path}/odoo.sqlite"
    first = OdooSandbox(17, db_url=url, credentials=CREDS)
    with RunningServer(create_app(first)) as server:
        OdooTarget(server.url, "odoo", CREDS.integration_login, CREDS.integration_api_key, 17).call(
            "res.partner", "create", {"name": "Persisted"})
    second = OdooSandbox(17, db_url=url, credentials=CREDS)
    with RunningServer(create_app(second)) as server:
        target = OdooTarget(server.url, "odoo", CREDS.integration_login, CREDS.integration_api_key, 17)
        assert target.call("res.partner", "search_count", [["name", "=", "Persisted"]]) == 1


def test_command_line_server(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"ODOO_SANDBOX_ADMIN_PASSWORD": "a", "ODOO_SANDBOX_PASSWORD": "p", "ODOO_SANDBOX_API_KEY": "cli-key",
           "SANDBOX_CONTROL_TOKEN": CONTROL_TOKEN, "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen([sys.executable, "-m", "retail_sync_sandbox", "odoo", "--port", str(port),
                                "--version", "18", "--seed", "demo", "--faults", '{"latency_ms": 1}'],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/sandbox/health").json()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
                time.sleep(0.2)
        assert health == {"status": "ok", "product": "odoo", "version": 18, "databases": ["odoo"]}
        models = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/xmlrpc/2/common")
        assert isinstance(models.authenticate("odoo", "retail-sync", "cli-key", {}), int)
        assert httpx.get(f"http://127.0.0.1:{port}/sandbox/faults", headers=CONTROL).json()["plan"]["latency_ms"] == 1
    finally:
        process.terminate()
        process.wait(timeout=10)

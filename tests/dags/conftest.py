"""DAG tests run real Airflow (`dag.test()`) on a throwaway SQLite metadata DB, against the Odoo
sandbox over HTTP and a real SMTP server on loopback; connections come from AIRFLOW_CONN_* variables."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from retail_sync_sandbox.mail_sink import RunningMailSink
from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.serving import RunningServer

API_KEY = "dag-tests-" + "d" * 30


@pytest.fixture(scope="session")
def airflow_db():
    from airflow.utils import db

    db.resetdb()


@pytest.fixture(scope="session")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(Path(__file__).resolve().parents[2] / "dags"))


@dataclass
class DagWorld:
    sandbox: OdooSandbox
    mail: RunningMailSink
    landing: Path
    home: Path


@pytest.fixture
def dag_world(tmp_path, monkeypatch, airflow_db):
    sandbox = OdooSandbox(18, credentials=SeedCredentials("admin", integration_api_key=API_KEY))
    with RunningServer(create_app(sandbox)) as server, RunningMailSink() as mail:
        monkeypatch.setenv("AIRFLOW_CONN_ODOO_DEFAULT", json.dumps({
            "conn_type": "odoo", "host": server.url, "login": "retail-sync", "password": API_KEY,
            "extra": {"database": "odoo"}}))
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", mail.connection_json())
        monkeypatch.setenv("RETAIL_SYNC_HOME", str(tmp_path / "rs"))
        monkeypatch.setenv("RETAIL_SYNC_STATE_URL", f"sqlite:///{tmp_path}/state.sqlite")
        monkeypatch.setenv("RETAIL_SYNC_ALERT_EMAILS", "ops@example.com")
        landing = tmp_path / "rs" / "landing" / "catalog"
        landing.mkdir(parents=True)
        yield DagWorld(sandbox, mail, landing, tmp_path)

"""`OdooHook`: an Airflow connection of type "odoo" turned into a retail-sync `OdooClient`.

Connection fields (declared in `retail_sync.airflow.provider`): host = URL, port (when the URL has none),
login, password = API key (masked like any password), extras database / version (auto|17|18|19) /
protocol (auto|jsonrpc|json2) / timeout.
"""

from __future__ import annotations

from functools import cached_property

from airflow.sdk import BaseHook

from retail_sync.airflow.hooks.connection_fields import service_url, timeout_seconds
from retail_sync.odoo.client import DEFAULT_TIMEOUT, OdooClient, OdooConfig


class OdooHook(BaseHook):
    conn_name_attr = "odoo_conn_id"
    default_conn_name = "odoo_default"
    conn_type = "odoo"
    hook_name = "Odoo"

    def __init__(self, odoo_conn_id: str = default_conn_name):
        super().__init__()
        self.odoo_conn_id = odoo_conn_id

    @cached_property
    def config(self) -> OdooConfig:
        conn = self.get_connection(self.odoo_conn_id)
        extra = conn.extra_dejson
        version = str(extra.get("version") or "auto")
        if not extra.get("database"):
            raise ValueError(f"Airflow connection {self.odoo_conn_id!r} has no 'database' extra")
        return OdooConfig(url=service_url(conn), database=extra["database"], login=conn.login or "",
                          api_key=conn.password or "", version=None if version == "auto" else int(version),
                          protocol=str(extra.get("protocol") or "auto"), timeout=timeout_seconds(conn, DEFAULT_TIMEOUT))

    def get_conn(self) -> OdooClient:
        return OdooClient(self.config)

    def test_connection(self) -> tuple[bool, str]:
        with self.get_conn() as client:
            return True, f"Odoo {client.version} answered; uid {client.uid}"

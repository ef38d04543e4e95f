"""`OdooHook`: an Airflow connection of type "odoo" turned into a retail-sync `OdooClient`.

Connection fields: host = URL, login, password = API key (masked like any password), extras
database / version (auto|17|18|19) / protocol (auto|jsonrpc|json2) / timeout.
"""

from __future__ import annotations

from functools import cached_property

from airflow.sdk import BaseHook

from retail_sync.odoo.client import OdooClient, OdooConfig


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
        url = conn.host or ""
        if "://" not in url:
            url = f"https://{url}" + (f":{conn.port}" if conn.port else "")
        version = str(extra.get("version") or "auto")
        if not extra.get("database"):
            raise ValueError(f"Airflow connection {self.odoo_conn_id!r} has no 'database' extra")
        return OdooConfig(url=url, database=extra["database"], login=conn.login or "", api_key=conn.password or "",
                          version=None if version == "auto" else int(version),
                          protocol=str(extra.get("protocol") or "auto"), timeout=float(extra.get("timeout") or 60))

    def get_conn(self) -> OdooClient:
        return OdooClient(self.config)

    def test_connection(self) -> tuple[bool, str]:
        with self.get_conn() as client:
            return True, f"Odoo {client.version} answered; uid {client.uid}"

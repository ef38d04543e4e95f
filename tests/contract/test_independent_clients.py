"""Odoo RPC libraries nobody on the team wrote, from PyPI, run against the target (sandbox 17/18/19
or a real Odoo): each logs in, checks a model exists the way it does, reads, creates and writes.

OdooRPC speaks JSON-RPC (/web/session/authenticate, /web/webclient/version_info, ir.model for
`model in env`), ERPpeek the legacy /xmlrpc/<service> routes, odoo-client-lib both /jsonrpc and
/xmlrpc/2 (and JSON-2 on 19)."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import erppeek
import odoolib
import odoorpc
import pytest


def host_port(odoo) -> tuple[str, int]:
    parts = urlsplit(odoo.url)
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def test_odoorpc(odoo):
    if not odoo.password:
        pytest.skip("OdooRPC logs in through the web session: set ODOO_CONTRACT_PASSWORD")
    host, port = host_port(odoo)
    client = odoorpc.ODOO(host, port=port, protocol="jsonrpc+ssl" if odoo.url.startswith("https") else "jsonrpc")
    assert client.version.startswith(str(odoo.version))
    client.login(odoo.db, odoo.login, odoo.password)
    assert client.env.uid == odoo.uid
    assert "res.partner" in client.env and "no.such.model" not in client.env
    partners = client.env["res.partner"]
    name = unique("OdooRPC")
    new_id = partners.create({"name": name})
    partners.write([new_id], {"ref": "odoorpc"})
    [row] = partners.search_read([("id", "=", new_id)], ["name", "ref"])
    assert row == {"id": new_id, "name": name, "ref": "odoorpc"}
    assert partners.browse(new_id).name == name


def test_erppeek_over_legacy_xmlrpc(odoo):
    client = erppeek.Client(odoo.url, odoo.db, odoo.login, odoo.secret)
    assert client.server_version.startswith(str(odoo.version))
    assert client.model("res.partner", check=True) is not None
    name = unique("ERPpeek")
    record = client.model("res.partner").create({"name": name})
    client.write("res.partner", [record.id], {"ref": "erppeek"})
    assert client.read("res.partner", [("id", "=", record.id)], "ref") == ["erppeek"]
    rows = client.execute("res.partner", "search_read", [("id", "=", record.id)], ["name"])
    assert rows == [{"id": record.id, "name": name}]


@pytest.mark.parametrize("protocol", ["jsonrpc", "xmlrpc", "json2"])
def test_odoo_client_lib(odoo, protocol):
    if protocol == "json2" and odoo.version < 19:
        pytest.skip("JSON-2 exists from Odoo 19 on")
    host, port = host_port(odoo)
    connection = odoolib.get_connection(hostname=host, port=port, database=odoo.db, login=odoo.login,
                                        password=odoo.secret, protocol=protocol)
    connection.check_login()
    if protocol != "json2":  # JSON-2 sends the key on every call; there is no uid to keep
        assert connection.user_id == odoo.uid
    partners = connection.get_model("res.partner")
    name = unique(f"odoo-client-lib {protocol}")
    new_id = partners.create({"name": name})
    new_id = new_id[0] if isinstance(new_id, list) else new_id
    partners.write([new_id], {"ref": protocol})
    rows = partners.search_read([("id", "=", new_id)], ["name", "ref"])
    assert rows == [{"id": new_id, "name": name, "ref": protocol}]

"""Odoo's own external-API documentation examples (XML-RPC, Python's xmlrpc.client), run unchanged.

They log in as an administrator, as the documentation does; against a real Odoo set
ODOO_CONTRACT_ADMIN_LOGIN and ODOO_CONTRACT_ADMIN_PASSWORD.
"""

from __future__ import annotations

import xmlrpc.client

import pytest


def test_documented_xmlrpc_walkthrough(odoo):
    if not odoo.admin_password:
        pytest.skip("set ODOO_CONTRACT_ADMIN_LOGIN and ODOO_CONTRACT_ADMIN_PASSWORD to run the documented examples")
    url, db, username, password = odoo.url, odoo.db, odoo.admin_login, odoo.admin_password

    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    assert common.version()["server_version_info"][0] == odoo.version
    uid = common.authenticate(db, username, password, {})
    assert isinstance(uid, int)

    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    if odoo.version < 19:
        assert models.execute_kw(db, uid, password, "res.partner", "check_access_rights", ["read"],
                                 {"raise_exception": False}) is True
    else:
        assert models.execute_kw(db, uid, password, "res.partner", "has_access", [[], "read"]) is True

    companies = models.execute_kw(db, uid, password, "res.partner", "search", [[["is_company", "=", True]]])
    assert companies and all(isinstance(i, int) for i in companies)
    page = models.execute_kw(db, uid, password, "res.partner", "search", [[["is_company", "=", True]]],
                             {"offset": 0, "limit": 5})
    assert page == companies[:5]
    count = models.execute_kw(db, uid, password, "res.partner", "search_count", [[["is_company", "=", True]]])
    assert count == len(companies)

    ids = models.execute_kw(db, uid, password, "res.partner", "search", [[["is_company", "=", True]]], {"limit": 1})
    [record] = models.execute_kw(db, uid, password, "res.partner", "read", [ids])
    assert record["id"] == ids[0] and "name" in record and len(record) > 20
    [short] = models.execute_kw(db, uid, password, "res.partner", "read", [ids],
                                {"fields": ["name", "country_id", "comment"]})
    assert set(short) == {"id", "name", "country_id", "comment"}

    fields = models.execute_kw(db, uid, password, "res.partner", "fields_get", [],
                               {"attributes": ["string", "help", "type"]})
    assert fields["name"]["type"] == "char" and set(fields["name"]) == {"string", "help", "type"}

    rows = models.execute_kw(db, uid, password, "res.partner", "search_read", [[["is_company", "=", True]]],
                             {"fields": ["name", "country_id", "comment"], "limit": 5})
    assert len(rows) == min(5, count)

    new_id = models.execute_kw(db, uid, password, "res.partner", "create", [{"name": "New Partner"}])
    assert isinstance(new_id, int)
    models.execute_kw(db, uid, password, "res.partner", "write", [[new_id], {"name": "Newer partner"}])
    [named] = models.execute_kw(db, uid, password, "res.partner", "read", [[new_id], ["display_name"]])
    assert named["display_name"] == "Newer partner"
    models.execute_kw(db, uid, password, "res.partner", "unlink", [[new_id]])
    assert models.execute_kw(db, uid, password, "res.partner", "search", [[["id", "=", new_id]]]) == []

"""Routes real Odoo clients use besides /jsonrpc and /xmlrpc/2: the legacy /xmlrpc/<service>,
/web/webclient/version_info, /web/session/get_session_info, and the models clients read to find
their way (ir.model, ir.model.fields, res.lang, decimal.precision)."""

from __future__ import annotations

import xmlrpc.client

import httpx
import pytest

from .odoo_target import RpcError


def envelope(params: dict | None = None) -> dict:
    return {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params or {}}


def test_legacy_xmlrpc_routes_answer_like_version_2(odoo):
    common = xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/common")
    assert common.version()["server_version_info"][0] == odoo.version
    uid = common.authenticate(odoo.db, odoo.login, odoo.secret, {})
    assert uid == odoo.uid
    objects = xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/object")
    count = objects.execute_kw(odoo.db, uid, odoo.secret, "res.partner", "search_count", [[]])
    assert count == odoo.call("res.partner", "search_count", [])
    assert odoo.db in xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/db").list()


def test_legacy_xmlrpc_faults_carry_string_codes(odoo):
    objects = xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/object")
    with pytest.raises(xmlrpc.client.Fault) as missing:
        objects.execute_kw(odoo.db, odoo.uid, odoo.secret, "res.partner", "read", [[987_654_321], ["name"]])
    assert missing.value.faultCode.startswith("warning -- MissingError")
    with pytest.raises(xmlrpc.client.Fault) as denied:
        objects.execute_kw(odoo.db, odoo.uid, "wrong-secret", "res.partner", "search", [[]])
    assert denied.value.faultCode == "AccessDenied"
    with pytest.raises(xmlrpc.client.Fault) as numbered:  # the /xmlrpc/2 route keeps integer codes
        odoo.xmlrpc("object").execute_kw(odoo.db, odoo.uid, "wrong-secret", "res.partner", "search", [[]])
    assert numbered.value.faultCode == 3


def test_webclient_version_info(odoo):
    answer = httpx.post(f"{odoo.url}/web/webclient/version_info", json=envelope()).json()
    assert answer["result"]["server_version_info"][0] == odoo.version
    assert answer["result"]["server_serie"].startswith(str(odoo.version))


def test_get_session_info_needs_a_session(odoo):
    if not odoo.password:
        pytest.skip("the web session needs the integration user's password: set ODOO_CONTRACT_PASSWORD")
    with httpx.Client(base_url=odoo.url) as web:
        expired = web.post("/web/session/get_session_info", json=envelope()).json()
        assert expired["error"]["code"] == 100
        login = web.post("/web/session/authenticate",
                         json=envelope({"db": odoo.db, "login": odoo.login, "password": odoo.password})).json()
        assert login["result"]["uid"] == odoo.uid
        info = web.post("/web/session/get_session_info", json=envelope()).json()["result"]
    assert info["uid"] == odoo.uid and info["db"] == odoo.db and info["username"] == odoo.login
    assert info["is_system"] is False and info["user_context"]["uid"] == odoo.uid
    assert info["server_version_info"][0] == odoo.version


def test_ir_model_and_fields_tell_which_models_exist(odoo):
    [partner] = odoo.call("ir.model", "search_read", [["model", "=", "res.partner"]], ["model", "name"])
    assert partner["name"] == "Contact"
    assert odoo.call("ir.model", "search_count", [["model", "=", "no.such.model"]]) == 0
    fields = odoo.call("ir.model.fields", "search_read", [["model", "=", "res.partner"], ["name", "=", "country_id"]],
                       ["ttype", "relation", "model_id"])
    assert [(f["ttype"], f["relation"], f["model_id"][0]) for f in fields] == [("many2one", "res.country",
                                                                                  partner["id"])]
    with pytest.raises(RpcError) as info:  # read-only for internal users
        odoo.call("ir.model", "write", [partner["id"]], {"name": "Renamed"})
    assert info.value.name == "odoo.exceptions.AccessError"


def test_languages_are_readable(odoo):
    [english] = odoo.call("res.lang", "search_read", [["code", "=", "en_US"]], ["name", "active", "iso_code"])
    assert english["active"] is True and english["iso_code"] == "en"


def test_decimal_precisions_as_the_product_module_ships_them(odoo):
    rows = odoo.call("decimal.precision", "search_read", [], ["name", "digits"])
    digits = {row["name"]: row["digits"] for row in rows}
    assert digits["Product Price"] == 2 and digits["Discount"] == 2 and digits["Stock Weight"] == 2
    assert digits["Product Unit" if odoo.version >= 19 else "Product Unit of Measure"] in (2, 3)
    with pytest.raises(RpcError) as info:
        odoo.call("decimal.precision", "write", [rows[0]["id"]], {"digits": 4})
    assert info.value.name == "odoo.exceptions.AccessError"

"""Envelopes and error shapes of every protocol, per class of error (JSON-RPC, XML-RPC, web, JSON-2)."""

from __future__ import annotations

import uuid
import xmlrpc.client

import httpx
import pytest

from .odoo_target import RpcError


def test_version_over_jsonrpc_and_xmlrpc(odoo):
    info = odoo.jsonrpc("common", "version")
    assert info["server_version_info"][0] == odoo.version
    assert info["protocol_version"] == 1
    assert odoo.xmlrpc("common").version()["server_serie"] == info["server_serie"]


def test_authenticate_returns_uid_or_false(odoo):
    assert isinstance(odoo.jsonrpc("common", "authenticate", odoo.db, odoo.login, odoo.secret, {}), int)
    assert odoo.jsonrpc("common", "authenticate", odoo.db, odoo.login, "wrong", {}) is False
    assert odoo.xmlrpc("common").login(odoo.db, odoo.login, "wrong") is False


def test_bad_password_on_object_call_is_access_denied(odoo):
    with pytest.raises(RpcError) as info:
        odoo.jsonrpc("object", "execute_kw", odoo.db, odoo.uid, "wrong", "res.partner", "search", [[]], {})
    assert info.value.name == "odoo.exceptions.AccessDenied"
    assert info.value.error["message"] == "Odoo Server Error"
    assert set(info.value.error["data"]) >= {"name", "debug", "message", "arguments", "context"}
    with pytest.raises(xmlrpc.client.Fault) as fault:
        odoo.xmlrpc("object").execute_kw(odoo.db, odoo.uid, "wrong", "res.partner", "search", [[]])
    assert fault.value.faultCode == 3


def test_jsonrpc_error_code_by_version(odoo):
    payload = odoo.jsonrpc_raw("object", "execute_kw", odoo.db, odoo.uid, "wrong", "res.partner", "search", [[]])
    # 17 sends 200 and 19 sends 0; 18's value is not confirmed in the sources, so either is accepted.
    expected = {17: {200}, 19: {0}}.get(odoo.version, {0, 200})
    assert payload["error"]["code"] in expected


@pytest.mark.parametrize("bad, name, fault_code", [
    (("no.such.model", "search", [[]]), "odoo.exceptions.UserError", 2),
    (("res.partner", "create", [{"name": "x", "no_such_field": 1}]), "builtins.ValueError", 1),
    (("res.partner", "create", [{"name": "x", "parent_id": "not an id"}]), "builtins.ValueError", 1),
    (("product.template", "create", [{"list_price": 3.0}]), "odoo.exceptions.ValidationError", 2),
    (("res.partner", "_search", [[]]), "odoo.exceptions.AccessError", 4),
    (("res.partner", "search", [[["name", "no-such-op", "x"]]]), "builtins.ValueError", 1),
    (("res.partner", "search", [[["no_such_field", "=", "x"]]]), "builtins.ValueError", 1),
    (("res.partner", "no_such_method", []), "builtins.AttributeError", 1),
    (("res.groups", "write", [[1], {"name": "x"}]), "odoo.exceptions.AccessError", 4),
    (("res.partner", "read", [[999_999], ["name"]]), "odoo.exceptions.MissingError", 2),
])
def test_error_classes_and_fault_codes(odoo, bad, name, fault_code):
    model, method, args = bad
    with pytest.raises(RpcError) as info:
        odoo.call(model, method, *args)
    assert info.value.name == name, info.value.error
    with pytest.raises(xmlrpc.client.Fault) as fault:
        odoo.xmlrpc_call(model, method, *args)
    assert fault.value.faultCode == fault_code


def test_missing_required_field_names_model_and_field(odoo):
    with pytest.raises(RpcError) as info:
        odoo.call("product.template", "create", {"list_price": 3.0})
    message = info.value.error["data"]["message"]
    assert "a mandatory field is not set" in message
    assert "(product.template)" in message and "(name)" in message


def test_integration_user_cannot_delete_partners(odoo):
    partner = odoo.call("res.partner", "create", {"name": f"Keep {uuid.uuid4()}"})
    with pytest.raises(RpcError) as info:
        odoo.call("res.partner", "unlink", [partner])
    assert info.value.name == "odoo.exceptions.AccessError"
    assert odoo.call("res.partner", "search_count", [["id", "=", partner]]) == 1


def test_none_result_is_omitted_in_jsonrpc_and_unmarshallable_in_xmlrpc(odoo):
    product = odoo.call("product.product", "create", {"name": f"Counted {uuid.uuid4()}", **odoo.storable()})
    stock = odoo.call("stock.location", "search", [["usage", "=", "internal"]], limit=1)[0]
    quant = odoo.call("stock.quant", "create", {"product_id": product, "location_id": stock,
                                                "inventory_quantity": 7}, context={"inventory_mode": True})
    payload = odoo.jsonrpc_raw("object", "execute_kw", odoo.db, odoo.uid, odoo.secret, "stock.quant",
                               "action_apply_inventory", [[quant]], {})
    assert "error" not in payload
    if odoo.version < 19:
        assert "result" not in payload
    assert odoo.call("product.product", "read", [product], ["qty_available"])[0]["qty_available"] == 7
    quant2 = odoo.call("stock.quant", "create", {"product_id": product, "location_id": stock,
                                                 "inventory_quantity": 9}, context={"inventory_mode": True})
    assert quant2 == quant  # inventory mode updates the existing quant
    with pytest.raises(xmlrpc.client.Fault) as fault:
        odoo.xmlrpc_call("stock.quant", "action_apply_inventory", [quant])
    assert fault.value.faultCode == 1 and "cannot marshal None" in fault.value.faultString
    # The call itself ran and committed; only its answer could not be sent.
    assert odoo.call("product.product", "read", [product], ["qty_available"])[0]["qty_available"] == 9


def test_quant_product_and_location_are_fixed_in_inventory_mode(odoo):
    product, other = (odoo.call("product.product", "create", {"name": f"Q {uuid.uuid4()}", **odoo.storable()})
                      for _ in range(2))
    stock = odoo.call("stock.location", "search", [["usage", "=", "internal"]], limit=1)[0]
    quant = odoo.call("stock.quant", "create", {"product_id": product, "location_id": stock,
                                                "inventory_quantity": 1}, context={"inventory_mode": True})
    with pytest.raises(RpcError) as info:
        odoo.call("stock.quant", "write", [quant], {"product_id": other}, context={"inventory_mode": True})
    assert info.value.name == "odoo.exceptions.UserError"
    assert "Quant's editing is restricted" in str(info.value)


def test_malformed_envelopes_are_http_400(odoo):
    assert odoo.http.post("/jsonrpc", content="{not json", headers={"Content-Type": "application/json"}
                          ).status_code == 400
    assert odoo.http.post("/jsonrpc", content="[1, 2]", headers={"Content-Type": "application/json"}
                          ).status_code == 400


def test_web_session_call_kw(odoo):
    body = {"jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": "res.partner", "method": "search_count", "args": [[]], "kwargs": {}}}
    anonymous = httpx.post(f"{odoo.url}/web/dataset/call_kw", json=body)
    assert anonymous.json()["error"]["code"] == 100
    assert anonymous.json()["error"]["data"]["name"] == "odoo.http.SessionExpiredException"
    with httpx.Client(base_url=odoo.url) as browser:
        by_key = browser.post("/web/session/authenticate", json={
            "jsonrpc": "2.0", "method": "call", "id": 2,
            "params": {"db": odoo.db, "login": odoo.login, "password": odoo.secret}}).json()
        assert by_key["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"  # API keys are not for logins
        if odoo.password is None:
            pytest.skip("set ODOO_CONTRACT_PASSWORD to check the interactive login")
        ok = browser.post("/web/session/authenticate", json={
            "jsonrpc": "2.0", "method": "call", "id": 3,
            "params": {"db": odoo.db, "login": odoo.login, "password": odoo.password}}).json()
        assert ok["result"]["uid"] == odoo.uid
        counted = browser.post("/web/dataset/call_kw/res.partner/search_count", json=body).json()
        assert isinstance(counted["result"], int)


def test_json2_only_on_19(odoo):
    headers = {"Authorization": f"bearer {odoo.secret}", "Content-Type": "application/json"}
    response = odoo.http.post("/json/2/res.partner/search", json={"domain": []}, headers=headers)
    if odoo.version < 19:
        assert response.status_code == 404
        assert odoo.http.get("/web/version").status_code == 404
        return
    assert response.status_code == 200 and isinstance(response.json(), list)
    assert odoo.http.get("/web/version").json()["version_info"][0] == 19


def test_json2_statuses(odoo):
    if odoo.version < 19:
        pytest.skip("JSON-2 exists from Odoo 19 on; 17/18 answer 404 (test_json2_only_on_19)")
    good = {"Authorization": f"Bearer {odoo.secret}", "Content-Type": "application/json"}
    post = odoo.http.post
    assert post("/json/2/res.partner/search", json={}, headers={}).status_code == 401
    unauthorized = post("/json/2/res.partner/search", json={}, headers={"Authorization": "bearer nope"})
    assert unauthorized.status_code == 401 and unauthorized.json()["message"] == "Invalid apikey"
    assert post("/json/2/no.model/search", json={}, headers=good).status_code == 404
    assert post("/json/2/res.partner/_search", json={}, headers=good).status_code == 403  # AccessError
    assert post("/json/2/res.partner/no_method", json={}, headers=good).status_code == 404
    assert odoo.http.get("/json/2/res.partner/search", headers=good).status_code == 404
    assert post("/json/2/res.partner/search", json={"ids": [1], "domain": []}, headers=good).status_code == 422
    assert post("/json/2/res.partner/search", json={"bogus": 1}, headers=good).status_code == 422
    missing = post("/json/2/product.template/create", json={"vals_list": [{"list_price": 1}]}, headers=good)
    assert missing.status_code == 422 and missing.json()["name"] == "odoo.exceptions.ValidationError"
    assert post("/json/2/res.groups/write", json={"ids": [1], "vals": {"name": "x"}}, headers=good).status_code == 403
    assert post("/json/2/res.partner/search", content="{", headers=good).status_code == 400
    created = post("/json/2/res.partner/create", json={"vals_list": {"name": f"J2 {uuid.uuid4()}"}}, headers=good)
    assert created.status_code == 200 and isinstance(created.json(), list) and len(created.json()) == 1
    read = post("/json/2/res.partner/read", json={"ids": created.json(), "fields": ["name"]}, headers=good)
    assert read.json()[0]["id"] == created.json()[0]
    me = post("/json/2/res.users/context_get", json={}, headers=good)
    assert me.status_code == 200 and me.json()["uid"] == odoo.uid

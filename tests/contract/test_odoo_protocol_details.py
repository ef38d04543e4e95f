"""Protocol details a real Odoo shows, which a client may depend on."""

from __future__ import annotations

import socket
import uuid
import xmlrpc.client
from urllib.parse import urlsplit

import pytest

from .odoo_target import RpcError


def rpc_error(call) -> RpcError:
    with pytest.raises(RpcError) as info:
        call()
    return info.value


def test_jsonrpc_leaves_result_out_when_the_method_returns_none(odoo):
    if not odoo.password:
        pytest.skip("needs a web session: set ODOO_CONTRACT_PASSWORD")
    odoo.http.post("/web/session/authenticate", json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "db": odoo.db, "login": odoo.login, "password": odoo.password}})
    answer = odoo.http.post("/web/session/destroy", json={"jsonrpc": "2.0", "method": "call", "id": 2,
                                                           "params": {}}).json()
    assert answer == {"jsonrpc": "2.0", "id": 2}


def test_xmlrpc_strips_control_characters(odoo):
    name = f"Bell\x07 and tab\t {uuid.uuid4().hex[:6]}"
    new_id = odoo.call("res.partner", "create", {"name": name})
    [row] = odoo.xmlrpc_call("res.partner", "read", [new_id], ["name"])
    assert row["name"] == name.replace("\x07", "")


def test_xmlrpc_accepts_a_string_uid(odoo):
    objects = odoo.xmlrpc("object")
    assert objects.execute_kw(odoo.db, str(odoo.uid), odoo.secret, "res.partner", "search_count", [[]]) >= 1
    with pytest.raises(xmlrpc.client.Fault):
        objects.execute_kw(odoo.db, "not-a-uid", odoo.secret, "res.partner", "search_count", [[]])


def test_name_get_exists_on_17_only(odoo):
    partner = odoo.call("res.partner", "search", [], limit=1)
    if odoo.version == 17:
        [[pid, name]] = odoo.call("res.partner", "name_get", partner)
        assert pid == partner[0] and name == odoo.call("res.partner", "read", partner, ["display_name"])[0][
            "display_name"]
    else:
        assert rpc_error(lambda: odoo.call("res.partner", "name_get", partner)).name == "builtins.AttributeError"


def test_ordering_by_an_inherited_field(odoo):
    ids = odoo.call("res.users", "search", [], order="name desc")
    names = [r["name"] for r in odoo.call("res.users", "read", ids, ["name"])]
    assert len(names) >= 2 and names == sorted(names, reverse=True)
    ascending = odoo.call("res.users", "read", odoo.call("res.users", "search", [], order="name asc"), ["name"])
    assert [r["name"] for r in ascending] == sorted(names)


def test_negative_limit_and_offset_are_refused(odoo):
    assert rpc_error(lambda: odoo.call("res.partner", "search", [], limit=-1)).name.startswith("psycopg2")
    assert rpc_error(lambda: odoo.call("res.partner", "search", [], offset=-1)).name.startswith("psycopg2")


def test_unknown_keyword_arguments_are_refused(odoo):
    error = rpc_error(lambda: odoo.call("res.partner", "search", [], bogus=1))
    assert error.name == "builtins.TypeError"
    error = rpc_error(lambda: odoo.call("res.partner", "search_read", [], ["name"], bogus=1))
    assert error.name == "builtins.TypeError" and "bogus" in str(error)


def test_private_and_unknown_methods(odoo):
    private = rpc_error(lambda: odoo.call("res.partner", "_read_format", []))
    assert private.name == "odoo.exceptions.AccessError" and "cannot be called remotely" in str(private)
    unknown = rpc_error(lambda: odoo.call("res.partner", "no_such_method", []))
    assert unknown.name == "builtins.AttributeError"


def test_json2_maps_only_signature_errors_to_422(odoo):
    if odoo.version < 19:
        pytest.skip("JSON-2 exists from Odoo 19 on")
    good = {"Authorization": f"Bearer {odoo.secret}", "Content-Type": "application/json"}
    post = odoo.http.post
    unbound = post("/json/2/res.partner/search", json={"no_such_argument": 1}, headers=good)
    assert unbound.status_code == 422
    unknown = post("/json/2/res.partner/no_such_method", json={}, headers=good)
    assert unknown.status_code == 404
    private = post("/json/2/res.partner/_read_format", json={}, headers=good)
    assert private.status_code == 403 and private.json()["name"] == "odoo.exceptions.AccessError"
    # bound fine, failed inside: a ValueError from the ORM is a server error, not a 422
    inside = post("/json/2/res.partner/search", json={"domain": [["no_such_field", "=", 1]]}, headers=good)
    assert inside.status_code == 500


def test_no_sqlalchemy_names_in_error_payloads(odoo):
    error = rpc_error(lambda: odoo.call("res.partner", "search", [["name", "=", {"a": 1}]]))
    payload = repr(error.error).lower()
    assert "sqlalchemy" not in payload and "sqlite" not in payload


def test_access_errors_name_the_model_by_its_description_and_the_granting_groups(odoo):
    error = rpc_error(lambda: odoo.call("res.groups", "write", [1], {"name": "x"}))
    assert str(error).startswith("You are not allowed to modify 'Access Groups' (res.groups) records.")
    xmlid = rpc_error(lambda: odoo.call("ir.model.data", "unlink", [1]))
    assert str(xmlid).startswith("You are not allowed to delete 'Model Data' (ir.model.data) records.")
    assert "\t- Administration / Access Rights" in str(xmlid)
    assert str(xmlid).endswith("Contact your administrator to request access if necessary.")


def test_request_bodies_over_128_mib_are_refused_with_413(odoo):
    """Declare a body over Odoo's 128 MiB cap without sending it: the server answers 413 at once."""
    parts = urlsplit(odoo.url)
    if parts.scheme != "http":
        pytest.skip("raw socket check speaks plain HTTP")
    with socket.create_connection((parts.hostname, parts.port or 80), timeout=30) as sock:
        sock.sendall(b"POST /jsonrpc HTTP/1.1\r\nHost: " + parts.hostname.encode() +
                     b"\r\nContent-Type: application/json\r\nContent-Length: 134217729\r\n\r\n{")
        status_line = sock.recv(200).split(b"\r\n", 1)[0]
    assert b" 413 " in status_line

"""Access rules as Odoo ships them, seen by the integration user (an internal user without the
"Access Rights" group): ir.model.data is read + create only; credentials are never readable or
searchable, directly or through a dotted path; API keys are revoked only by their owner."""

from __future__ import annotations

import uuid

import pytest

from .odoo_target import RpcError


def rpc_error(call) -> RpcError:
    with pytest.raises(RpcError) as info:
        call()
    return info.value


def test_ir_model_data_is_read_and_create_only(odoo):
    [system] = odoo.call("ir.model.data", "search_read", [["module", "=", "base"], ["name", "=", "group_system"]],
                         ["res_id"])
    name = f"access_{uuid.uuid4().hex[:8]}"
    created = odoo.call("ir.model.data", "create",
                        {"module": "retail_sync", "name": name, "model": "res.partner", "res_id": 1})
    assert isinstance(created, int)
    for method, args in (("write", [[system["id"]], {"res_id": odoo.uid}]), ("unlink", [[created]])):
        error = rpc_error(lambda method=method, args=args: odoo.call("ir.model.data", method, *args))
        assert error.name == "odoo.exceptions.AccessError"
    assert odoo.call("ir.model.data", "read", [system["id"]], ["res_id"])[0]["res_id"] == system["res_id"]


def test_password_is_never_readable_or_searchable(odoo):
    [me] = odoo.call("res.users", "read", [odoo.uid], ["password"])
    assert me["password"] in ("", False)
    for leaf in (["password", "=like", "%"], ["password", "!=", False]):
        error = rpc_error(lambda leaf=leaf: odoo.call("res.users", "search", [leaf]))
        assert error.name == "builtins.ValueError"
    # through a relation: a partner's users, a record's creator
    for model, leaf in (("res.partner", ["user_ids.password", "=like", "%"]),
                        ("res.partner", ["create_uid.password", "=like", "p%"])):
        if leaf[0].split(".")[0] not in odoo.call(model, "fields_get", [], attributes=["type"]):
            continue
        error = rpc_error(lambda model=model, leaf=leaf: odoo.call(model, "search", [leaf]))
        assert error.name == "builtins.ValueError"
    error = rpc_error(lambda: odoo.call("res.users", "search_read", [], ["login"], order="password"))
    assert error.name == "builtins.ValueError"


def test_api_key_hashes_are_not_fields(odoo):
    fields = odoo.admin_call("res.users.apikeys", "fields_get", [], attributes=["type"]) if odoo.admin_password \
        else odoo.call("res.users.apikeys", "fields_get", [], attributes=["type"])
    assert "key" not in fields
    if odoo.admin_password:
        error = rpc_error(lambda: odoo.admin_call("res.users.apikeys", "search", [["key", "=like", "%"]]))
        assert error.name == "builtins.ValueError"
        error = rpc_error(lambda: odoo.admin_call("res.users.apikeys", "search", [], order="key"))
        assert error.name == "builtins.ValueError"
        error = rpc_error(lambda: odoo.admin_call("res.users.apikeys", "search_read", [], ["key"]))
        assert error.name == "builtins.ValueError"


def test_dotted_paths_need_read_rights_on_the_comodel(odoo):
    # res.users.apikeys has no access rule for internal users; a path into it is refused like a search on it
    direct = rpc_error(lambda: odoo.call("res.users.apikeys", "search", [[]]))
    assert direct.name == "odoo.exceptions.AccessError"
    if "api_key_ids" in odoo.call("res.users", "fields_get", [], attributes=["type"]):
        dotted = rpc_error(lambda: odoo.call("res.users", "search", [["api_key_ids.name", "!=", False]]))
        assert dotted.name == "odoo.exceptions.AccessError"
    # and a readable comodel stays searchable through a path
    assert isinstance(odoo.call("res.partner", "search", [["country_id.code", "=", "BE"]]), list)


def test_api_keys_are_revoked_only_by_their_owner(odoo):
    if odoo.version < 19 or not odoo.admin_password:
        pytest.skip("res.users.apikeys.generate/revoke over RPC exist from Odoo 19 on; needs the admin login")
    expiry = "2099-01-01 00:00:00"
    if odoo.is_sandbox:
        from datetime import UTC, datetime, timedelta
        expiry = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    odoo.admin_call("res.users.apikeys", "generate", None, "rpc", "contract admin key", expiry)
    admin_keys = odoo.admin_call("res.users.apikeys", "search", [["name", "=", "contract admin key"]])
    assert admin_keys
    error = rpc_error(lambda: odoo.call("res.users.apikeys", "revoke", admin_keys))
    assert error.name == "odoo.exceptions.AccessError"
    assert odoo.admin_call("res.users.apikeys", "search_count", [["id", "in", admin_keys]]) == len(admin_keys)
    odoo.admin_call("res.users.apikeys", "revoke", admin_keys)
    assert odoo.admin_call("res.users.apikeys", "search_count", [["id", "in", admin_keys]]) == 0

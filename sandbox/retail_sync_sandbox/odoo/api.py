"""Marks which model methods are callable over RPC, and how.

`@model_method` methods take no record ids (Odoo's `@api.model`); `@records_method` methods take the
ids as their first argument. `access` names the ACL operation checked before the call runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .fields import ALL_VERSIONS


class RpcMethod:
    __slots__ = ("func", "on_records", "access", "versions")

    def __init__(self, func: Callable, on_records: bool, access: str | None, versions: Iterable[int]):
        self.func = func
        self.on_records = on_records
        self.access = access
        self.versions = frozenset(versions)


def _marker(on_records: bool, access: str | None, versions: Iterable[int], name: str | None):
    def decorate(func):
        func.__rpc__ = RpcMethod(func, on_records, access, versions)
        func.__rpc_name__ = name or func.__name__
        return func
    return decorate


def model_method(access: str | None = "read", versions: Iterable[int] = ALL_VERSIONS, name: str | None = None):
    return _marker(False, access, versions, name)


def records_method(access: str | None = "read", versions: Iterable[int] = ALL_VERSIONS, name: str | None = None):
    return _marker(True, access, versions, name)

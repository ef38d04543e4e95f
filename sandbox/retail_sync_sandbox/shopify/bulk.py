"""Bulk operations: `bulkOperationRunQuery` runs a query in the background, without connection
limits or throttling, and hands back a JSONL file, as Shopify does for large exports.

The file has one line per node of the root connection, and one line per node of each nested
connection carrying `__parentId`, the parent's id, written right after its parent. The runner pages
the root connection itself so memory stays flat whatever the size of the shop.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path

from graphql import GraphQLError, OperationType, execute, get_named_type, parse, validate
from graphql.language import FieldNode, OperationDefinitionNode

from ..documents import Doc
from .mutations import now_stamp, user_error
from .records import gid

ROOT_PAGE = 250


def flatten(node: dict, parent_id: str | None, out: list[dict]) -> None:
    line = {}
    children: list[dict] = []
    for key, value in node.items():
        if isinstance(value, dict) and ("edges" in value or "nodes" in value):
            children.extend(connection_nodes(value))
        else:
            line[key] = value
    if parent_id is not None:
        line["__parentId"] = parent_id
    out.append(line)
    for child in children:
        flatten(child, node.get("id"), out)


def connection_nodes(value: dict) -> list[dict]:
    if value.get("nodes") is not None:
        return value["nodes"]
    return [edge["node"] for edge in value.get("edges") or [] if edge.get("node") is not None]


class BulkRunner:
    def __init__(self, sandbox, files_dir: Path):
        self.sandbox = sandbox
        self.files_dir = files_dir
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._current: str | None = None
        self._ids = itertools.count(int(time.time()) % 10**6 * 100)
        self.base_url = ""

    def current(self) -> dict | None:
        return self.sandbox.store.get("bulk_operation", self._current) if self._current else None

    def start(self, query: str) -> dict:
        try:
            document = parse(query)
        except GraphQLError as exc:
            return self._refused(f"Invalid bulk query: {exc.message}")
        errors = validate(self.sandbox.schema, document)
        if errors:
            return self._refused(f"Invalid bulk query: {errors[0].message}")
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
            return self._refused("Bulk queries must be a single query operation.")
        roots = [s for s in operations[0].selection_set.selections if isinstance(s, FieldNode)]
        root_type = self.sandbox.schema.query_type
        if len(roots) != 1 or not get_named_type(root_type.fields[roots[0].name.value].type).name.endswith(
                "Connection"):
            return self._refused("Bulk queries must contain exactly one top-level connection field.")
        with self._lock:
            running = self.current()
            if running and running["status"] in ("CREATED", "RUNNING"):
                return {"bulkOperation": None, "userErrors": [user_error(
                    f"A bulk query operation for this app and shop is already in progress: {running['id']}.",
                    ["query"], "OPERATION_IN_PROGRESS")]}
            number = next(self._ids)
            operation = {"id": gid("BulkOperation", number), "status": "CREATED", "type": "QUERY", "errorCode": None,
                         "createdAt": now_stamp(), "completedAt": None, "objectCount": 0, "rootObjectCount": 0,
                         "fileSize": None, "url": None, "partialDataUrl": None, "query": query}
            self._save(operation, number)
            self._current = operation["id"]
        threading.Thread(target=self._run, args=(operation, number, document), daemon=True,
                         name=f"bulk-{number}").start()
        return {"bulkOperation": operation, "userErrors": []}

    def _refused(self, message: str) -> dict:
        return {"bulkOperation": None, "userErrors": [user_error(message, ["query"], "INVALID")]}

    def _save(self, operation: dict, number: int) -> None:
        self.sandbox.store.put(Doc("bulk_operation", operation["id"], operation["createdAt"], number, operation))

    def _run(self, operation: dict, number: int, document) -> None:
        operation["status"] = "RUNNING"
        self._save(operation, number)
        path = self.files_dir / f"bulk-{number}.jsonl"
        objects = roots = 0
        after = None
        try:
            with path.open("w", encoding="utf-8") as handle:
                while True:
                    context = {"store": self.sandbox.store, "bulk": True, "bulk_page": ROOT_PAGE, "bulk_after": after,
                               "bulk_runner": self}
                    result = execute(self.sandbox.schema, document, context_value=context)
                    if result.errors:
                        raise RuntimeError(result.errors[0].message)
                    root = next(iter(result.data.values()))
                    nodes = connection_nodes(root)
                    lines: list[dict] = []
                    for node in nodes:
                        flatten(node, None, lines)
                    for line in lines:
                        handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                    objects += len(lines)
                    roots += len(nodes)
                    after = context.get("bulk_next")
                    if after is None:
                        break
            operation.update(status="COMPLETED", completedAt=now_stamp(), objectCount=objects, rootObjectCount=roots,
                             fileSize=path.stat().st_size,
                             url=f"{self.base_url}/sandbox/files/{path.name}" if objects else None)
        except Exception:
            operation.update(status="FAILED", errorCode="INTERNAL_SERVER_ERROR", completedAt=now_stamp(),
                             objectCount=objects)
        self._save(operation, number)

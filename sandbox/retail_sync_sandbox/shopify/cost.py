"""Shopify's calculated query cost and the leaky bucket that throttles it.

Requested cost is computed before execution from the query alone: scalars and enums 0, objects 1,
connections 2 plus `first` (or `last`) times the cost of one node, list fields `first` times their
item, mutations 10. The bucket is charged the requested cost up front and refunded the difference
once the actual cost (what was really returned) is known, as Shopify documents.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values, get_variable_values

MUTATION_COST = 10
MAX_QUERY_COST = 1000


def is_connection(type_name: str) -> bool:
    return type_name.endswith("Connection")


class QueryCost:
    """Cost of one operation; `actual(data)` measures the result it produced."""

    def __init__(self, schema: GraphQLSchema, operation: OperationDefinitionNode,
                 fragments: dict[str, FragmentDefinitionNode], variables: dict):
        self.schema, self.operation, self.fragments = schema, operation, fragments
        coerced = get_variable_values(schema, operation.variable_definitions or [], variables)
        if isinstance(coerced, list):
            raise coerced[0]
        self.variables = coerced

    def requested(self) -> int:
        if self.operation.operation == OperationType.MUTATION:
            return MUTATION_COST * len(self.operation.selection_set.selections)
        return self._cost(self.operation.selection_set, self.schema.query_type, None, measured=False)

    def actual(self, data: dict | None) -> int:
        if self.operation.operation == OperationType.MUTATION:
            return self.requested()
        if data is None:
            return 0
        return self._cost(self.operation.selection_set, self.schema.query_type, data, measured=True)

    def _fields(self, selection_set: SelectionSetNode | None, parent: GraphQLObjectType):
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                target = self.schema.get_type(selection.type_condition.name.value) if selection.type_condition \
                    else parent
                yield from self._fields(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                yield from self._fields(fragment.selection_set, self.schema.get_type(fragment.type_condition.name.value))

    def _cost(self, selection_set, parent, value, measured: bool) -> int:
        total = 0
        for node, owner in self._fields(selection_set, parent):
            name = node.name.value
            if name.startswith("__") or not hasattr(owner, "fields") or name not in owner.fields:
                continue
            field = owner.fields[name]
            named = get_named_type(field.type)
            if is_leaf_type(named):
                continue
            key = node.alias.value if node.alias else name
            child = value.get(key) if measured and isinstance(value, dict) else None
            if measured and child is None:
                continue
            args = get_argument_values(field, node, self.variables)
            if is_connection(named.name):
                total += 2 + self._connection(node, named, args, child, measured)
            elif _is_list(field.type):
                items = child if measured else [None] * (args.get("first") or 1)
                total += sum(1 + self._cost(node.selection_set, named, item, measured) for item in items)
            else:
                total += 1 + self._cost(node.selection_set, named, child, measured)
        return total

    def _connection(self, node: FieldNode, connection: GraphQLObjectType, args: dict, value, measured: bool) -> int:
        node_type = get_named_type(connection.fields["nodes"].type)
        per_node = []
        for sub, _ in self._fields(node.selection_set, connection):
            if sub.name.value == "nodes":
                per_node.append(("nodes", sub.selection_set, sub))
            elif sub.name.value == "edges":
                for inner, _ in self._fields(sub.selection_set, get_named_type(connection.fields["edges"].type)):
                    if inner.name.value == "node":
                        per_node.append(("edges", inner.selection_set, (sub, inner)))
        if not measured:
            count = args.get("first") or args.get("last") or 0
            one = max((1 + self._cost(sel, node_type, None, False) for _, sel, _ in per_node), default=0)
            return count * one
        best = 0
        for via, sel, nodes in per_node:
            if via == "nodes":
                items = value.get(nodes.alias.value if nodes.alias else "nodes") or []
            else:
                edges_node, inner = nodes
                edges = value.get(edges_node.alias.value if edges_node.alias else "edges") or []
                items = [e.get(inner.alias.value if inner.alias else "node") for e in edges]
            best = max(best, sum(1 + self._cost(sel, node_type, item, True) for item in items))
        return best


def _is_list(type_) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


@dataclass
class ThrottleStatus:
    maximum: float
    available: float
    restore_rate: float

    def as_extension(self) -> dict:
        return {"maximumAvailable": float(self.maximum), "currentlyAvailable": int(self.available),
                "restoreRate": float(self.restore_rate)}


class LeakyBucket:
    """Points available to one app on one shop; refills at `restore_rate` per second."""

    def __init__(self, maximum: float = 2000.0, restore_rate: float = 100.0, clock=time.monotonic):
        self._lock = threading.Lock()
        self._clock = clock
        self.configure(maximum, restore_rate)

    def configure(self, maximum: float, restore_rate: float) -> None:
        with self._lock:
            self.maximum, self.restore_rate = float(maximum), float(restore_rate)
            self.available, self._at = float(maximum), self._clock()

    def use_clock(self, clock) -> None:
        """Tests replace the clock to decide when points come back, whatever the machine's speed."""
        with self._lock:
            self._clock = clock
            self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self.available = min(self.maximum, self.available + (now - self._at) * self.restore_rate)
        self._at = now

    def take(self, points: int) -> bool:
        with self._lock:
            self._refill()
            if points > self.available:
                return False
            self.available -= points
            return True

    def give_back(self, points: int) -> None:
        with self._lock:
            self._refill()
            self.available = min(self.maximum, self.available + points)

    def status(self) -> ThrottleStatus:
        with self._lock:
            self._refill()
            return ThrottleStatus(self.maximum, self.available, self.restore_rate)

"""The per-version registry of models, their SQL tables, and the environment a call runs in."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import sqlalchemy as sa

from .api import RpcMethod
from .fields import Field, Many2many, Many2one

MODEL_CLASSES: dict[str, list[type]] = {}


def register_model_class(cls: type) -> None:
    """Called by Model.__init_subclass__: `_name` declares a model, `_inherit` alone extends one."""
    name = cls.__dict__.get("_name") or cls.__dict__.get("_inherit")
    if name:
        MODEL_CLASSES.setdefault(name, []).append(cls)


@dataclass
class ModelSpec:
    name: str
    cls: type
    fields: dict[str, Field]
    columns: list[str]
    inherited: dict[str, str]            # inherited field name -> link many2one on this model
    methods: dict[str, RpcMethod]
    table: sa.Table = None
    referencing: list[tuple[str, Many2one]] = dc_field(default_factory=list)


class Registry:
    def __init__(self, version: int):
        self.version = version
        self.metadata = sa.MetaData()
        self.specs: dict[str, ModelSpec] = {}
        self._relations: dict[str, sa.Table] = {}
        for name, classes in MODEL_CLASSES.items():
            cls = classes[0] if len(classes) == 1 else type(classes[0].__name__, tuple(reversed(classes)), {})
            if version not in cls._versions:
                continue
            self.specs[name] = self._build_spec(name, cls)
        for spec in self.specs.values():
            self._add_inherited(spec)
        for spec in self.specs.values():
            spec.table = self._build_table(spec)
        for spec in self.specs.values():
            for fname in spec.columns:
                fld = spec.fields[fname]
                if isinstance(fld, Many2one) and fld.comodel in self.specs:
                    self.specs[fld.comodel].referencing.append((spec.name, fld))

    def _build_spec(self, name: str, cls: type) -> ModelSpec:
        fields: dict[str, Field] = {}
        methods: dict[str, RpcMethod] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                if isinstance(value, Field):
                    if self.version in value.versions:
                        fields[attr] = value
                    else:
                        fields.pop(attr, None)
                rpc = getattr(value, "__rpc__", None)
                if rpc is not None:
                    rpc_name = value.__rpc_name__
                    if self.version in rpc.versions:
                        methods[rpc_name] = RpcMethod(getattr(cls, attr), rpc.on_records, rpc.access, rpc.versions)
        bound = {}
        for fname, fld in fields.items():
            copy = _copy_field(fld)
            copy.bind(name, fname)
            bound[fname] = copy
        columns = [f for f, fld in bound.items() if fld.column and f != "id"]
        return ModelSpec(name, cls, bound, columns, {}, methods)

    def _add_inherited(self, spec: ModelSpec) -> None:
        for parent, link in spec.cls._inherits.items():
            for fname, fld in self.specs[parent].fields.items():
                if fname not in spec.fields:
                    spec.fields[fname] = fld
                    spec.inherited[fname] = link

    def _build_table(self, spec: ModelSpec) -> sa.Table:
        columns = [sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)]
        for fname in spec.columns:
            fld = spec.fields[fname]
            col_type = fld.column_type() if isinstance(fld.column_type, type) else fld.column_type
            columns.append(sa.Column(fname, col_type, index=fld.index or isinstance(fld, Many2one)))
        constraints = [
            sa.UniqueConstraint(*cols, name=f"{spec.name.replace('.', '_')}_{'_'.join(cols)}_uniq")
            for cols, _message in spec.cls._unique
        ]
        table_name = spec.name.replace(".", "_")
        indexes = [sa.Index(f"{table_name}_{'_'.join(cols)}_index", *cols) for cols in spec.cls._indexes]
        return sa.Table(table_name, self.metadata, *columns, *constraints, *indexes)

    def relation_table(self, fld: Many2many) -> sa.Table:
        table = self._relations.get(fld.relation)
        if table is None:
            table = self.metadata.tables.get(fld.relation)
        if table is None:
            table = sa.Table(
                fld.relation, self.metadata,
                sa.Column(fld.column1, sa.Integer, nullable=False, index=True),
                sa.Column(fld.column2, sa.Integer, nullable=False, index=True),
                sa.UniqueConstraint(fld.column1, fld.column2),
            )
        self._relations[fld.relation] = table
        return table

    def declare_relations(self) -> None:
        for spec in self.specs.values():
            for fld in spec.fields.values():
                if isinstance(fld, Many2many) and fld.comodel in self.specs:
                    self.relation_table(fld)

    def unique_message(self, constraint_name: str) -> str | None:
        for spec in self.specs.values():
            for cols, message in spec.cls._unique:
                if f"{spec.name.replace('.', '_')}_{'_'.join(cols)}_uniq" in constraint_name:
                    return message
        return None


def _copy_field(fld: Field) -> Field:
    copy = object.__new__(type(fld))
    copy.__dict__.update(fld.__dict__)
    return copy


SUPERUSER_ID = 1


class Env:
    """What one RPC call sees: a connection inside the call's transaction, the user and the context."""

    def __init__(self, registry: Registry, conn: sa.Connection, uid: int, context: dict | None = None,
                 su: bool = False, database: Any = None, cache: dict | None = None):
        self.registry = registry
        self.conn = conn
        self.uid = uid
        self.context = dict(context or {})
        self.su = su
        self.database = database
        # Settings read once per call (model name -> what was read), shared by the call's environments and
        # dropped when the call changes a record of that model (Model._changed).
        self.cache = {} if cache is None else cache

    @property
    def version(self) -> int:
        return self.registry.version

    def __getitem__(self, name: str):
        spec = self.registry.specs[name]
        return spec.cls(self, spec)

    def __contains__(self, name: str) -> bool:
        return name in self.registry.specs

    def with_context(self, **context) -> Env:
        return Env(self.registry, self.conn, self.uid, {**self.context, **context}, self.su, self.database,
                   self.cache)

    def sudo(self) -> Env:
        return Env(self.registry, self.conn, self.uid, self.context, True, self.database, self.cache)

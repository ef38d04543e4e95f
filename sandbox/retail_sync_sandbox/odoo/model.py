"""The sandbox ORM's base model: Odoo's public CRUD surface over SQLAlchemy Core.

Every model declares its fields as class attributes; the methods below give each of them
search/read/create/write/unlink/load/fields_get/name_search with Odoo's semantics and errors.
Business models add their own methods with `@model_method` / `@records_method`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import sqlalchemy as sa

from . import security
from .api import model_method, records_method
from .db_errors import InvalidRowCountInLimitClause, InvalidRowCountInResultOffsetClause
from .domain import DomainCompiler, normalize
from .exceptions import AccessError, MissingError, ValidationError
from .fields import ALL_VERSIONS, Char, Datetime, Field, Float, Integer, Many2many, Many2one, One2many
from .registry import register_model_class

ORDER_RE = re.compile(r"^(\s*([a-z0-9:_]+)(\s+(desc|asc))?(\s+(nulls first|nulls last))?\s*(,|$))+(?<!,)$", re.I)
MISSING_REQUIRED = (
    "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
    "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
    "Model: {description} ({model})\nField: {label} ({field})"
)
RESTRICTED_DELETE = (
    "The operation cannot be completed: another model requires the record being deleted. "
    "If possible, archive it instead.\n\nModel: {description} ({model}), Constraint: {constraint}"
)


# Odoo's implied_ids for the groups the sandbox knows: a manager is also a user.
IMPLIED_GROUPS = {"stock.group_stock_manager": {"stock.group_stock_user"},
                  "sales_team.group_sale_manager": {"sales_team.group_sale_salesman"}}


def has_group(env, group: str) -> bool:
    """res.users.has_group(): membership, direct or implied; the superuser and administrators have every
    group (on a real server the admin gets each app's manager group when the app is installed)."""
    if env.uid == 1:
        return True
    groups = security.user_groups(env, env.uid)
    if security.ADMIN_GROUP in groups or group in groups:
        return True
    return any(group in IMPLIED_GROUPS.get(g, ()) for g in groups)


def _set_or_link_targets(commands) -> list[int] | None:
    """The ids a new record's many2many value links when it holds only set (6) and link (4) commands
    (or plain ids); None for any other value, which goes through _write_x2many."""
    if not isinstance(commands, (list, tuple)) or not commands:
        return None
    if all(isinstance(c, int) and not isinstance(c, bool) for c in commands):
        commands = [(6, 0, list(commands))]
    targets: list[int] = []
    for command in commands:
        if not isinstance(command, (list, tuple)) or not command:
            return None
        if command[0] == 6 and len(command) == 3 and isinstance(command[2], (list, tuple)):
            targets = list(command[2])
        elif command[0] == 4 and len(command) >= 2:
            targets.append(command[1])
        else:
            return None
    if not all(isinstance(t, int) and not isinstance(t, bool) for t in targets):
        return None
    return list(dict.fromkeys(targets))


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0).isoformat(sep=" ")


class Model:
    _name: str | None = None
    _inherit: str | None = None
    _description = ""
    _order = "id"
    _rec_name = "name"
    _inherits: dict[str, str] = {}
    _parent_name = "parent_id"
    _unique: tuple[tuple[tuple[str, ...], str], ...] = ()
    # Indexes on several columns (Odoo creates them in a model's init()), e.g. the sequence mixin's.
    _indexes: tuple[tuple[str, ...], ...] = ()
    _versions = ALL_VERSIONS

    id = Integer("ID", readonly=True)
    display_name = Char("Display Name", compute="_compute_display_name")
    create_date = Datetime("Created on", readonly=True)
    create_uid = Many2one("res.users", "Created by", readonly=True)
    write_date = Datetime("Last Updated on", readonly=True)
    write_uid = Many2one("res.users", "Last Updated by", readonly=True)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        register_model_class(cls)

    def __init__(self, env, spec):
        self.env = env
        self.spec = spec
        self.table: sa.Table = spec.table

    # ------------------------------------------------------------ environment
    @property
    def conn(self) -> sa.Connection:
        return self.env.conn

    def with_context(self, **context) -> Model:
        return self.env.with_context(**context)[self.spec.name]

    def sudo(self) -> Model:
        return self.env.sudo()[self.spec.name]

    @property
    def description(self) -> str:
        return self._description or self.spec.name

    # ------------------------------------------------------------ search
    def compile_domain(self, domain) -> sa.ColumnElement:
        domain = normalize(domain)
        mentions_active = any(isinstance(item, (list, tuple)) and item[0] == "active" for item in domain)
        if "active" in self.spec.fields and self.env.context.get("active_test", True) and not mentions_active:
            domain = ["&", ("active", "=", True), *domain] if domain else [("active", "=", True)]
        return DomainCompiler(self).compile(domain)

    def order_by(self, order: str | None) -> list:
        order = order or self._order
        if not ORDER_RE.match(order):
            raise ValueError(
                f'Invalid "order" specified ({order}). A valid "order" specification is a comma-separated '
                "list of valid field names (optionally followed by asc/desc for the direction)"
            )
        clauses = []
        for part in order.split(","):
            words = part.split()
            name, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
            if name == "id":
                column = self.table.c.id
            elif name in getattr(self, "_hidden_fields", ()) and not self.env.su:
                raise ValueError(f"Invalid field {name!r} on model {self.spec.name!r}")
            elif name in getattr(self, "_secret_fields", ()) and not self.env.su:
                raise ValueError(f"Cannot convert {self.spec.name}.{name} to SQL because it is not stored")
            elif name in self.spec.columns:
                column = self.table.c[name]
            elif name in self.spec.inherited:
                column = self._inherited_column(name)  # Odoo joins the _inherits parent to sort on it
            elif name in self.spec.fields:
                # Odoo sorts on related fields by joining; the sandbox keeps to stored columns.
                continue
            else:
                raise ValueError(f"Invalid field {name!r} on model {self.spec.name!r}")
            clauses.append(column.desc().nulls_first() if direction == "desc" else column.asc().nulls_last())
        if not any(c.element is self.table.c.id for c in clauses if hasattr(c, "element")):
            clauses.append(self.table.c.id.asc())
        return clauses

    def _inherited_column(self, name: str) -> sa.ScalarSelect:
        link = self.spec.inherited[name]
        parent = self.env[self.spec.fields[link].comodel]
        return sa.select(parent.table.c[name]).where(parent.table.c.id == self.table.c[link]).scalar_subquery()

    def search_query(self, domain, order: str | None = None, limit: int | None = None, offset: int = 0,
                     columns=None) -> sa.Select:
        # PostgreSQL refuses these (SQLite would read a negative LIMIT as "no limit").
        if isinstance(limit, int) and not isinstance(limit, bool) and limit < 0:
            raise InvalidRowCountInLimitClause("LIMIT must not be negative")
        if isinstance(offset, int) and not isinstance(offset, bool) and offset < 0:
            raise InvalidRowCountInResultOffsetClause("OFFSET must not be negative")
        query = sa.select(*(columns or [self.table.c.id])).where(self.compile_domain(domain))
        if order is not None or limit or offset:
            query = query.order_by(*self.order_by(order))
        if limit:
            query = query.limit(int(limit))
        if offset:
            query = query.offset(int(offset))
        return query

    @model_method("read")
    def search(self, domain, offset=0, limit=None, order=None):
        query = self.search_query(domain, order or self._order, limit, offset)
        return list(self.conn.scalars(query))

    @model_method("read")
    def search_count(self, domain, limit=None):
        inner = self.search_query(domain, limit=limit).subquery()
        return self.conn.scalar(sa.select(sa.func.count()).select_from(inner))

    @model_method("read")
    def search_read(self, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs):
        fields = self._check_read_fields(fields)
        query = self.search_query(domain or [], order or self._order, limit, offset, columns=[self.table])
        rows = [dict(row) for row in self.conn.execute(query).mappings()]
        unknown = sorted(set(read_kwargs) - {"load"})
        if rows and unknown:
            # Odoo passes the extra keywords on to read(), which refuses them (only when rows matched).
            raise TypeError(f"read() got an unexpected keyword argument {unknown[0]!r}")
        return self._format_rows(rows, fields, read_kwargs.get("load", "_classic_read"))

    # ------------------------------------------------------------ read
    @records_method("read")
    def read(self, ids, fields=None, load="_classic_read"):
        ids = self.ids_arg(ids)
        fields = self._check_read_fields(fields)
        by_id = self._fetch(ids)
        missing = [i for i in dict.fromkeys(ids) if i not in by_id]
        if missing:
            raise self._missing(missing)
        return self._format_rows([by_id[i] for i in dict.fromkeys(ids)], fields, load)

    def ids_arg(self, ids) -> list[int]:
        if isinstance(ids, bool):
            raise ValueError(f"Invalid record ids {ids!r}")
        if isinstance(ids, int):
            return [ids]
        if not isinstance(ids, (list, tuple)) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise ValueError(f"Invalid record ids {ids!r}")
        return list(ids)

    def _missing(self, ids) -> MissingError:
        return MissingError(
            "Record does not exist or has been deleted.\n"
            f"(Record: {self.spec.name}({', '.join(map(str, ids))},), User: {self.env.uid})"
        )

    def _fetch(self, ids) -> dict[int, dict]:
        result: dict[int, dict] = {}
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            for row in self.conn.execute(sa.select(self.table).where(self.table.c.id.in_(chunk))).mappings():
                result[row["id"]] = dict(row)
        return result

    def _check_read_fields(self, fields) -> list[str]:
        if not fields:
            # Like Odoo, reading "all fields" leaves out the ones the user's groups do not grant.
            return [f for f in self.spec.fields if f != "id" and self.field_allowed(f)]
        if isinstance(fields, str):
            fields = [fields]
        for name in fields:
            if name not in self.spec.fields or (name in getattr(self, "_hidden_fields", ()) and not self.env.su):
                raise ValueError(f"Invalid field {name!r} on model {self.spec.name!r}")
        self.check_field_access(fields, "read")
        return [f for f in fields if f != "id"]

    def field_allowed(self, name: str) -> bool:
        groups = self.spec.fields[name].groups
        if not groups or self.env.su:
            return True
        return any(has_group(self.env, group) for group in groups.split(","))

    def check_field_access(self, names, operation: str) -> None:
        """Odoo's check_field_access_rights: a field restricted by `groups=` is refused by name."""
        denied = [n for n in names if n in self.spec.fields and not self.field_allowed(n)]
        if denied:
            raise AccessError(
                f'You do not have enough rights to access the fields "{", ".join(denied)}" on {self.description} '
                f"({self.spec.name}). Please contact your system administrator.\n\n(Operation: {operation})")

    def _format_rows(self, rows: list[dict], fields: list[str], load) -> list[dict]:
        ids = [row["id"] for row in rows]
        out = [{"id": row["id"]} for row in rows]
        inherited: dict[str, list[str]] = defaultdict(list)
        for name in fields:
            if name in self.spec.inherited:
                inherited[self.spec.inherited[name]].append(name)
                continue
            fld = self.spec.fields[name]
            if name == "display_name":
                values = self._display_names(ids)
                for rec in out:
                    rec[name] = values.get(rec["id"], False)
            elif fld.compute and not fld.store:
                values = getattr(self, fld.compute)(ids)
                if isinstance(fld, Many2one) and load == "_classic_read":
                    # A computed many2one reads like a stored one: [id, display_name].
                    names = self.env[fld.comodel].sudo()._display_names([v for v in values.values() if v])
                    for rec in out:
                        value = values.get(rec["id"])
                        rec[name] = [value, names.get(value, False)] if value else False
                    continue
                for rec in out:
                    rec[name] = fld.to_read(values.get(rec["id"]))
            elif isinstance(fld, Many2one):
                comodel = self.env[fld.comodel].sudo()
                targets = {row[name] for row in rows if row[name]}
                names = comodel._display_names(list(targets)) if load == "_classic_read" else {}
                for rec, row in zip(out, rows):
                    value = row[name]
                    if not value:
                        rec[name] = False
                    elif load == "_classic_read":
                        rec[name] = [value, names.get(value, False)]
                    else:
                        rec[name] = value
            elif isinstance(fld, (One2many, Many2many)):
                links = self._x2many_ids(fld, ids)
                for rec in out:
                    rec[name] = links.get(rec["id"], [])
            else:
                for rec, row in zip(out, rows):
                    rec[name] = fld.to_read(row[name])
        for link, names in inherited.items():
            parent_ids = {row[link] for row in rows if row[link]}
            parent_model = self.env[self.spec.fields[link].comodel].sudo()
            parents = {p["id"]: p for p in parent_model.read(list(parent_ids), names, load)} if parent_ids else {}
            for rec, row in zip(out, rows):
                parent = parents.get(row[link], {})
                for name in names:
                    rec[name] = parent.get(name, False)
        return out

    def _x2many_ids(self, fld, ids) -> dict[int, list[int]]:
        links: dict[int, list[int]] = defaultdict(list)
        if not ids:
            return links
        if isinstance(fld, One2many):
            child = self.env[fld.comodel].with_context(active_test=True)
            column = child.table.c[fld.inverse_name]
            query = sa.select(child.table.c.id, column).where(column.in_(ids), child.compile_domain([]))
            query = query.order_by(*child.order_by(None))
        else:
            rel = self.env.registry.relation_table(fld)
            query = sa.select(rel.c[fld.column2], rel.c[fld.column1]).where(rel.c[fld.column1].in_(ids))
            query = query.order_by(rel.c[fld.column2])
        for target, owner in self.conn.execute(query):
            links[owner].append(target)
        return links

    def _display_names(self, ids) -> dict[int, str]:
        rec_name = self._rec_name
        if not ids:
            return {}
        if rec_name in self.spec.inherited:
            link = self.spec.inherited[rec_name]
            parent = self.env[self.spec.fields[link].comodel]
            rows = self.conn.execute(sa.select(self.table.c.id, self.table.c[link]).where(self.table.c.id.in_(ids)))
            pairs = list(rows)
            names = parent._display_names([p for _, p in pairs if p])
            return {i: names.get(p, False) for i, p in pairs}
        if rec_name not in self.spec.columns:
            return {i: f"{self.spec.name},{i}" for i in ids}
        rows = self.conn.execute(sa.select(self.table.c.id, self.table.c[rec_name]).where(self.table.c.id.in_(ids)))
        return {i: (name or False) for i, name in rows}

    def _compute_display_name(self, ids) -> dict[int, str]:
        return self._display_names(ids)

    # ------------------------------------------------------------ create
    @model_method("create")
    def create(self, vals_list):
        single = isinstance(vals_list, dict)
        if single:
            vals_list = [vals_list]
        if not isinstance(vals_list, list) or not all(isinstance(v, dict) for v in vals_list):
            raise ValueError(f"Invalid create values {vals_list!r}")
        if not vals_list:
            return []
        vals_list = self._prepare_create(vals_list)
        stamp, uid = now(), self.env.uid
        rows, relational, inverses = [], [], []
        for vals in vals_list:
            row, rel, inv = self._split_vals(vals)
            row.update(create_date=stamp, write_date=stamp, create_uid=uid, write_uid=uid)
            rows.append(row)
            relational.append(rel)
            inverses.append(inv)
        self._check_required(rows)
        ids = self._insert(rows)
        self._link_new(ids, relational)
        for record_id, rel in zip(ids, relational):
            for name, value in rel.items():
                self._write_x2many(record_id, self.spec.fields[name], value)
        self._after_create(ids, vals_list)
        self._changed()
        for record_id, inv in zip(ids, inverses):
            if inv:
                self._apply_inverse([record_id], inv)
        self._recompute(ids)
        self._validate(ids)
        return ids[0] if single else ids

    def _link_new(self, ids: list[int], relational: list[dict]) -> None:
        """The many2many links of new records given as set (6) or link (4) commands, in one insert for all
        the records (a new record has no links yet); the commands left are run record by record after."""
        links: list[tuple[int, Many2many, list[int]]] = []
        for record_id, rel in zip(ids, relational):
            for name in list(rel):
                fld = self.spec.fields[name]
                targets = _set_or_link_targets(rel[name]) if isinstance(fld, Many2many) else None
                if targets is not None:
                    del rel[name]
                    links.append((record_id, fld, targets))
        by_field: dict[str, list[tuple[int, Many2many, list[int]]]] = defaultdict(list)
        for link in links:
            by_field[link[1].name].append(link)
        for field_links in by_field.values():
            fld = field_links[0][1]
            comodel = self.env[fld.comodel]
            existing = comodel._existing(sorted({t for _, _, targets in field_links for t in targets}))
            for _, _, targets in field_links:
                missing = [t for t in targets if t not in existing]
                if missing:
                    raise comodel._missing(missing)
            rows = [{fld.column1: record_id, fld.column2: t} for record_id, _, targets in field_links for t in targets]
            if rows:
                self.conn.execute(sa.insert(self.env.registry.relation_table(fld)), rows)

    def _insert(self, rows: list[dict]) -> list[int]:
        columns = sorted({key for row in rows for key in row})
        rows = [{c: row.get(c) for c in columns} for row in rows]
        stmt = sa.insert(self.table).returning(self.table.c.id, sort_by_parameter_order=True)
        return list(self.conn.scalars(stmt, rows))

    def _prepare_create(self, vals_list: list[dict]) -> list[dict]:
        """Check names, fill defaults, and create `_inherits` parents (product.product → template)."""
        prepared = []
        for vals in vals_list:
            for name in vals:
                if name not in self.spec.fields:
                    raise ValueError(f"Invalid field {name!r} on model {self.spec.name!r}")
            self.check_field_access(vals, "write")
            full = dict(vals)
            for name in self.spec.columns:
                fld = self.spec.fields[name]
                if name not in full and fld.default is not None:
                    full[name] = fld.default_value(self.env)
            prepared.append(full)
        for parent_name, link in self._inherits.items():
            parent = self.env[parent_name].sudo()
            needing = [v for v in prepared if not v.get(link)]
            if needing:
                parent_vals = [{k: v.pop(k) for k in list(v) if self.spec.inherited.get(k) == link} for v in needing]
                for vals, parent_id in zip(needing, parent.create(parent_vals)):
                    vals[link] = parent_id
            for vals in prepared:
                extra = {k: vals.pop(k) for k in list(vals) if self.spec.inherited.get(k) == link}
                if extra:
                    parent.write([vals[link]], extra)
        return prepared

    def _split_vals(self, vals: dict) -> tuple[dict, dict, dict]:
        row, relational, inverse = {}, {}, {}
        version = self.env.version
        for name, value in vals.items():
            fld = self.spec.fields[name]
            if name in ("id", "create_date", "write_date", "create_uid", "write_uid", "display_name"):
                continue
            if isinstance(fld, (One2many, Many2many)):
                relational[name] = value
            elif fld.compute and not fld.store:
                if fld.inverse:
                    inverse[name] = value
            elif name in self.spec.inherited:
                continue
            else:
                row[name] = fld.to_db(value, version)
                if isinstance(fld, Float):
                    # Float.convert_to_column: stored rounded to the field's digits.
                    row[name] = fld.round(row[name], self.env)
        return row, relational, inverse

    def _check_required(self, rows: list[dict]) -> None:
        for name in self.spec.columns:
            fld = self.spec.fields[name]
            if fld.required and any(row.get(name) is None for row in rows):
                raise ValidationError(MISSING_REQUIRED.format(
                    description=self.description, model=self.spec.name, label=fld.string, field=name))

    def _apply_inverse(self, ids, values: dict) -> None:
        by_method: dict[str, dict] = defaultdict(dict)
        for name, value in values.items():
            by_method[self.spec.fields[name].inverse][name] = value
        for method, subset in by_method.items():
            getattr(self, method)(ids, subset)

    def _changed(self) -> None:
        self.env.cache.pop(self.spec.name, None)
        if self.spec.name in security.SECURITY_MODELS and self.env.database is not None:
            self.env.database.groups_cache.clear()
            self.env.database.credential_cache.clear()

    # hooks for business models
    def _after_create(self, ids: list[int], vals_list: list[dict]) -> None:
        pass

    def _after_write(self, ids: list[int], vals: dict) -> None:
        pass

    def _recompute(self, ids: list[int]) -> None:
        """Refresh stored computed columns (complete names, parent paths) after a change."""

    def _validate(self, ids: list[int]) -> None:
        """Python constraints (Odoo's @api.constrains)."""

    # ------------------------------------------------------------ write
    @records_method("write")
    def write(self, ids, vals):
        ids = self.ids_arg(ids)
        if not isinstance(vals, dict):
            raise ValueError(f"Invalid write values {vals!r}")
        for name in vals:
            if name not in self.spec.fields:
                raise ValueError(f"Invalid field {name!r} on model {self.spec.name!r}")
        self.check_field_access(vals, "write")
        if not ids:
            return True
        self.ensure_exist(ids)
        for parent_name, link in self._inherits.items():
            extra = {k: v for k, v in vals.items() if self.spec.inherited.get(k) == link}
            if extra:
                parent_ids = list(self.conn.scalars(sa.select(self.table.c[link]).where(self.table.c.id.in_(ids))))
                self.env[parent_name].sudo().write(parent_ids, extra)
        row, relational, inverse = self._split_vals(vals)
        for name, value in row.items():
            if value is None and self.spec.fields[name].required:
                fld = self.spec.fields[name]
                raise ValidationError(MISSING_REQUIRED.format(
                    description=self.description, model=self.spec.name, label=fld.string, field=name))
        row.update(write_date=now(), write_uid=self.env.uid)
        self.conn.execute(sa.update(self.table).where(self.table.c.id.in_(ids)).values(**row))
        for name, value in relational.items():
            for record_id in ids:
                self._write_x2many(record_id, self.spec.fields[name], value)
        if inverse:
            self._apply_inverse(ids, inverse)
        self._after_write(ids, vals)
        self._changed()
        self._recompute(ids)
        self._validate(ids)
        return True

    def ensure_exist(self, ids) -> None:
        existing = self._existing(ids)
        missing = [i for i in ids if i not in existing]
        if missing:
            raise self._missing(missing)

    def _existing(self, ids) -> set[int]:
        found: set[int] = set()
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            found.update(self.conn.scalars(sa.select(self.table.c.id).where(self.table.c.id.in_(chunk))))
        return found

    def _searchable(self, ids) -> set[int]:
        """The ids `search([('id', '=', id)])` finds: existing and, unless the context turns active_test off,
        active. Odoo's load() checks the database ids it is given (`.id`, `rel/.id`) that way, so an archived
        record named by id is "unknown" to a load without active_test=False."""
        if "active" not in self.spec.fields or not self.env.context.get("active_test", True):
            return self._existing(ids)
        found: set[int] = set()
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            found.update(self.conn.scalars(sa.select(self.table.c.id).where(
                self.table.c.id.in_(chunk), self.table.c.active.is_(True))))
        return found

    def _write_x2many(self, record_id: int, fld: Field, commands) -> None:
        comodel = self.env[fld.comodel].sudo()
        # The caller's rights on the comodel apply to the commands that create, change or delete there.
        for command in commands if isinstance(commands, (list, tuple)) else []:
            operation = {0: "create", 1: "write", 2: "unlink"}.get(command[0] if isinstance(command, (list, tuple)) and command else None)
            if operation and not self.env.su:
                security.check_model_access(self.env, fld.comodel, operation)
        if not isinstance(commands, (list, tuple)):
            raise ValueError(f"Wrong value for {fld}: {commands!r}")
        if commands and all(isinstance(c, int) and not isinstance(c, bool) for c in commands):
            commands = [(6, 0, list(commands))]
        for command in commands:
            if not isinstance(command, (list, tuple)) or not command or command[0] not in range(7):
                raise ValueError(f"Wrong value for {fld}: {command!r}")
            code = command[0]
            target = command[1] if len(command) > 1 else 0
            payload = command[2] if len(command) > 2 else None
            if code == 0:
                vals = dict(payload or {})
                if isinstance(fld, One2many):
                    vals[fld.inverse_name] = record_id
                    comodel.create(vals)
                else:
                    self._link(fld, record_id, [comodel.create(vals)])
            elif code == 1:
                comodel.write([target], dict(payload or {}))
            elif code == 2:
                comodel.unlink([target])
            elif code == 3:
                self._unlink_relation(fld, record_id, [target])
            elif code == 4:
                if isinstance(fld, One2many):
                    comodel.write([target], {fld.inverse_name: record_id})
                else:
                    self._link(fld, record_id, [target])
            elif code == 5:
                self._unlink_relation(fld, record_id, None)
            elif code == 6:
                wanted = list(payload or [])
                current = self._x2many_ids(fld, [record_id]).get(record_id, [])
                drop = [i for i in current if i not in wanted]
                if drop:
                    self._unlink_relation(fld, record_id, drop)
                if isinstance(fld, One2many):
                    add = [i for i in wanted if i not in current]
                    if add:
                        comodel.write(add, {fld.inverse_name: record_id})
                else:
                    self._link(fld, record_id, [i for i in wanted if i not in current])

    def _link(self, fld: Many2many, record_id: int, targets: list[int]) -> None:
        if not targets:
            return
        self.env[fld.comodel].ensure_exist(targets)
        rel = self.env.registry.relation_table(fld)
        present = set(self.conn.scalars(sa.select(rel.c[fld.column2]).where(
            rel.c[fld.column1] == record_id, rel.c[fld.column2].in_(targets))))
        rows = [{fld.column1: record_id, fld.column2: t} for t in dict.fromkeys(targets) if t not in present]
        if rows:
            self.conn.execute(sa.insert(rel), rows)

    def _unlink_relation(self, fld: Field, record_id: int, targets: list[int] | None) -> None:
        if isinstance(fld, One2many):
            child = self.env[fld.comodel].sudo()
            column = child.table.c[fld.inverse_name]
            query = sa.select(child.table.c.id).where(column == record_id)
            if targets is not None:
                query = query.where(child.table.c.id.in_(targets))
            child_ids = list(self.conn.scalars(query))
            inverse = child.spec.fields[fld.inverse_name]
            if inverse.required or inverse.ondelete == "cascade":
                child.unlink(child_ids)
            elif child_ids:
                self.conn.execute(sa.update(child.table).where(child.table.c.id.in_(child_ids)).values(
                    {fld.inverse_name: None}))
            return
        rel = self.env.registry.relation_table(fld)
        stmt = sa.delete(rel).where(rel.c[fld.column1] == record_id)
        if targets is not None:
            stmt = stmt.where(rel.c[fld.column2].in_(targets))
        self.conn.execute(stmt)

    # ------------------------------------------------------------ unlink
    @records_method("unlink")
    def unlink(self, ids):
        ids = self.ids_arg(ids)
        if not ids:
            return True
        self.ensure_exist(ids)
        self._before_unlink(ids)
        for model_name, fld in self.spec.referencing:
            other = self.env[model_name].sudo()
            column = other.table.c[fld.name]
            referring = list(self.conn.scalars(sa.select(other.table.c.id).where(column.in_(ids))))
            if not referring:
                continue
            if fld.ondelete == "cascade":
                other.unlink(referring)
            elif fld.ondelete == "restrict" or fld.required:
                raise ValidationError(RESTRICTED_DELETE.format(
                    description=other.description, model=model_name,
                    constraint=f"{other.table.name}_{fld.name}_fkey"))
            else:
                self.conn.execute(sa.update(other.table).where(column.in_(ids)).values({fld.name: None}))
        for fld in self.spec.fields.values():
            if isinstance(fld, Many2many) and fld.model_name == self.spec.name:
                rel = self.env.registry.relation_table(fld)
                self.conn.execute(sa.delete(rel).where(rel.c[fld.column1].in_(ids)))
        for spec in self.env.registry.specs.values():
            for fld in spec.fields.values():
                if isinstance(fld, Many2many) and fld.comodel == self.spec.name and fld.model_name == spec.name:
                    rel = self.env.registry.relation_table(fld)
                    self.conn.execute(sa.delete(rel).where(rel.c[fld.column2].in_(ids)))
        self.conn.execute(sa.delete(self.table).where(self.table.c.id.in_(ids)))
        self._changed()
        if self.spec.name != "ir.model.data" and "ir.model.data" in self.env:
            xmlids = self.env["ir.model.data"].table
            self.conn.execute(sa.delete(xmlids).where(xmlids.c.model == self.spec.name, xmlids.c.res_id.in_(ids)))
        return True

    def _before_unlink(self, ids: list[int]) -> None:
        pass

    # ------------------------------------------------------------ metadata
    @model_method("read")
    def fields_get(self, allfields=None, attributes=None):
        names = allfields or list(self.spec.fields)
        result = {}
        for name in names:
            if name not in self.spec.fields or name in getattr(self, "_hidden_fields", ()) or not self.field_allowed(name):
                continue
            info = self.spec.fields[name].describe(self.env.version)
            if name in self.spec.inherited:
                info["related"] = f"{self.spec.inherited[name]}.{name}"
            result[name] = {k: v for k, v in info.items() if not attributes or k in attributes}
        return result

    @model_method("read")
    def default_get(self, fields_list):
        result = {}
        for name in fields_list:
            fld = self.spec.fields.get(name)
            if fld is not None and fld.default is not None:
                result[name] = fld.default_value(self.env)
        return result

    @records_method("read")
    def exists(self, ids):
        ids = self.ids_arg(ids)
        found = self._existing(ids)
        return [i for i in ids if i in found]

    @model_method("read", versions=(17,), name="name_search")
    def name_search_17(self, name="", args=None, operator="ilike", limit=100):
        return self._name_search(name, args, operator, limit)

    @model_method("read", versions=(18, 19), name="name_search")
    def name_search_18(self, name="", domain=None, operator="ilike", limit=100):
        return self._name_search(name, domain, operator, limit)

    def _name_search(self, name, domain, operator, limit):
        domain = list(domain or [])
        if name:
            domain = ["&", (self._rec_name, operator, name), *normalize(domain)] if domain else [
                (self._rec_name, operator, name)]
        ids = self.search(domain, limit=limit)
        names = self._display_names(ids)
        return [[i, names[i]] for i in ids]

    @records_method("read", versions=(17,))
    def name_get(self, ids):
        """Deprecated in 17 (read display_name instead), removed in 18."""
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        names = self._display_names(ids)
        return [[i, names.get(i, False)] for i in ids]

    @model_method(None, versions=(17, 18))
    def check_access_rights(self, operation, raise_exception=True):
        return security.check_model_access(self.env, self.spec.name, operation, raise_exception)

    @records_method(None, versions=(18, 19))
    def has_access(self, ids, operation):
        return security.check_model_access(self.env, self.spec.name, operation, raise_exception=False)

    # ------------------------------------------------------------ hierarchy
    def hierarchy_ids(self, ids: list[int], down: bool) -> list[int]:
        parent = self._parent_name
        if parent not in self.spec.columns:
            return list(ids)
        column, seen, frontier = self.table.c[parent], set(ids), list(ids)
        while frontier:
            if down:
                query = sa.select(self.table.c.id).where(column.in_(frontier))
            else:
                query = sa.select(column).where(self.table.c.id.in_(frontier), column.is_not(None))
            frontier = [i for i in self.conn.scalars(query) if i not in seen]
            seen.update(frontier)
        return sorted(seen)

    # ------------------------------------------------------------ import
    @model_method("create")
    def load(self, fields, data):
        from .importer import load_records

        return load_records(self, fields, data)

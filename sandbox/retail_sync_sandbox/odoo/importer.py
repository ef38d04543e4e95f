"""`load(fields, data)`: Odoo's import API, upserting by external id.

Columns: `id` (external id, `module.name`, module `__import__` when none is given), `.id` (database
id of a record to update), plain fields,
`rel/id` (external ids, comma-separated for x2many) and `rel/.id` (database ids). Errors do not raise:
they come back in `messages`, and any error rolls the whole load back, as Odoo does. A business
error (UserError) also comes back a second time, first, naming row 0: Odoo's error for the whole
batch, which it attaches to the batch's first row. Two things
are not per-row in Odoo either: an unknown column raises KeyError for the whole call (`load()` looks
every column up in `_fields` before reading a row), and a malformed argument raises ValueError.

Cell values go through Odoo's import converter (`ir.fields.converter`): booleans from 1/true/yes and
''/0/false/no, selections by key or label in any case, datetimes read in the context's (or the user's)
time zone and stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from .constraints import integrity_message
from .exceptions import UserError, ValidationError
from .fields import DATETIME_FORMAT, Boolean, Date, Datetime, Float, Integer, Many2many, Many2one, One2many, Selection

if TYPE_CHECKING:
    from .model import Model

# ir.fields.converter._str_to_boolean, without translations (the sandbox speaks en_US only).
TRUE_WORDS = {"1", "true", "yes"}
FALSE_WORDS = {"", "0", "false", "no"}


class ImportProblem(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _split_xmlid(xmlid: str) -> tuple[str, str]:
    module, dot, name = xmlid.partition(".")
    return (module, name) if dot else ("__import__", xmlid)


def load_records(model: Model, fields: list[str], data: list[list]) -> dict:
    if not isinstance(fields, list) or not isinstance(data, list):
        raise ValueError("load() takes a list of field names and a list of rows")
    _check_columns(model, fields)
    savepoint = model.conn.begin_nested()
    # Odoo first writes the rows as one batch (new records in one create(), existing ones written one by
    # one); only when that raises does it retry row by row, to tell which rows fail and why.
    ids = _load_batch(model, fields, data)
    if ids is not None:
        savepoint.commit()
        return {"ids": ids, "messages": [], "nextrow": 0}
    savepoint.rollback()
    model.env.cache.clear()     # what the call read may have been rolled back with the batch
    savepoint = model.conn.begin_nested()
    ids, messages = _load_row_by_row(model, fields, data)
    if any(m["type"] == "error" for m in messages):
        savepoint.rollback()
        return {"ids": False, "messages": messages, "nextrow": 0}
    savepoint.commit()
    return {"ids": ids, "messages": messages, "nextrow": 0}


def _load_batch(model: Model, fields: list[str], data: list[list]) -> list[int] | None:
    """Every row in batches; None when any row fails (the caller rolls back and retries row by row).

    A batch is written when a row names, as its own external id or as a reference, an external id that a
    row still in the batch makes (Odoo's load() flushes its batch then), and at the end."""
    xmlids = model.env["ir.model.data"].sudo()
    ids: list[int] = []
    batch: list[tuple[str | None, str | None, int | None, dict]] = []   # (module, name, record id, vals)
    pending: set[tuple[str, str]] = set()
    lookups = _Lookups(model, fields, data)

    def flush() -> None:
        creates = [(module, name, vals) for module, name, record_id, vals in batch if not record_id]
        created = iter(model.create([vals for _, _, vals in creates]) if creates else [])
        bindings = []
        for module, name, record_id, vals in batch:
            if record_id:
                model.write([record_id], vals)
            else:
                record_id = next(created)
            if name is not None:
                bindings.append((module, name, record_id))
            ids.append(record_id)
        xmlids.bind_many(model.spec.name, bindings)
        batch.clear()
        pending.clear()
        lookups.forget()     # the batch wrote and bound records: what was read up front may be stale

    try:
        for row in data:
            if len(row) != len(fields):
                return None
            if pending and (not pending.isdisjoint(_xmlid_references(fields, row))
                            or _names_own_model(model, fields, row)):
                flush()
            record_xmlid, database_id, vals = _convert_row(model, fields, row, lookups)
            if database_id and not lookups.searchable(model.spec.name, database_id):
                return None
            module, name = _split_xmlid(record_xmlid) if record_xmlid else (None, None)
            if record_xmlid:
                _check_xmlid_model(model, module, name, lookups)
            bound = lookups.resolve(module, name, model.spec.name) if record_xmlid else None
            record_id = bound if record_xmlid else database_id     # an external id wins over `.id`, as in Odoo
            if bound is not None and record_id == bound:
                name = None     # already bound to this record: nothing to bind
            batch.append((module, name, record_id, vals))
            if record_xmlid:
                pending.add(_split_xmlid(record_xmlid))
        if batch:
            flush()
    except (ImportProblem, ValueError, TypeError, sa.exc.IntegrityError):
        return None
    except Exception as exc:  # an Odoo exception class: the row-by-row pass reports it
        if not hasattr(type(exc), "odoo_name"):
            raise
        return None
    return ids


def _xmlid_references(fields: list[str], row: list) -> set[tuple[str, str]]:
    """The external ids a row names in its `rel/id` columns (and its own, in `id`)."""
    names = set()
    for column, raw in zip(fields, row):
        if (column == "id" or column.endswith("/id")) and raw not in (None, False, ""):
            names.update(_split_xmlid(token.strip()) for token in str(raw).split(","))
    return names


def _names_own_model(model: Model, fields: list[str], row: list) -> bool:
    """Whether a row names a record of the model being loaded by its name (found by name_search, which
    must see the batch's records: Odoo flushes the batch first)."""
    for column, raw in zip(fields, row):
        fld = model.spec.fields.get(column)
        if (isinstance(fld, (Many2one, Many2many, One2many)) and fld.comodel == model.spec.name
                and raw not in (None, False, "")):
            return True
    return False


def _load_row_by_row(model: Model, fields: list[str], data: list[list]) -> tuple[list[int], list[dict]]:
    xmlids = model.env["ir.model.data"].sudo()
    messages: list[dict] = []
    ids: list[int] = []
    # When some row fails again, Odoo puts the batch's error first, as a message naming the batch's first row.
    batch_error: str | None = None
    for index, row in enumerate(data):
        try:
            if len(row) != len(fields):
                raise ImportProblem(f"Row {index + 1} has {len(row)} values for {len(fields)} columns")
            record_xmlid, database_id, vals = _convert_row(model, fields, row)
            if database_id and not model._searchable([database_id]):
                raise ImportProblem(f"Unknown database identifier '{database_id}'", ".id")
            module, name = _split_xmlid(record_xmlid) if record_xmlid else (None, None)
            if record_xmlid:
                _check_xmlid_model(model, module, name)
            bound = xmlids.resolve(module, name, model.spec.name) if record_xmlid else None
            # Odoo's load() keeps `.id` only for a row without an external id (`if xid: … elif id:`).
            record_id = bound if record_xmlid else database_id
            nested = model.conn.begin_nested()
            try:
                if record_id:
                    model.write([record_id], vals)
                else:
                    record_id = model.create(vals)
                if record_xmlid and bound != record_id:
                    xmlids.bind(module, name, model.spec.name, record_id)
                nested.commit()
            except Exception:
                nested.rollback()
                raise
            ids.append(record_id)
        except ImportProblem as exc:
            messages.append(_message(index, str(exc), exc.field))
        except (ValueError, TypeError) as exc:
            messages.append(_message(index, str(exc), None))
        except sa.exc.IntegrityError as exc:
            messages.append(_message(index, integrity_message(model.env.registry, exc), None))
        except Exception as exc:  # an Odoo exception class: reported per row, like Odoo's import
            if not hasattr(type(exc), "odoo_name"):
                raise
            messages.append(_message(index, str(exc), None))
            if isinstance(exc, UserError) and batch_error is None:
                batch_error = str(exc)
    if batch_error is not None and data and _message(0, batch_error, None) not in messages:
        messages.insert(0, _message(0, batch_error, None))
    return ids, messages


def _check_columns(model: Model, fields: list[str]) -> None:
    for column in fields:
        if not isinstance(column, str):
            raise ValueError(f"Invalid column {column!r}")
        name = column.partition("/")[0]
        if name not in ("id", ".id") and name not in model.spec.fields:
            raise KeyError(name)


def _check_xmlid_model(model: Model, module: str, name: str, lookups: _Lookups | None = None) -> None:
    """BaseModel._load_records: an external id already naming a record of another model is refused."""
    if lookups is not None:
        row = lookups.xmlid(module, name)
    else:
        table = model.env["ir.model.data"].table
        row = model.conn.execute(sa.select(table.c.id, table.c.model).where(
            table.c.module == module, table.c.name == name)).first()
    if row is not None and row.model != model.spec.name:
        raise ValidationError(f"For external id {module}.{name} when trying to create/update a record of model "
                              f"{model.spec.name} found record of different model {row.model} ({row.id})")


def _message(index: int, text: str, field: str | None) -> dict:
    message = {"type": "error", "message": text, "record": index, "rows": {"from": index, "to": index}}
    if field:
        message["field"] = field
    return message


def _convert_row(model: Model, fields: list[str], row: list,
                 lookups: _Lookups | None = None) -> tuple[str | None, int | None, dict]:
    vals: dict = {}
    record_xmlid, database_id = None, None
    for column, raw in zip(fields, row):
        if column == "id":
            record_xmlid = str(raw) if raw not in (None, False, "") else None
            continue
        if column == ".id":
            try:
                database_id = int(raw) if raw not in (None, False, "") else None
            except (TypeError, ValueError):
                raise ImportProblem(f"Invalid database id {raw!r}", ".id") from None
            continue
        name, _, suffix = column.partition("/")
        fld = model.spec.fields[name]  # _check_columns has refused unknown columns
        if suffix in ("id", ".id"):
            vals[name] = _relational(model, fld, raw, by_xmlid=(suffix == "id"), lookups=lookups)
        elif suffix:
            raise ImportProblem(f"Unknown sub-field {column!r}", name)
        elif isinstance(fld, (Many2one, Many2many, One2many)):
            vals[name] = _relational_by_name(model, fld, raw)
        else:
            vals[name] = _scalar(model, fld, raw)
    return record_xmlid, database_id, vals


def _scalar(model: Model, fld, raw):
    if raw is None or raw is False or raw == "":
        return False
    if isinstance(fld, Boolean):
        if isinstance(raw, bool):
            return raw
        word = str(raw).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImportProblem(f"Unknown value '{raw}' for boolean field '{fld.string}'", fld.name)
    if isinstance(fld, Integer):
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ImportProblem(f"'{raw}' does not seem to be an integer for field '{fld.string}'", fld.name) from None
    if isinstance(fld, Float):
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise ImportProblem(f"'{raw}' does not seem to be a number for field '{fld.string}'", fld.name) from None
    if isinstance(fld, Selection):
        return _selection(model, fld, str(raw))
    if isinstance(fld, Datetime):
        return _datetime(model, fld, str(raw))
    if isinstance(fld, Date):
        try:
            return dt.date.fromisoformat(str(raw)[:10]).isoformat()
        except ValueError:
            raise ImportProblem(f"'{raw}' does not seem to be a valid date for field '{fld.string}'", fld.name) from None
    return raw


def _selection(model: Model, fld: Selection, raw: str) -> str:
    """A selection cell names an option by its key or its label, in any case."""
    wanted = raw.lower()
    for key, label in fld.options(model.env.version):
        if wanted == str(key).lower() or wanted == str(label).lower():
            return key
    raise ImportProblem(f"Value '{raw}' not found in selection field '{fld.string}'", fld.name)


def _datetime(model: Model, fld: Datetime, raw: str) -> str:
    """A datetime cell is wall-clock time in the import's time zone; Odoo stores it in UTC."""
    try:
        parsed = dt.datetime.strptime(raw, DATETIME_FORMAT[:len(raw) - 2])
    except ValueError:
        raise ImportProblem(f"'{raw}' does not seem to be a valid datetime for field '{fld.string}'",
                            fld.name) from None
    local = parsed.replace(tzinfo=_input_tz(model))
    return local.astimezone(dt.UTC).replace(tzinfo=None).strftime(DATETIME_FORMAT)


def _input_tz(model: Model) -> dt.tzinfo:
    """ir.fields.converter._input_tz: the context's tz, else the user's, else UTC; unknown names skipped."""
    candidates = [model.env.context.get("tz")]
    users = model.env["res.users"].sudo()
    if "tz" in users.spec.fields:
        candidates.append(model.conn.scalar(sa.select(users.table.c.tz).where(users.table.c.id == model.env.uid)))
    for name in candidates:
        if isinstance(name, str) and name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return dt.UTC


def _relational(model: Model, fld, raw, by_xmlid: bool, lookups: _Lookups | None = None):
    if raw in (None, False, ""):
        return False if isinstance(fld, Many2one) else [(6, 0, [])]
    tokens = [t.strip() for t in str(raw).split(",")] if isinstance(fld, (Many2many, One2many)) else [str(raw).strip()]
    comodel = model.env[fld.comodel].sudo()
    ids = []
    for token in tokens:
        if by_xmlid:
            module, name = _split_xmlid(token)
            target = (lookups.resolve(module, name, fld.comodel) if lookups is not None
                      else model.env["ir.model.data"].sudo().resolve(module, name, fld.comodel))
            if not target:
                raise ImportProblem(f"No matching record found for external id '{token}' in field '{fld.string}'",
                                    fld.name)
        else:
            try:
                target = int(token)
            except ValueError:
                raise ImportProblem(f"Invalid database id '{token}' for field '{fld.string}'", fld.name) from None
            if not (lookups.searchable(fld.comodel, target) if lookups is not None else comodel._searchable([target])):
                raise ImportProblem(f"No matching record found for database id '{token}' in field '{fld.string}'",
                                    fld.name)
        ids.append(target)
    return ids[0] if isinstance(fld, Many2one) else [(6, 0, ids)]


def _relational_by_name(model: Model, fld, raw):
    if raw in (None, False, ""):
        return False if isinstance(fld, Many2one) else [(6, 0, [])]
    comodel = model.env[fld.comodel].sudo()
    names = [str(raw)] if isinstance(fld, Many2one) else [t.strip() for t in str(raw).split(",")]
    ids = []
    for name in names:
        found = comodel._name_search(name, [], "=", 2)
        if not found:
            raise ImportProblem(f"No matching record found for name '{name}' in field '{fld.string}'", fld.name)
        ids.append(found[0][0])
    return ids[0] if isinstance(fld, Many2one) else [(6, 0, ids)]


class _Lookups:
    """What a batched load looks up, read up front for all its rows, as Odoo's import prefetches: the external
    ids the rows name (their own and in `rel/id` columns) in one query, and the records named by database id
    (`.id`, `rel/.id`) in one query per model. The answers are those of the per-cell queries: a record missing
    up front is looked up again, and once a batch has been written (a row naming a record the batch makes)
    every lookup goes to the database again, as before any prefetch."""

    def __init__(self, model: Model, fields: list[str], data: list[list]):
        self.model = model
        self.fields, self.data = fields, data
        self.xmlids: dict[tuple[str, str], sa.Row | None] | None = None
        self.found: dict[str, set[int]] = {}    # records external ids name: existing is enough
        self.by_id: dict[str, set[int]] = {}    # records named by database id: as a search finds them
        self.live = False      # True: no prefetched answer is trusted any more
        self._prefetch_ids()

    def _prefetch_ids(self) -> None:
        wanted: dict[str, set[int]] = {}
        for index, column in enumerate(self.fields):
            name, _, suffix = column.partition("/")
            if column == ".id":
                comodel = self.model.spec.name
            elif suffix == ".id" and name in self.model.spec.fields:
                comodel = self.model.spec.fields[name].comodel
            else:
                continue
            for row in self.data:
                raw = row[index] if isinstance(row, (list, tuple)) and index < len(row) else None
                for token in str(raw).split(",") if raw not in (None, False, "") else ():
                    token = token.strip()
                    if token.isdigit():
                        wanted.setdefault(comodel, set()).add(int(token))
        for comodel, ids in wanted.items():
            self.by_id[comodel] = self.model.env[comodel].sudo()._searchable(sorted(ids))

    def exists(self, comodel: str, record_id: int) -> bool:
        if not self.live and record_id in self.found.get(comodel, ()):
            return True
        return bool(self.model.env[comodel].sudo().exists([record_id]))

    def searchable(self, comodel: str, record_id: int) -> bool:
        """Whether a record named by database id counts as found (Model._searchable)."""
        if not self.live and record_id in self.by_id.get(comodel, ()):
            return True
        return bool(self.model.env[comodel].sudo()._searchable([record_id]))

    def forget(self) -> None:
        self.live = True
        self.xmlids, self.found, self.by_id = {}, {}, {}

    def _prefetch_xmlids(self) -> None:
        names: set[tuple[str, str]] = set()
        for row in self.data:
            if isinstance(row, (list, tuple)):
                names |= _xmlid_references(self.fields, row)
        table = self.model.env["ir.model.data"].table
        self.xmlids = dict.fromkeys(names)
        plain = sorted({name for _, name in names})
        for start in range(0, len(plain), 5000):
            for row in self.model.conn.execute(sa.select(table.c.id, table.c.module, table.c.name, table.c.model,
                                                         table.c.res_id).where(table.c.name.in_(plain[start:start + 5000]))):
                if (row.module, row.name) in self.xmlids:
                    self.xmlids[(row.module, row.name)] = row
        by_model: dict[str, set[int]] = {}
        for row in self.xmlids.values():
            if row is not None and row.model in self.model.env:
                by_model.setdefault(row.model, set()).add(row.res_id)
        for model, ids in by_model.items():
            self.found.setdefault(model, set()).update(self.model.env[model].sudo()._existing(sorted(ids)))

    def xmlid(self, module: str, name: str):
        """The ir.model.data row (id, model, res_id) of module.name, or None."""
        if self.xmlids is None:
            self._prefetch_xmlids()
        if self.live or (module, name) not in self.xmlids:
            table = self.model.env["ir.model.data"].table
            self.xmlids[(module, name)] = self.model.conn.execute(sa.select(
                table.c.id, table.c.module, table.c.name, table.c.model, table.c.res_id).where(
                table.c.module == module, table.c.name == name)).first()
        return self.xmlids[(module, name)]

    def resolve(self, module: str, name: str, model: str | None = None) -> int | None:
        """ir.model.data.resolve: the record module.name names, if it still exists."""
        row = self.xmlid(module, name)
        if row is None or (model and row.model != model):
            return None
        return row.res_id if self.exists(row.model, row.res_id) else None

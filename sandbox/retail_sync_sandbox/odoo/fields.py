"""Field types of the sandbox ORM: how each stores, converts and reads back a value like Odoo does.

A field is declared once on a model class; `versions` limits it to the Odoo versions that have it
(e.g. `detailed_type` only in 17, `is_storable` from 18 on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

ALL_VERSIONS = frozenset({17, 18, 19})
# The decimal.precision records Odoo's modules ship (product, uom, stock data files), by name: the digits
# a Float declared with `digits="<name>"` is rounded to when no decimal.precision record says otherwise.
SHIPPED_PRECISIONS = {"Product Price": 2, "Discount": 2, "Stock Weight": 2, "Volume": 2,
                      "Product Unit of Measure": 2, "Product Unit": 2, "Payment Terms": 6}
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class Field:
    type = "field"
    column_type: Any = None
    relational = False

    def __init__(
        self,
        string: str | None = None,
        *,
        required: bool = False,
        readonly: bool = False,
        default: Any = None,
        help: str = "",
        compute: str | None = None,
        inverse: str | None = None,
        search: str | None = None,
        store: bool | None = None,
        index: bool = False,
        groups: str | None = None,
        versions: Iterable[int] = ALL_VERSIONS,
    ):
        self.string = string
        self.required = required
        self.readonly = readonly
        self.default = default
        self.help = help
        self.compute = compute
        self.inverse = inverse
        self.search = search
        # Like Odoo, a computed field is stored only when asked to be.
        self.store = (compute is None) if store is None else store
        self.index = index
        # Odoo's field-level `groups=`: only members of one of these groups (external ids) see the field.
        self.groups = groups
        self.versions = frozenset(versions)
        self.name = ""
        self.model_name = ""

    def bind(self, model_name: str, name: str) -> None:
        self.model_name = model_name
        self.name = name
        if self.string is None:
            self.string = name.replace("_id", "").replace("_", " ").strip().title() or name

    def __str__(self) -> str:
        return f"{self.model_name}.{self.name}"

    @property
    def column(self) -> bool:
        """Whether the value lives in a column of the model's own table."""
        return self.store

    def default_value(self, env) -> Any:
        return self.default(env) if callable(self.default) else self.default

    def to_db(self, value: Any, version: int) -> Any:
        """Convert an RPC value to what is stored; raise ValueError like Odoo on a wrong type."""
        return None if value is False or value is None else value

    def to_read(self, value: Any) -> Any:
        return False if value is None else value

    def describe(self, version: int) -> dict:
        info = {
            "type": self.type,
            "string": self.string,
            "help": self.help,
            "required": self.required,
            "readonly": self.readonly or (self.compute is not None and self.inverse is None),
            "store": self.store,
            "searchable": self.store or bool(self.search),
            "sortable": self.store,
        }
        return info


class Boolean(Field):
    type = "boolean"
    column_type = sa.Boolean

    def to_db(self, value, version):
        return bool(value)

    def to_read(self, value):
        return bool(value)


class Integer(Field):
    type = "integer"
    column_type = sa.Integer

    def to_db(self, value, version):
        return int(value or 0)

    def to_read(self, value):
        return value or 0


class Float(Field):
    type = "float"
    column_type = sa.Float

    def __init__(self, string=None, *, digits: str | tuple[int, int] | Callable[[int], str] | None = None, **kw):
        super().__init__(string, **kw)
        # A decimal.precision name ("Product Price"), a (precision, scale) pair as in Odoo, or a function
        # of the version giving the name (a precision renamed between versions).
        self.digits = digits

    def to_db(self, value, version):
        return float(value or 0.0)

    def to_read(self, value):
        return value or 0.0

    def scale(self, env) -> int | None:
        """The decimals this field keeps: Float.get_digits() (decimal.precision for a named precision)."""
        if self.digits is None:
            return None
        if isinstance(self.digits, tuple):
            return self.digits[1]
        name = self.digits(env.version) if callable(self.digits) else self.digits
        if "decimal.precision" in env:
            precisions = env.cache.get("decimal.precision")
            if precisions is None:
                table = env["decimal.precision"].table
                precisions = env.cache["decimal.precision"] = dict(
                    env.conn.execute(sa.select(table.c.name, table.c.digits)).all())
            if name in precisions:
                return precisions[name]
        return SHIPPED_PRECISIONS.get(name, 2)

    def round(self, value: float | None, env) -> float | None:
        """float_round() half-up at the field's scale, so 19.995 stores as 20.0 at 2 digits (not 19.99)."""
        scale = self.scale(env)
        if value is None or scale is None:
            return value
        # repr() gives the shortest decimal that round-trips: what Odoo's epsilon correction aims at.
        return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP))

    def describe(self, version):
        info = super().describe(version)
        if isinstance(self.digits, tuple):
            info["digits"] = list(self.digits)
        return info


class Monetary(Float):
    type = "monetary"

    def __init__(self, string=None, *, currency_field="currency_id", **kw):
        super().__init__(string, **kw)
        self.currency_field = currency_field


class Char(Field):
    type = "char"

    def __init__(self, string=None, *, size: int | None = None, **kw):
        super().__init__(string, **kw)
        self.size = size

    @property
    def column_type(self):
        return sa.String(self.size) if self.size else sa.String

    def to_db(self, value, version):
        if value is None or value is False:
            return None
        value = str(value)
        # Odoo truncates to the declared size rather than refusing (Char.convert_to_column).
        return value[: self.size] if self.size else value

    def describe(self, version):
        info = super().describe(version)
        if self.size:
            info["size"] = self.size
        return info


class Text(Char):
    type = "text"
    column_type = sa.Text


class Html(Text):
    type = "html"


class Date(Field):
    type = "date"
    column_type = sa.String(10)

    def to_db(self, value, version):
        if not value:
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return dt.date.fromisoformat(str(value)[:10]).isoformat()


class Datetime(Field):
    type = "datetime"
    column_type = sa.String(19)

    def to_db(self, value, version):
        return to_datetime(value)


def to_datetime(value) -> str | None:
    """Odoo's Datetime.to_datetime(): naive values only, parsed with the server format cut to the text's
    length, so `2024-01-02T03:04:05` and microseconds are refused the way strptime refuses them."""
    if not value:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError(f"Datetime field expects a naive datetime: {value}")
        return value.replace(microsecond=0).strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time.min).strftime(DATETIME_FORMAT)
    if not isinstance(value, str):
        raise TypeError(f"strptime() argument 1 must be str, not {type(value).__name__}")
    return dt.datetime.strptime(value, DATETIME_FORMAT[:len(value) - 2]).strftime(DATETIME_FORMAT)


class Selection(Field):
    type = "selection"
    column_type = sa.String

    def __init__(self, selection: list | Callable[[int], list], string=None, **kw):
        super().__init__(string, **kw)
        self._selection = selection

    def options(self, version: int) -> list[tuple[str, str]]:
        return self._selection(version) if callable(self._selection) else self._selection

    def to_db(self, value, version):
        if value is None or value is False:
            return None
        if value not in {key for key, _label in self.options(version)}:
            raise ValueError(f"Wrong value for {self}: {value!r}")
        return value

    def describe(self, version):
        info = super().describe(version)
        info["selection"] = [list(option) for option in self.options(version)]
        return info


class Many2one(Field):
    type = "many2one"
    column_type = sa.Integer
    relational = True

    def __init__(self, comodel: str, string=None, *, ondelete: str = "set null", **kw):
        super().__init__(string, **kw)
        self.comodel = comodel
        self.ondelete = ondelete

    def to_db(self, value, version):
        if value is None or value is False:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            # Odoo accepts [id, name] pairs from read(); anything else is a wrong value.
            if isinstance(value, (list, tuple)) and value and isinstance(value[0], int):
                return value[0]
            raise ValueError(f"Wrong value for {self}: {value!r}")
        return value

    def describe(self, version):
        info = super().describe(version)
        info["relation"] = self.comodel
        return info


class Many2oneReference(Integer):
    """An integer id whose model is named by another field (ir.model.data.res_id)."""

    type = "many2one_reference"

    def to_read(self, value):
        return value or False


class One2many(Field):
    type = "one2many"
    relational = True

    def __init__(self, comodel: str, inverse_name: str, string=None, **kw):
        super().__init__(string, store=False, **kw)
        self.comodel = comodel
        self.inverse_name = inverse_name

    @property
    def column(self):
        return False

    def describe(self, version):
        info = super().describe(version)
        info.update(relation=self.comodel, relation_field=self.inverse_name, store=True,
                    searchable=True, sortable=False, readonly=self.readonly)
        return info


class Many2many(Field):
    type = "many2many"
    relational = True

    def __init__(self, comodel: str, relation: str | None = None, column1: str | None = None,
                 column2: str | None = None, string=None, **kw):
        super().__init__(string, store=False, **kw)
        self.comodel = comodel
        self.relation = relation
        self.column1 = column1
        self.column2 = column2

    def bind(self, model_name, name):
        super().bind(model_name, name)
        own, other = model_name.replace(".", "_"), self.comodel.replace(".", "_")
        self.relation = self.relation or f"{min(own, other)}_{max(own, other)}_rel"
        self.column1 = self.column1 or f"{own}_id"
        self.column2 = self.column2 or f"{other}_id"

    @property
    def column(self):
        return False

    def describe(self, version):
        info = super().describe(version)
        info.update(relation=self.comodel, store=True, searchable=True, sortable=False, readonly=self.readonly)
        return info

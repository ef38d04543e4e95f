"""Odoo domains (Polish-notation lists of leaves) compiled to SQL.

Dotted paths and relational leaves become `IN (subquery)` on the comodel, the way Odoo's
`any` rewriting works, so a search never loads rows into Python to filter them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from . import security
from .fields import Boolean, Many2many, Many2one, One2many

if TYPE_CHECKING:
    from .model import Model

TERM_OPERATORS = {
    "=", "!=", "<=", "<", ">", ">=", "=?", "=like", "=ilike", "like", "not like", "ilike",
    "not ilike", "in", "not in", "child_of", "parent_of", "any", "not any",
}
TERM_OPERATORS_19 = TERM_OPERATORS | {"not =like", "not =ilike"}
LOGIC = {"&": 2, "|": 2, "!": 1}
TRUE_LEAF, FALSE_LEAF = (1, "=", 1), (0, "=", 1)


def is_leaf(element: Any) -> bool:
    return isinstance(element, (list, tuple)) and len(element) == 3


def normalize(domain: Any) -> list:
    """Return the domain with its implicit '&' made explicit; refuse what Odoo refuses."""
    if domain is None or domain is False:
        return []
    if not isinstance(domain, (list, tuple)):
        raise ValueError(f"Invalid domain: {domain!r}")
    result: list = []
    expected = 1
    for element in domain:
        if expected == 0:
            result[0:0] = ["&"]
            expected = 1
        if isinstance(element, str) and element in LOGIC:
            expected += LOGIC[element] - 1
        elif is_leaf(element):
            expected -= 1
        else:
            raise ValueError(f"Invalid domain term {element!r}")
        result.append(element)
    if domain and expected != 0:
        raise ValueError(f"Invalid domain: {list(domain)!r} has an operator missing its operands")
    return result


class DomainCompiler:
    def __init__(self, model: Model):
        self.model = model
        self.env = model.env
        self.spec = model.spec
        self.table = model.spec.table

    def compile(self, domain: Any) -> sa.ColumnElement:
        items = normalize(domain)
        if not items:
            return sa.true()
        stack: list[sa.ColumnElement] = []
        for element in reversed(items):
            if isinstance(element, str):
                if element == "!":
                    stack.append(sa.not_(stack.pop()))
                else:
                    left, right = stack.pop(), stack.pop()
                    stack.append(sa.and_(left, right) if element == "&" else sa.or_(left, right))
            else:
                stack.append(self.leaf(element))
        return stack[0]

    # ------------------------------------------------------------------ leaves
    def leaf(self, leaf) -> sa.ColumnElement:
        left, operator, value = leaf
        if tuple(leaf) == TRUE_LEAF or (left is True):
            return sa.true()
        if tuple(leaf) == FALSE_LEAF or (left is False):
            return sa.false()
        if not isinstance(left, str) or not isinstance(operator, str):
            raise ValueError(f"Invalid leaf {list(leaf)!r}")
        operator = operator.lower()
        if operator == "<>":
            operator = "!="
        allowed = TERM_OPERATORS_19 if self.env.version >= 19 else TERM_OPERATORS
        if operator not in allowed:
            raise ValueError(f"Invalid leaf {list(leaf)!r}")

        name, _, rest = left.partition(".")
        field = self.spec.fields.get(name)
        if field is None or (name in getattr(self.model, "_hidden_fields", ()) and not self.env.su):
            raise ValueError(f"Invalid field {name!r} in leaf {list(leaf)!r} on model {self.spec.name!r}")
        if name in getattr(self.model, "_secret_fields", ()) and not self.env.su:
            # Credentials are computed, unstored fields in Odoo: never a way to probe a hash.
            raise ValueError(f"Non-stored field {self.spec.name}.{name} cannot be searched.")
        if name in self.spec.inherited:
            # _inherits is a join in Odoo, not a search on the parent: no separate access check.
            link = self.spec.inherited[name]
            return self._any(self.spec.fields[link], [(left, operator, value)], check_access=False)
        if rest:
            if not field.relational:
                raise ValueError(f"Invalid field {left!r} in leaf {list(leaf)!r}: {name!r} is not relational")
            return self._any(field, [(rest, operator, value)])
        if operator in ("any", "not any"):
            if not field.relational:
                raise ValueError(f"Invalid leaf {list(leaf)!r}: operator {operator!r} needs a relational field")
            expr = self._any(field, value)
            return sa.not_(expr) if operator == "not any" else expr
        if operator in ("child_of", "parent_of"):
            return self._hierarchy(field, operator, value)
        if name == "display_name":
            rec = self.spec.fields.get(self.model._rec_name)
            if rec is None or not rec.store:
                raise ValueError(f"Non-stored field {field} cannot be searched.")
            return self.leaf((self.model._rec_name, operator, value))
        if not field.store and field.search:
            return self.compile(getattr(self.model, field.search)(name, operator, value))
        if not field.store and not field.relational:
            raise ValueError(f"Non-stored field {field} cannot be searched.")
        if isinstance(field, (One2many, Many2many)):
            return self._x2many(field, operator, value)
        if isinstance(field, Many2one) and _is_name_value(value) and operator not in ("=?",):
            return self._many2one_by_name(field, operator, value)
        column = self.table.c.id if name == "id" else self.table.c[name]
        return scalar_condition(column, operator, value, isinstance(field, Boolean))

    def _subquery(self, comodel_name: str, domain) -> sa.Select:
        comodel = self.env[comodel_name]
        return comodel.search_query(domain or [])

    def _check_comodel(self, comodel_name: str) -> None:
        """A path through a relation searches the comodel, with the caller's read right on it."""
        if not self.env.su:
            security.check_model_access(self.env, comodel_name, "read")

    def _any(self, field, domain, check_access: bool = True) -> sa.ColumnElement:
        if check_access:
            self._check_comodel(field.comodel)
        if isinstance(field, Many2one):
            return self.table.c[field.name].in_(self._subquery(field.comodel, domain))
        if isinstance(field, One2many):
            child = self.env[field.comodel]
            inverse = child.spec.table.c[field.inverse_name]
            inner = sa.select(inverse).where(child.compile_domain(domain), inverse.is_not(None))
            return self.table.c.id.in_(inner)
        rel = self.env.registry.relation_table(field)
        inner = sa.select(rel.c[field.column1]).where(rel.c[field.column2].in_(self._subquery(field.comodel, domain)))
        return self.table.c.id.in_(inner)

    def _x2many(self, field, operator, value) -> sa.ColumnElement:
        if operator in ("=", "in") and value in (False, None, []):
            return sa.not_(self._any_link(field))
        if operator in ("!=", "not in") and value in (False, None, []):
            return self._any_link(field)
        if _is_name_value(value):
            comodel = self.env[field.comodel]
            return self._any(field, [(comodel._rec_name, operator, value)])
        ids = value if isinstance(value, (list, tuple)) else [value]
        positive = self._any(field, [("id", "in", list(ids))], check_access=False)
        return sa.not_(positive) if operator in ("!=", "not in") else positive

    def _any_link(self, field) -> sa.ColumnElement:
        if isinstance(field, One2many):
            child = self.env[field.comodel].spec.table.c[field.inverse_name]
            return self.table.c.id.in_(sa.select(child).where(child.is_not(None)))
        rel = self.env.registry.relation_table(field)
        return self.table.c.id.in_(sa.select(rel.c[field.column1]))

    def _many2one_by_name(self, field, operator, value) -> sa.ColumnElement:
        self._check_comodel(field.comodel)
        comodel = self.env[field.comodel]
        negative = operator in ("!=", "not like", "not ilike", "not in")
        positive_op = {"!=": "=", "not like": "like", "not ilike": "ilike", "not in": "in"}.get(operator, operator)
        inner = comodel.search_query([(comodel._rec_name, positive_op, value)])
        column = self.table.c[field.name]
        if negative:
            return sa.or_(column.not_in(inner), column.is_(None))
        return column.in_(inner)

    def _hierarchy(self, field, operator, value) -> sa.ColumnElement:
        comodel = self.env[getattr(field, "comodel", self.spec.name)]  # `id` child_of: this model's own tree
        ids = value if isinstance(value, (list, tuple)) else [value]
        if ids and isinstance(ids[0], str):
            ids = comodel.with_context(active_test=False).search([(comodel._rec_name, "ilike", ids[0])])
        related = comodel.hierarchy_ids(list(ids), down=(operator == "child_of"))
        if isinstance(field, (One2many, Many2many)):
            return self._any(field, [("id", "in", related)], check_access=False)
        column = self.table.c.id if field.name == "id" else self.table.c[field.name]
        return column.in_(related) if related else sa.false()


def _is_name_value(value) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, str) for v in value)


def scalar_condition(column, operator: str, value, is_boolean: bool = False) -> sa.ColumnElement:
    if operator == "=?":
        if value is None or value is False:
            return sa.true()
        operator = "="
    if operator in ("=", "!="):
        if value is False or value is None:
            if is_boolean:
                cond = sa.or_(column.is_(None), column == sa.false())
            else:
                cond = column.is_(None)
            return cond if operator == "=" else sa.not_(cond)
        if is_boolean and value is True:
            cond = column == sa.true()
            return cond if operator == "=" else sa.or_(column.is_(None), column == sa.false())
        if operator == "=":
            return column == value
        return sa.or_(column != value, column.is_(None))
    if operator in ("in", "not in"):
        values = list(value) if isinstance(value, (list, tuple, set)) else [value]
        has_null = any(v is False or v is None for v in values)
        values = [v for v in values if v is not None and (is_boolean or v is not False)]
        cond = column.in_(values) if values else sa.false()
        if has_null:
            cond = sa.or_(cond, column.is_(None))
        if operator == "in":
            return cond
        return sa.or_(sa.not_(cond), column.is_(None)) if not has_null else sa.not_(cond)
    if operator in ("<", ">", "<=", ">="):
        if value is False or value is None:
            return sa.false()
        return {"<": column < value, ">": column > value, "<=": column <= value, ">=": column >= value}[operator]
    negative = operator.startswith("not ")
    base = operator[4:] if negative else operator
    text = "" if value is False or value is None else str(value)
    pattern = text if base.startswith("=") else f"%{text}%"
    target = sa.cast(column, sa.String)
    if base.endswith("ilike"):
        cond = sa.func.lower(target).like(pattern.lower())
    else:
        cond = target.like(pattern)
    if negative:
        return sa.or_(sa.not_(cond), column.is_(None))
    return cond

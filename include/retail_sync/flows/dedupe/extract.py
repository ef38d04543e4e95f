"""Odoo's customer partners → the linkage model's input columns, and the facts the merge rules need.

Persons and companies (`type = 'contact'`, archived ones left out: Odoo's own lists hide them too) are read in
large `search_read` pages, keyset-paged on id so that partners created meanwhile neither shift nor repeat a
page. The partners of users and of companies are not customers and are left out (the wizard refuses to merge
two users' partners anyway). Odoo holds one `name`: a person's first word is read as the given name and the
rest as the family name ("Ann de Vries" → Ann / de Vries); a company's whole name is its family name. The
history (sale orders and customer invoices per partner) is read only for the partners a merge may touch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from retail_sync.odoo.client import OdooClient

LINK_SCHEMA = pa.schema([
    ("id", pa.int64()), ("given_name", pa.string()), ("family_name", pa.string()), ("email", pa.string()),
    ("phone", pa.string()), ("street", pa.string()), ("house_number", pa.string()), ("city", pa.string()),
    ("postcode", pa.string()), ("state", pa.string()), ("country", pa.string()), ("date_of_birth", pa.string()),
])
PARTNER_FIELDS = ["name", "email", "phone", "street", "street2", "zip", "city", "state_id", "country_id", "vat",
                  "is_company", "parent_id", "create_date"]
IDS_PER_DOMAIN = 1000            # partner ids in one `in` domain when counting their history
INVOICE_TYPES = ["out_invoice", "out_refund"]


@dataclass(frozen=True)
class PartnerFacts:
    """What the merge rules and the choice of destination look at, as Odoo holds it."""

    id: int
    name: str
    email: str | None            # as Odoo compares it: the exact text
    is_company: bool
    parent_id: int | None
    vat: str | None
    create_date: str


@dataclass
class CustomerPartners:
    table: pa.Table                                     # LINK_SCHEMA, one row per partner
    facts: dict[int, PartnerFacts] = field(default_factory=dict)
    calls: int = 0


def read_customers(client: OdooClient, page_size: int) -> CustomerPartners:
    before = client.counters.calls
    skipped = _non_customers(client)
    countries = {c["id"]: c["code"] for c in client.call("res.country", "search_read", [], ["code"])}
    fields = PARTNER_FIELDS + (["mobile"] if client.version < 19 else [])
    rows: list[dict] = []
    facts: dict[int, PartnerFacts] = {}
    for record in _pages(client, "res.partner", [["type", "=", "contact"]], fields, page_size):
        if record["id"] in skipped:
            continue
        facts[record["id"]] = PartnerFacts(
            record["id"], record["name"] or "", record["email"] or None, bool(record["is_company"]),
            _id_of(record["parent_id"]), (record["vat"] or "").replace(" ", "").upper() or None,
            record["create_date"] or "")
        rows.append(_link_row(record, countries))
    table = pa.Table.from_pylist(rows, schema=LINK_SCHEMA)
    return CustomerPartners(table, facts, client.counters.calls - before)


def history_counts(client: OdooClient, partner_ids: Iterable[int], page_size: int) -> Counter:
    """Sale orders plus customer invoices and credit notes per partner: the "most history" of the destination."""
    counts: Counter = Counter()
    ids = sorted(set(partner_ids))
    for start in range(0, len(ids), IDS_PER_DOMAIN):
        chunk = ids[start:start + IDS_PER_DOMAIN]
        for model, domain in (("sale.order", [["partner_id", "in", chunk]]),
                              ("account.move", [["partner_id", "in", chunk], ["move_type", "in", INVOICE_TYPES]])):
            for record in _pages(client, model, domain, ["partner_id"], page_size):
                counts[_id_of(record["partner_id"])] += 1
    return counts


def _non_customers(client: OdooClient) -> set[int]:
    users = client.call("res.users", "search_read", [], ["partner_id"], context={"active_test": False})
    companies = client.call("res.company", "search_read", [], ["partner_id"])
    return {_id_of(r["partner_id"]) for r in [*users, *companies]}


def _pages(client: OdooClient, model: str, domain: list, fields: list[str], page_size: int) -> Iterator[dict]:
    last = 0
    while True:
        page = client.call(model, "search_read", [*domain, ["id", ">", last]], fields, limit=page_size, order="id")
        yield from page
        if len(page) < page_size:
            return
        last = page[-1]["id"]


def _link_row(record: dict, countries: dict[int, str]) -> dict:
    name = " ".join((record["name"] or "").split())
    if record["is_company"]:
        given, family = None, name or None
    else:
        given, _, family = name.partition(" ")
        given, family = given or None, family or None
    street = " ".join(part for part in (record["street"], record["street2"]) if part) or None
    state = record["state_id"][1] if record["state_id"] else None
    return {"id": record["id"], "given_name": given, "family_name": family, "email": record["email"] or None,
            "phone": record["phone"] or record.get("mobile") or None, "street": street, "house_number": None,
            "city": record["city"] or None, "postcode": record["zip"] or None, "state": state,
            "country": countries.get(_id_of(record["country_id"])), "date_of_birth": None}


def _id_of(value) -> int | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value or None

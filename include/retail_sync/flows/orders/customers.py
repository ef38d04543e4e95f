"""Customers of a page of orders → `res.partner` in Odoo: match what exists, create what does not.

Each order names a customer by its channel key (`shopify-eu:customer:42`; a guest by its email:
`woo-uk:guest:<digest>`). A customer is looked for, in this order:

1. by its key: bound to a partner through an external id (`binder`) by an earlier run;
2. by normalised email, among top-level partners;
3. by E.164 phone and normalised name together (a phone alone is shared by households and offices).

A customer found by 2 or 3 gets its key bound to that partner; one found nowhere is created by
`load()` with its external id, so a create repeated after a lost answer, or raced by another run,
updates the one partner instead of making a second. Once bound, the key wins: a customer whose email
changed keeps its partner and the partner gets the new email. The newest order of the page says what
the partner holds (name, email, phone, main address); the sync ledger keeps a digest of what was last
written, so an unchanged customer costs no write.

Every order gets an invoice and a delivery contact under its customer's partner, keyed by the address
itself (`keys.address_key`): the same address again is the same contact.

Calls per page, whatever its size up to `chunk`: one external-id look-up, one email search, one phone
search, the binding of matched keys (a look-up and a create) and one `load` each for partners and
addresses.

Emails are searched in any case, with the domain in Unicode or punycode; phones on E.164 (as this
flow writes them). What Odoo holds in other spellings (a phone typed `0470 12 34 56`) is not found
here: the dedupe flow finds the rest.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

import idna
import pyarrow as pa

from retail_sync.canonical.contacts import display_name, name_key, normalize_email, normalize_phone
from retail_sync.canonical.keys import address_key, guest_key
from retail_sync.channels.timestamps import iso_z
from retail_sync.odoo.binder import Binder
from retail_sync.odoo.client import OdooClient
from retail_sync.odoo.loader import DEFAULT_CHUNK, load_records
from retail_sync.odoo.mappers.partner import address_record, partner_record
from retail_sync.state.store import LedgerEntry, StateStore

PARTNER = "res.partner"
BY_KEY, BY_EMAIL, BY_PHONE_NAME, CREATED = "key", "email", "phone_name", "created"


@dataclass(frozen=True)
class Customer:
    """One customer of a page, as its newest order there describes it."""

    key: str
    name: str
    email: str | None          # normalised
    given_email: str | None
    phone: str | None          # E.164 when it could be read, else as given
    phone_e164: str | None
    name_key: str | None
    address: dict | None       # the billing address: the partner's main address

    def values(self) -> dict[str, str]:
        return partner_record(self.key, self.name, self.email, self.phone, self.address)[1]


@dataclass(frozen=True)
class OrderParties:
    """The partners a sale order of this order needs."""

    partner_id: int
    invoice_id: int
    delivery_id: int


@dataclass
class CustomerOutcome:
    parties: dict[str, OrderParties] = field(default_factory=dict)     # order key -> its partners
    matched_by: dict[str, str] = field(default_factory=dict)           # customer key -> key | email | …
    failed: dict[str, str] = field(default_factory=dict)               # order key -> why it has no partner


def customer_key_of(order: dict) -> str | None:
    """The order's customer: its account, or a guest named by a valid email (a guest key the platform's
    mapper made from a missing or invalid email would merge strangers)."""
    email = normalize_email(order.get("email"))
    key = order.get("customer_key")
    if key and ":guest:" not in key:
        return key
    if not email.ok:
        return None
    return key or guest_key(order["channel"], email.normalized)


def customers_of(orders: pa.Table) -> tuple[dict[str, Customer], dict[str, str]]:
    """The page's customers by key (the newest order of each speaks for it), and each order's customer key.
    Orders whose customer cannot be named (no account, no valid email) are left out."""
    newest: dict[str, dict] = {}
    owner: dict[str, str] = {}
    for order in orders.to_pylist():
        key = customer_key_of(order)
        if key is None:
            continue
        owner[order["key"]] = key
        if key not in newest or iso_z(newest[key]["updated_at"]) <= iso_z(order["updated_at"]):
            newest[key] = order
    return {key: _customer(key, order) for key, order in newest.items()}, owner


def _customer(key: str, order: dict) -> Customer:
    billing = _address(order.get("billing_address"))
    shipping = _address(order.get("shipping_address"))
    email = normalize_email(order.get("email"))
    country = (billing or {}).get("country_code") or order.get("billing_country") or (shipping or {}).get(
        "country_code")
    phone = normalize_phone(order.get("phone") or (billing or {}).get("phone"), country)
    name = display_name(order.get("billing_name")) or display_name((billing or {}).get("name")) or \
        display_name((shipping or {}).get("name")) or email.normalized or key
    return Customer(key, name, email.normalized, order.get("email"), phone.e164 or phone.given, phone.e164,
                    name_key(name), billing)


def _spellings(email: str) -> list[str]:
    """A normalised email as Odoo may hold it: as is, and with its domain in ASCII (punycode)."""
    local, domain = email.rsplit("@", 1)
    ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    return sorted({email, f"{local}@{ascii_domain}"})


def _address(text: str | None) -> dict | None:
    return json.loads(text) if text else None


def _digest(values: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class CustomerSync:
    def __init__(self, client: OdooClient, store: StateStore, run_id: str | None = None, chunk: int = DEFAULT_CHUNK):
        self.client, self.store, self.run_id, self.chunk = client, store, run_id, chunk
        self.binder = Binder(client, chunk)

    def match_or_create(self, orders: pa.Table) -> CustomerOutcome:
        """Partners (customer, invoice and delivery contacts) for every order of the page that can have one."""
        customers, owner = customers_of(orders)
        outcome = CustomerOutcome()
        for order_key in orders.column("key").to_pylist():
            if order_key not in owner:
                outcome.failed[order_key] = "no customer account and no valid email to find or create a partner by"
        if not customers:
            return outcome
        ids = self.binder.resolve(PARTNER, customers)
        outcome.matched_by.update(dict.fromkeys(ids, BY_KEY))
        matched = self._match(customers, ids, outcome)
        if matched:
            self.binder.bind(PARTNER, matched)
        partners, refused = self._write_partners(customers, ids, matched, outcome)
        self._write_addresses(orders, owner, partners, refused, outcome)
        return outcome

    # ------------------------------------------------------------------ matching
    def _match(self, customers: dict[str, Customer], ids: dict[str, int], outcome: CustomerOutcome
               ) -> dict[str, int]:
        """Partners found for unbound customers by email, then by phone and name; the page's own customers
        that share an email (or phone and name) share the partner one of them gets."""
        unbound = [c for key, c in customers.items() if key not in ids]
        found: dict[str, int] = {}
        emails = {form for c in unbound if c.email for form in _spellings(c.email)}
        if emails:
            by_email: dict[str, int] = {}
            for partner in self._top_level("email", sorted(emails), "=ilike"):
                normalized = normalize_email(partner["email"]).normalized
                if normalized and (normalized not in by_email or partner["id"] < by_email[normalized]):
                    by_email[normalized] = partner["id"]   # several: the oldest is the customer's
            for c in unbound:
                if c.email in by_email:
                    found[c.key] = by_email[c.email]
                    outcome.matched_by[c.key] = BY_EMAIL
        phones = {c.phone_e164 for c in unbound if c.key not in found and c.phone_e164 and c.name_key}
        if phones:
            by_phone_name: dict[tuple, int] = {}
            for partner in self._top_level("phone", sorted(phones)):
                pair = (partner["phone"], name_key(partner["name"]))
                if pair not in by_phone_name or partner["id"] < by_phone_name[pair]:
                    by_phone_name[pair] = partner["id"]
            for c in unbound:
                if c.key not in found and (c.phone_e164, c.name_key) in by_phone_name:
                    found[c.key] = by_phone_name[(c.phone_e164, c.name_key)]
                    outcome.matched_by[c.key] = BY_PHONE_NAME
        return found

    def _top_level(self, column: str, values: list[str], operator: str = "in") -> list[dict]:
        """Top-level partners whose `column` is one of `values`: `in` exactly, or `=ilike` (any case)
        each value (the answer is compared again by the caller: `_` in an address is a wildcard there)."""
        rows = []
        for start in range(0, len(values), self.chunk):
            chunk = values[start:start + self.chunk]
            if operator == "in":
                terms = [[column, "in", chunk]]
            else:
                terms = ["|"] * (len(chunk) - 1) + [[column, operator, value] for value in chunk]
            rows += self.client.call(PARTNER, "search_read", [*terms, ["parent_id", "=", False]],
                                     ["id", "name", "email", "phone"], order="id")
        return rows

    # ------------------------------------------------------------------ writing
    def _write_partners(self, customers: dict[str, Customer], ids: dict[str, int], matched: dict[str, int],
                        outcome: CustomerOutcome) -> tuple[dict[str, int], dict[str, str]]:
        """Create the customers found nowhere (one partner per email, or phone and name, in the page) and
        update the known ones whose values changed since they were last written. Returns the partner of
        each customer key, and why Odoo refused the customers it refused."""
        written = self.store.ledger(customers)
        creators: dict[tuple, str] = {}
        followers: dict[str, str] = {}
        to_load = []
        for key, c in customers.items():
            known = ids.get(key) or matched.get(key)
            if known is None:
                identity = ("email", c.email) if c.email else ("phone_name", c.phone_e164, c.name_key) \
                    if c.phone_e164 and c.name_key else ("key", key)
                if identity in creators:
                    followers[key] = creators[identity]
                    continue
                creators[identity] = key
                outcome.matched_by[key] = CREATED
            if known is not None and c.email is None:
                continue   # an order without an email (a phone or POS order) would only blank what Odoo holds
            values = c.values()
            entry = written.get(key)
            if known is None or entry is None or entry.odoo_id != known or entry.digest != _digest(values):
                to_load.append((key, values))
        result = load_records(self.client, PARTNER, to_load, self.chunk)
        fresh = {key: ids.get(key) or matched.get(key) for key in customers if ids.get(key) or matched.get(key)}
        fresh.update(result.ids)
        refused = {}
        for key, error in result.failed.items():
            fresh.pop(key, None)
            outcome.matched_by.pop(key, None)
            refused[key] = f"Odoo refused the customer: {error}"
        bound_followers = {key: fresh[leader] for key, leader in followers.items() if leader in fresh}
        if bound_followers:
            self.binder.bind(PARTNER, bound_followers)
            for key, leader in followers.items():
                outcome.matched_by[key] = outcome.matched_by.get(leader, CREATED)
        fresh.update(bound_followers)
        self.store.record_loaded([LedgerEntry(key, PARTNER, result.ids[key], _digest(values))
                                  for key, values in to_load if key in result.ids], self.run_id)
        return fresh, refused

    def _write_addresses(self, orders: pa.Table, owner: dict[str, str], ids: dict[str, int],
                         refused: dict[str, str], outcome: CustomerOutcome) -> None:
        wanted: dict[str, tuple[str, str, dict]] = {}           # address key -> (customer key, kind, address)
        of_order: dict[str, dict[str, str | None]] = defaultdict(dict)
        for order in orders.to_pylist():
            customer = owner.get(order["key"])
            if customer is None:
                continue
            if customer not in ids:
                outcome.failed[order["key"]] = refused.get(customer, "its customer has no partner in Odoo")
                continue
            for kind, text in (("invoice", order.get("billing_address")), ("delivery", order.get("shipping_address"))):
                if text is None:
                    of_order[order["key"]][kind] = None     # the customer's own contact serves
                    continue
                key = address_key(customer, kind, text)
                wanted[key] = (customer, kind, json.loads(text))
                of_order[order["key"]][kind] = key
        known = {key: entry.odoo_id for key, entry in self.store.ledger(wanted).items()}
        records = [address_record(key, customer, kind, address)
                   for key, (customer, kind, address) in wanted.items() if key not in known]
        result = load_records(self.client, PARTNER, records, self.chunk)
        known.update(result.ids)
        self.store.record_loaded([LedgerEntry(key, PARTNER, odoo_id, key.rsplit(":", 1)[1])
                                  for key, odoo_id in result.ids.items()], self.run_id)
        for order_key, kinds in of_order.items():
            partner = ids[owner[order_key]]
            refused = [result.failed[k] for k in kinds.values() if k in result.failed]
            if refused:
                outcome.failed[order_key] = f"Odoo refused an address: {refused[0]}"
                continue
            outcome.parties[order_key] = OrderParties(
                partner, known[kinds["invoice"]] if kinds.get("invoice") else partner,
                known[kinds["delivery"]] if kinds.get("delivery") else partner)

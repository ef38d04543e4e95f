"""Settlement step 3: every transaction of the window matched to Odoo and classified, in whole columns.

A charge → its order (the charge metadata's order name = the sale order's `client_order_ref`, in the
order's channel = its `origin`) → the order's posted invoice → the payment whose memo names the charge.
A refund → the order's credit note → the outbound payment naming the refund. A dispute → the invoice of the
disputed order. The amounts compared are the presentment amount (what the customer paid, in the order's
currency) with Odoo's payment, else its invoice or credit note; the settled amount must be the presentment
amount at the transaction's exchange rate, to the minor unit.

Statuses (CLASSIFIED_SCHEMA): matched; amount_mismatch; currency_mismatch; missing_in_odoo (no order
reference, an order Odoo lacks, an order without its invoice or credit note); missing_at_provider (an Odoo
payment in the provider's journal that no payout has settled after `missing_after_days`); invalid_payout
(every line of a payout that failed validation). Fees, adjustments and the payout's own line need nothing
of Odoo: they are matched to their payout.

Every look-up is a hash look-up in Arrow (`index_in`: the row of the first Odoo record with that key, in id
order) aligned with the transactions, so the lines keep the transactions' order and their columns go out as
they came in; amounts are compared in numpy, currencies as Arrow strings. Only the lines that are not matched
are turned into Python objects, for their reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from retail_sync.canonical.currencies import minor_unit_exponent
from retail_sync.canonical.settlement import CLASSIFIED_SCHEMA, EXCHANGE_RATE
from retail_sync.flows.settlement.odoo_ledger import OdooLedger

MATCHABLE = ("charge", "refund", "dispute")
CENTS = np.float64(0.5)          # Odoo's floats rounded to the nearest minor unit
KEY_SEPARATOR = "\x1f"           # between an order's channel and name in one look-up key


@dataclass
class _Found:
    """What Odoo holds for each transaction, row by row; -1 / NaN / null where it holds nothing."""
    sale_order_id: np.ndarray
    invoice_id: np.ndarray
    invoice_total: np.ndarray
    invoice_currency: pa.Array
    credit_note_id: np.ndarray
    credit_total: np.ndarray
    credit_currency: pa.Array
    payment_id: np.ndarray
    payment_amount: np.ndarray
    payment_currency: pa.Array
    payout_valid: np.ndarray
    payout_reason: pa.Array
    order_channel: pa.Array


def classify(transactions: pa.Table, payouts: pa.Table, ledger: OdooLedger, settled_before: set[str] | None = None,
             missing_after_days: int = 7, provider: str = "stripe", settled_moves_before: set[int] | None = None
             ) -> pa.Table:
    """The window's lines classified, then Odoo's payments missing at the provider appended. A payment is
    settled when its memo names a transaction seen in a payout (this window's or an earlier run's), or when it
    is reconciled with an invoice or credit note such a transaction found: the order flow's payments name their
    charge, but a refund's payment names its credit note (a storefront does not give the provider's refund id)."""
    found = _look_up(transactions, payouts, ledger)
    status, reason = _statuses(transactions, found)
    lines = _lines(transactions, found, status, reason)
    seen = pa.concat_arrays([transactions.column("source").drop_null().combine_chunks(),
                             pa.array(sorted(settled_before or ()), pa.string())])
    moves = settled_moves(lines) | (settled_moves_before or set())
    missing = _missing_at_provider(ledger, seen, moves, missing_after_days, provider)
    return pa.concat_tables([lines, missing]) if missing is not None else lines


def settled_moves(lines: pa.Table) -> set[int]:
    """The invoices of the charges and the credit notes of the refunds of these classified lines."""
    kind = lines.column("type")
    invoices = pc.filter(lines.column("invoice_id"), pc.equal(kind, "charge")).drop_null()
    credit_notes = pc.filter(lines.column("credit_note_id"), pc.equal(kind, "refund")).drop_null()
    return set(invoices.to_pylist()) | set(credit_notes.to_pylist())


# ---------------------------------------------------------------------- look-ups
def _look_up(tx: pa.Table, payouts: pa.Table, ledger: OdooLedger) -> _Found:
    currency_of = _currency_names(ledger.currencies)
    # The order's channel is the first part of its key (`shopify-eu:order:5100…`).
    channel = pc.list_element(pc.split_pattern(_column(tx, "order_ref"), ":", max_splits=1), 0)
    orders = ledger.orders.sort_values("sale_order_id")
    order_keys = pc.binary_join_element_wise(_strings(orders["origin"]), _strings(orders["client_order_ref"]),
                                             KEY_SEPARATOR)
    at = _index_in(pc.binary_join_element_wise(channel, _column(tx, "order_name"), KEY_SEPARATOR), order_keys)
    sale_order = _take_int(orders["sale_order_id"], at)

    moves = ledger.moves.dropna(subset=["order_id"]).sort_values("move_id")
    invoices = moves[moves["move_type"] == "out_invoice"]
    at = _index_in(_ids(sale_order), pa.array(invoices["order_id"].to_numpy(dtype="int64")))
    invoice_id = _take_int(invoices["move_id"], at)
    invoice_total = _take_float(invoices["move_total"], at)
    invoice_currency = pc.take(_names_of(invoices["move_currency_id"], currency_of), at)
    credit_note_id, credit_total, credit_currency = _credit_notes(tx, sale_order, moves[moves["move_type"] == "out_refund"],
                                                                  currency_of)

    payments = ledger.payments.sort_values("payment_id")
    at = _index_in(_column(tx, "source"), _strings(payments["memo"]))
    payment_id = _take_int(payments["payment_id"], at)
    payment_amount = _take_float(payments["payment_amount"], at)
    payment_currency = pc.take(_names_of(payments["payment_currency_id"], currency_of), at)

    at = _index_in(_column(tx, "payout_id"), payouts.column("payout_id").combine_chunks())
    payout_valid = pc.fill_null(pc.take(payouts.column("valid"), at), False).to_numpy(zero_copy_only=False)
    payout_reason = pc.take(payouts.column("reason"), at)
    return _Found(sale_order, invoice_id, invoice_total, invoice_currency, credit_note_id, credit_total,
                  credit_currency, payment_id, payment_amount, payment_currency, payout_valid.astype(bool),
                  payout_reason, channel)


def _credit_notes(tx: pa.Table, sale_order: np.ndarray, notes: pd.DataFrame,
                  currency_of: pa.Array) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """Each refund's credit note: of its order's credit notes, the one for the refunded amount, else the first."""
    n = tx.num_rows
    note_id, total = np.full(n, -1, dtype="int64"), np.full(n, np.nan)
    note_at = np.full(n, -1, dtype="int64")
    rows = np.flatnonzero(_is(tx, "type", "refund") & (sale_order >= 0))
    if len(rows) and len(notes):
        notes = notes.reset_index(drop=True)
        refunds = pd.DataFrame({"row": rows, "order_id": sale_order[rows]})
        pairs = refunds.merge(pd.DataFrame({"order_id": notes["order_id"].to_numpy(dtype="int64"),
                                            "note": np.arange(len(notes))}), on="order_id")
        if len(pairs):
            pres_currency = pc.coalesce(_column(tx, "presentment_currency"), _column(tx, "currency"))
            pres_minor = pc.coalesce(_column(tx, "presentment_minor"), _column(tx, "gross_minor"))
            row = pairs["row"].to_numpy()
            exponent = _exponents(pc.take(pres_currency, pa.array(row)))
            note_totals = notes["move_total"].to_numpy(dtype="float64")[pairs["note"].to_numpy()]
            refunded = np.abs(pc.take(pres_minor, pa.array(row)).to_numpy(zero_copy_only=False))
            pairs["_off"] = np.round(note_totals * 10.0 ** exponent) != refunded
            pairs["note_id"] = notes["move_id"].to_numpy(dtype="int64")[pairs["note"].to_numpy()]
            best = pairs.sort_values(["row", "_off", "note_id"]).drop_duplicates("row")
            note_at[best["row"].to_numpy()] = best["note"].to_numpy()
    has = note_at >= 0
    if has.any():
        note_id[has] = notes["move_id"].to_numpy(dtype="int64")[note_at[has]]
        total[has] = notes["move_total"].to_numpy(dtype="float64")[note_at[has]]
    at = pa.array(note_at, mask=~has)
    currency = pc.take(_names_of(notes["move_currency_id"], currency_of), at) if len(notes) \
        else pa.nulls(n, pa.string())
    return note_id, total, currency


# ---------------------------------------------------------------------- statuses
def _statuses(tx: pa.Table, found: _Found) -> tuple[np.ndarray, np.ndarray]:
    kind = _column(tx, "type")
    pres_currency = pc.coalesce(_column(tx, "presentment_currency"), _column(tx, "currency"))
    pres_minor = pc.coalesce(_column(tx, "presentment_minor"), _column(tx, "gross_minor")).to_numpy(
        zero_copy_only=False).astype("int64")
    exponent = _exponents(pres_currency)
    is_refund = _is(tx, "type", "refund")
    # What Odoo says the customer paid (or got back): the payment when there is one, else the document.
    document_total = np.where(is_refund, found.credit_total, found.invoice_total)
    document_currency = pc.if_else(pa.array(is_refund), found.credit_currency, found.invoice_currency)
    has_payment = (found.payment_id >= 0) & ~_is(tx, "type", "dispute")
    odoo_amount = np.where(has_payment, found.payment_amount, document_total)
    odoo_currency = pc.if_else(pa.array(has_payment), found.payment_currency, document_currency)
    odoo_minor = np.floor(np.abs(odoo_amount) * 10.0 ** exponent + CENTS)
    amounts_differ = odoo_minor != np.abs(pres_minor)
    payment_not_document = _differ(found.payment_currency, document_currency, when_missing=False)
    currencies_differ = _differ(odoo_currency, pres_currency, when_missing=True) | (has_payment & payment_not_document)
    settled_off = _settled_off(tx, pres_minor, pres_currency, exponent)

    matchable = pc.is_in(kind, value_set=pa.array(MATCHABLE)).to_numpy(zero_copy_only=False)
    no_reference = matchable & _is_null(tx, "order_name")
    has_order = found.sale_order_id >= 0
    no_order = matchable & ~no_reference & ~has_order
    no_document = matchable & has_order & np.isnan(document_total)
    conditions = [~found.payout_valid, ~matchable, no_reference, no_order, no_document, currencies_differ,
                  amounts_differ | settled_off]
    statuses = ["invalid_payout", "matched", "missing_in_odoo", "missing_in_odoo", "missing_in_odoo",
                "currency_mismatch", "amount_mismatch"]
    status = np.select(conditions, statuses, default="matched").astype(object)
    reason = _reasons(tx, found, status, pres_minor, pres_currency, odoo_amount, odoo_currency, has_payment,
                      settled_off)
    return status, reason


def _settled_off(tx: pa.Table, pres_minor: np.ndarray, pres_currency: pa.Array, exponent: np.ndarray) -> np.ndarray:
    """The settled amount is not the presentment amount at the transaction's rate (to one minor unit)."""
    rate = _rates(_column(tx, "exchange_rate"))
    gross = _column(tx, "gross_minor").to_numpy(zero_copy_only=False).astype("int64")
    same = pc.fill_null(pc.equal(pres_currency, _column(tx, "currency")), False).to_numpy(zero_copy_only=False)
    converted = (pres_minor / 10.0 ** exponent) * rate * 10.0 ** _exponents(_column(tx, "currency"))
    off_converted = ~same & ~np.isnan(rate) & (np.abs(converted - gross) > 1)
    presentment = _column(tx, "presentment_minor")
    given = pc.is_valid(presentment).to_numpy(zero_copy_only=False)
    off_same = same & given & (pc.fill_null(presentment, 0).to_numpy(zero_copy_only=False) != gross)
    matchable = pc.is_in(_column(tx, "type"), value_set=pa.array(MATCHABLE)).to_numpy(zero_copy_only=False)
    return (off_converted | off_same) & matchable


def _reasons(tx, found, status, pres_minor, pres_currency, odoo_amount, odoo_currency, has_payment,
             settled_off) -> np.ndarray:
    """Why each line is not matched, in a sentence; built only over the rows that are not matched."""
    out = np.full(len(status), None, dtype=object)
    rows = np.flatnonzero(status != "matched")
    if not len(rows):
        return out
    at = pa.array(rows)
    col = {name: pc.take(_column(tx, name), at).to_pylist() for name in (
        "type", "source", "payout_id", "order_name", "gross_minor", "currency", "exchange_rate")}
    col["order_channel"] = pc.take(found.order_channel, at).to_pylist()
    col["payout_reason"] = pc.take(found.payout_reason, at).to_pylist()
    pres_currency = pc.take(pres_currency, at).to_pylist()
    odoo_currency = pc.take(odoo_currency, at).to_pylist()
    for j, i in enumerate(rows):
        kind, name, source = col["type"][j], col["order_name"][j], col["source"][j]
        what = "payment" if has_payment[i] else ("credit note" if kind == "refund" else "invoice")
        if status[i] == "invalid_payout":
            out[i] = f"payout {col['payout_id'][j]} failed validation: {col['payout_reason'][j]}"
        elif status[i] == "missing_in_odoo" and name is None:
            out[i] = f"{kind} {source} has no order reference in its metadata"
        elif status[i] == "missing_in_odoo" and found.sale_order_id[i] < 0:
            out[i] = f"{kind} {source}: order {name} of {col['order_channel'][j]} is not in Odoo"
        elif status[i] == "missing_in_odoo":
            document = "credit note" if kind == "refund" else "posted invoice"
            out[i] = f"order {name} (sale.order {int(found.sale_order_id[i])}) has no {document}"
        elif status[i] == "currency_mismatch":
            out[i] = f"{kind} in {pres_currency[j]}, Odoo {what} in {odoo_currency[j]}"
        elif settled_off[i] and col["exchange_rate"][j] is not None:
            out[i] = (f"settled {_money(col['gross_minor'][j], col['currency'][j])} is not "
                      f"{_money(pres_minor[i], pres_currency[j])} at rate {col['exchange_rate'][j]}")
        else:
            places = Decimal(1).scaleb(-_exponent(pres_currency[j]))
            out[i] = (f"{kind} {_money(abs(pres_minor[i]), pres_currency[j])}, Odoo {what} "
                      f"{Decimal(str(abs(odoo_amount[i]))).quantize(places)}")
    return out


# ---------------------------------------------------------------------- missing at the provider
def _missing_at_provider(ledger: OdooLedger, seen: pa.Array, moves: set[int], days: int, provider: str
                         ) -> pa.Table | None:
    if not len(ledger.awaiting):
        return None
    memos = _strings(ledger.awaiting["memo"])
    settled = pc.fill_null(pc.is_in(memos, value_set=seen), False).to_numpy(zero_copy_only=False)
    settled |= np.array([bool(moves.intersection(m or ())) for m in ledger.awaiting["moves"]], dtype=bool)
    waiting = ledger.awaiting[~settled]
    if not len(waiting):
        return None
    currency = _names_of(waiting["payment_currency_id"], _currency_names(ledger.currencies))
    sign = np.where(waiting["payment_type"].to_numpy() == "outbound", -1, 1)
    minor = (np.floor(waiting["payment_amount"].to_numpy(dtype="float64") * 10.0 ** _exponents(currency) + CENTS)
             * sign).astype("int64")
    n = len(waiting)
    money = _decimal(minor, currency)
    columns = {
        "provider": pa.array([provider] * n), "source": _strings(waiting["memo"]),
        "type": pa.array(np.where(sign < 0, "refund", "charge")), "gross": money,
        "fee": _decimal(np.zeros(n, "int64"), currency), "net": money, "currency": currency,
        "presentment_amount": money, "presentment_currency": currency,
        "payment_id": pa.array(waiting["payment_id"].to_numpy(dtype="int64")),
        "status": pa.array(["missing_at_provider"] * n),
        "reason": pa.array([f"Odoo payment {p} ({m or 'no memo'}) of {d} has no settlement after {days} days"
                            for p, m, d in zip(waiting["payment_id"], waiting["memo"], waiting["payment_date"])]),
    }
    return _table(columns, n)


# ---------------------------------------------------------------------- the classified table
def _lines(tx: pa.Table, found: _Found, status: np.ndarray, reason: np.ndarray) -> pa.Table:
    """The transactions' own columns as they came, Odoo's ids and the status beside them."""
    currency = _column(tx, "currency")
    presentment_currency = _column(tx, "presentment_currency")
    columns = {name: _column(tx, name) for name in ("provider", "payout_id", "transaction_id", "source", "type",
                                                    "order_ref")}
    columns.update({
        "gross": _decimal(_column(tx, "gross_minor"), currency), "fee": _decimal(_column(tx, "fee_minor"), currency),
        "net": _decimal(_column(tx, "net_minor"), currency), "currency": currency,
        "presentment_amount": _decimal(_column(tx, "presentment_minor"), presentment_currency),
        "presentment_currency": presentment_currency,
        "exchange_rate": _column(tx, "exchange_rate").cast(pa.string()).cast(EXCHANGE_RATE),
        "sale_order_id": _ids(found.sale_order_id), "invoice_id": _ids(found.invoice_id),
        "payment_id": _ids(found.payment_id), "credit_note_id": _ids(found.credit_note_id),
        "status": pa.array(status, pa.string()), "reason": pa.array(reason, pa.string()),
    })
    return _table(columns, tx.num_rows)


def _table(columns: dict[str, pa.Array], n: int) -> pa.Table:
    arrays = [columns[f.name].cast(f.type) if f.name in columns else pa.nulls(n, f.type) for f in CLASSIFIED_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=CLASSIFIED_SCHEMA)


SCALES = pa.array([Decimal(1).scaleb(-e) for e in range(4)], pa.decimal128(5, 3))


def _decimal(minor, currency: pa.Array) -> pa.Array:
    """Integer minor units → MONEY decimals, exactly (no float on the way)."""
    units = pc.cast(pa.array(minor, pa.int64()) if isinstance(minor, np.ndarray) else minor, pa.decimal128(19, 0))
    return pc.cast(pc.multiply(units, pc.take(SCALES, pa.array(_exponents(currency)))),
                   CLASSIFIED_SCHEMA.field("gross").type)


# ---------------------------------------------------------------------- small column tools
def _column(table: pa.Table, name: str) -> pa.Array:
    return table.column(name).combine_chunks()


def _strings(values: pd.Series) -> pa.Array:
    """Odoo's char values as Arrow strings; its False (an empty field) and NaN become null."""
    try:
        return pa.array(values, pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([v if isinstance(v, str) else None for v in values], pa.string())


def _index_in(values: pa.Array, value_set: pa.Array) -> pa.Array:
    """Per value, the position of its first occurrence in `value_set`; null for a null or unknown value."""
    return pc.index_in(values, value_set=value_set, skip_nulls=True)


def _is(table: pa.Table, name: str, value: str) -> np.ndarray:
    return pc.fill_null(pc.equal(_column(table, name), value), False).to_numpy(zero_copy_only=False)


def _is_null(table: pa.Table, name: str) -> np.ndarray:
    return pc.is_null(_column(table, name)).to_numpy(zero_copy_only=False)


def _differ(a: pa.Array, b: pa.Array, when_missing: bool) -> np.ndarray:
    return pc.fill_null(pc.not_equal(a, b), when_missing).to_numpy(zero_copy_only=False)


def _ids(values: np.ndarray) -> pa.Array:
    return pa.array(values, pa.int64(), mask=values < 0)


def _take_int(values: pd.Series, at: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.take(pa.array(values.to_numpy(dtype="int64")), at), -1).to_numpy(zero_copy_only=False)


def _take_float(values: pd.Series, at: pa.Array) -> np.ndarray:
    taken = pc.take(pa.array(values.to_numpy(dtype="float64")), at)
    return pc.fill_null(taken, np.nan).to_numpy(zero_copy_only=False)


def _currency_names(currencies: pd.Series) -> tuple[np.ndarray, pa.Array]:
    return currencies.index.to_numpy(dtype="int64"), _strings(currencies)


def _names_of(ids: pd.Series, currency_of: tuple[np.ndarray, pa.Array]) -> pa.Array:
    """Odoo currency ids → ISO codes (null for an id Odoo did not list)."""
    known, names = currency_of
    at = _index_in(pa.array(ids.to_numpy(dtype="float64"), from_pandas=True).cast(pa.int64()),
                   pa.array(known, pa.int64()))
    return pc.take(names, at)


def _rates(rates: pa.Array) -> np.ndarray:
    """Stripe's exchange rates (text) as floats for the comparison; NaN where there is none or it is not a number."""
    try:
        return pc.fill_null(rates.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        return pd.to_numeric(pd.Series(rates.to_pylist(), dtype=object), errors="coerce").to_numpy(dtype="float64")


def _exponents(currencies: pa.Array) -> np.ndarray:
    """Each currency's minor-unit exponent (2 when unknown), looked up once per distinct code."""
    distinct = pc.unique(currencies.drop_null())
    exponents = pa.array([minor_unit_exponent(code) for code in distinct.to_pylist()], pa.int64())
    return pc.fill_null(pc.take(exponents, _index_in(currencies, distinct)), 2).to_numpy(
        zero_copy_only=False)


def _exponent(currency) -> int:
    return minor_unit_exponent(currency) if isinstance(currency, str) else 2


def _money(minor, currency: str) -> str:
    return f"{Decimal(int(minor)).scaleb(-_exponent(currency))} {currency}"

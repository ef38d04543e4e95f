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
"""

from __future__ import annotations

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


def classify(transactions: pa.Table, payouts: pa.Table, ledger: OdooLedger, settled_before: set[str] | None = None,
             missing_after_days: int = 7, provider: str = "stripe") -> pa.Table:
    """The window's lines classified, then Odoo's payments missing at the provider appended."""
    # The order's channel is the first part of its key (`shopify-eu:order:5100…`); split in Arrow, not per row.
    channel = pc.list_element(pc.split_pattern(transactions.column("order_ref"), ":", max_splits=1), 0)
    tx = transactions.append_column("order_channel", channel).to_pandas()
    lines = _match(tx, payouts.to_pandas(), ledger)
    seen = pa.concat_arrays([transactions.column("source").drop_null().combine_chunks(),
                             pa.array(sorted(settled_before or ()), pa.string())])
    missing = _missing_at_provider(ledger, seen, missing_after_days, provider)
    return _to_arrow(pd.concat([lines, missing], ignore_index=True) if len(missing) else lines)


def _match(tx: pd.DataFrame, payouts: pd.DataFrame, ledger: OdooLedger) -> pd.DataFrame:
    currency = ledger.currencies
    orders = ledger.orders.sort_values("sale_order_id").drop_duplicates(["origin", "client_order_ref"])
    tx = tx.merge(orders[["sale_order_id", "origin", "client_order_ref"]], how="left",
                  left_on=["order_channel", "order_name"], right_on=["origin", "client_order_ref"])

    moves = ledger.moves.assign(move_currency=ledger.moves["move_currency_id"].map(currency))
    invoices = (moves[moves["move_type"] == "out_invoice"].sort_values("move_id").drop_duplicates("order_id")
                .rename(columns={"move_id": "invoice_id", "move_total": "invoice_total",
                                 "move_currency": "invoice_currency", "order_id": "sale_order_id"}))
    tx = tx.merge(invoices[["sale_order_id", "invoice_id", "invoice_total", "invoice_currency"]], how="left",
                  on="sale_order_id")
    tx = _credit_notes(tx, moves)

    payments = ledger.payments.assign(payment_currency=ledger.payments["payment_currency_id"].map(currency))
    payments = payments.sort_values("payment_id").drop_duplicates("memo")
    tx = tx.merge(payments[["memo", "payment_id", "payment_amount", "payment_currency"]], how="left",
                  left_on="source", right_on="memo")

    valid = payouts.set_index("payout_id")
    tx["payout_valid"] = tx["payout_id"].map(valid["valid"]).fillna(False).astype(bool)
    tx["payout_reason"] = tx["payout_id"].map(valid["reason"])
    return _statuses(tx)


def _credit_notes(tx: pd.DataFrame, moves: pd.DataFrame) -> pd.DataFrame:
    """Each refund's credit note: of its order's credit notes, the one for the refunded amount, else the first."""
    notes = moves[moves["move_type"] == "out_refund"].rename(columns={
        "move_id": "credit_note_id", "move_total": "credit_total", "move_currency": "credit_currency",
        "order_id": "sale_order_id"})[["sale_order_id", "credit_note_id", "credit_total", "credit_currency"]]
    refunds = tx.loc[(tx["type"] == "refund") & tx["sale_order_id"].notna(), ["transaction_id", "sale_order_id",
                                                                                "presentment_minor", "currency",
                                                                                "presentment_currency"]]
    pairs = refunds.merge(notes, on="sale_order_id")
    if len(pairs):
        exponent = _exponents(pairs["presentment_currency"].fillna(pairs["currency"]))
        off = (pairs["credit_total"] * 10.0 ** exponent).round() != pairs["presentment_minor"].abs()
        pairs = pairs.assign(_off=off).sort_values(["transaction_id", "_off", "credit_note_id"])
        pairs = pairs.drop_duplicates("transaction_id")
    return tx.merge(pairs[["transaction_id", "credit_note_id", "credit_total", "credit_currency"]], how="left",
                    on="transaction_id")


def _statuses(tx: pd.DataFrame) -> pd.DataFrame:
    kind = tx["type"]
    pres_currency = tx["presentment_currency"].fillna(tx["currency"])
    pres_minor = tx["presentment_minor"].fillna(tx["gross_minor"]).astype("int64")
    exponent = _exponents(pres_currency).astype("int64")
    is_refund = kind == "refund"
    # What Odoo says the customer paid (or got back): the payment when there is one, else the document.
    document_total = np.where(is_refund, tx["credit_total"], tx["invoice_total"])
    document_currency = np.where(is_refund, tx["credit_currency"], tx["invoice_currency"])
    has_payment = tx["payment_id"].notna() & (kind != "dispute")
    odoo_amount = np.where(has_payment, tx["payment_amount"], document_total).astype("float64")
    odoo_currency = pd.Series(np.where(has_payment, tx["payment_currency"], document_currency), index=tx.index)
    odoo_minor = np.floor(np.abs(odoo_amount) * 10.0 ** exponent + CENTS)
    amounts_differ = odoo_minor != np.abs(pres_minor)
    currencies_differ = (odoo_currency != pres_currency) | (
        has_payment & tx["payment_currency"].notna() & pd.Series(document_currency, index=tx.index).notna()
        & (tx["payment_currency"] != pd.Series(document_currency, index=tx.index)))
    settled_off = _settled_off(tx, pres_minor, pres_currency)

    matchable = kind.isin(MATCHABLE)
    no_reference = matchable & tx["order_name"].isna()
    no_order = matchable & ~no_reference & tx["sale_order_id"].isna()
    no_document = matchable & tx["sale_order_id"].notna() & pd.isna(document_total)
    conditions = [~tx["payout_valid"], ~matchable, no_reference, no_order, no_document, currencies_differ,
                  amounts_differ | settled_off]
    statuses = ["invalid_payout", "matched", "missing_in_odoo", "missing_in_odoo", "missing_in_odoo",
                "currency_mismatch", "amount_mismatch"]
    tx["status"] = np.select(conditions, statuses, default="matched")
    tx["reason"] = _reasons(tx, pres_minor, pres_currency, odoo_amount, odoo_currency, has_payment, settled_off)
    return tx


def _settled_off(tx: pd.DataFrame, pres_minor: pd.Series, pres_currency: pd.Series) -> pd.Series:
    """The settled amount is not the presentment amount at the transaction's rate (to one minor unit)."""
    rate = pd.to_numeric(tx["exchange_rate"], errors="coerce")
    same = pres_currency == tx["currency"]
    converted = (pres_minor / 10.0 ** _exponents(pres_currency)) * rate * 10.0 ** _exponents(tx["currency"])
    off_converted = ~same & rate.notna() & ((converted - tx["gross_minor"]).abs() > 1)
    off_same = same & tx["presentment_minor"].notna() & (tx["presentment_minor"] != tx["gross_minor"])
    return (off_converted | off_same) & tx["type"].isin(MATCHABLE)


def _reasons(tx, pres_minor, pres_currency, odoo_amount, odoo_currency, has_payment, settled_off) -> np.ndarray:
    """Why each line is not matched, in a sentence; built per status over only the rows that have it."""
    out = np.full(len(tx), None, dtype=object)
    status = tx["status"].to_numpy()
    source = np.where(has_payment, "payment", np.where(tx["type"] == "refund", "credit note", "invoice"))
    col = {name: tx[name].to_numpy(dtype=object) for name in (
        "type", "source", "payout_id", "payout_reason", "order_name", "order_channel", "sale_order_id",
        "gross_minor", "currency", "exchange_rate")}
    pres_minor, pres_currency = pres_minor.to_numpy(), pres_currency.to_numpy(dtype=object)
    odoo_currency, off = odoo_currency.to_numpy(dtype=object), settled_off.to_numpy()
    for i in np.flatnonzero(status == "invalid_payout"):
        out[i] = f"payout {col['payout_id'][i]} failed validation: {col['payout_reason'][i]}"
    for i in np.flatnonzero(status == "missing_in_odoo"):
        kind, name = col["type"][i], col["order_name"][i]
        if pd.isna(name):
            out[i] = f"{kind} {col['source'][i]} has no order reference in its metadata"
        elif pd.isna(col["sale_order_id"][i]):
            out[i] = f"{kind} {col['source'][i]}: order {name} of {col['order_channel'][i]} is not in Odoo"
        else:
            document = "credit note" if kind == "refund" else "posted invoice"
            out[i] = f"order {name} (sale.order {int(col['sale_order_id'][i])}) has no {document}"
    for i in np.flatnonzero(status == "currency_mismatch"):
        out[i] = f"{col['type'][i]} in {pres_currency[i]}, Odoo {source[i]} in {odoo_currency[i]}"
    for i in np.flatnonzero(status == "amount_mismatch"):
        if off[i] and not pd.isna(col["exchange_rate"][i]):
            out[i] = (f"settled {_money(col['gross_minor'][i], col['currency'][i])} is not "
                      f"{_money(pres_minor[i], pres_currency[i])} at rate {col['exchange_rate'][i]}")
        else:
            places = Decimal(1).scaleb(-_exponent(pres_currency[i]))
            out[i] = (f"{col['type'][i]} {_money(abs(pres_minor[i]), pres_currency[i])}, Odoo {source[i]} "
                      f"{Decimal(str(abs(odoo_amount[i]))).quantize(places)}")
    return out


def _missing_at_provider(ledger: OdooLedger, seen: pa.Array, days: int, provider: str) -> pd.DataFrame:
    if not len(ledger.awaiting):
        return pd.DataFrame()
    memos = pa.array(ledger.awaiting["memo"].astype(object), pa.string(), from_pandas=True)
    settled = pc.fill_null(pc.is_in(memos, value_set=seen), False).to_numpy(zero_copy_only=False)
    waiting = ledger.awaiting[~settled]
    if not len(waiting):
        return pd.DataFrame()
    currency = waiting["payment_currency_id"].map(ledger.currencies)
    sign = np.where(waiting["payment_type"] == "outbound", -1, 1)
    minor = np.floor(waiting["payment_amount"].astype("float64") * 10.0 ** _exponents(currency) + CENTS) * sign
    return pd.DataFrame({
        "provider": provider, "payout_id": None, "transaction_id": None, "source": waiting["memo"],
        "type": np.where(sign < 0, "refund", "charge"), "gross_minor": minor.astype("int64"), "fee_minor": 0,
        "net_minor": minor.astype("int64"), "currency": currency, "presentment_minor": minor.astype("int64"),
        "presentment_currency": currency, "exchange_rate": None, "order_ref": None, "payment_id": waiting["payment_id"],
        "status": "missing_at_provider",
        "reason": [f"Odoo payment {p} ({m or 'no memo'}) of {d} has no settlement after {days} days"
                   for p, m, d in zip(waiting["payment_id"], waiting["memo"], waiting["payment_date"])],
    })


def _to_arrow(lines: pd.DataFrame) -> pa.Table:
    currency = lines["currency"].astype("string")
    pres_currency = lines["presentment_currency"].astype("string")
    columns = {
        "provider": lines["provider"], "payout_id": lines["payout_id"], "transaction_id": lines["transaction_id"],
        "source": lines["source"],
        "type": lines["type"], "gross": _decimal(lines["gross_minor"], currency),
        "fee": _decimal(lines["fee_minor"], currency), "net": _decimal(lines["net_minor"], currency),
        "currency": currency, "presentment_amount": _decimal(lines["presentment_minor"], pres_currency),
        "presentment_currency": pres_currency,
        "exchange_rate": pa.array(lines["exchange_rate"].astype("string"), pa.string()).cast(EXCHANGE_RATE),
        "order_ref": lines["order_ref"],
    }
    for name in ("sale_order_id", "invoice_id", "payment_id", "credit_note_id"):
        columns[name] = pa.array(lines[name] if name in lines else [None] * len(lines), pa.float64()).cast(pa.int64())
    columns["status"], columns["reason"] = lines["status"], lines["reason"]
    arrays = [columns[f.name] if isinstance(columns[f.name], pa.Array)
              else pa.array(columns[f.name], f.type, from_pandas=True) for f in CLASSIFIED_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=CLASSIFIED_SCHEMA)


SCALES = pa.array([Decimal(1).scaleb(-e) for e in range(4)], pa.decimal128(5, 3))


def _decimal(minor: pd.Series, currency: pd.Series) -> pa.Array:
    """Integer minor units → MONEY decimals, exactly (no float on the way)."""
    exponent = pa.array(_exponents(currency).astype("int64"))
    units = pc.cast(pa.array(minor, pa.int64(), from_pandas=True), pa.decimal128(19, 0))
    return pc.cast(pc.multiply(units, pc.take(SCALES, exponent)), CLASSIFIED_SCHEMA.field("gross").type)


def _exponents(currencies: pd.Series) -> pd.Series:
    """Each currency's minor-unit exponent (2 when unknown), looked up once per distinct code."""
    known = {code: minor_unit_exponent(code) for code in currencies.dropna().unique()}
    return currencies.map(known).fillna(2)


def _exponent(currency) -> int:
    return minor_unit_exponent(currency) if isinstance(currency, str) else 2


def _money(minor, currency: str) -> str:
    return f"{Decimal(int(minor)).scaleb(-_exponent(currency))} {currency}"

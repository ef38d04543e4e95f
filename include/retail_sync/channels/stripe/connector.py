"""The Stripe connector: payouts, the balance transactions paid out on each (with their sources
expanded to find the order reference in the charge's metadata), charges and refunds.

Lists are cursor-paged: `starting_after` the last object's id while `has_more` is true. Stripe lists
newest first, so pages are not in replication order. 429 and 5xx are retried, honouring
`Stripe-Should-Retry`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import httpx
import pyarrow as pa

from retail_sync.canonical.settlement import BALANCE_TRANSACTION_SCHEMA, PAYOUT_SCHEMA
from retail_sync.channels.http import ChannelConfig, ChannelHttp, HttpConnector
from retail_sync.channels.paging import Batch, next_cursor, paginate
from retail_sync.channels.source import Page, Stream, StreamSource
from retail_sync.channels.stripe.mapping import balance_row, payout_row
from retail_sync.retry import RetryPolicy


@dataclass(frozen=True)
class StripeSizes:
    """Page sizes of every Stripe call, in one place."""

    page: int = 100                # Stripe's `limit` is 1–100


SIZES = StripeSizes()
PAYOUTS = Stream("payouts", "payouts", replication_key="created", replication_column="created_at", ordered=False)


class StripeConnector(StreamSource, HttpConnector):
    streams = {"payouts": PAYOUTS}

    def __init__(self, config: ChannelConfig, api_key: str, *, page_size: int = SIZES.page,
                 policy: RetryPolicy | None = None):
        self.config = config
        client = httpx.Client(base_url=config.base_url.rstrip("/") + "/v1", timeout=config.timeout,
                              headers={"Authorization": f"Bearer {api_key}"})
        self.http = ChannelHttp(config, client, policy)
        self.page_size = page_size

    def describe(self) -> str:
        """One cheap authenticated call: what the Airflow UI's Test button shows."""
        self.http.request("GET", "/payouts", params={"limit": 1})
        return "Stripe account answered"

    def listing(self, path: str, params: dict | None = None, start: str | None = None) -> Iterator[Batch]:
        def fetch(position: str | None) -> Batch:
            query = {**(params or {}), "limit": self.page_size}
            if position:
                query["starting_after"] = position
            page = self.http.request("GET", path, params=query).json()
            return Batch(page["data"], next_cursor(page["has_more"], page["data"][-1]["id"] if page["data"] else None))

        return paginate(fetch, start)

    def list_all(self, path: str, params: dict | None = None) -> Iterator[dict]:
        for batch in self.listing(path, params):
            yield from batch.items

    def payouts(self, since: datetime | None = None, after: str | None = None,
                until: datetime | None = None) -> Iterator[Page]:
        """Pages of payouts created at or after `since` (and before `until`); resume with `after`."""
        params = {}
        if since:
            params["created[gte]"] = int(since.timestamp())
        if until:
            params["created[lt]"] = int(until.timestamp())
        for batch in self.listing("/payouts", params, after):
            rows = [payout_row(self.config.channel, p) for p in batch.items]
            yield Page.of(PAYOUTS, {"payouts": pa.Table.from_pylist(rows, schema=PAYOUT_SCHEMA)}, batch.next)

    def balance_transactions(self, payout_id: str) -> pa.Table:
        """Everything paid out on one automatic payout, the payout's own transaction included."""
        params = {"payout": payout_id, "expand[]": "data.source"}
        rows = [balance_row(self.config.channel, bt, payout_id) for bt in self.list_all("/balance_transactions", params)]
        return pa.Table.from_pylist(rows, schema=BALANCE_TRANSACTION_SCHEMA)

    def charge(self, charge_id: str) -> dict:
        """One charge by id (a dispute's order is in its charge's metadata)."""
        return self.http.request("GET", f"/charges/{charge_id}").json()

    def charges(self, since: datetime | None = None) -> Iterator[dict]:
        params = {"created[gte]": int(since.timestamp())} if since else {}
        yield from self.list_all("/charges", params)

    def refund(self, charge_id: str, amount_minor: int, idempotency_key: str, metadata: dict | None = None) -> dict:
        """Refund part of a charge once, however often the call is retried (the key makes it idempotent)."""
        form = {"charge": charge_id, "amount": str(amount_minor)}
        form.update({f"metadata[{k}]": str(v) for k, v in (metadata or {}).items()})
        return self.http.request("POST", "/refunds", data=form, headers={"Idempotency-Key": idempotency_key}).json()

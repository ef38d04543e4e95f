"""Settings of the fulfilment push: which channel connections get Odoo's shipments, how far back each run
looks again, and how many times a write whose answer was lost is checked and tried again."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FulfillmentChannel:
    """One store that gets its orders' shipments: its Airflow connection, and the carrier named on a
    fulfilment when Odoo's picking names none (Odoo without the delivery module has no carrier field)."""

    conn_id: str
    carrier: str | None = None

    @classmethod
    def from_value(cls, data) -> FulfillmentChannel:
        if isinstance(data, str) and data:
            return cls(data)
        if not isinstance(data, dict) or not data.get("conn_id"):
            raise ValueError(f"a fulfilment channel is a connection id or {{\"conn_id\": …}}, not {data!r}")
        unknown = set(data) - {"conn_id", "carrier"}
        if unknown:
            raise ValueError(f"fulfilment channel settings: unknown keys {sorted(unknown)}")
        return cls(str(data["conn_id"]), data.get("carrier") or None)


@dataclass(frozen=True)
class FulfillmentSettings:
    flow: str = "fulfillment"
    page_size: int = 200                  # pickings per search_read
    overlap_seconds: int = 600            # each run reads again the pickings done this long before its watermark
    write_attempts: int = 3               # re-reads of an order after a write whose answer was lost or refused
    channels: tuple[FulfillmentChannel, ...] = field(default_factory=tuple)

    def channel(self, conn_id: str) -> FulfillmentChannel:
        for target in self.channels:
            if target.conn_id == conn_id:
                return target
        raise KeyError(f"no fulfilment channel settings for connection {conn_id!r}")

"""Tables of the state store, and the ordered upgrades that bring an older store up to date."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

schema_version = sa.Table(
    "rs_schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

# Per flow and channel: how far a pull has got (advanced only when everything before it is settled).
watermarks = sa.Table(
    "rs_watermarks", metadata,
    sa.Column("flow", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(128), primary_key=True),
    sa.Column("value", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Per external key: which Odoo record it became and the digest of the payload last loaded.
sync_ledger = sa.Table(
    "rs_sync_ledger", metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("odoo_id", sa.Integer, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.String(255)),
)

# Records that could not be loaded: the raw payload and the error, until replayed or resolved.
dead_letters = sa.Table(
    "rs_dead_letters", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("flow", sa.String(64), nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("stage", sa.String(32), nullable=False),       # validate | load
    sa.Column("attempts", sa.Integer, nullable=False, default=1),
    sa.Column("status", sa.String(16), nullable=False),      # open | replayed | resolved
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.String(255)),
    sa.UniqueConstraint("flow", "key", name="rs_dead_letters_flow_key"),
)

run_metrics = sa.Table(
    "rs_run_metrics", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("flow", sa.String(64), nullable=False),
    sa.Column("run_id", sa.String(255), nullable=False),
    sa.Column("metric", sa.String(64), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("labels", sa.Text, nullable=False, default="{}"),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("rs_run_metrics_flow_run", "flow", "run_id"),
)

# Input files a flow has taken in, by content digest: each file is processed exactly once.
processed_files = sa.Table(
    "rs_processed_files", metadata,
    sa.Column("flow", sa.String(64), primary_key=True),
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("uri", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),      # claimed | done | rejected
    sa.Column("run_id", sa.String(255)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Per channel order: the digest of the version last handled and that version's own updated_at (ISO-8601
# UTC text, which compares as time). The same digest again costs no Odoo call; an older version is ignored.
order_versions = sa.Table(
    "rs_order_versions", metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("source_updated_at", sa.String(32), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),     # loaded | quarantined | dead_lettered | skipped
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.String(255)),
)

# Odoo partner merges, recorded before each is sent (an Odoo merge cannot be undone): which partners go into
# which, a snapshot of every partner's fields, and what became of it. A store from before this table gets it
# from create_all (a new table needs no upgrade step).
partner_merges = sa.Table(
    "rs_partner_merges", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("flow", sa.String(64), nullable=False),
    sa.Column("step_key", sa.String(255), nullable=False),   # "<destination> <- <source>,<source>"
    sa.Column("destination_id", sa.Integer, nullable=False),
    sa.Column("source_ids", sa.Text, nullable=False),        # JSON list
    sa.Column("snapshot", sa.Text, nullable=False),          # JSON {partner id: {field: value}}
    sa.Column("probability", sa.Float, nullable=False),      # the weakest link joining the step's partners
    sa.Column("status", sa.String(16), nullable=False),      # sent | merged | refused | not_merged
    sa.Column("error", sa.Text),
    sa.Column("run_id", sa.String(255)),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("rs_partner_merges_flow_status", "flow", "status"),
)

# Upgrades after version 1 (the tables above as first released): (version, list of SQL statements).
UPGRADES: list[tuple[int, list[str]]] = []
CURRENT_VERSION = 1 + len(UPGRADES)

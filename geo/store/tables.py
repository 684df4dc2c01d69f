"""The store's tables: one per record kind (columns from :mod:`geo.domain.schema`) plus bookkeeping.

- every record row keeps ``key`` (its natural key: the id column, or ``h:<content hash>``),
  ``content_hash``, ``import_id``, ``source_file`` and ``source_row``;
- located kinds keep ``cell``, the H3 resolution-10 cell of the point (for scoped reads), and
  all of them but pings ``outside``, set when the point lies outside every stored area (reads
  leave such rows out unless asked);
- incidents, hazards, venues, disputes and leads keep their category as the file wrote it
  (``category_source``, and ``category_code``), its analysis group in ``category`` (``topic``);
- times are stored as UTC epoch milliseconds (BIGINT) on every backend;
- ``imports`` is the import history, ``area_cells`` the res-10 cells that touch each area (the
  pre-filter of scoped reads), ``coverage`` and ``stops`` the per-shift coverage rollups,
  ``track_quality`` the per-shift GPS break counts, ``plans`` the saved patrol plans, ``users``
  and ``audit`` the logins and the audit trail, ``meta`` a small key/value table;
- ``api_tokens`` the machine API's tokens (a device's, bound to one unit, or a user's), kept as
  a SHA-256 of their secret, and ``fixes`` the GPS fixes devices post live, one per unit and
  time, which :mod:`geo.store.live` settles into shifts and pings (migration 0011);
- ``road_networks`` the imported road networks (nodes and edges as compressed Parquet), one of
  them active for plans, circles and the nearest unit (:mod:`geo.store.networks`, migration 0012).

Schema changes are Alembic migrations (``geo/store/migrations``); a test holds the two equal.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from geo.domain import categories, schema

__all__ = [
    "RECORD_TABLES",
    "TIME_COLUMN",
    "api_tokens",
    "area_cells",
    "audit",
    "coverage",
    "fixes",
    "imports",
    "may_be_outside",
    "may_be_unlocated",
    "meta",
    "metadata",
    "plans",
    "road_networks",
    "stops",
    "track_quality",
    "users",
]

metadata = sa.MetaData()


_SA_TYPES: dict[str, Any] = {
    "id": sa.Text,
    "str": sa.Text,
    "enum": sa.Text,
    "int": sa.BigInteger,
    "float": sa.Float,
    "lat": sa.Float,
    "lng": sa.Float,
    "ts": sa.BigInteger,
    "geometry": sa.Text,
}


# Time column that places a row in a period, per kind (None: not time-bound).
TIME_COLUMN: dict[str, str | None] = {
    "units": None,
    "shifts": "start",
    "pings": "ts",
    "sites": None,
    "site_checks": "ts",
    "venues": None,
    "inspections": "ts",
    "hazards": "found_at",
    "incidents": "ts",
    "areas": None,
    "disputes": "reported_at",
    "leads": "received_at",
}


def may_be_unlocated(k: schema.Kind) -> bool:
    """True for a located kind whose rows may lack a point (a lead without a place).

    Scope for such rows: see :func:`read`.
    """
    return k.located and not k.column("lat").required and not k.places


def may_be_outside(k: schema.Kind) -> bool:
    """True for a kind whose rows carry the ``outside`` flag: located kinds but GPS pings.

    A row is flagged when its point lies outside every stored area (see
    :func:`geo.store.write.write_records`); reads leave flagged rows out unless asked. A patrol
    track's fixes outside the areas are normal driving, not a data error, so pings carry no flag.
    """
    return k.located and k.name != "pings"


def _record_table(k: schema.Kind) -> sa.Table:
    cols: list[sa.Column[Any]] = [
        sa.Column("rid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.Text, nullable=False, unique=True),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("import_id", sa.Integer, nullable=False, index=True),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.Column("source_row", sa.Integer, nullable=False),
    ]
    for c in k.columns:
        cols.append(sa.Column(c.name, _SA_TYPES[c.type], nullable=not c.required))
    if k.located:
        cols.append(sa.Column("cell", sa.BigInteger, nullable=may_be_unlocated(k), index=True))
    if may_be_outside(k):  # the point lies outside every stored area (migration 0008)
        cols.append(sa.Column("outside", sa.Boolean, nullable=False, server_default=sa.false()))
    if k.name in categories.GROUP_COLUMN:  # the file's category text and code (migration 0009)
        cols.append(sa.Column(categories.SOURCE, sa.Text, nullable=False))
        cols.append(sa.Column(categories.CODE, sa.Text))
    t = sa.Table(k.name, metadata, *cols)
    if k.name in categories.GROUP_COLUMN:  # a re-mapping updates the rows of a source
        sa.Index(f"ix_{k.name}_{categories.SOURCE}", t.c[categories.SOURCE])
    tcol = TIME_COLUMN[k.name]
    if tcol:
        sa.Index(f"ix_{k.name}_{tcol}", t.c[tcol])
    for ref in ("shift_id", "unit_id", "site_id", "venue_id"):
        # a reference, or the first of a key of several columns (a shift's pings: 0010)
        if ref in t.c and (ref not in k.key or len(k.key) > 1):
            sa.Index(f"ix_{k.name}_{ref}", t.c[ref])
    return t


RECORD_TABLES: dict[str, sa.Table] = {name: _record_table(k) for name, k in schema.KINDS.items()}


imports = sa.Table(
    "imports",
    metadata,
    sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("file_sha256", sa.Text, nullable=False),
    sa.Column("crs", sa.Text),
    sa.Column("started_ms", sa.BigInteger, nullable=False),
    sa.Column("read", sa.Integer, nullable=False, default=0),
    sa.Column("accepted", sa.Integer, nullable=False, default=0),
    sa.Column("duplicates", sa.Integer, nullable=False, default=0),
    sa.Column("conflicts", sa.Integer, nullable=False, default=0),
    sa.Column("rejected", sa.Integer, nullable=False, default=0),
    sa.Column("user_name", sa.Text),
    # rows stored but outside every area (flagged; migration 0008)
    sa.Column("outside", sa.Integer, nullable=False, default=0, server_default="0"),
)


area_cells = sa.Table(
    "area_cells",
    metadata,
    sa.Column("area_id", sa.Text, primary_key=True),
    sa.Column("cell", sa.BigInteger, primary_key=True),
    sa.Index("ix_area_cells_cell", "cell"),
)


coverage = sa.Table(
    "coverage",
    metadata,
    sa.Column("shift_id", sa.Text, nullable=False, index=True),
    sa.Column("cell", sa.BigInteger, nullable=False, index=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("hour", sa.SmallInteger, nullable=False),
    sa.Column("unit_kind", sa.Text, nullable=False),
    sa.Column("dwell_s", sa.Float, nullable=False),
    sa.Column("stops", sa.Integer, nullable=False),
    sa.Column("stop_s", sa.Float, nullable=False),
    sa.Column("koper_stops", sa.Integer, nullable=False),
    sa.Column("last_ms", sa.BigInteger, nullable=False),
    # the H3 resolution of the row: each served resolution is rolled up by its own cells
    sa.Column("res", sa.SmallInteger, nullable=False),
    # the period's rows by (res, date, hour); a night's dwell summed from the index alone
    sa.Index("ix_coverage_night", "res", "date", "hour", "cell", "dwell_s"),
)


stops = sa.Table(
    "stops",
    metadata,
    sa.Column("shift_id", sa.Text, nullable=False, index=True),
    sa.Column("cell", sa.BigInteger, nullable=False),
    sa.Column("start_ms", sa.BigInteger, nullable=False),
    sa.Column("end_ms", sa.BigInteger, nullable=False),
    sa.Column("duration_s", sa.Float, nullable=False),
    sa.Column("koper", sa.Boolean, nullable=False),
    sa.Column("res", sa.SmallInteger, nullable=False),  # the stop's cell's resolution
)


track_quality = sa.Table(
    "track_quality",
    metadata,
    sa.Column("shift_id", sa.Text, primary_key=True),
    sa.Column("pings", sa.Integer, nullable=False),
    sa.Column("gap_breaks", sa.Integer, nullable=False),
    sa.Column("jump_breaks", sa.Integer, nullable=False),
)


plans = sa.Table(
    "plans",
    metadata,
    sa.Column("plan_id", sa.Text, primary_key=True),
    sa.Column("night", sa.Date, nullable=False, index=True),
    sa.Column("created_ms", sa.BigInteger, nullable=False),
    sa.Column("user_name", sa.Text),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("risk_covered", sa.Float, nullable=False),
    sa.Column("risk_total", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)


meta = sa.Table(
    "meta",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


# Users and the audit trail (geo/services/access.py keeps them; migration 0006)
users = sa.Table(
    "users",
    metadata,
    sa.Column("user_name", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("areas", sa.Text, nullable=False),  # JSON list of area ids ([] for admin)
    sa.Column("password_hash", sa.Text, nullable=False),  # argon2id, never the password
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("demo", sa.Boolean, nullable=False),  # demo users log in only in demo mode
    sa.Column("failed", sa.Integer, nullable=False),
    sa.Column("locked_until_ms", sa.BigInteger),
    sa.Column("created_ms", sa.BigInteger, nullable=False),
    sa.Column("password_ms", sa.BigInteger, nullable=False),  # sessions older than this end
)


audit = sa.Table(
    "audit",
    metadata,
    sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts_ms", sa.BigInteger, nullable=False, index=True),
    sa.Column("user_name", sa.Text, index=True),
    sa.Column("action", sa.Text, nullable=False, index=True),
    sa.Column("what", sa.Text, nullable=False),
    sa.Column("rows", sa.Integer),
    sa.Column("detail", sa.Text, nullable=False),  # JSON object
)


# The machine API (geo/api; migration 0011): tokens and the fixes devices post live
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_id", sa.Text, primary_key=True),  # the public part of the token
    sa.Column("kind", sa.Text, nullable=False),  # device | user
    sa.Column("unit_id", sa.Text, index=True),  # a device's unit: its only fixes
    sa.Column("user_name", sa.Text, index=True),  # a user's token reads with the user's scope
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("secret_hash", sa.Text, nullable=False),  # SHA-256 hex of the secret, never it
    sa.Column("created_ms", sa.BigInteger, nullable=False),
    sa.Column("created_by", sa.Text),
    sa.Column("revoked_ms", sa.BigInteger),
    sa.Column("last_used_ms", sa.BigInteger),
)


fixes = sa.Table(
    "fixes",
    metadata,
    sa.Column("unit_id", sa.Text, primary_key=True),
    sa.Column("ts", sa.BigInteger, primary_key=True),  # the fix's time, UTC epoch ms
    sa.Column("lat", sa.Float, nullable=False),  # WGS-84 (converted on arrival)
    sa.Column("lng", sa.Float, nullable=False),
    sa.Column("speed", sa.Float),  # km/h as sent
    sa.Column("accuracy", sa.Float),  # metres as sent
    sa.Column("received_ms", sa.BigInteger, nullable=False),
    sa.Column("token_id", sa.Text, nullable=False),
    sa.Index("ix_fixes_received_ms", "received_ms"),
    sa.Index("ix_fixes_ts", "ts"),
)


# Imported road networks (geo/store/networks.py; migration 0012)
road_networks = sa.Table(
    "road_networks",
    metadata,
    sa.Column("network_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("file_kind", sa.Text, nullable=False),  # shapefile | geopackage | graphml | pbf
    sa.Column("crs", sa.Text),  # the CRS it was read in
    sa.Column("imported_ms", sa.BigInteger, nullable=False),
    sa.Column("imported_by", sa.Text),
    sa.Column("nodes", sa.Integer, nullable=False),
    sa.Column("edges", sa.Integer, nullable=False),
    sa.Column("km", sa.Float, nullable=False),
    sa.Column("oneway", sa.Integer, nullable=False),  # one-way roads
    sa.Column("min_lng", sa.Float),
    sa.Column("min_lat", sa.Float),
    sa.Column("max_lng", sa.Float),
    sa.Column("max_lat", sa.Float),
    sa.Column("detail", sa.Text, nullable=False),  # JSON: km per class, columns read, layer
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("nodes_parquet", sa.LargeBinary, nullable=False),
    sa.Column("edges_parquet", sa.LargeBinary, nullable=False),
)

"""The store: tables, migrations, who may read what, scoped reads, idempotent writes, rollups.

SQLAlchemy Core on SQLite (the embedded default) or PostgreSQL (``QY_DATABASE_URL``); the same
code and the same tests run on both. Rooms:

- :mod:`~geo.store.tables`: the tables (one per record kind, plus bookkeeping);
  ``migrations/`` the Alembic migrations that build them;
- :mod:`~geo.store.engine`: :func:`connect` (migrations applied) and :func:`write_soon`;
- :mod:`~geo.store.scope`: roles, :class:`Principal`, :data:`Scope`, the areas a read covers;
- :mod:`~geo.store.records`: :func:`read`, the scoped read every user-reachable read goes through;
- :mod:`~geo.store.write`: :func:`write_records`, inside an import's transaction;
- :mod:`~geo.store.rollups`: the one writer and reader of the coverage rollups;
- :mod:`~geo.store.values`: stored values <-> frames (epoch ms, hashes, natural keys, cells);
- :mod:`~geo.store.info`, :mod:`~geo.store.accounts`, :mod:`~geo.store.saved_plans`: small
  values and history, users and the audit trail, saved plans.

Nothing here imports :mod:`geo.services`; services and the batch engines import the store.
"""

from __future__ import annotations

from geo.store.engine import (
    connect,
    dispose_all,
    forget,
    is_locked,
    migrate,
    write_now,
    write_soon,
    writes_waiting,
)
from geo.store.info import counts, data_period, get_meta, import_history, is_demo, set_meta
from geo.store.records import read
from geo.store.rollups import rebuild_coverage
from geo.store.scope import (
    ALL,
    Principal,
    Reader,
    Scope,
    area_polygon,
    effective_scope,
    figures_scope,
    may_read,
    narrowed,
    principal,
    resolve_scope,
)
from geo.store.tables import (
    RECORD_TABLES,
    TIME_COLUMN,
    area_cells,
    audit,
    coverage,
    imports,
    may_be_outside,
    meta,
    metadata,
    plans,
    stops,
    track_quality,
    users,
)
from geo.store.values import ms_to_ts, ts_to_ms
from geo.store.write import WriteResult, write_records

__all__ = [
    "ALL",
    "RECORD_TABLES",
    "TIME_COLUMN",
    "Principal",
    "Reader",
    "Scope",
    "WriteResult",
    "area_cells",
    "area_polygon",
    "audit",
    "connect",
    "counts",
    "coverage",
    "data_period",
    "dispose_all",
    "effective_scope",
    "figures_scope",
    "forget",
    "get_meta",
    "import_history",
    "imports",
    "is_demo",
    "is_locked",
    "may_be_outside",
    "may_read",
    "meta",
    "metadata",
    "migrate",
    "ms_to_ts",
    "narrowed",
    "plans",
    "principal",
    "read",
    "rebuild_coverage",
    "resolve_scope",
    "set_meta",
    "stops",
    "track_quality",
    "ts_to_ms",
    "users",
    "write_now",
    "write_records",
    "write_soon",
    "writes_waiting",
]

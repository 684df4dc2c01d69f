"""Live fixes: the rows behind :mod:`geo.services.live`.

Only this module reads and writes the ``fixes`` table. A fix is one unit's GPS position at one
instant (``unit_id``, ``ts``: UTC epoch ms), WGS-84, as a device posted it; a fix sent twice is
stored once (:func:`insert_fixes`: ``INSERT ... ON CONFLICT DO NOTHING`` on the primary key).

Settling (:func:`geo.services.live.settle`) turns the fixes received since the watermark
(:data:`WATERMARK`, in ``meta``) into *live shifts*: rows of ``shifts`` and ``pings`` written by
:func:`geo.store.write.write_records` under one ``imports`` row per night named
:data:`LIVE_FILE` (:func:`live_import_id`), so that keys, cells and content hashes are an
import's. A live shift is one whose import is such a row (:func:`live_shifts`); imported shifts
are never touched here. :func:`drop_shifts` removes live shifts with their pings and rollups
before they are cut again.

Every function takes the caller's connection (one transaction per settle) or an engine for reads.
Times are UTC epoch milliseconds throughout.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from geo.store import rollups
from geo.store.info import get_meta, set_meta
from geo.store.tables import RECORD_TABLES, api_tokens, fixes, imports, meta
from geo.store.write import begin_import, finish_import

__all__ = [
    "ALERTS",
    "FIX_COLUMNS",
    "LIVE_FILE",
    "WATERMARK",
    "WORKER",
    "count_live",
    "drop_shifts",
    "fixes_between",
    "fixes_received_after",
    "insert_fixes",
    "last_fixes",
    "last_pings",
    "last_received_ms",
    "live_import_id",
    "live_shifts",
    "lock_settle",
    "save_alerts",
    "save_worker",
    "set_settled_ms",
    "settled_ms",
    "stored_alerts",
    "tracks_between",
    "worker_status",
]

WATERMARK = "live_settled_ms"
"""``meta`` name of the instant (epoch ms) up to which received fixes were settled."""

ALERTS = "live_alerts"
"""``meta`` name of the live alerts the worker computed last (``at_ms``, ``alerts``)."""

WORKER = "live_worker"
"""``meta`` name of the worker's status (pid, cycles, errors, last beat in epoch ms)."""

LIVE_FILE = "live"
"""``imports.file_name`` of the import rows that own live shifts (one per night)."""

FIX_COLUMNS = ["unit_id", "ts", "lat", "lng", "speed", "accuracy", "received_ms", "token_id"]
"""The columns of a fix row."""

_CHUNK = 2000  # rows per multi-row INSERT (8 values each: far below both backends' limits)
_IN = 5000  # values per IN list


def _connect(engine_or_conn: sa.Engine | sa.Connection) -> Any:
    """A context giving a connection: a new one of an engine, or the caller's own."""
    if isinstance(engine_or_conn, sa.Engine):
        return engine_or_conn.connect()
    return _Same(engine_or_conn)


class _Same:
    """A context manager that hands back the caller's connection and leaves it open."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sa.Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        return None


def _frame(rows: Sequence[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


# --------------------------------------------------------------------------------------------
# Writing fixes


def insert_fixes(conn: sa.Connection, rows: pd.DataFrame) -> int:
    """Insert fixes but those whose (unit_id, ts) is stored already; returns how many were new.

    ``rows`` holds :data:`FIX_COLUMNS` (``ts`` and ``received_ms`` as epoch ms; ``speed`` and
    ``accuracy`` may be NaN: stored as NULL); one row per (unit_id, ts) (the caller drops repeats
    within a batch). The count is the statements' row counts: one multi-row
    ``INSERT ... ON CONFLICT DO NOTHING`` per chunk counts exactly the rows it inserted, on
    SQLite and PostgreSQL alike (``preserve_rowcount``: SQLAlchemy otherwise leaves an INSERT's
    count at -1 on psycopg; a test holds it to the rows stored).
    """
    if rows.empty:
        return 0
    obj = rows[FIX_COLUMNS].astype(object).where(rows[FIX_COLUMNS].notna(), None)
    recs = [dict(zip(FIX_COLUMNS, r, strict=True)) for r in obj.itertuples(index=False)]
    for r in recs:
        r["ts"], r["received_ms"] = int(r["ts"]), int(r["received_ms"])
    insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    new = 0
    for i in range(0, len(recs), _CHUNK):
        stmt = insert(fixes).values(recs[i : i + _CHUNK])
        if conn.dialect.name == "postgresql":
            stmt = stmt.on_conflict_do_nothing(index_elements=[fixes.c.unit_id, fixes.c.ts])
        else:
            stmt = stmt.on_conflict_do_nothing()
        new += int(conn.execute(stmt.execution_options(preserve_rowcount=True)).rowcount)
    return new


# --------------------------------------------------------------------------------------------
# Reading fixes


def last_fixes(
    engine_or_conn: sa.Engine | sa.Connection,
    *,
    since_ms: int | None = None,
    until_ms: int | None = None,
    units: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The last fix of each unit with ``since_ms <= ts <= until_ms`` (either bound optional).

    One probe of the primary key (unit_id, ts) per unit: ``max(ts)`` of the unit within the
    bounds (a correlated subquery over ``units``, default every unit a fix can name: the stored
    units and the device tokens'), then the fix at that time; its cost grows with the units,
    not with the fixes of the night. Columns :data:`FIX_COLUMNS`, one row per unit, by unit.
    Unscoped: the caller keeps what the reader may see.
    """
    f = fixes
    conds = []
    if since_ms is not None:
        conds.append(f.c.ts >= int(since_ms))
    if until_ms is not None:
        conds.append(f.c.ts <= int(until_ms))
    probes: list[Any] = []
    if units is None:  # every unit a fix can name: the stored units and the device tokens'
        u = RECORD_TABLES["units"]
        probes.append(
            sa.union(
                sa.select(u.c.unit_id),
                sa.select(api_tokens.c.unit_id).where(api_tokens.c.unit_id.is_not(None)),
            ).subquery("u")
        )
    else:
        ids = sorted({str(x) for x in units})
        for i in range(0, len(ids), 500):
            chunk = [sa.select(sa.literal(x, sa.Text).label("unit_id")) for x in ids[i : i + 500]]
            probes.append(sa.union_all(*chunk).subquery("u"))
    parts: list[pd.DataFrame] = []
    with _connect(engine_or_conn) as conn:
        for probe in probes:
            latest = sa.select(
                probe.c.unit_id.label("unit_id"),
                sa.select(sa.func.max(f.c.ts))
                .where(f.c.unit_id == probe.c.unit_id, *conds)
                .scalar_subquery()
                .label("ts"),
            ).subquery()
            stmt = (
                sa.select(*[f.c[c] for c in FIX_COLUMNS])
                .join(latest, sa.and_(f.c.unit_id == latest.c.unit_id, f.c.ts == latest.c.ts))
                .order_by(f.c.unit_id)
            )
            parts.append(_frame(conn.execute(stmt).all(), FIX_COLUMNS))
    if not parts:
        return _frame([], FIX_COLUMNS)
    return pd.concat(parts, ignore_index=True).sort_values("unit_id").reset_index(drop=True)


def fixes_between(
    engine_or_conn: sa.Engine | sa.Connection,
    units: Sequence[str] | None,
    start_ms: int,
    end_ms: int,
) -> pd.DataFrame:
    """The fixes of ``units`` (None: every unit) with ``start_ms <= ts <= end_ms``, in time order.

    Columns :data:`FIX_COLUMNS`, sorted by unit and time.
    """
    f = fixes
    stmt = sa.select(*[f.c[c] for c in FIX_COLUMNS]).where(
        f.c.ts >= int(start_ms), f.c.ts <= int(end_ms)
    )
    parts: list[pd.DataFrame] = []
    with _connect(engine_or_conn) as conn:
        if units is None:
            parts.append(_frame(conn.execute(stmt).all(), FIX_COLUMNS))
        else:
            ids = sorted({str(u) for u in units})
            for i in range(0, len(ids), _IN):
                chunk = stmt.where(f.c.unit_id.in_(ids[i : i + _IN]))
                parts.append(_frame(conn.execute(chunk).all(), FIX_COLUMNS))
    out = pd.concat(parts, ignore_index=True) if parts else _frame([], FIX_COLUMNS)
    return out.sort_values(["unit_id", "ts"], kind="stable").reset_index(drop=True)


def last_received_ms(engine_or_conn: sa.Engine | sa.Connection) -> int:
    """When the latest fix was received (epoch ms; 0 with none): one look at its index."""
    with _connect(engine_or_conn) as conn:
        return int(conn.execute(sa.select(sa.func.max(fixes.c.received_ms))).scalar() or 0)


def fixes_received_after(conn: sa.Connection, after_ms: int) -> pd.DataFrame:
    """Per unit, the span of the fixes received after ``after_ms``: what a settle must re-cut.

    Columns ``unit_id``, ``first_ms`` and ``last_ms`` (the earliest and latest fix time among
    them), one row per unit, by unit.
    """
    f = fixes
    stmt = (
        sa.select(f.c.unit_id, sa.func.min(f.c.ts), sa.func.max(f.c.ts))
        .where(f.c.received_ms > int(after_ms))
        .group_by(f.c.unit_id)
        .order_by(f.c.unit_id)
    )
    return _frame(conn.execute(stmt).all(), ["unit_id", "first_ms", "last_ms"])


def last_pings(
    engine_or_conn: sa.Engine | sa.Connection,
    *,
    since_ms: int,
    until_ms: int,
    units: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The last stored GPS ping of each unit with ``since_ms <= ts <= until_ms``.

    The stored tracks (imported shifts and settled live ones): the database finds each shift's
    latest ping in the window; the latest per unit is kept. Columns ``unit_id``, ``ts``, ``lat``,
    ``lng``, ``speed``. ``units``: only these units' (None: every unit's). Unscoped.
    """
    p, s = RECORD_TABLES["pings"], RECORD_TABLES["shifts"]
    cols = ["unit_id", "ts", "lat", "lng", "speed"]
    window = sa.and_(p.c.ts >= int(since_ms), p.c.ts <= int(until_ms))
    if units is not None:
        ids = sorted({str(u) for u in units})
        if not ids:
            return _frame([], cols)
        if len(ids) <= _IN:
            mine = sa.select(s.c.shift_id).where(s.c.unit_id.in_(ids))
            window = sa.and_(window, p.c.shift_id.in_(mine.scalar_subquery()))
    latest = (
        sa.select(p.c.shift_id, sa.func.max(p.c.ts).label("ts"))
        .where(window)
        .group_by(p.c.shift_id)
        .subquery()
    )
    stmt = (
        sa.select(s.c.unit_id, p.c.ts, p.c.lat, p.c.lng, p.c.speed)
        .join(latest, sa.and_(p.c.shift_id == latest.c.shift_id, p.c.ts == latest.c.ts))
        .join(s, s.c.shift_id == p.c.shift_id)
    )
    with _connect(engine_or_conn) as conn:
        got = _frame(conn.execute(stmt).all(), cols)
    if units is not None:
        got = got.loc[got["unit_id"].astype(str).isin(ids)]
    got = got.sort_values(["unit_id", "ts"], kind="stable").drop_duplicates("unit_id", keep="last")
    return got.reset_index(drop=True)


def tracks_between(
    engine_or_conn: sa.Engine | sa.Connection,
    units: Sequence[str] | None,
    start_ms: int,
    end_ms: int,
) -> pd.DataFrame:
    """The positions of ``units`` (None: every unit) with ``start_ms <= ts <= end_ms``.

    The live fixes and the stored pings (with their shift's unit) together, one row per unit
    and time (a settled fix is both: the fix is kept). Columns ``unit_id``, ``ts``, ``lat``,
    ``lng``, by unit and time. Unscoped.
    """
    live = fixes_between(engine_or_conn, units, start_ms, end_ms)[["unit_id", "ts", "lat", "lng"]]
    p, s = RECORD_TABLES["pings"], RECORD_TABLES["shifts"]
    stmt = (
        sa.select(s.c.unit_id, p.c.ts, p.c.lat, p.c.lng)
        .join(s, s.c.shift_id == p.c.shift_id)
        .where(p.c.ts >= int(start_ms), p.c.ts <= int(end_ms))
    )
    cols = ["unit_id", "ts", "lat", "lng"]
    parts = [live]
    with _connect(engine_or_conn) as conn:
        if units is None:
            parts.append(_frame(conn.execute(stmt).all(), cols))
        else:
            ids = sorted({str(u) for u in units})
            for i in range(0, len(ids), _IN):
                chunk = stmt.where(s.c.unit_id.in_(ids[i : i + _IN]))
                parts.append(_frame(conn.execute(chunk).all(), cols))
    out = (
        pd.concat([x for x in parts if len(x)], ignore_index=True)
        if any(len(x) for x in parts)
        else _frame([], cols)
    )
    out = out.drop_duplicates(["unit_id", "ts"], keep="first")
    return out.sort_values(["unit_id", "ts"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Settling: the watermark, the lock, the live imports and shifts


def settled_ms(conn: sa.Connection) -> int:
    """The watermark: fixes received after it are not settled yet (0 before the first settle)."""
    return int(get_meta(conn, WATERMARK, 0) or 0)


def set_settled_ms(conn: sa.Connection, ms: int) -> None:
    """Store the watermark (inside the settle's transaction)."""
    set_meta(conn, WATERMARK, int(ms))


def lock_settle(conn: sa.Connection) -> None:
    """Hold off every other settle (and the writers of shifts and pings) until this one commits.

    PostgreSQL: transaction-scoped advisory locks, the settle's own and then the ones imports
    take for shifts and pings (:func:`geo.store.write.write_records` takes them in that order
    too), so that a second settle waits and then reads the first's watermark. SQLite: the first
    statement is a write (of the watermark's row), which takes the database's single write lock
    before anything is read; a second settle waits on busy_timeout.
    """
    if conn.dialect.name == "postgresql":
        for name in ("live", "shifts", "pings"):
            conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(:k)"),
                {"k": zlib.crc32(f"qy-write:{name}".encode())},
            )
        return
    conn.execute(meta.update().where(meta.c.name == WATERMARK).values(value=meta.c.value))


def live_import_id(conn: sa.Connection, night: str, *, now_ms: int) -> int:
    """The ``imports`` row that owns the live shifts of ``night`` (YYYY-MM-DD), made if new.

    One row per night: ``kind`` pings, ``file_name`` :data:`LIVE_FILE`, ``file_sha256``
    ``live:<night>``.
    """
    tag = f"{LIVE_FILE}:{night}"
    found = conn.execute(
        sa.select(imports.c.import_id)
        .where(imports.c.file_name == LIVE_FILE, imports.c.file_sha256 == tag)
        .order_by(imports.c.import_id)
    ).first()
    if found is not None:
        return int(found[0])
    return begin_import(
        conn,
        kind="pings",
        file_name=LIVE_FILE,
        file_sha256=tag,
        crs="wgs84",
        user=None,
        now_ms=now_ms,
    )


def _live_imports(conn: sa.Connection) -> sa.Select[Any]:
    return sa.select(imports.c.import_id).where(
        imports.c.file_name == LIVE_FILE, imports.c.file_sha256.like(f"{LIVE_FILE}:%")
    )


def live_shifts(conn: sa.Connection, unit_id: str, start_ms: int, end_ms: int) -> pd.DataFrame:
    """The live shifts of ``unit_id`` that overlap ``[start_ms, end_ms]``.

    Columns ``shift_id``, ``start``, ``end`` (epoch ms). Imported shifts are not live.
    """
    s = RECORD_TABLES["shifts"]
    stmt = sa.select(s.c.shift_id, s.c.start, s.c.end).where(
        s.c.unit_id == unit_id,
        s.c.start <= int(end_ms),
        s.c.end >= int(start_ms),
        s.c.import_id.in_(_live_imports(conn).scalar_subquery()),
    )
    return _frame(conn.execute(stmt).all(), ["shift_id", "start", "end"])


def drop_shifts(conn: sa.Connection, shift_ids: Sequence[str]) -> None:
    """Delete live shifts with their pings and their coverage, stops and GPS-quality rows.

    Only shifts of a live import are deleted (an imported shift of the same id stays).
    """
    s, p = RECORD_TABLES["shifts"], RECORD_TABLES["pings"]
    ids = sorted({str(x) for x in shift_ids})
    live = _live_imports(conn).scalar_subquery()
    for i in range(0, len(ids), _IN):
        chunk = ids[i : i + _IN]
        mine = [
            r[0]
            for r in conn.execute(
                sa.select(s.c.shift_id).where(s.c.shift_id.in_(chunk), s.c.import_id.in_(live))
            )
        ]
        if not mine:
            continue
        conn.execute(p.delete().where(p.c.shift_id.in_(mine)))
        conn.execute(s.delete().where(s.c.shift_id.in_(mine)))
        rollups.replace(conn, {name: pd.DataFrame() for name in rollups.TABLES}, mine)


def count_live(conn: sa.Connection, import_id: int) -> None:
    """Record in a live import's history row how many pings it holds now (as a pings import)."""
    p = RECORD_TABLES["pings"]
    n = int(
        conn.execute(
            sa.select(sa.func.count()).select_from(p).where(p.c.import_id == import_id)
        ).scalar_one()
    )
    finish_import(
        conn, import_id, read=n, accepted=n, duplicates=0, conflicts=0, rejected=0, outside=0
    )


# --------------------------------------------------------------------------------------------
# The worker's results: the live alerts it computed last, its status


def save_alerts(conn: sa.Connection, alerts: list[dict[str, Any]], *, at_ms: int) -> None:
    """Store the live alerts of the whole jurisdiction computed at ``at_ms`` (JSON-ready rows)."""
    set_meta(conn, ALERTS, {"at_ms": int(at_ms), "alerts": alerts})


def stored_alerts(engine_or_conn: sa.Engine | sa.Connection) -> dict[str, Any] | None:
    """The live alerts the worker stored last (``at_ms``, ``alerts``), or None."""
    got = get_meta(engine_or_conn, ALERTS, None)
    return got if isinstance(got, dict) and "at_ms" in got else None


def save_worker(conn: sa.Connection, status: dict[str, Any]) -> None:
    """Store the worker's status (JSON-ready: pid, cycles, errors, beat_ms)."""
    set_meta(conn, WORKER, status)


def worker_status(engine_or_conn: sa.Engine | sa.Connection) -> dict[str, Any]:
    """The worker's status as it stored it last (empty before its first cycle)."""
    got = get_meta(engine_or_conn, WORKER, {})
    return got if isinstance(got, dict) else {}

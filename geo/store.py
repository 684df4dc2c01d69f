"""The store: SQLAlchemy Core tables, Alembic migrations, idempotent writes and scoped reads.

One table per record kind (columns from :mod:`geo.schema`) plus bookkeeping:

- every record row keeps ``key`` (its natural key: the id column, or ``h:<content hash>``),
  ``content_hash``, ``import_id``, ``source_file`` and ``source_row``;
- located kinds keep ``cell``, the H3 resolution-10 cell of the point (for scoped reads);
- times are stored as UTC epoch milliseconds (BIGINT) on every backend and come back from reads as
  tz-aware pandas timestamps in the configured zone;
- ``imports`` is the import history, ``area_cells`` the res-10 cells that touch each area (the
  pre-filter of scoped reads), ``coverage`` and ``stops`` the per-shift coverage rollups,
  ``track_quality`` the per-shift GPS break counts, and ``meta`` a small key/value table.

Writes go through :func:`write_records`, which runs in the caller's transaction: an import is all or
nothing. Reads that a user can reach go through :func:`read` with a :data:`Scope` or a
:class:`geo.access.Principal` (a user: role and areas). With a principal, :func:`read` keeps the
rows inside the user's areas and raises ``PermissionError`` for a kind the role may not read as
rows (a viewer: tracks, units, incidents...); geo functions that return only figures read
through :func:`figures_scope`.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from shapely import wkt as shapely_wkt

from geo import schema
from geo.config import get_settings

if TYPE_CHECKING:
    from geo.access import Principal

__all__ = [
    "ALL",
    "RECORD_TABLES",
    "Reader",
    "Scope",
    "WriteResult",
    "connect",
    "figures_scope",
    "is_locked",
    "may_read",
    "metadata",
    "principal",
    "read",
    "resolve_scope",
    "write_records",
    "write_soon",
    "writes_waiting",
]

ROLLUP_RES = 10
_BUSY_TIMEOUT_MS = 30_000  # SQLite: how long a write waits for the write lock of another
Scope = Literal["all"] | frozenset[str] | set[str] | list[str] | tuple[str, ...]
# Who reads: a scope, or a user (geo.access.Principal: role and areas; the store applies its rules)
Reader: TypeAlias = "Scope | Principal"
ALL: Literal["all"] = "all"

metadata = sa.MetaData()

_SA_TYPES: dict[str, Any] = {
    "id": sa.Text, "str": sa.Text, "enum": sa.Text, "int": sa.BigInteger, "float": sa.Float,
    "lat": sa.Float, "lng": sa.Float, "ts": sa.BigInteger, "geometry": sa.Text,
}

# Time column that places a row in a period, per kind (None: not time-bound).
TIME_COLUMN: dict[str, str | None] = {
    "units": None, "shifts": "start", "pings": "ts", "sites": None, "site_checks": "ts",
    "venues": None, "inspections": "ts", "hazards": "found_at", "incidents": "ts", "areas": None,
    "disputes": "reported_at", "leads": "received_at",
}


def may_be_unlocated(k: schema.Kind) -> bool:
    """True for a located kind whose rows may lack a point (a lead without a place).

    Scope for such rows: see :func:`read`.
    """
    return k.located and not k.column("lat").required and not k.places


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
    t = sa.Table(k.name, metadata, *cols)
    tcol = TIME_COLUMN[k.name]
    if tcol:
        sa.Index(f"ix_{k.name}_{tcol}", t.c[tcol])
    for ref in ("shift_id", "unit_id", "site_id", "venue_id"):
        if ref in t.c and ref not in k.key:
            sa.Index(f"ix_{k.name}_{ref}", t.c[ref])
    return t


RECORD_TABLES: dict[str, sa.Table] = {name: _record_table(k) for name, k in schema.KINDS.items()}

imports = sa.Table(
    "imports", metadata,
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
)

area_cells = sa.Table(
    "area_cells", metadata,
    sa.Column("area_id", sa.Text, primary_key=True),
    sa.Column("cell", sa.BigInteger, primary_key=True),
    sa.Index("ix_area_cells_cell", "cell"),
)

coverage = sa.Table(
    "coverage", metadata,
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
    sa.Index("ix_coverage_date_hour", "date", "hour"),
)

stops = sa.Table(
    "stops", metadata,
    sa.Column("shift_id", sa.Text, nullable=False, index=True),
    sa.Column("cell", sa.BigInteger, nullable=False),
    sa.Column("start_ms", sa.BigInteger, nullable=False),
    sa.Column("end_ms", sa.BigInteger, nullable=False),
    sa.Column("duration_s", sa.Float, nullable=False),
    sa.Column("koper", sa.Boolean, nullable=False),
)

track_quality = sa.Table(
    "track_quality", metadata,
    sa.Column("shift_id", sa.Text, primary_key=True),
    sa.Column("pings", sa.Integer, nullable=False),
    sa.Column("gap_breaks", sa.Integer, nullable=False),
    sa.Column("jump_breaks", sa.Integer, nullable=False),
)

plans = sa.Table(
    "plans", metadata,
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
    "meta", metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Users and the audit trail (geo/access.py keeps them; migration 0006)
users = sa.Table(
    "users", metadata,
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
    "audit", metadata,
    sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts_ms", sa.BigInteger, nullable=False, index=True),
    sa.Column("user_name", sa.Text, index=True),
    sa.Column("action", sa.Text, nullable=False, index=True),
    sa.Column("what", sa.Text, nullable=False),
    sa.Column("rows", sa.Integer),
    sa.Column("detail", sa.Text, nullable=False),  # JSON object
)


# --------------------------------------------------------------------------------------------
# Engine and migrations

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_engines: dict[str, sa.Engine] = {}


def _alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: sa.Engine) -> None:
    """Apply every Alembic migration up to head on ``engine`` (idempotent)."""
    from alembic import command

    cfg = _alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def connect(url: str | None = None, *, migrate_schema: bool = True) -> sa.Engine:
    """An engine on ``url`` (default: the configured store), with migrations applied.

    The SQLite file and its folder are created on first use. Engines are cached per URL.
    """
    url = url or get_settings().database_url
    if url in _engines:
        return _engines[url]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            cur.close()
    if migrate_schema:
        migrate(engine)
    _engines[url] = engine
    return engine


# --------------------------------------------------------------------------------------------
# Small writes that must not wait behind a long import (SQLite)

# How long a small write (an audit row, a login's counters) waits for SQLite's single write lock
# before it is handed to the background writer (seconds).
QUICK_WAIT_S = 2.0
_log = logging.getLogger(__name__)


def is_locked(err: sa.exc.OperationalError) -> bool:
    """True when ``err`` is SQLite's "database is locked": another writer held the lock."""
    text = str(getattr(err, "orig", err)).lower()
    return "database is locked" in text or "database is busy" in text


class _LaterWriter:
    """One background thread that applies, in the order they came, small writes that found the
    SQLite store's write lock held (an import holds it until its file is stored, which can take
    minutes). Each write runs in its own transaction and is retried until the lock frees."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._jobs: list[tuple[sa.Engine, Callable[[sa.Connection], object],
                               Callable[[], None] | None]] = []
        self._waiting: dict[str, int] = {}
        self._thread: threading.Thread | None = None

    def waiting(self, engine: sa.Engine | None = None) -> int:
        with self._cond:
            if engine is None:
                return sum(self._waiting.values())
            return self._waiting.get(str(engine.url), 0)

    def submit(self, engine: sa.Engine, fn: Callable[[sa.Connection], object],
               after: Callable[[], None] | None) -> None:
        with self._cond:
            self._jobs.append((engine, fn, after))
            key = str(engine.url)
            self._waiting[key] = self._waiting.get(key, 0) + 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="qy-later-writes",
                                                daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs:
                    self._cond.wait()
                engine, fn, after = self._jobs[0]
            while True:
                try:
                    with engine.begin() as conn:
                        fn(conn)
                    if after is not None:
                        after()
                    break
                except sa.exc.OperationalError as e:
                    if not is_locked(e):
                        _log.exception("a deferred write failed and is dropped")
                        break
                    time.sleep(0.2)  # the import still holds the lock: wait on
                except Exception:  # a bug in the write itself: keep the queue moving
                    _log.exception("a deferred write failed and is dropped")
                    break
            with self._cond:
                self._jobs.pop(0)
                key = str(engine.url)
                self._waiting[key] -= 1
                if not self._waiting[key]:
                    del self._waiting[key]
                self._cond.notify_all()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every deferred write is applied; False if ``timeout`` s passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._jobs:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
        return True


_later = _LaterWriter()
# a command-line run ends only once what it deferred is written (the import that held the lock
# is another process, which ends too)
atexit.register(_later.drain, 600.0)


def _set_busy_timeout(conn: sa.Connection, ms: int) -> None:
    conn.connection.dbapi_connection.execute(f"PRAGMA busy_timeout={int(ms)}")  # type: ignore[union-attr]


def write_soon(engine: sa.Engine, fn: Callable[[sa.Connection], object], *,
               after: Callable[[], None] | None = None) -> bool:
    """Run the writes of ``fn(conn)`` in one transaction now, or as soon as the store allows.
    What ``fn`` returns is ignored.

    For small writes that a user must not wait for (audit rows, a login's counters). On
    PostgreSQL they run at once (writers of other rows do not block them). SQLite has one write
    lock per database, which an import holds until its whole file is stored: if the lock does
    not free within :data:`QUICK_WAIT_S`, the writes go to a background thread that applies
    them, in order, once it does; until then every later small write of the same store queues
    behind them, so that their order is kept. ``after()`` runs once the writes are committed.
    Returns True when written now, False when deferred. A deferred write is lost only if the
    process ends before the lock frees (a command-line run waits for it at exit).
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            fn(conn)
        if after is not None:
            after()
        return True
    if _later.waiting(engine):
        _later.submit(engine, fn, after)
        return False
    try:
        with engine.connect() as conn:
            _set_busy_timeout(conn, int(QUICK_WAIT_S * 1000))
            try:
                with conn.begin():
                    fn(conn)
            finally:
                _set_busy_timeout(conn, _BUSY_TIMEOUT_MS)
    except sa.exc.OperationalError as e:
        if not is_locked(e):
            raise
        _later.submit(engine, fn, after)
        return False
    if after is not None:
        after()
    return True


def writes_waiting(engine: sa.Engine | None = None, *, wait: float | None = None) -> int:
    """Deferred small writes not yet applied (of ``engine``'s store, or of all stores). With
    ``wait``, first wait up to that many seconds for them to be applied."""
    if wait is not None:
        _later.drain(wait)
    return _later.waiting(engine)


def dispose_all() -> None:
    """Close every cached engine (tests use it between databases)."""
    for e in _engines.values():
        e.dispose()
    _engines.clear()


# --------------------------------------------------------------------------------------------
# Conversions between frames and stored values


def ts_to_ms(values: pd.Series) -> pd.Series:
    """tz-aware timestamps (any unit) -> UTC epoch milliseconds (nullable Int64)."""
    s = pd.Series(pd.to_datetime(values, utc=True)).dt.as_unit("ns")
    ns = s.astype("int64", copy=False) if s.notna().all() else None
    if ns is not None:
        return (ns // 1_000_000).astype("Int64")
    out = pd.Series(pd.NA, index=s.index, dtype="Int64")
    ok = s.notna()
    out[ok] = s[ok].astype("int64") // 1_000_000
    return out


def ms_to_ts(values: pd.Series, tz: str) -> pd.Series:
    """UTC epoch milliseconds -> tz-aware timestamps in ``tz``; a missing value becomes NaT.

    The milliseconds go through numpy's integer cast, not pandas' float path: a column with a
    NULL arrives as float64 with NaN, and pandas 2's ``to_datetime(float, unit=...)`` rounds an
    ``np.empty`` buffer whose NaN slots it never fills, so whatever memory held before could
    raise ``FloatingPointError: overflow`` now and then (pandas-dev/pandas#58419, fixed in 3.0).

    >>> ms_to_ts(pd.Series([1717250400000, None]), "Asia/Shanghai").tolist()
    [Timestamp('2024-06-01 22:00:00+0800', tz='Asia/Shanghai'), NaT]
    """
    num = pd.to_numeric(values)
    if num.dtype.kind in "iu" and not num.hasnans:
        ms = num.to_numpy(dtype="int64").astype("datetime64[ms]")
    else:
        f = num.to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(f)
        ms = np.rint(np.where(missing, 0.0, f)).astype("int64").astype("datetime64[ms]")
        ms[missing] = np.datetime64("NaT")
    idx = pd.DatetimeIndex(ms.astype("datetime64[ns]")).tz_localize("UTC").tz_convert(tz)
    return pd.Series(idx, index=values.index, name=values.name)


def content_hashes(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """A 16-hex-digit hash of each row's canonical values (stable across runs)."""
    sub = frame[list(columns)].copy()
    for c in sub.columns:
        if sub[c].dtype.kind == "f":
            sub[c] = sub[c].round(7)
        sub[c] = sub[c].astype("string").fillna("\x00")
    h = pd.util.hash_pandas_object(sub, index=False).to_numpy(dtype=np.uint64)
    return np.char.mod("%016x", h.astype(np.uint64)) if len(h) else np.array([], dtype=str)


def natural_keys(kind: schema.Kind, db: pd.DataFrame, hashes: np.ndarray) -> np.ndarray:
    """The natural key of each row: its key columns joined by ``|``, or ``h:`` + content hash.

    ``db`` holds stored values (times as epoch milliseconds), so keys do not depend on how a file
    spelled a time. An inspection is keyed by its inspection_id where it has one.
    """
    by_hash = pd.Series(["h:" + h for h in hashes], index=db.index, dtype=object)
    if kind.name == "inspections":
        ids = db["inspection_id"].astype("string")
        return ("i:" + ids).where(ids.notna(), by_hash).to_numpy(dtype=object)
    if not kind.key:
        return by_hash.to_numpy(dtype=object)
    parts = [db[c].astype("string").fillna("") for c in kind.key]
    key = parts[0]
    for p in parts[1:]:
        key = key + "|" + p
    return key.to_numpy(dtype=object)


def cells_of(lat: np.ndarray, lng: np.ndarray, res: int = ROLLUP_RES) -> np.ndarray:
    """H3 cells (int64) of WGS-84 points; uses geo.hexes when available."""
    from geo import hexes

    return np.asarray(hexes.latlng_to_cells(np.asarray(lat, float), np.asarray(lng, float), res),
                      dtype=np.uint64).astype(np.int64)


# --------------------------------------------------------------------------------------------
# Writes


@dataclass
class WriteResult:
    """Outcome of writing validated rows of one file."""

    accepted: int
    duplicates: int
    conflicts: pd.DataFrame  # source_row, key, code (conflict_in_file / conflict_in_store)
    rejected: pd.DataFrame  # source_row, column, value, other (the kind it must reference)


def _existing_hashes(conn: sa.Connection, table: sa.Table, keys: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    keys = list(keys)
    for i in range(0, len(keys), 5000):
        chunk = keys[i : i + 5000]
        rows = conn.execute(sa.select(table.c.key, table.c.content_hash)
                            .where(table.c.key.in_(chunk))).all()
        out.update({r[0]: r[1] for r in rows})
    return out


def _existing_ids(conn: sa.Connection, kind: str, column: str, values: Iterable[str]) -> set[str]:
    table = RECORD_TABLES[kind]
    vals = sorted({str(v) for v in values if v is not None and v == v})
    found: set[str] = set()
    for i in range(0, len(vals), 5000):
        chunk = vals[i : i + 5000]
        found.update(r[0] for r in conn.execute(sa.select(table.c[column])
                                                .where(table.c[column].in_(chunk))))
    return found


def _reject_rows(frame: pd.DataFrame, mask: np.ndarray, column: str, other: str) -> pd.DataFrame:
    bad = frame.loc[mask]
    return pd.DataFrame({"source_row": bad["source_row"].to_numpy(), "column": column,
                         "value": bad[column].astype("string").to_numpy(), "other": other})


def _referential_checks(conn: sa.Connection, kind: str,
                        frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reject rows that point at records the store does not hold. Returns (kept, rejected)."""
    checks: list[tuple[str, str, str]] = {
        "shifts": [("unit_id", "units", "unit_id")],
        "pings": [("shift_id", "shifts", "shift_id")],
        "site_checks": [("site_id", "sites", "site_id")],
        "inspections": [("venue_id", "venues", "venue_id")],
        "disputes": [("site_id", "sites", "site_id"), ("venue_id", "venues", "venue_id")],
        "leads": [("area_id", "areas", "area_id")],
    }.get(kind, [])
    rejected: list[pd.DataFrame] = []
    for col, other, other_col in checks:
        known = _existing_ids(conn, other, other_col, frame[col].dropna().unique())
        bad = (frame[col].notna() & ~frame[col].isin(known)).to_numpy()
        if bad.any():
            rejected.append(_reject_rows(frame, bad, col, other))
            frame = frame.loc[~bad]
    places = schema.kind(kind).places
    if places and len(frame):
        frame, unplaced = _locate_at_places(conn, frame, places)
        if unplaced.any():  # column "lat": ingest reports these as "no place" (reject.no_place)
            bad = frame.loc[unplaced]
            shown = bad[places[0][0]].astype("string")
            for col, _ in places[1:]:
                shown = shown.fillna(bad[col].astype("string"))
            rejected.append(pd.DataFrame({
                "source_row": bad["source_row"].to_numpy(), "column": "lat",
                "value": shown.fillna("").to_numpy(),
                "other": " / ".join(p[0] for p in places)}))
            frame = frame.loc[~unplaced]
    rej = pd.concat(rejected, ignore_index=True) if rejected else _empty_rejects()
    return frame, rej


def _locate_at_places(conn: sa.Connection, frame: pd.DataFrame,
                      places: Sequence[tuple[str, str]]) -> tuple[pd.DataFrame, pd.Series]:
    """Give rows without lat/lng the stored location of their site or venue (``Kind.places``,
    first match wins). Returns the frame and a mask of the rows still without a location."""
    frame = frame.copy()
    missing = frame["lat"].isna() | frame["lng"].isna()
    for col, other in places:
        need = missing & frame[col].notna()
        if not need.any():
            continue
        t = RECORD_TABLES[other]
        ids = sorted({str(v) for v in frame.loc[need, col]})
        found: dict[str, tuple[float, float]] = {}
        for i in range(0, len(ids), 5000):
            found.update({r[0]: (r[1], r[2]) for r in conn.execute(
                sa.select(t.c[col], t.c.lat, t.c.lng).where(t.c[col].in_(ids[i : i + 5000])))})
        hit = need & frame[col].isin(list(found))
        if hit.any():
            xy = frame.loc[hit, col].map(found)
            frame.loc[hit, "lat"] = [p[0] for p in xy]
            frame.loc[hit, "lng"] = [p[1] for p in xy]
            missing = missing & ~hit
    return frame, missing


def _empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({"source_row": pd.Series(dtype="int64"), "column": pd.Series(dtype=str),
                         "value": pd.Series(dtype=str), "other": pd.Series(dtype=str)})


def _to_db_frame(kind: schema.Kind, frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for c in kind.columns:
        v = frame[c.name] if c.name in frame else pd.Series(None, index=frame.index, dtype=object)
        if c.type == "ts":
            out[c.name] = ts_to_ms(v)
        elif c.type == "geometry":
            out[c.name] = [g if isinstance(g, str) else shapely_wkt.dumps(g, rounding_precision=7)
                           for g in v]
        elif c.type == "int":
            out[c.name] = pd.to_numeric(v).astype("Int64")
        elif c.type in ("float", "lat", "lng"):
            out[c.name] = pd.to_numeric(v).astype(float)
        else:
            out[c.name] = v.astype("string")
    return out


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    obj = df.astype(object).where(df.notna(), None)
    cols = list(obj.columns)
    return [dict(zip(cols, row, strict=True)) for row in obj.itertuples(index=False, name=None)]


def _lock_kind(conn: sa.Connection, kind_name: str) -> None:
    """Hold off other writers of ``kind_name`` until this transaction ends.

    Two imports of overlapping files would otherwise both find a key absent and both insert it:
    on PostgreSQL the second then fails on the unique key. A transaction-scoped advisory lock per
    kind makes the second wait and then see the first's rows as duplicates. SQLite needs nothing:
    an import's first statement is a write, which takes the database's single write lock (the
    second import waits on busy_timeout) before anything is read.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"),
                     {"k": zlib.crc32(f"qy-write:{kind_name}".encode())})


def write_records(conn: sa.Connection, kind_name: str, frame: pd.DataFrame, *, import_id: int,
                  source_file: str) -> WriteResult:
    """Insert validated canonical rows of one kind, inside ``conn``'s transaction.

    ``frame`` holds canonical columns (times tz-aware, coordinates WGS-84) and ``source_row``.
    Rows whose natural key exists with the same content are duplicates; with other content they are
    conflicts and are not written. Referential errors (a ping of an unknown shift, ...) are
    returned as rejected rows.
    """
    k = schema.kind(kind_name)
    table = RECORD_TABLES[kind_name]
    _lock_kind(conn, kind_name)
    frame, rejected = _referential_checks(conn, kind_name, frame)
    db = _to_db_frame(k, frame)
    hashes = content_hashes(db, k.names)
    keys = natural_keys(k, db, hashes)
    db["key"] = keys
    db["content_hash"] = hashes
    db["source_row"] = frame["source_row"].to_numpy()
    conflicts: list[dict[str, Any]] = []
    # within-file repeats
    first = ~pd.Series(keys).duplicated().to_numpy()
    dup_in_file = 0
    if not first.all():
        firsts = dict(zip(keys[first], hashes[first], strict=True))
        for i in np.flatnonzero(~first):
            if firsts[keys[i]] == hashes[i]:
                dup_in_file += 1
            else:
                conflicts.append({"source_row": int(db["source_row"].iat[i]), "key": keys[i],
                                  "code": "conflict_in_file"})
        db = db.loc[first]
    existing = _existing_hashes(conn, table, db["key"].tolist())
    known = db["key"].map(existing)
    same = (known == db["content_hash"]).to_numpy()
    differs = (known.notna() & (known != db["content_hash"])).to_numpy()
    for _, row in db.loc[differs].iterrows():
        conflicts.append({"source_row": int(row["source_row"]), "key": row["key"],
                          "code": "conflict_in_store"})
    new = db.loc[~same & ~differs].copy()
    if k.located and len(new):
        has = (new["lat"].notna() & new["lng"].notna()).to_numpy()
        cell = pd.Series(pd.NA, index=new.index, dtype="Int64")
        if has.any():
            cell[has] = cells_of(new.loc[has, "lat"].to_numpy(), new.loc[has, "lng"].to_numpy())
        new["cell"] = cell
    new["import_id"] = import_id
    new["source_file"] = source_file
    if len(new):
        _insert(conn, table, new)
    if kind_name == "areas" and len(new):
        _write_area_cells(conn, new)
    if kind_name == "pings" and len(new):
        refresh_coverage(conn, sorted(new["shift_id"].dropna().unique()))
    return WriteResult(
        accepted=len(new),
        duplicates=int(same.sum()) + dup_in_file,
        conflicts=pd.DataFrame(conflicts, columns=["source_row", "key", "code"]),
        rejected=rejected,
    )


def _write_area_cells(conn: sa.Connection, areas: pd.DataFrame) -> None:
    from geo import hexes

    rows: list[dict[str, Any]] = []
    for area_id, text in zip(areas["area_id"], areas["geometry"], strict=True):
        geom = shapely_wkt.loads(text)
        cells = hexes.polygon_to_cells(geom, ROLLUP_RES, contain="overlap")
        rows.extend({"area_id": area_id, "cell": int(np.int64(c))} for c in
                    np.asarray(cells, dtype=np.uint64).astype(np.int64))
    for i in range(0, len(rows), 20000):
        conn.execute(area_cells.insert(), rows[i : i + 20000])


_SEP = "\x1f"  # joins shift id and unit kind into one rollup label (per-shift rows)


def refresh_coverage(conn: sa.Connection, shift_ids: Sequence[str]) -> None:
    """Recompute the coverage rollups of ``shift_ids`` from their stored pings (same transaction).

    Rows are kept per shift so that a shift's rollup can be replaced when more of its pings arrive,
    and so that plans can be checked against what each shift drove.
    """
    from geo import coverage as cov

    tz = get_settings().tz
    s, u, p = RECORD_TABLES["shifts"], RECORD_TABLES["units"], RECORD_TABLES["pings"]
    wanted = [str(x) for x in shift_ids]
    info = pd.DataFrame(columns=["shift_id", "unit_kind", "start"])
    for i in range(0, len(wanted), 5000):
        part = pd.DataFrame(conn.execute(
            sa.select(s.c.shift_id, u.c.kind, s.c.start)
            .select_from(s.outerjoin(u, s.c.unit_id == u.c.unit_id))
            .where(s.c.shift_id.in_(wanted[i : i + 5000]))).all(),
            columns=["shift_id", "unit_kind", "start"])
        info = part if info.empty else pd.concat([info, part], ignore_index=True)
    info["unit_kind"] = info["unit_kind"].fillna("unknown")
    # chunks of shifts close in time keep the rollup's packed keys small
    info = info.sort_values(["start", "shift_id"]).reset_index(drop=True)
    for i in range(0, len(info), 400):
        chunk = info.iloc[i : i + 400]
        ids = chunk["shift_id"].tolist()
        for t in (coverage, stops, track_quality):
            conn.execute(t.delete().where(t.c.shift_id.in_(ids)))
        pings = pd.DataFrame(conn.execute(
            sa.select(p.c.shift_id, p.c.ts, p.c.lat, p.c.lng).where(p.c.shift_id.in_(ids))
        ).all(), columns=["shift_id", "ts", "lat", "lng"])
        if pings.empty:
            continue
        pings["ts"] = ms_to_ts(pings["ts"], tz)
        labels = pd.DataFrame({"shift_id": chunk["shift_id"],
                               "unit_kind": chunk["shift_id"] + _SEP + chunk["unit_kind"]})
        result = cov.rollup(pings, labels, tz=tz)
        cells = result["cells"]
        if len(cells):
            label = cells["unit_kind"].astype(str).str.split(_SEP, n=1, expand=True)
            out = pd.DataFrame({
                "shift_id": label[0],
                "cell": np.asarray(cells["cell"]).astype(np.uint64).astype(np.int64),
                "date": pd.to_datetime(cells["date"]).dt.date,
                "hour": cells["hour"].astype(int),
                "unit_kind": label[1],
                "dwell_s": cells["dwell_s"].astype(float),
                "stops": cells["stops"].astype(int),
                "stop_s": cells["stop_s"].astype(float),
                "koper_stops": cells["koper_stops"].astype(int),
                "last_ms": ts_to_ms(cells["last_ts"]).astype("int64"),
            })
            _insert(conn, coverage, out)
        st = result["stops"]
        if len(st):
            out = pd.DataFrame({
                "shift_id": st["shift_id"].astype(str),
                "cell": np.asarray(st["cell"]).astype(np.uint64).astype(np.int64),
                "start_ms": ts_to_ms(st["start"]).astype("int64"),
                "end_ms": ts_to_ms(st["end"]).astype("int64"),
                "duration_s": st["duration_s"].astype(float),
                "koper": st["koper"].astype(bool),
            })
            _insert(conn, stops, out)
        n_pings = pings.groupby("shift_id").size().rename("pings").reset_index()
        q = n_pings.merge(result["breaks"], on="shift_id", how="left")
        q = q.fillna({"gap_breaks": 0, "jump_breaks": 0})
        q = q[["shift_id", "pings", "gap_breaks", "jump_breaks"]].astype(
            {"pings": int, "gap_breaks": int, "jump_breaks": int})
        _insert(conn, track_quality, q)


def _insert(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    recs = _records(frame)
    for i in range(0, len(recs), 20000):
        conn.execute(table.insert(), recs[i : i + 20000])


def rebuild_coverage(engine: sa.Engine) -> int:
    """Recompute every shift's coverage rollup from the stored pings. Returns the shift count."""
    p = RECORD_TABLES["pings"]
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(sa.select(p.c.shift_id).distinct())]
        refresh_coverage(conn, ids)
    return len(ids)


# --------------------------------------------------------------------------------------------
# Meta and history


def set_meta(conn: sa.Connection, name: str, value: object) -> None:
    """Store a small JSON value under ``name``."""
    conn.execute(meta.delete().where(meta.c.name == name))
    conn.execute(meta.insert().values(name=name, value=json.dumps(value, ensure_ascii=False)))


def get_meta(engine_or_conn: sa.Engine | sa.Connection, name: str, default: object = None) -> Any:
    """The JSON value stored under ``name``, or ``default``."""
    stmt = sa.select(meta.c.value).where(meta.c.name == name)
    if isinstance(engine_or_conn, sa.Engine):
        with engine_or_conn.connect() as conn:
            row = conn.execute(stmt).first()
    else:
        row = engine_or_conn.execute(stmt).first()
    return json.loads(row[0]) if row else default


def counts(engine: sa.Engine) -> dict[str, int]:
    """Row count of every record table (for status lines and tests)."""
    with engine.connect() as conn:
        return {name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for name, t in RECORD_TABLES.items()}


def import_history(engine: sa.Engine) -> pd.DataFrame:
    """Every import, newest first."""
    with engine.connect() as conn:
        return pd.read_sql(sa.select(imports).order_by(imports.c.import_id.desc()), conn)


# --------------------------------------------------------------------------------------------
# Scoped reads


def principal(scope: object) -> Any:
    """The :class:`geo.access.Principal` when ``scope`` is one, else None."""
    from geo.access import Principal

    return scope if isinstance(scope, Principal) else None


def figures_scope(scope: Any) -> Scope:
    """The plain area scope of a principal (a plain scope is returned as it is).

    For geo functions whose output is figures only (counts, sums, per-cell statistics,
    briefings): they may read, inside the user's areas, rows the role does not see, because
    those rows never leave geo. Pages and exports that show rows pass the principal itself.
    """
    p = principal(scope)
    return p.scope if p is not None else scope


def may_read(scope: Any, kind_name: str) -> bool:
    """True when :func:`read` gives rows of ``kind_name`` to ``scope`` (plain scopes: always)."""
    p = principal(scope)
    return p is None or p.may_read_rows(kind_name)


def resolve_scope(engine: sa.Engine, scope: Any) -> frozenset[str] | None:
    """Area ids a scope (or a principal's areas) covers, children included; ``None`` for
    everything.

    A station's scope covers its grids; unknown area ids are ignored (they cover nothing).
    """
    p = principal(scope)
    if p is not None:
        scope = p.scope
    if isinstance(scope, str):
        if scope == ALL:
            return None
        scope = [scope]
    ids = {str(s) for s in scope}
    a = RECORD_TABLES["areas"]
    with engine.connect() as conn:
        while True:
            children = {r[0] for r in conn.execute(
                sa.select(a.c.area_id).where(a.c.parent_id.in_(sorted(ids))))}
            if children <= ids:
                break
            ids |= children
    return frozenset(ids)


def _scope_polygon(conn: sa.Connection, ids: frozenset[str]) -> shapely.Geometry | None:
    a = RECORD_TABLES["areas"]
    stmt = sa.select(a.c.geometry).where(a.c.area_id.in_(sorted(ids)))
    texts = [r[0] for r in conn.execute(stmt)]
    if not texts:
        return None
    geom = shapely.union_all([shapely_wkt.loads(t) for t in texts])
    shapely.prepare(geom)
    return geom


def _located_parent(kind: str) -> tuple[str, str] | None:
    return {"site_checks": ("sites", "site_id"), "inspections": ("venues", "venue_id")}.get(kind)


def _period_bounds(start: str | None, end: str | None, tz: str) -> tuple[int | None, int | None]:
    lo = hi = None
    if start:
        lo = int(pd.Timestamp(start, tz=tz).value // 1_000_000)
    if end:
        hi = int((pd.Timestamp(end, tz=tz) + pd.Timedelta(days=1)).value // 1_000_000)
    return lo, hi


def read(engine: sa.Engine, kind_name: str, scope: Any, *, start: str | None = None,
         end: str | None = None, columns: Sequence[str] | None = None,
         where: Mapping[str, Sequence[Any]] | None = None) -> pd.DataFrame:
    """Records of one kind inside ``scope``, optionally within local dates ``start``..``end``.

    Parameters
    ----------
    scope
        ``"all"``, area ids (a station includes its grids) or a :class:`geo.access.Principal`:
        its areas, and ``PermissionError`` for a kind its role may not read as rows (columns the
        role never receives, such as an area's owner for a viewer, are left out and cannot be
        filtered on). Located records are kept when their
        point lies inside the union of the scope's polygons; check-ins and inspections follow their
        site or venue; shifts are kept when a ping of theirs lies inside; units when they have such
        a shift or belong to a station in scope; areas when they are in the scope. Disputes
        located only by a site or venue carry its point (filled in on import). A lead without a
        point is kept when its ``area_id`` is in the scope; one with neither is seen only with
        ``"all"`` (a tip nobody placed is not shown to every grid).
    start, end
        Local calendar dates (YYYY-MM-DD), inclusive, on the kind's time column.
    where
        Optional ``{column: allowed values}`` filters, sent as bound parameters.

    Returns
    -------
    DataFrame with canonical columns (times tz-aware in the configured zone), ``source_file``,
    ``source_row`` and, for located kinds, ``cell``.
    """
    k = schema.kind(kind_name)
    t = RECORD_TABLES[kind_name]
    tz = get_settings().tz
    who = principal(scope)
    hidden: tuple[str, ...] = ()
    if who is not None:
        if not who.may_read_rows(kind_name):
            msg = f"a {who.role} may not read {kind_name} records"
            raise PermissionError(msg)
        hidden = who.hidden_columns(kind_name)
        if set(where or {}) & set(hidden):
            msg = f"a {who.role} may not filter {kind_name} on {sorted(set(where or {}))}"
            raise PermissionError(msg)
    ids = resolve_scope(engine, scope)
    wanted = [c for c in (columns or [*k.names, "source_file", "source_row"]) if c not in hidden]
    fetch = list(wanted)
    if k.located:  # the exact scope test needs the point
        fetch += [c for c in ("lat", "lng", "cell") if c not in fetch]
    stmt = sa.select(*[t.c[c] for c in fetch])
    tcol = TIME_COLUMN[kind_name]
    lo, hi = _period_bounds(start, end, tz)
    if tcol and lo is not None:
        stmt = stmt.where(t.c[tcol] >= lo)
    if tcol and hi is not None:
        stmt = stmt.where(t.c[tcol] < hi)
    for col, values in (where or {}).items():
        stmt = stmt.where(t.c[col].in_(list(values)))
    with engine.connect() as conn:
        poly = None
        if ids is not None:
            poly = _scope_polygon(conn, ids)
            ac = area_cells
            cell_sub = sa.select(ac.c.cell).where(ac.c.area_id.in_(sorted(ids)))
            if poly is None:
                stmt = stmt.where(sa.false())
            elif may_be_unlocated(k):  # unlocated rows: by their area_id, else "all" only
                stmt = stmt.where(sa.or_(t.c.cell.in_(cell_sub), sa.and_(
                    t.c.cell.is_(None), t.c.area_id.in_(sorted(ids)))))
            elif k.located:
                stmt = stmt.where(t.c.cell.in_(cell_sub))
            elif (parent := _located_parent(kind_name)) is not None:
                pt = RECORD_TABLES[parent[0]]
                stmt = stmt.add_columns(pt.c.lat.label("_lat"), pt.c.lng.label("_lng")).join(
                    pt, pt.c[parent[1]] == t.c[parent[1]]).where(pt.c.cell.in_(cell_sub))
            elif kind_name == "shifts":
                stmt = stmt.where(t.c.shift_id.in_(sorted(_shift_ids_in_scope(conn, poly,
                                                                              cell_sub))))
            elif kind_name == "units":
                shifts_in = _shift_ids_in_scope(conn, poly, cell_sub)
                s = RECORD_TABLES["shifts"]
                units_with = {r[0] for r in conn.execute(
                    sa.select(s.c.unit_id).where(s.c.shift_id.in_(sorted(shifts_in))).distinct())}
                stmt = stmt.where(sa.or_(t.c.unit_id.in_(sorted(units_with)),
                                         t.c.station.in_(sorted(ids))))
            elif kind_name == "areas":
                stmt = stmt.where(t.c.area_id.in_(sorted(ids)))
        rows = conn.execute(stmt).all()
        df = pd.DataFrame(rows, columns=[c.key for c in stmt.selected_columns])
        if may_be_unlocated(k) and "cell" in df:  # NULL cells: keep the ids exact (no floats)
            i = list(df.columns).index("cell")
            df["cell"] = pd.array([r[i] for r in rows], dtype="Int64")
    if poly is not None and len(df):
        if k.located:
            keep = shapely.contains_xy(poly, df["lng"].to_numpy(float), df["lat"].to_numpy(float))
            if may_be_unlocated(k):
                keep |= df["lat"].isna().to_numpy()
            df = df.loc[keep]
        elif "_lat" in df:
            keep = shapely.contains_xy(poly, df["_lng"].to_numpy(float), df["_lat"].to_numpy(float))
            df = df.loc[keep].drop(columns=["_lat", "_lng"])
    if columns is not None:
        df = df[[c for c in wanted if c in df]]
    df = df.reset_index(drop=True)
    for c in k.columns:
        if c.name in df and c.type == "ts":
            df[c.name] = ms_to_ts(df[c.name], tz) if len(df) else pd.Series(
                dtype=f"datetime64[ns, {tz}]")
    return df


def _shift_ids_in_scope(conn: sa.Connection, poly: shapely.Geometry,
                        cell_sub: sa.Select[Any]) -> set[str]:
    p = RECORD_TABLES["pings"]
    df = pd.DataFrame(conn.execute(sa.select(p.c.shift_id, p.c.lat, p.c.lng)
                                   .where(p.c.cell.in_(cell_sub))).all(),
                      columns=["shift_id", "lat", "lng"])
    if df.empty:
        return set()
    keep = shapely.contains_xy(poly, df["lng"].to_numpy(float), df["lat"].to_numpy(float))
    return set(df.loc[keep, "shift_id"].unique())


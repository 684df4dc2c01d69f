"""Writes of imported records: idempotent, inside the caller's transaction.

An import is all or nothing.

Rows whose natural key exists with the same content are duplicates; with other content they are
conflicts and are not written; rows that point at records the store does not hold (a ping of an
unknown shift) are rejected, each with every reference it misses. Writing areas writes their
``area_cells`` and re-evaluates the ``outside`` flag of the stored located records; writing pings
refreshes the coverage rollups of their shifts (:func:`geo.store.rollups.refresh_coverage`).

A located record (but a GPS ping) whose point lies outside every stored area is stored with
``outside`` set: reads leave it out unless asked (:func:`geo.store.read`). With no area stored,
nothing is flagged (the configured region, checked on import, is the only bound).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from shapely import wkt as shapely_wkt
from sqlalchemy.dialects import postgresql

from geo.domain import categories, hexes, schema
from geo.domain.period import ROLLUP_RES
from geo.store import rollups
from geo.store.scope import jurisdiction
from geo.store.tables import RECORD_TABLES, area_cells, imports, may_be_outside
from geo.store.values import cells_of, content_hashes, natural_keys, ts_to_ms

__all__ = [
    "SeenKeys",
    "WriteResult",
    "begin_import",
    "category_counts",
    "finish_import",
    "insert_records",
    "reflag_outside",
    "regroup",
    "resolve_ping_shifts",
    "write_records",
]


@dataclass
class WriteResult:
    """Outcome of writing validated rows of one file."""

    accepted: int
    duplicates: int
    conflicts: pd.DataFrame  # source_row, key, code (conflict_in_file / conflict_in_store)
    rejected: pd.DataFrame  # source_row, column, value, other (the kind it must reference)
    # source_row, lat, lng (WGS-84) of the new rows stored flagged outside every area
    outside: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["source_row", "lat", "lng"])
    )
    # the shifts of the new pings written (their coverage rollups are refreshed)
    shifts: list[str] = field(default_factory=list)


class SeenKeys:
    """The natural keys a file wrote first, with their content, in bounded memory.

    A streamed import writes a file in chunks; a key an earlier chunk held is a repeat within the
    file, whatever the store held before. Keys and content hashes are kept as 64-bit hashes (16
    bytes a row: 160 MB for 10 million rows) in sorted runs merged as they grow (a log-structured
    set), so a lookup is a few binary searches. Two distinct keys share a 64-bit hash with a
    probability of about n**2 / 2**65 (3e-6 for 10 million keys).
    """

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted key hashes, content)

    def __len__(self) -> int:
        return sum(len(k) for k, _ in self._runs)

    @staticmethod
    def _h(values: np.ndarray) -> np.ndarray:
        return pd.util.hash_array(np.asarray(values, dtype=object)).astype(np.uint64)

    def lookup(self, keys: np.ndarray, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which ``keys`` were added before, and whether their content hash is the one added."""
        kh, ch = self._h(keys), self._h(hashes)
        found = np.zeros(len(kh), dtype=bool)
        same = np.zeros(len(kh), dtype=bool)
        for run_k, run_c in self._runs:
            at = np.searchsorted(run_k, kh).clip(0, max(len(run_k) - 1, 0))
            hit = ~found & (run_k[at] == kh) if len(run_k) else np.zeros_like(found)
            same[hit] = run_c[at[hit]] == ch[hit]
            found |= hit
        return found, same

    def add(self, keys: np.ndarray, hashes: np.ndarray) -> None:
        """Add first occurrences (keys not added before, each once)."""
        if not len(keys):
            return
        kh, ch = self._h(keys), self._h(hashes)
        order = np.argsort(kh, kind="stable")
        self._runs.append((kh[order], ch[order]))
        # merge the newest runs while the last is at least half the one before it
        while len(self._runs) > 1 and len(self._runs[-1][0]) * 2 >= len(self._runs[-2][0]):
            (k2, c2), (k1, c1) = self._runs.pop(), self._runs.pop()
            k, c = np.concatenate([k1, k2]), np.concatenate([c1, c2])
            order = np.argsort(k, kind="stable")
            self._runs.append((k[order], c[order]))


def _existing_hashes(conn: sa.Connection, table: sa.Table, keys: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    keys = list(keys)
    if conn.dialect.name == "postgresql" and keys:
        # one array parameter (= ANY): no statement of 5,000 bound values to compile each time
        param = sa.bindparam("keys", type_=postgresql.ARRAY(sa.Text))
        stmt = sa.select(table.c.key, table.c.content_hash).where(table.c.key == sa.any_(param))
        for i in range(0, len(keys), 100_000):
            out.update({r[0]: r[1] for r in conn.execute(stmt, {"keys": keys[i : i + 100_000]})})
        return out
    for i in range(0, len(keys), 5000):
        chunk = keys[i : i + 5000]
        rows = conn.execute(
            sa.select(table.c.key, table.c.content_hash).where(table.c.key.in_(chunk))
        ).all()
        out.update({r[0]: r[1] for r in rows})
    return out


def _existing_ids(conn: sa.Connection, kind: str, column: str, values: Iterable[str]) -> set[str]:
    table = RECORD_TABLES[kind]
    vals = sorted({str(v) for v in values if v is not None and v == v})
    found: set[str] = set()
    for i in range(0, len(vals), 5000):
        chunk = vals[i : i + 5000]
        found.update(
            r[0] for r in conn.execute(sa.select(table.c[column]).where(table.c[column].in_(chunk)))
        )
    return found


def _reject_rows(frame: pd.DataFrame, mask: np.ndarray, column: str, other: str) -> pd.DataFrame:
    bad = frame.loc[mask]
    return pd.DataFrame(
        {
            "source_row": bad["source_row"].to_numpy(),
            "column": column,
            "value": bad[column].astype("string").to_numpy(),
            "other": other,
        }
    )


def _referential_checks(
    conn: sa.Connection, kind: str, frame: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reject rows that point at records the store does not hold. Returns (kept, rejected).

    A row missing two references (a dispute's site and venue) is rejected once per reference.
    """
    checks: list[tuple[str, str, str]] = {
        "shifts": [("unit_id", "units", "unit_id")],
        "pings": [("shift_id", "shifts", "shift_id")],
        "site_checks": [("site_id", "sites", "site_id")],
        "inspections": [("venue_id", "venues", "venue_id")],
        "disputes": [("site_id", "sites", "site_id"), ("venue_id", "venues", "venue_id")],
        "leads": [("area_id", "areas", "area_id")],
    }.get(kind, [])
    rejected: list[pd.DataFrame] = []
    bad_any = np.zeros(len(frame), dtype=bool)
    for col, other, other_col in checks:
        known = _existing_ids(conn, other, other_col, frame[col].dropna().unique())
        bad = (frame[col].notna() & ~frame[col].isin(known)).to_numpy()
        if bad.any():
            rejected.append(_reject_rows(frame, bad, col, other))
            bad_any |= bad
    frame = frame.loc[~bad_any]
    places = schema.kind(kind).places
    if places and len(frame):
        frame, unplaced = _locate_at_places(conn, frame, places)
        if unplaced.any():  # column "lat": ingest reports these as "no place" (reject.no_place)
            bad = frame.loc[unplaced]
            shown = bad[places[0][0]].astype("string")
            for col, _ in places[1:]:
                shown = shown.fillna(bad[col].astype("string"))
            rejected.append(
                pd.DataFrame(
                    {
                        "source_row": bad["source_row"].to_numpy(),
                        "column": "lat",
                        "value": shown.fillna("").to_numpy(),
                        "other": " / ".join(p[0] for p in places),
                    }
                )
            )
            frame = frame.loc[~unplaced]
    rej = pd.concat(rejected, ignore_index=True) if rejected else _empty_rejects()
    return frame, rej


def _locate_at_places(
    conn: sa.Connection, frame: pd.DataFrame, places: Sequence[tuple[str, str]]
) -> tuple[pd.DataFrame, pd.Series]:
    """Give rows without lat/lng the stored location of their site or venue.

    The places are ``Kind.places``, first match wins. Returns the frame and a mask of the rows
    still without a location.
    """
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
            found.update(
                {
                    r[0]: (r[1], r[2])
                    for r in conn.execute(
                        sa.select(t.c[col], t.c.lat, t.c.lng).where(t.c[col].in_(ids[i : i + 5000]))
                    )
                }
            )
        hit = need & frame[col].isin(list(found))
        if hit.any():
            xy = frame.loc[hit, col].map(found)
            frame.loc[hit, "lat"] = [p[0] for p in xy]
            frame.loc[hit, "lng"] = [p[1] for p in xy]
            missing = missing & ~hit
    return frame, missing


def _empty_rejects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_row": pd.Series(dtype="int64"),
            "column": pd.Series(dtype=str),
            "value": pd.Series(dtype=str),
            "other": pd.Series(dtype=str),
        }
    )


def _to_db_frame(kind: schema.Kind, frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for c in kind.columns:
        v = frame[c.name] if c.name in frame else pd.Series(None, index=frame.index, dtype=object)
        if c.type == "ts":
            out[c.name] = ts_to_ms(v)
        elif c.type == "geometry":
            out[c.name] = [
                g if isinstance(g, str) else shapely_wkt.dumps(g, rounding_precision=7) for g in v
            ]
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


def _row_tuples(frame: pd.DataFrame, table: sa.Table) -> list[tuple[Any, ...]]:
    """The rows of ``frame`` as tuples of plain Python values, missing values as None.

    Whole numbers held as floats (a time column with a gap: epoch ms as float64) become ints
    where the table's column is an integer (``COPY`` reads ``1.0`` as no bigint).
    """
    cols = []
    for c in frame.columns:
        col = frame[c]
        if col.dtype.kind not in "iu" and isinstance(table.c[str(c)].type, sa.Integer):
            col = pd.to_numeric(col).round().astype("Int64")
        if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iub":  # never a missing value
            cols.append(col.to_numpy().tolist())
        else:
            cols.append(col.astype(object).where(col.notna(), None).tolist())
    return list(zip(*cols, strict=True))


def insert_records(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    """Insert the rows of ``frame`` (missing values as NULL), inside ``conn``'s transaction.

    On PostgreSQL with ``COPY ... FROM STDIN`` (psycopg 3, an order of magnitude faster than
    INSERTs); on SQLite with the driver's own ``executemany`` in chunks of 20,000 (the store's
    pragmas apply: same connection); elsewhere SQLAlchemy's executemany of dicts.
    """
    if frame.empty:
        return
    names = [str(c) for c in frame.columns]
    unknown = [n for n in names if n not in table.c]
    if unknown:  # as SQLAlchemy would refuse them
        msg = f"{table.name} has no column(s) {', '.join(unknown)}"
        raise sa.exc.ArgumentError(msg)
    dialect = conn.dialect.name
    raw = conn.connection.dbapi_connection if dialect in ("postgresql", "sqlite") else None
    if raw is not None and dialect == "postgresql" and hasattr(raw, "cursor"):
        quoted = ", ".join(f'"{n}"' for n in names)  # our column names, never user text
        with raw.cursor() as cur:  # type: ignore[attr-defined]
            if hasattr(cur, "copy"):  # psycopg 3
                with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                    for row in _row_tuples(frame, table):
                        copy.write_row(row)
                return
    if raw is not None and dialect == "sqlite":
        rows = _row_tuples(frame, table)
        quoted = ", ".join(f'"{n}"' for n in names)
        marks = ", ".join("?" for _ in names)
        cur = raw.cursor()
        try:
            for i in range(0, len(rows), 20000):
                cur.executemany(
                    f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})',
                    rows[i : i + 20000],
                )
        finally:
            cur.close()
        return
    recs = _records(frame)
    for i in range(0, len(recs), 20000):
        conn.execute(table.insert(), recs[i : i + 20000])


def _lock_kind(conn: sa.Connection, kind_name: str, *, shared: bool = False) -> None:
    """Hold off other writers of ``kind_name`` until this transaction ends.

    Two imports of overlapping files would otherwise both find a key absent and both insert it:
    on PostgreSQL the second then fails on the unique key. A transaction-scoped advisory lock per
    kind makes the second wait and then see the first's rows as duplicates. SQLite needs nothing:
    an import's first statement is a write, which takes the database's single write lock (the
    second import waits on busy_timeout) before anything is read.

    ``shared``: a located kind's import holds the areas' lock shared, so that the areas it flags
    its rows against cannot change before it commits (an areas import re-flags what is stored).
    """
    if conn.dialect.name == "postgresql":
        fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        conn.execute(
            sa.text(f"SELECT {fn}(:k)"),
            {"k": zlib.crc32(f"qy-write:{kind_name}".encode())},
        )


def write_records(
    conn: sa.Connection,
    kind_name: str,
    frame: pd.DataFrame,
    *,
    import_id: int,
    source_file: str,
    seen: SeenKeys | None = None,
    refresh: bool = True,
) -> WriteResult:
    """Insert validated canonical rows of one kind, inside ``conn``'s transaction.

    ``frame`` holds canonical columns (times tz-aware, coordinates WGS-84) and ``source_row``.
    Rows whose natural key exists with the same content are duplicates; with other content they are
    conflicts and are not written. Referential errors (a ping of an unknown shift, ...) are
    returned as rejected rows.

    ``seen``: the keys of the earlier chunks of the same file (a streamed import writes a file in
    chunks): a row whose key an earlier chunk wrote first is a repeat within the file, found as
    if the file were one frame (a duplicate, or ``conflict_in_file``); the chunk's new keys are
    added to it. ``refresh``: refresh the coverage rollups of the pings' shifts now (a streamed
    import refreshes them once, at the end of the file).
    """
    k = schema.kind(kind_name)
    table = RECORD_TABLES[kind_name]
    _lock_kind(conn, kind_name)
    if may_be_outside(k):
        _lock_kind(conn, "areas", shared=True)
    frame, rejected = _referential_checks(conn, kind_name, frame)
    db = _to_db_frame(k, frame)
    if kind_name in categories.GROUP_COLUMN:  # the file's category text, hashed for its group
        db[categories.SOURCE], db[categories.CODE] = categories.stored_sources(kind_name, frame)
    hashes = content_hashes(db, categories.hashed_columns(k))
    keys = natural_keys(k, db, hashes)
    db["key"] = keys
    db["content_hash"] = hashes
    db["source_row"] = frame["source_row"].to_numpy()
    conflicts: list[dict[str, Any]] = []
    dup_in_file = 0
    if seen is not None and len(db):  # keys an earlier chunk of the file wrote first
        earlier, same_content = seen.lookup(keys, hashes)
        dup_in_file += int((earlier & same_content).sum())
        for i in np.flatnonzero(earlier & ~same_content):
            conflicts.append(
                {
                    "source_row": int(db["source_row"].iat[i]),
                    "key": keys[i],
                    "code": "conflict_in_file",
                }
            )
        if earlier.any():
            db, keys, hashes = db.loc[~earlier], keys[~earlier], hashes[~earlier]
    # within-file repeats
    first = ~pd.Series(keys).duplicated().to_numpy()
    if seen is not None:
        seen.add(keys[first], hashes[first])
    if not first.all():
        firsts = dict(zip(keys[first], hashes[first], strict=True))
        for i in np.flatnonzero(~first):
            if firsts[keys[i]] == hashes[i]:
                dup_in_file += 1
            else:
                conflicts.append(
                    {
                        "source_row": int(db["source_row"].iat[i]),
                        "key": keys[i],
                        "code": "conflict_in_file",
                    }
                )
        db = db.loc[first]
    existing = _existing_hashes(conn, table, db["key"].tolist())
    known = db["key"].map(existing)
    same = (known == db["content_hash"]).to_numpy()
    differs = (known.notna() & (known != db["content_hash"])).to_numpy()
    for _, row in db.loc[differs].iterrows():
        conflicts.append(
            {"source_row": int(row["source_row"]), "key": row["key"], "code": "conflict_in_store"}
        )
    new = db.loc[~same & ~differs].copy()
    if k.located and len(new):
        has = (new["lat"].notna() & new["lng"].notna()).to_numpy()
        cell = pd.Series(pd.NA, index=new.index, dtype="Int64")
        if has.any():
            cell[has] = cells_of(new.loc[has, "lat"].to_numpy(), new.loc[has, "lng"].to_numpy())
        new["cell"] = cell
    outside = pd.DataFrame(columns=["source_row", "lat", "lng"])
    if may_be_outside(k):
        new["outside"] = _outside(jurisdiction(conn), new) if len(new) else False
        if len(new):
            outside = new.loc[new["outside"], ["source_row", "lat", "lng"]].reset_index(drop=True)
    new["import_id"] = import_id
    new["source_file"] = source_file
    if len(new):
        insert_records(conn, table, new)
    if kind_name == "areas" and len(new):
        _write_area_cells(conn, new)
        # more area: flagged rows may now lie inside; the first areas flag what lies outside
        reflag_outside(conn, flagged_only=len(new) < _count(conn, table))
    shifts = sorted(new["shift_id"].dropna().unique()) if kind_name == "pings" else []
    if kind_name == "pings" and len(new) and refresh:
        rollups.refresh_coverage(conn, shifts)
    return WriteResult(
        accepted=len(new),
        duplicates=int(same.sum()) + dup_in_file,
        conflicts=pd.DataFrame(conflicts, columns=["source_row", "key", "code"]),
        rejected=rejected,
        outside=outside,
        shifts=[str(x) for x in shifts],
    )


def _count(conn: sa.Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _outside(area: shapely.Geometry | None, frame: pd.DataFrame) -> np.ndarray:
    """True for the rows of ``frame`` (lat, lng) whose point lies outside ``area``.

    Rows without a point and every row when no area is stored are not outside.
    """
    lat = pd.to_numeric(frame["lat"]).to_numpy(float)
    lng = pd.to_numeric(frame["lng"]).to_numpy(float)
    has = np.isfinite(lat) & np.isfinite(lng)
    if area is None:
        return np.zeros(len(frame), dtype=bool)
    return has & ~shapely.contains_xy(area, lng, lat)


def reflag_outside(conn: sa.Connection, *, flagged_only: bool = False) -> int:
    """Re-evaluate the ``outside`` flag of stored located records against the stored areas.

    Called when areas are written (and by migration 0008), inside the caller's transaction.

    Parameters
    ----------
    conn
        The connection of the writing transaction.
    flagged_only
        Test only the rows flagged now: enough when areas were added to areas already stored
        (the union only grows, so an unflagged row stays inside).

    Returns
    -------
    int
        The rows flagged outside after the re-evaluation, over every located kind.
    """
    area = jurisdiction(conn)
    flagged = 0
    for name, table in RECORD_TABLES.items():
        if not may_be_outside(schema.kind(name)):
            continue
        stmt = sa.select(table.c.rid, table.c.lat, table.c.lng, table.c.outside)
        if flagged_only:
            stmt = stmt.where(table.c.outside)
        rows = pd.DataFrame(conn.execute(stmt).all(), columns=["rid", "lat", "lng", "was"])
        if rows.empty:
            continue
        now = _outside(area, rows)
        was = rows["was"].astype(bool).to_numpy()
        for value in (True, False):
            changed = rows.loc[(now == value) & (was != value), "rid"].astype(int).tolist()
            for i in range(0, len(changed), 5000):
                conn.execute(
                    table.update()
                    .where(table.c.rid.in_(changed[i : i + 5000]))
                    .values(outside=value)
                )
        flagged += int(
            conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.outside)
            ).scalar_one()
        )
    return flagged


def _write_area_cells(conn: sa.Connection, areas: pd.DataFrame) -> None:
    rows: list[dict[str, Any]] = []
    for area_id, text in zip(areas["area_id"], areas["geometry"], strict=True):
        geom = shapely_wkt.loads(text)
        cells = hexes.polygon_to_cells(geom, ROLLUP_RES, contain="overlap")
        rows.extend(
            {"area_id": area_id, "cell": int(np.int64(c))}
            for c in np.asarray(cells, dtype=np.uint64).astype(np.int64)
        )
    for i in range(0, len(rows), 20000):
        conn.execute(area_cells.insert(), rows[i : i + 20000])


def begin_import(
    conn: sa.Connection,
    *,
    kind: str,
    file_name: str,
    file_sha256: str,
    crs: str,
    user: str | None,
    now_ms: int,
) -> int:
    """Record the start of an import in the history; returns its import id."""
    result = conn.execute(
        imports.insert().values(
            kind=kind,
            file_name=file_name,
            file_sha256=file_sha256,
            crs=crs,
            started_ms=now_ms,
            user_name=user,
        )
    )
    key = result.inserted_primary_key
    assert key is not None  # an INSERT of one row has its primary key
    return int(key[0])


def finish_import(
    conn: sa.Connection,
    import_id: int,
    *,
    read: int,
    accepted: int,
    duplicates: int,
    conflicts: int,
    rejected: int,
    outside: int = 0,
) -> None:
    """Record what an import did (same transaction as its rows).

    ``rejected`` counts rows rejected, ``outside`` rows stored flagged outside every area.
    """
    conn.execute(
        imports.update()
        .where(imports.c.import_id == import_id)
        .values(
            read=read,
            accepted=accepted,
            duplicates=duplicates,
            conflicts=conflicts,
            rejected=rejected,
            outside=outside,
        )
    )


def resolve_ping_shifts(conn: sa.Connection, rows: pd.DataFrame) -> pd.DataFrame:
    """Give pings that name only a unit the shift of that unit running at the ping's time."""
    need = rows["shift_id"].isna() & rows["unit_id"].notna()
    if not need.any():
        return rows
    shifts = RECORD_TABLES["shifts"]
    units = sorted(rows.loc[need, "unit_id"].unique())
    sh = pd.DataFrame(
        conn.execute(
            sa.select(shifts.c.shift_id, shifts.c.unit_id, shifts.c.start, shifts.c.end).where(
                shifts.c.unit_id.in_(units)
            )
        ).all(),
        columns=["shift_id", "unit_id", "start", "end"],
    )
    if sh.empty:
        return rows
    ping_ms = ts_to_ms(rows.loc[need, "ts"]).astype("int64")
    cand = pd.DataFrame(
        {
            "idx": rows.index[need],
            "unit_id": rows.loc[need, "unit_id"].to_numpy(),
            "ms": ping_ms.to_numpy(),
        }
    ).merge(sh, on="unit_id")
    cand = cand[(cand["ms"] >= cand["start"]) & (cand["ms"] <= cand["end"])]
    cand = cand.drop_duplicates("idx")
    rows = rows.copy()
    rows.loc[cand["idx"].to_numpy(), "shift_id"] = cand["shift_id"].to_numpy()
    return rows


def category_counts(conn: sa.Connection, kind_name: str) -> pd.DataFrame:
    """Stored rows of ``kind_name`` per source category, code and group, most rows first.

    Columns ``source``, ``code``, ``group`` and ``rows``; every stored row counts (those
    outside every area too): the mapping is the store's, not a page's figure.
    """
    table = RECORD_TABLES[kind_name]
    src, code = table.c[categories.SOURCE], table.c[categories.CODE]
    group = table.c[categories.GROUP_COLUMN[kind_name]]
    n = sa.func.count().label("rows")
    rows = conn.execute(
        sa.select(src, code, group, n).group_by(src, code, group).order_by(n.desc(), src)
    ).all()
    return pd.DataFrame(rows, columns=["source", "code", "group", "rows"])


def regroup(conn: sa.Connection, kind_name: str, sources: dict[str, str]) -> int:
    """Put the stored rows of each source category in its new group, without re-importing.

    One ``UPDATE ... SET <group> = :group WHERE category_source IN (...)`` per group, inside the
    caller's transaction. The content hashes hold the source, not the group, so a later import
    of the same file still finds its rows duplicates.

    Parameters
    ----------
    conn
        The connection of the writing transaction.
    kind_name
        A kind of :data:`geo.domain.categories.KINDS`.
    sources
        Stored source text -> group.

    Returns
    -------
    int
        The rows whose group changed.
    """
    table = RECORD_TABLES[kind_name]
    src = table.c[categories.SOURCE]
    group = table.c[categories.GROUP_COLUMN[kind_name]]
    by_group: dict[str, list[str]] = {}
    for source, g in sources.items():
        by_group.setdefault(g, []).append(source)
    changed = 0
    for g, names in by_group.items():
        for i in range(0, len(names), 5000):
            result = conn.execute(
                table.update()
                .where(src.in_(names[i : i + 5000]), group != g)
                .values({group.key: g})
            )
            changed += int(result.rowcount or 0)
    return changed

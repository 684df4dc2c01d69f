"""Coverage rollups: the one writer and reader of ``coverage``, ``stops`` and ``track_quality``.

Rows are kept per shift (a shift's rollup is replaced when more of its pings arrive, and plans are
checked against what each shift drove), per resolution, cell, local date, hour and unit kind. Each
served resolution (:data:`geo.domain.period.RESOLUTIONS`, 7-10) is rolled up by its own cells:
H3 children do not tile their parent, so a res-9 cell's dwell summed from res-10 rows would put
time in the wrong hexagon. The figure a user reads for a cell is the time spent inside it.
Storage: about 1.5 times the rows of res 10 alone (the coarser cells are fewer; the coverage
benchmark states the rows and bytes per million pings).

Writing: :func:`rows_of` turns a :func:`geo.domain.coverage.rollup` result into the stored rows,
:func:`replace` swaps a set of shifts' rows (PostgreSQL: ``COPY``), :func:`refresh_coverage` does
both from the stored pings inside an import's transaction, and the batch engines
(:mod:`geo.engines`) send their buckets through :func:`replace` too.

Reading: :func:`coverage_cells` aggregates the rows of the asked resolution in the database (night
dates, sums, distinct nights), so only one row per output cell crosses the wire. The period is
plain ranges on ``(res, date, hour)`` that the index ``ix_coverage_night`` serves (it carries the
cell and the dwell too: :func:`night_dwell`, the night patrol hours per night, reads it alone); on
PostgreSQL the area's cells are one hashed array test in the scan (no join) and the transaction
gets ``work_mem`` enough to hash-aggregate a month. :func:`coverage_rollup` returns the rows of
one resolution themselves (the reference the tests hold :func:`coverage_cells` against, and the
rows of one cell's details).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from tqdm import tqdm

from geo.config import get_settings
from geo.domain import coverage as cov
from geo.domain import hexes, privacy
from geo.domain.period import DEFAULT_NIGHT, RESOLUTIONS, ROLLUP_RES, parse_night, rollup_days
from geo.store.scope import Principal, Reader, area_polygon, effective_scope
from geo.store.tables import RECORD_TABLES, area_cells, coverage, stops, track_quality
from geo.store.values import ms_to_ts

__all__ = [
    "COVERAGE_COLUMNS",
    "QUALITY_COLUMNS",
    "STOPS_COLUMNS",
    "TABLES",
    "coverage_cells",
    "coverage_rollup",
    "night_dwell",
    "private_reader",
    "rebuild_coverage",
    "refresh_coverage",
    "replace",
    "rollup_labels",
    "rows_of",
    "shift_quality",
    "stored_shifts",
]

# the columns of the stored rows, in the tables' order (geo.store.tables)
COVERAGE_COLUMNS = [c.name for c in coverage.columns]
STOPS_COLUMNS = [c.name for c in stops.columns]
QUALITY_COLUMNS = [c.name for c in track_quality.columns]
TABLES = ("coverage", "stops", "track_quality")
SEP = "\x1f"  # joins shift id and unit kind into one rollup label (rows per shift)
WORK_MEM = "64MB"  # per sort/hash node of the coverage read on PostgreSQL
_MS = 1_000_000
_TABLE = {"coverage": coverage, "stops": stops, "track_quality": track_quality}


# --------------------------------------------------------------------------------------------
# Writing


def rollup_labels(shift_ids: Any, unit_kinds: Any) -> pd.DataFrame:
    """The ``shifts`` frame for :func:`geo.domain.coverage.rollup` that keeps its rows per shift.

    Each shift's unit kind is the label ``shift_id + SEP + unit_kind``.
    """
    ids = pd.Series(np.asarray(shift_ids, dtype=object)).astype(str).astype(object)
    kinds = pd.Series(np.asarray(unit_kinds, dtype=object)).astype(str).astype(object)
    return pd.DataFrame({"shift_id": ids.to_numpy(), "unit_kind": (ids + SEP + kinds).to_numpy()})


def _ns(values: pd.Series) -> np.ndarray:
    s = pd.Series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC")
    return np.asarray(s.dt.as_unit("ns").array.asi8, dtype=np.int64)


def rows_of(result: dict, counts: pd.Series) -> dict[str, pd.DataFrame]:
    """Rollup result -> coverage, stops and track_quality rows as the store keeps them."""
    cells = result["cells"]
    codes, labels = pd.factorize(cells["unit_kind"].to_numpy(dtype=object))
    parts = [str(x).split(SEP, 1) for x in labels]  # one label per shift, not per row
    shift_of = np.asarray([a for a, _ in parts] or [], dtype=object)
    kind_of = np.asarray([b for _, b in parts] or [], dtype=object)
    label = {0: shift_of[codes], 1: kind_of[codes]}
    last = cells["last_ts"]
    coverage = pd.DataFrame(
        {
            "shift_id": label[0],
            "cell": np.asarray(cells["cell"]).astype(np.uint64).astype(np.int64),
            "date": pd.to_datetime(cells["date"]).to_numpy(dtype="datetime64[ns]"),
            "hour": cells["hour"].to_numpy().astype(np.int64),
            "unit_kind": label[1],
            "dwell_s": cells["dwell_s"].to_numpy(dtype=np.float64),
            "stops": cells["stops"].to_numpy().astype(np.int64),
            "stop_s": cells["stop_s"].to_numpy(dtype=np.float64),
            "koper_stops": cells["koper_stops"].to_numpy().astype(np.int64),
            "last_ms": _ns(last) // _MS,
            "res": cells["res"].to_numpy().astype(np.int64),
        },
        columns=COVERAGE_COLUMNS,
    )
    st = result["stops"]
    stops = pd.DataFrame(
        {
            "shift_id": st["shift_id"].to_numpy(dtype=object),
            "cell": np.asarray(st["cell"]).astype(np.uint64).astype(np.int64),
            "start_ms": _ns(st["start"]) // _MS,
            "end_ms": _ns(st["end"]) // _MS,
            "duration_s": st["duration_s"].to_numpy(dtype=np.float64),
            "koper": st["koper"].to_numpy(dtype=bool),
            "res": st["res"].to_numpy().astype(np.int64),
        },
        columns=STOPS_COLUMNS,
    )
    br = result["breaks"].set_index("shift_id")
    quality = pd.DataFrame(
        {
            "shift_id": counts.index.to_numpy(dtype=object),
            "pings": counts.to_numpy().astype(np.int64),
            "gap_breaks": br["gap_breaks"]
            .reindex(counts.index)
            .fillna(0)
            .to_numpy()
            .astype(np.int64),
            "jump_breaks": br["jump_breaks"]
            .reindex(counts.index)
            .fillna(0)
            .to_numpy()
            .astype(np.int64),
        },
        columns=QUALITY_COLUMNS,
    )
    return {"coverage": coverage, "stops": stops, "track_quality": quality}


def _python_columns(frame: pd.DataFrame) -> list[Sequence[Any]]:
    """Columns as lists of plain Python values (dates as ``datetime.date``)."""
    out: list[Sequence[Any]] = []
    for c in frame.columns:
        col = frame[c]
        if c == "date":
            out.append(list(pd.to_datetime(col).dt.date))
        elif col.dtype == object:
            out.append(col.astype(str).tolist())
        else:
            out.append(col.to_numpy().tolist())
    return out


def _insert(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame, chunk: int = 50_000) -> None:
    """Insert rollup rows; on PostgreSQL with ``COPY ... FROM STDIN``.

    ``COPY`` is an order of magnitude faster than INSERTs; on SQLite the driver's own
    ``executemany`` over tuples, inside the same transaction.
    """
    names = list(frame.columns)
    cols = _python_columns(frame)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cur:  # type: ignore[attr-defined]
            quoted = ", ".join(f'"{n}"' for n in names)
            with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in zip(*cols, strict=True):
                    copy.write_row(row)
        return
    if conn.dialect.name == "sqlite":  # the driver's executemany: 5-10x SQLAlchemy's dict rows
        # dates as SQLAlchemy's Date keeps them on SQLite (ISO text)
        cols = [
            [d.isoformat() for d in c] if n == "date" else c
            for n, c in zip(names, cols, strict=True)
        ]
        rows = list(zip(*cols, strict=True))
        raw = conn.connection.dbapi_connection
        assert raw is not None
        quoted = ", ".join(f'"{n}"' for n in names)
        marks = ", ".join("?" for _ in names)
        sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})'
        cur = raw.cursor()
        try:
            for i in range(0, len(rows), chunk):
                cur.executemany(sql, rows[i : i + chunk])
        finally:
            cur.close()
        return
    rows = list(zip(*cols, strict=True))
    for i in range(0, len(rows), chunk):
        conn.execute(
            table.insert(), [dict(zip(names, r, strict=True)) for r in rows[i : i + chunk]]
        )


def replace(
    conn: sa.Connection, rows: dict[str, pd.DataFrame], shift_ids: Sequence[str] | None = None
) -> dict[str, int]:
    """Replace the rollups of ``shift_ids`` by ``rows``, inside ``conn``'s transaction.

    ``shift_ids`` defaults to the shifts of ``rows["track_quality"]``; ``rows`` is
    :func:`rows_of` output. Returns rows written per table.
    """
    ids = [str(s) for s in (rows["track_quality"]["shift_id"] if shift_ids is None else shift_ids)]
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        for t in _TABLE.values():
            conn.execute(t.delete().where(t.c.shift_id.in_(chunk)))
    written = dict.fromkeys(TABLES, 0)
    for name in TABLES:
        frame = rows[name]
        if len(frame):
            _insert(conn, _TABLE[name], frame)
            written[name] = len(frame)
    return written


def refresh_coverage(
    conn: sa.Connection, shift_ids: Sequence[str], *, progress: bool = False
) -> None:
    """Recompute the coverage rollups of ``shift_ids`` from their stored pings.

    Rolls up at every served resolution (:data:`~geo.domain.period.RESOLUTIONS`). Runs in
    ``conn``'s transaction; ``progress`` shows a bar of shifts done on stderr.
    """
    tz = get_settings().tz
    s, u, p = RECORD_TABLES["shifts"], RECORD_TABLES["units"], RECORD_TABLES["pings"]
    wanted = [str(x) for x in shift_ids]
    info = pd.DataFrame(columns=["shift_id", "unit_kind", "start"])
    for i in range(0, len(wanted), 5000):
        part = pd.DataFrame(
            conn.execute(
                sa.select(s.c.shift_id, u.c.kind, s.c.start)
                .select_from(s.outerjoin(u, s.c.unit_id == u.c.unit_id))
                .where(s.c.shift_id.in_(wanted[i : i + 5000]))
            ).all(),
            columns=["shift_id", "unit_kind", "start"],
        )
        info = part if info.empty else pd.concat([info, part], ignore_index=True)
    info["unit_kind"] = info["unit_kind"].fillna("unknown")
    # chunks of shifts close in time keep the rollup's packed keys small
    info = info.sort_values(["start", "shift_id"]).reset_index(drop=True)
    bar = tqdm(
        total=len(info),
        unit="shift",
        desc="coverage",
        file=sys.stderr,
        disable=not progress or info.empty,
        leave=False,
        dynamic_ncols=True,
    )
    for i in range(0, len(info), 400):
        chunk = info.iloc[i : i + 400]
        ids = chunk["shift_id"].tolist()
        pings = pd.DataFrame(
            conn.execute(
                sa.select(p.c.shift_id, p.c.ts, p.c.lat, p.c.lng).where(p.c.shift_id.in_(ids))
            ).all(),
            columns=["shift_id", "ts", "lat", "lng"],
        )
        if pings.empty:
            replace(conn, {name: pd.DataFrame() for name in TABLES}, ids)
        else:
            pings["ts"] = ms_to_ts(pings["ts"], tz)
            labels = rollup_labels(chunk["shift_id"], chunk["unit_kind"])
            result = cov.rollup(pings, labels, tz=tz, resolutions=RESOLUTIONS)
            n_pings = pings.groupby("shift_id").size()
            replace(conn, rows_of(result, n_pings), ids)
        bar.update(len(ids))
    bar.close()


def stored_shifts(conn: sa.Connection) -> list[str]:
    """The ids of the shifts that have pings in the store."""
    p = RECORD_TABLES["pings"]
    return [r[0] for r in conn.execute(sa.select(p.c.shift_id).distinct())]


def rebuild_coverage(engine: sa.Engine, *, progress: bool = False) -> int:
    """Recompute every shift's coverage rollup from the stored pings. Returns the shift count."""
    with engine.begin() as conn:
        ids = stored_shifts(conn)
        refresh_coverage(conn, ids, progress=progress)
    return len(ids)


# --------------------------------------------------------------------------------------------
# Reading


def _area_cells(
    engine: sa.Engine, ids: frozenset[str], res: int = ROLLUP_RES
) -> tuple[list[int], list[int], bool]:
    """Cells at ``res`` of the areas by centre: ``(inside, touching but outside, any area)``.

    At res 10 from the store's ``area_cells`` (the cells that touch each area) by an exact test
    of their centres; coarser cells are those whose centre lies in the areas (h3's polygon fill),
    as for every other figure served per cell.
    """
    poly = area_polygon(engine, ids)
    if poly is None:
        return [], [], False
    if res != ROLLUP_RES:
        inside_cells = hexes.polygon_to_cells(poly, res, contain="center")
        return inside_cells.astype(np.int64).tolist(), [], True
    ac = area_cells
    with engine.connect() as conn:
        cells = np.asarray(
            [
                r[0]
                for r in conn.execute(
                    sa.select(ac.c.cell).where(ac.c.area_id.in_(sorted(ids))).distinct()
                )
            ],
            np.int64,
        )
    if cells.size == 0:
        return [], [], True
    lat, lng = hexes.cell_centres(cells.astype(np.uint64))
    inside = shapely.contains_xy(poly, lng, lat)
    return cells[inside].tolist(), cells[~inside].tolist(), True


def coverage_rollup(
    engine: sa.Engine,
    scope: Reader,
    *,
    start: str | None = None,
    end: str | None = None,
    area: str | None = None,
    unit_kinds: Sequence[str] | None = None,
    cells: Sequence[int] | None = None,
    res: int = ROLLUP_RES,
) -> pd.DataFrame:
    """Coverage rows at ``res`` summed over shifts, for cells whose centre lies in the scope.

    Columns: cell, date, hour, unit_kind, dwell_s, stops, stop_s, koper_stops, last_ts, res;
    only cells whose centre also lies in ``area`` when one is given.

    ``start``/``end`` are local dates of nights (the rows of ``end + 1`` are read too, for the
    night's hours after midnight); ``cells`` keeps only these cells (at ``res``).
    """
    res = _served(res)
    ids = effective_scope(engine, scope, area)
    c = coverage
    stmt = sa.select(
        c.c.cell,
        c.c.date,
        c.c.hour,
        c.c.unit_kind,
        sa.func.sum(c.c.dwell_s).label("dwell_s"),
        sa.func.sum(c.c.stops).label("stops"),
        sa.func.sum(c.c.stop_s).label("stop_s"),
        sa.func.sum(c.c.koper_stops).label("koper_stops"),
        sa.func.max(c.c.last_ms).label("last_ms"),
    ).where(c.c.res == res)
    stmt = stmt.group_by(c.c.cell, c.c.date, c.c.hour, c.c.unit_kind)
    lo, hi = rollup_days(start, end)
    if lo is not None:
        stmt = stmt.where(c.c.date >= lo)
    if hi is not None:
        stmt = stmt.where(c.c.date <= hi)
    if unit_kinds:
        stmt = stmt.where(c.c.unit_kind.in_(list(unit_kinds)))
    if cells is not None:
        stmt = stmt.where(c.c.cell.in_([int(x) for x in cells]))
    poly = None
    if ids is not None:
        poly = area_polygon(engine, ids)
        if poly is None:
            stmt = stmt.where(sa.false())
        elif res == ROLLUP_RES:
            stmt = stmt.where(
                c.c.cell.in_(
                    sa.select(area_cells.c.cell).where(area_cells.c.area_id.in_(sorted(ids)))
                )
            )
    with engine.connect() as conn:
        result = conn.execute(stmt)
        df = pd.DataFrame(result.all(), columns=list(result.keys()))
    if poly is not None and len(df):
        lat, lng = hexes.cell_centres(df["cell"].to_numpy().astype(np.uint64))
        df = df.loc[shapely.contains_xy(poly, lng, lat)].reset_index(drop=True)
    df["date"] = pd.to_datetime(df["date"])
    df["last_ts"] = (
        ms_to_ts(df.pop("last_ms"), get_settings().tz)
        if len(df)
        else pd.Series(dtype=f"datetime64[ns, {get_settings().tz}]")
    )
    for col in ("stops", "koper_stops", "hour"):
        df[col] = df[col].astype(np.int64)
    df["dwell_s"] = df["dwell_s"].astype(float)
    df["stop_s"] = df["stop_s"].astype(float)
    df["res"] = np.full(len(df), res, np.int8)
    return df


def _served(res: int) -> int:
    """``res`` as an int if the store serves it, else a ValueError."""
    res = int(res)
    if res not in RESOLUTIONS:
        msg = f"res must be one of {list(RESOLUTIONS)}, got {res}"
        raise ValueError(msg)
    return res


def _coverage_filter(
    engine: sa.Engine,
    scope: Reader,
    *,
    start: str | None,
    end: str | None,
    night: str | None,
    res: int,
    area: str | None,
    unit_kinds: Sequence[str] | None,
) -> tuple[list[sa.ColumnElement[bool]], sa.ColumnElement[Any], str | None]:
    """The ``coverage`` rows of a period's nights in a scope: ``(where, night date, night)``.

    ``where`` the conditions on the rows (resolution, dates and hours, unit kinds, the scope's
    cells), ``night date`` the expression of the date a row's night starts on, ``night`` the
    window that still splits dates (None: the calendar date is the night).
    """
    if night in ("all", ""):
        night = None
    ids = effective_scope(engine, scope, area)
    c = coverage
    where: list[sa.ColumnElement[bool]] = [c.c.res == res]
    lo, hi = rollup_days(start, end)
    if lo is not None:
        where.append(c.c.date >= lo)
    if hi is not None:
        where.append(c.c.date <= hi)
    if unit_kinds is not None:
        where.append(c.c.unit_kind.in_(list(unit_kinds)))
    pg = engine.dialect.name == "postgresql"
    if ids is not None:
        inside, excluded, any_area = _area_cells(engine, ids, res)
        if not any_area:
            where.append(sa.false())
        elif pg:  # one hashed array test in the scan (PostgreSQL >= 14), no join
            where.append(c.c.cell == sa.func.any(sa.literal(inside, ARRAY(sa.BigInteger))))
        elif res != ROLLUP_RES:
            where.append(c.c.cell.in_(inside))
        else:
            ac = area_cells
            where.append(c.c.cell.in_(sa.select(ac.c.cell).where(ac.c.area_id.in_(sorted(ids)))))
            if excluded:
                where.append(c.c.cell.not_in(excluded))
    day: sa.ColumnElement = c.c.date
    first = pd.Timestamp(start).date() if start is not None else None
    last = pd.Timestamp(end).date() if end is not None else None
    one = pd.Timedelta(days=1)
    if night is not None:
        h0, h1 = parse_night(night)
        if h0 > h1:
            # hours from h0 belong to their date's night, hours before h1 to the day before's:
            # plain ranges on (date, hour), which the planner estimates and the index serves
            evening = [c.c.hour >= h0]
            morning = [c.c.hour < h1]
            if first is not None:
                evening.append(c.c.date >= first)
                morning.append(c.c.date >= first + one)
            if last is not None:
                evening.append(c.c.date <= last)
                morning.append(c.c.date <= last + one)
            where.append(sa.or_(sa.and_(*evening), sa.and_(*morning)))
            if pg:
                day = c.c.date - sa.case((c.c.hour < h1, 1), else_=0)
            else:
                day = sa.case((c.c.hour < h1, sa.func.date(c.c.date, "-1 day")), else_=c.c.date)
        else:
            where.append(sa.and_(c.c.hour >= h0, c.c.hour < h1))
            night = None  # the night is the calendar date
    if night is None:
        if first is not None:
            where.append(c.c.date >= first)
        if last is not None:
            where.append(c.c.date <= last)
    return where, day, night


def coverage_cells(
    engine: sa.Engine,
    scope: Reader,
    *,
    start: str | None = None,
    end: str | None = None,
    night: str | None = DEFAULT_NIGHT,
    res: int = 9,
    area: str | None = None,
    unit_kinds: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Coverage per cell at ``res``, aggregated in the database.

    Parameters
    ----------
    start, end
        Local dates (YYYY-MM-DD), inclusive, of the nights (a night belongs to the date it starts
        on); with ``night`` None or ``"all"`` calendar dates of whole days.
    night
        Night window ``HH:MM-HH:MM`` (whole hours).

    Returns
    -------
    DataFrame: cell, res, dwell_s (seconds), nights, stops, koper_stops, last_visit. It equals
    :func:`geo.domain.coverage.query` over :func:`coverage_rollup` (the tests hold the two
    together; sums may differ in the last bits, as the database adds in another order). A
    private reader (:func:`private_reader`: a viewer) receives only the cells of at least
    :data:`geo.domain.privacy.MIN_SHIFTS` distinct shifts, each last visit the date of its night
    (:func:`geo.domain.privacy.private_cells`).
    """
    res = _served(res)
    where, day, night = _coverage_filter(
        engine, scope, start=start, end=end, night=night, res=res, area=area, unit_kinds=unit_kinds
    )
    c = coverage
    pg = engine.dialect.name == "postgresql"
    inner = (
        sa.select(
            c.c.cell.label("cell"),
            day.label("day"),
            sa.func.sum(c.c.dwell_s).label("dwell_s"),
            sa.func.sum(c.c.stops).label("stops"),
            sa.func.sum(c.c.koper_stops).label("koper_stops"),
            sa.func.max(c.c.last_ms).label("last_ms"),
        )
        .where(*where)
        .group_by(c.c.cell, day)
        .subquery()
    )
    stmt = (
        sa.select(
            inner.c.cell,
            sa.func.sum(inner.c.dwell_s),
            sa.func.sum(sa.case((inner.c.dwell_s > 0, 1), else_=0)),
            sa.func.sum(inner.c.stops),
            sa.func.sum(inner.c.koper_stops),
            sa.func.max(inner.c.last_ms),
        )
        .group_by(inner.c.cell)
        .order_by(inner.c.cell)
    )
    with engine.begin() as conn:
        if pg:  # room to hash-aggregate a month of rows in memory instead of sorting on disk
            conn.execute(sa.text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        rows = conn.execute(stmt).all()
        shifts = None
        if private_reader(scope):  # how many shifts made each cell's figures
            per_cell = sa.func.count(sa.distinct(c.c.shift_id))
            counted = sa.select(c.c.cell, per_cell).where(*where).group_by(c.c.cell)
            got = conn.execute(counted).all()
            shifts = pd.Series(
                [int(n) for _, n in got], index=np.array([int(x) for x, _ in got], np.int64)
            )
    tz = get_settings().tz
    df = pd.DataFrame(
        rows, columns=["cell", "dwell_s", "nights", "stops", "koper_stops", "last_ms"]
    )
    out = pd.DataFrame(
        {
            "cell": df["cell"].to_numpy(dtype=np.int64),
            "res": np.full(len(df), res, np.int64),
            "dwell_s": df["dwell_s"].to_numpy(dtype=np.float64),
            "nights": df["nights"].to_numpy(dtype=np.int64),
            "stops": df["stops"].to_numpy(dtype=np.int64),
            "koper_stops": df["koper_stops"].to_numpy(dtype=np.int64),
            "last_visit": ms_to_ts(df["last_ms"], tz)
            if len(df)
            else pd.Series(dtype=f"datetime64[ns, {tz}]"),
        },
        columns=cov.QUERY_COLUMNS,
    )
    if shifts is not None:
        end_hour = parse_night(night or DEFAULT_NIGHT)[1] if night else 0
        out = privacy.private_cells(out, shifts, night_end_hour=end_hour)
    return out


def night_dwell(
    engine: sa.Engine,
    scope: Reader,
    *,
    start: str | None = None,
    end: str | None = None,
    night: str | None = DEFAULT_NIGHT,
    res: int = ROLLUP_RES,
    area: str | None = None,
    unit_kinds: Sequence[str] | None = None,
) -> pd.Series:
    """Night dwell seconds per night at ``res`` in the scope, summed in the database.

    The rows :func:`coverage_cells` reads with the same parameters (the
    cells whose centre lies in the areas; a principal's areas, its role not applied: this is a
    figure), summed per night instead of per cell: one row per night crosses the wire.

    Returns
    -------
    Series of dwell seconds indexed by the local date each night starts on (``YYYY-MM-DD``, in
    date order; calendar dates with ``night`` None or ``"all"``), nights without rows left out.
    """
    where, day, _ = _coverage_filter(
        engine,
        scope,
        start=start,
        end=end,
        night=night,
        res=_served(res),
        area=area,
        unit_kinds=unit_kinds,
    )
    stmt = (
        sa.select(day.label("day"), sa.func.sum(coverage.c.dwell_s))
        .where(*where)
        .group_by(day)
        .order_by(day)
    )
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        rows = conn.execute(stmt).all()
    return pd.Series(
        [float(v or 0.0) for _, v in rows],
        index=pd.Index([str(d)[:10] for d, _ in rows], dtype=object),
        dtype=float,
    )


def private_reader(scope: Reader) -> bool:
    """True when ``scope`` is a user whose role receives coarsened coverage.

    The roles of ``QY_PRIVATE_ROLES``, the viewer always (:mod:`geo.domain.privacy`).
    """
    return isinstance(scope, Principal) and scope.role in get_settings().private_roles


def shift_quality(engine: sa.Engine, shift_ids: Sequence[str]) -> pd.DataFrame:
    """GPS quality of the given shifts: shift_id, pings, gap_breaks, jump_breaks."""
    tq = track_quality
    ids = [str(s) for s in shift_ids]
    parts = []
    with engine.connect() as conn:
        for i in range(0, len(ids), 5000):
            parts.append(
                pd.DataFrame(
                    conn.execute(
                        sa.select(
                            tq.c.shift_id, tq.c.pings, tq.c.gap_breaks, tq.c.jump_breaks
                        ).where(tq.c.shift_id.in_(ids[i : i + 5000]))
                    ).all(),
                    columns=QUALITY_COLUMNS,
                )
            )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=QUALITY_COLUMNS)

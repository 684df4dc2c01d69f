"""Coverage reads aggregated in the database, for stores that hold years of rollups.

:func:`geo.analysis.coverage_cells` reads every res-10 row of the period (cell x date x hour x
unit kind) into pandas and aggregates there: a month of a district with a year of data is about
a million rows, seconds of transfer alone. :func:`coverage_cells_sql` returns the same frame but
lets the database do the work (parent cell by bit arithmetic on the H3 index, night dates, sums,
distinct nights), so only one row per output cell crosses the wire. Same code on SQLite and
PostgreSQL. The period is plain ranges on ``(date, hour)`` that the existing index
``ix_coverage_date_hour`` serves; on PostgreSQL the area's cells are one hashed array test in the
scan (no join) and the transaction gets ``work_mem`` enough to hash-aggregate a month.
A covering index on the read's columns was measured about 4 % faster and is not worth its size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from geo import coverage, hexes, store

__all__ = ["coverage_cells_sql", "parent_masks"]

_RES_SHIFT = 52
WORK_MEM = "64MB"  # per sort/hash node of the coverage read on PostgreSQL
_ROLLUP_RES = 10


def parent_masks(res: int) -> tuple[int, int]:
    """``(clear, set)`` with ``parent = (cell & clear) | set`` for a res-10 H3 cell at ``res``.

    The resolution field is bits 52-55; the digit of resolution k is bits 3 * (15 - k) .. + 2,
    7 when unused. Both masks are signed 64-bit values, as BIGINT columns hold them.

    >>> import h3
    >>> c = h3.str_to_int(h3.latlng_to_cell(28.7, 115.98, 10))
    >>> clear, setbits = parent_masks(8)
    >>> (c & clear) | setbits == h3.str_to_int(h3.cell_to_parent(h3.int_to_str(c), 8))
    True
    """
    if not 0 <= res <= _ROLLUP_RES:
        msg = f"res must be 0..{_ROLLUP_RES}, got {res}"
        raise ValueError(msg)
    digits = sum(7 << (3 * (15 - k)) for k in range(res + 1, _ROLLUP_RES + 1))
    return ~(0xF << _RES_SHIFT), (res << _RES_SHIFT) | digits


def _area_cells(engine: sa.Engine, ids: frozenset[str]) -> tuple[list[int], list[int], bool]:
    """Res-10 cells of the areas by centre: ``(inside, touching but outside, any area)``."""
    from geo import analysis

    poly = analysis.area_polygon(engine, ids)
    if poly is None:
        return [], [], False
    ac = store.area_cells
    with engine.connect() as conn:
        cells = np.asarray([r[0] for r in conn.execute(
            sa.select(ac.c.cell).where(ac.c.area_id.in_(sorted(ids))).distinct())], np.int64)
    if cells.size == 0:
        return [], [], True
    import shapely

    lat, lng = hexes.cell_centres(cells.astype(np.uint64))
    inside = shapely.contains_xy(poly, lng, lat)
    return cells[inside].tolist(), cells[~inside].tolist(), True


def coverage_cells_sql(engine: sa.Engine, scope: store.Reader, *, start: str | None = None,
                       end: str | None = None, night: str | None = coverage.DEFAULT_NIGHT,
                       res: int = 9, area: str | None = None,
                       unit_kinds: Sequence[str] | None = None) -> pd.DataFrame:
    """Coverage per cell at ``res``, aggregated in the database.

    Same parameters and result as :func:`geo.analysis.coverage_cells` (``cell``, ``res``,
    ``dwell_s``, ``nights``, ``stops``, ``koper_stops``, ``last_visit``; sums may differ in the
    last bits, as the database adds in another order).
    """
    from geo import analysis
    from geo.config import get_settings

    res = int(res)
    if not 7 <= res <= _ROLLUP_RES:
        msg = f"res must be 7..{_ROLLUP_RES}, got {res}"
        raise ValueError(msg)
    if night in ("all", ""):
        night = None
    ids = analysis.effective_scope(engine, scope, area)
    c = store.coverage
    where: list[sa.ColumnElement[bool]] = []
    lo, hi = analysis._day_bounds(start, end)
    if lo is not None:
        where.append(c.c.date >= lo)
    if hi is not None:
        where.append(c.c.date <= hi)
    if unit_kinds is not None:
        where.append(c.c.unit_kind.in_(list(unit_kinds)))
    pg = engine.dialect.name == "postgresql"
    if ids is not None:
        inside, excluded, any_area = _area_cells(engine, ids)
        if not any_area:
            where.append(sa.false())
        elif pg:  # one hashed array test in the scan (PostgreSQL >= 14), no join
            where.append(c.c.cell == sa.func.any(sa.literal(inside, ARRAY(sa.BigInteger))))
        else:
            ac = store.area_cells
            where.append(c.c.cell.in_(sa.select(ac.c.cell).where(ac.c.area_id.in_(sorted(ids)))))
            if excluded:
                where.append(c.c.cell.not_in(excluded))
    day: sa.ColumnElement = c.c.date
    first = pd.Timestamp(start).date() if start is not None else None
    last = pd.Timestamp(end).date() if end is not None else None
    one = pd.Timedelta(days=1)
    if night is not None:
        h0, h1 = coverage.parse_night(night)
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
    clear, setbits = parent_masks(res)
    parent = c.c.cell.op("&")(sa.literal(clear, sa.BigInteger)).op("|")(
        sa.literal(setbits, sa.BigInteger))
    inner = (sa.select(parent.label("cell"), day.label("day"),
                       sa.func.sum(c.c.dwell_s).label("dwell_s"),
                       sa.func.sum(c.c.stops).label("stops"),
                       sa.func.sum(c.c.koper_stops).label("koper_stops"),
                       sa.func.max(c.c.last_ms).label("last_ms"))
             .where(*where).group_by(parent, day).subquery())
    stmt = (sa.select(inner.c.cell, sa.func.sum(inner.c.dwell_s),
                      sa.func.sum(sa.case((inner.c.dwell_s > 0, 1), else_=0)),
                      sa.func.sum(inner.c.stops), sa.func.sum(inner.c.koper_stops),
                      sa.func.max(inner.c.last_ms))
            .group_by(inner.c.cell).order_by(inner.c.cell))
    with engine.begin() as conn:
        if pg:  # room to hash-aggregate a month of rows in memory instead of sorting on disk
            conn.execute(sa.text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        rows = conn.execute(stmt).all()
    tz = get_settings().tz
    df = pd.DataFrame(rows, columns=["cell", "dwell_s", "nights", "stops", "koper_stops",
                                     "last_ms"])
    out = pd.DataFrame({
        "cell": df["cell"].to_numpy(dtype=np.int64),
        "res": np.full(len(df), res, np.int64),
        "dwell_s": df["dwell_s"].to_numpy(dtype=np.float64),
        "nights": df["nights"].to_numpy(dtype=np.int64),
        "stops": df["stops"].to_numpy(dtype=np.int64),
        "koper_stops": df["koper_stops"].to_numpy(dtype=np.int64),
        "last_visit": store.ms_to_ts(df["last_ms"], tz) if len(df) else
        pd.Series(dtype=f"datetime64[ns, {tz}]"),
    }, columns=coverage.QUERY_COLUMNS)
    return out

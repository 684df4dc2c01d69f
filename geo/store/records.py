"""Scoped reads of records: every read a user can reach goes through :func:`read`.

Located records are first filtered by the scope's area cells in SQL (``area_cells``), then by an
exact point-in-polygon test; check-ins and inspections follow their site or venue; shifts are in
scope when a ping of theirs is; units when they have such a shift or belong to a station in scope.
A :class:`~geo.store.scope.Principal` adds its role's rules (see :mod:`geo.store.scope`).

Records flagged ``outside`` (their point lies outside every stored area) are left out of every
read, for every role, unless the caller asks for them (``outside="include"`` or ``"only"``: the
Data page's list); pages and figures therefore never count them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from geo.config import get_settings
from geo.domain import schema
from geo.domain.period import epoch_ms_bounds
from geo.store.scope import (
    Reader,
    forget_scope_cells,
    principal,
    resolve_scope,
    scope_cells,
    scope_polygon,
)
from geo.store.tables import (
    RECORD_TABLES,
    TIME_COLUMN,
    area_cells,
    imports,
    may_be_outside,
    may_be_unlocated,
)
from geo.store.values import ms_to_ts

__all__ = [
    "clear_scope_caches",
    "fetch_frame",
    "last_fixes",
    "pings_between",
    "read",
    "shift_kinds",
]


def fetch_frame(
    conn: sa.Connection, stmt: sa.Select[Any], columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """The rows of ``stmt`` as a frame (columns: ``columns``, else the statement's keys).

    The same frame as ``pd.DataFrame(conn.execute(stmt).all())``, without one Python row
    object per row: when no selected column converts the driver's values (no SQLAlchemy result
    processor: integers, floats, text, epoch milliseconds), the driver's tuples go to pandas
    as they are, two to three times faster on a month of pings; otherwise SQLAlchemy's rows.
    """
    result = conn.execute(stmt)
    keys = list(columns) if columns is not None else list(result.keys())
    cursor = getattr(result, "cursor", None)
    described = getattr(cursor, "description", None) or ()
    plain = len(described) == len(stmt.selected_columns) and all(
        _unconverted(c.type, conn.dialect, d[1])
        for c, d in zip(stmt.selected_columns, described, strict=True)
    )
    if plain and cursor is not None:
        rows = cursor.fetchall()
        result.close()
    else:
        rows = result.all()
    return pd.DataFrame(rows, columns=keys)


def _located_parent(kind: str) -> tuple[str, str] | None:
    return {"site_checks": ("sites", "site_id"), "inspections": ("venues", "venue_id")}.get(kind)


def _unconverted(type_: Any, dialect: sa.Dialect, code: Any) -> bool:
    """True when SQLAlchemy hands the driver's values of a column of ``type_`` on unchanged."""
    try:
        return type_.dialect_impl(dialect).result_processor(dialect, code) is None
    except (TypeError, ValueError, KeyError, NotImplementedError):
        return False


def read(
    engine: sa.Engine,
    kind_name: str,
    scope: Reader,
    *,
    start: str | None = None,
    end: str | None = None,
    columns: Sequence[str] | None = None,
    where: Mapping[str, Sequence[Any]] | None = None,
    outside: Literal["exclude", "include", "only"] = "exclude",
) -> pd.DataFrame:
    """Records of one kind inside ``scope``, optionally within local dates ``start``..``end``.

    Parameters
    ----------
    scope
        ``"all"``, area ids (a station includes its grids) or a :class:`~geo.store.scope.Principal`:
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
    outside
        Records flagged outside every stored area: left out (``"exclude"``, the default for every
        page and figure, and with them the check-ins and inspections of a flagged site or
        venue), read with the rest (``"include"``) or alone (``"only"``). A scope of areas holds
        none of them anyway (their point lies in no area).

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
    lo, hi = epoch_ms_bounds(start, end, tz)
    if tcol and lo is not None:
        stmt = stmt.where(t.c[tcol] >= lo)
    if tcol and hi is not None:
        stmt = stmt.where(t.c[tcol] < hi)
    for col, values in (where or {}).items():
        stmt = stmt.where(t.c[col].in_(list(values)))
    if may_be_outside(k) and outside == "exclude":
        stmt = stmt.where(sa.not_(t.c.outside))
    elif may_be_outside(k) and outside == "only":
        stmt = stmt.where(t.c.outside)
    elif outside == "only":  # kinds that carry no flag hold no flagged row
        stmt = stmt.where(sa.false())
    if outside == "exclude" and (located_by := _located_parent(kind_name)) is not None:
        # check-ins and inspections of a flagged site or venue are left out with it
        pt, ref = RECORD_TABLES[located_by[0]], located_by[1]
        stmt = stmt.where(t.c[ref].not_in(sa.select(pt.c[ref]).where(pt.c.outside)))
    with engine.connect() as conn:
        poly = None
        if ids is not None:
            poly = scope_polygon(conn, ids)
            ac = area_cells
            cell_sub = sa.select(ac.c.cell).where(ac.c.area_id.in_(sorted(ids)))
            if poly is None:
                stmt = stmt.where(sa.false())
            elif may_be_unlocated(k):  # unlocated rows: by their area_id, else "all" only
                stmt = stmt.where(
                    sa.or_(
                        t.c.cell.in_(cell_sub),
                        sa.and_(t.c.cell.is_(None), t.c.area_id.in_(sorted(ids))),
                    )
                )
            elif kind_name == "pings":
                stmt = stmt.where(_ping_cells(conn, ids).in_(cell_sub))
            elif k.located:
                stmt = stmt.where(t.c.cell.in_(cell_sub))
            elif (parent := _located_parent(kind_name)) is not None:
                pt = RECORD_TABLES[parent[0]]
                stmt = (
                    stmt.add_columns(pt.c.lat.label("_lat"), pt.c.lng.label("_lng"))
                    .join(pt, pt.c[parent[1]] == t.c[parent[1]])
                    .where(pt.c.cell.in_(cell_sub))
                )
            elif kind_name == "shifts":
                in_scope = _shifts_in_scope(conn, ids, poly)
                fetch_id = "shift_id" not in fetch
                if fetch_id:  # kept by id below
                    stmt = stmt.add_columns(t.c.shift_id.label("_shift_id"))
            elif kind_name == "units":
                in_scope = _shifts_in_scope(conn, ids, poly)
                s = RECORD_TABLES["shifts"]
                by_shift = pd.DataFrame(
                    conn.execute(sa.select(s.c.shift_id, s.c.unit_id)).all(),
                    columns=["shift_id", "unit_id"],
                )
                units_with = by_shift.loc[by_shift["shift_id"].isin(in_scope), "unit_id"]
                stmt = stmt.where(
                    sa.or_(
                        t.c.unit_id.in_(sorted(units_with.dropna().unique())),
                        t.c.station.in_(sorted(ids)),
                    )
                )
            elif kind_name == "areas":
                stmt = stmt.where(t.c.area_id.in_(sorted(ids)))
        names = [str(c.key) for c in stmt.selected_columns]
        if may_be_unlocated(k):  # the rows again below: cells exact beside NULLs
            rows = conn.execute(stmt).all()
            df = pd.DataFrame(rows, columns=names)
        else:
            df = fetch_frame(conn, stmt, names)
        if kind_name == "shifts" and ids is not None and poly is not None:
            sid = "_shift_id" if "_shift_id" in df else "shift_id"
            df = df.loc[df[sid].isin(in_scope)]
            if sid == "_shift_id":
                df = df.drop(columns=["_shift_id"])
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
            df[c.name] = (
                ms_to_ts(df[c.name], tz) if len(df) else pd.Series(dtype=f"datetime64[ns, {tz}]")
            )
    return df


# shifts in a scope, per store, the scope's polygons and the pings stored (pings are only ever
# added, so the last ping's rid and the last import's id say when the answer may have changed)
_SHIFTS_CACHE_SIZE = 64
_shifts_cache: OrderedDict[tuple[str, str, int, int], frozenset[str]] = OrderedDict()
_shifts_lock = threading.Lock()


def _shifts_in_scope(
    conn: sa.Connection, ids: frozenset[str], poly: shapely.Geometry
) -> frozenset[str]:
    """Ids of the shifts with a GPS ping inside ``poly`` (the union of areas ``ids``), of all time.

    A ping in an interior cell of the areas (:func:`geo.store.scope.scope_cells`) is inside
    without a test, so the database answers for those cells with the distinct shift ids alone
    (areas holding most of the stored cells, on SQLite: per stored shift, whether a ping of it
    lies in them, found at its first such ping); only the pings of the boundary cells are read
    and tested point by point. The answer is kept
    per store, polygons and stored pings, so the next read of the same areas (any user, any
    period) costs one lookup.
    """
    cells = scope_cells(conn, ids)
    if cells is None:
        return frozenset()
    p = RECORD_TABLES["pings"]
    last_ping = conn.execute(sa.select(sa.func.max(p.c.rid))).scalar()
    last_import = conn.execute(sa.select(sa.func.max(imports.c.import_id))).scalar()
    key = (
        conn.engine.url.render_as_string(hide_password=True),
        cells.digest,
        int(last_ping or 0),
        int(last_import or 0),
    )
    with _shifts_lock:
        hit = _shifts_cache.get(key)
        if hit is not None:
            _shifts_cache.move_to_end(key)
            return hit
    found: set[str] = set()
    cell_col = _ping_cells(conn, ids)
    sh = RECORD_TABLES["shifts"]
    for chunk in _chunks(cells.interior):
        if cell_col is p.c.cell:  # a small share of the stored cells: their pings by the index
            stmt = sa.select(p.c.shift_id).where(cell_col.in_(chunk)).distinct()
        else:
            # most stored cells (SQLite): a shift's pings in time order through the shift index,
            # stopping at its first ping in the cells, instead of every ping of the areas; a
            # shift id no stored shift carries is no shift a read keeps
            stmt = sa.select(sh.c.shift_id).where(
                sa.exists().where(p.c.shift_id == sh.c.shift_id, cell_col.in_(chunk))
            )
        found.update(r[0] for r in conn.execute(stmt).all() if r[0] is not None)
    for chunk in _chunks(cells.boundary):
        edge = fetch_frame(
            conn, sa.select(p.c.shift_id, p.c.lat, p.c.lng).where(p.c.cell.in_(chunk))
        )
        if len(edge):
            keep = shapely.contains_xy(
                poly, edge["lng"].to_numpy(float), edge["lat"].to_numpy(float)
            )
            found.update(edge.loc[keep, "shift_id"].dropna().unique())
    got = frozenset(found)
    with _shifts_lock:
        _shifts_cache[key] = got
        while len(_shifts_cache) > _SHIFTS_CACHE_SIZE:
            _shifts_cache.popitem(last=False)
    return got


def clear_scope_caches() -> None:
    """Forget every remembered scope answer (cell splits and shift sets), as a new process would.

    Never needed for correctness (the keys carry the stored data they depend on): for
    benchmarks that measure a first visit.
    """
    with _shifts_lock:
        _shifts_cache.clear()
    forget_scope_cells()


def _ping_cells(conn: sa.Connection, ids: frozenset[str]) -> Any:
    """The pings' cell column to filter areas ``ids`` on, as SQLite should use it.

    When the areas touch a quarter or more of the stored areas' cells, one pass over the pings
    (or their time index) beats a lookup per ping through the cell index, which SQLite's planner
    takes for any IN list: ``+pings.cell`` keeps it off. Other databases plan this themselves.
    """
    p = RECORD_TABLES["pings"]
    if conn.dialect.name != "sqlite":
        return p.c.cell
    cells = scope_cells(conn, ids)
    n = 0 if cells is None else cells.interior.size + cells.boundary.size
    if n * 4 >= _stored_cells(conn):
        return sa.literal_column("+pings.cell", sa.BigInteger)
    return p.c.cell


def _stored_cells(conn: sa.Connection) -> int:
    """How many distinct res-10 cells the stored areas touch."""
    ac = area_cells
    return int(conn.execute(sa.select(sa.func.count(sa.distinct(ac.c.cell)))).scalar() or 0)


def _chunks(cells: np.ndarray, size: int = 30_000) -> list[list[int]]:
    """``cells`` as lists of at most ``size`` ints (bound parameters of one IN list)."""
    return [cells[i : i + size].tolist() for i in range(0, cells.size, size)]


def pings_between(
    engine: sa.Engine,
    lo_ms: int,
    hi_ms: int,
    *,
    cells: Sequence[int] | None = None,
    shift_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """GPS pings between two instants in the given res-10 ``cells`` or of the given shifts.

    Fixes (shift_id, unit_id, ts, lat, lng) in ``[lo_ms, hi_ms)`` (UTC epoch ms).

    Unscoped: for services that count visits of places in a user's scope (the fixes never leave
    the service). A fix keyed by its shift gets its shift's unit.
    """
    p = RECORD_TABLES["pings"]
    cols = [p.c.shift_id, p.c.unit_id, p.c.ts, p.c.lat, p.c.lng]
    stmt = sa.select(*cols).where(p.c.ts >= lo_ms, p.c.ts < hi_ms)
    if shift_ids is not None:
        stmt = stmt.where(p.c.shift_id.in_(list(shift_ids)))
    if cells is not None:
        stmt = stmt.where(p.c.cell.in_([int(c) for c in cells]))
    with engine.connect() as conn:
        df = fetch_frame(conn, stmt, ["shift_id", "unit_id", "ts", "lat", "lng"])
    tz = get_settings().tz
    df["ts"] = ms_to_ts(df["ts"], tz) if len(df) else pd.Series(dtype=f"datetime64[ns, {tz}]")
    if len(df) and df["unit_id"].isna().any():  # fixes keyed by shift: the shift's unit
        s = RECORD_TABLES["shifts"]
        ids = sorted(set(df.loc[df["unit_id"].isna(), "shift_id"].dropna()))
        with engine.connect() as conn:
            units = dict(
                conn.execute(
                    sa.select(s.c.shift_id, s.c.unit_id).where(s.c.shift_id.in_(ids))
                ).all()
            )
        df["unit_id"] = df["unit_id"].fillna(df["shift_id"].map(units))
    return df


def shift_kinds(engine: sa.Engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every stored shift's and every unit's unit kind: what a batch rollup labels tracks with.

    Returns the shifts (shift_id, unit_id, start_ms, end_ms, unit_kind) and the units (unit_id,
    unit_kind).

    Unscoped: for the batch engines, which write rollups, never rows a user sees.
    """
    s, u = RECORD_TABLES["shifts"], RECORD_TABLES["units"]
    with engine.connect() as conn:
        sh = pd.DataFrame(
            conn.execute(
                sa.select(s.c.shift_id, s.c.unit_id, s.c.start, s.c.end, u.c.kind).select_from(
                    s.outerjoin(u, s.c.unit_id == u.c.unit_id)
                )
            ).all(),
            columns=["shift_id", "unit_id", "start_ms", "end_ms", "unit_kind"],
        )
        un = pd.DataFrame(
            conn.execute(sa.select(u.c.unit_id, u.c.kind)).all(), columns=["unit_id", "unit_kind"]
        )
    return sh, un


def last_fixes(engine: sa.Engine, lo_ms: int, hi_ms: int) -> pd.DataFrame:
    """GPS pings with ``lo_ms <= ts <= hi_ms`` (UTC epoch ms), with their shift's unit.

    Columns: shift_id, unit_id, ts (epoch ms), lat, lng. Unscoped: the caller keeps what lies in
    a user's areas.
    """
    p, s = RECORD_TABLES["pings"], RECORD_TABLES["shifts"]
    # the window's pings by the time index, then their shifts' units: one join would let
    # SQLite walk every shift's pings through the shift index instead
    stmt = sa.select(p.c.shift_id, p.c.ts, p.c.lat, p.c.lng).where(
        p.c.ts >= lo_ms, p.c.ts <= hi_ms, p.c.shift_id.is_not(None)
    )
    cols = ["shift_id", "unit_id", "ts", "lat", "lng"]
    with engine.connect() as conn:
        fixes = fetch_frame(conn, stmt)
        ids = sorted(set(fixes["shift_id"]))
        units = pd.concat(
            [
                fetch_frame(conn, sa.select(s.c.shift_id, s.c.unit_id).where(s.c.shift_id.in_(c)))
                for c in (ids[i : i + 30_000] for i in range(0, len(ids), 30_000))
            ]
            or [pd.DataFrame(columns=["shift_id", "unit_id"])],
            ignore_index=True,
        )
    # an inner join: a fix whose shift is not stored is left out, as the join left it
    return fixes.merge(units, on="shift_id", how="inner")[cols]

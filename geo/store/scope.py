"""Who may read what: roles, principals, scopes, and the areas a read covers.

Roles
-----
- ``admin``: every area and every record; imports, settings, users and the audit log.
- ``commander``: the areas of one or more stations (a station includes its grids).
- ``grid_manager``: one or more grids.
- ``viewer``: aggregated figures and briefings of their areas. A viewer reads no rows of
  tracks (pings, shifts), units, incidents, inspections, check-ins, disputes or leads, and no
  area owner: only the places (areas, key sites, venues, hazards) and what the services compute
  from the rest (counts, per-cell statistics, briefings).

A logged-in user is a :class:`Principal` (user, role, areas). Every read a user can reach takes a
:data:`Reader`: a plain :data:`Scope` (``"all"`` or area ids, for the server's operator and for
figures) or a principal, whose role rules :func:`geo.store.read` applies (``PermissionError`` for
a kind the role may not read as rows: a refusal, not an empty frame, so that a page cannot show
zeros it did not compute). Services that return only figures read through
:func:`figures_scope`, which keeps the areas and drops the row rule; the rows they read never
leave the service.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeAlias

import numpy as np
import shapely
import sqlalchemy as sa
from shapely import wkt as shapely_wkt

from geo.domain import hexes
from geo.store.tables import RECORD_TABLES, area_cells

__all__ = [
    "ALL",
    "PAGES",
    "ROLES",
    "VIEWER_HIDDEN_COLUMNS",
    "VIEWER_ROW_KINDS",
    "Principal",
    "Reader",
    "Scope",
    "area_polygon",
    "effective_scope",
    "figures_scope",
    "forget_scope_cells",
    "jurisdiction",
    "may_read",
    "narrowed",
    "principal",
    "resolve_scope",
    "scope_cells",
    "scope_polygon",
]

Scope = Literal["all"] | frozenset[str] | set[str] | list[str] | tuple[str, ...]
ALL: Literal["all"] = "all"

ROLES = ("admin", "commander", "grid_manager", "viewer")


# record kinds a viewer may read as rows (places; no person, unit or track)
VIEWER_ROW_KINDS = frozenset({"areas", "sites", "venues", "hazards"})


VIEWER_HIDDEN_COLUMNS: dict[str, tuple[str, ...]] = {"areas": ("owner",)}


# the pages of the work in the areas (commanders and grid managers open these)
_AREA_PAGES = frozenset(
    {
        "overview",
        "coverage",
        "hotspots",
        "venues",
        "hazards",
        "disputes",
        "plan",
        "duty",
        "live",
        "briefing",
    }
)

# pages each role may open (keys of app.py's PAGES)
PAGES: dict[str, frozenset[str]] = {
    "admin": _AREA_PAGES | {"data", "settings", "admin"},
    "commander": _AREA_PAGES,
    "grid_manager": _AREA_PAGES,
    "viewer": frozenset({"overview", "coverage", "hotspots", "hazards", "briefing"}),
}


@dataclass(frozen=True)
class Principal:
    """Who reads: a user's name, role and areas (``None``: every area, admins only).

    Hashable, so that cached reads are keyed by it.
    """

    user: str
    role: str
    areas: frozenset[str] | None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            msg = f"unknown role {self.role!r}; expected one of {', '.join(ROLES)}"
            raise ValueError(msg)
        if self.areas is None and self.role != "admin":
            msg = f"a {self.role} must have areas"
            raise ValueError(msg)

    @property
    def scope(self) -> Scope:
        """The plain area scope: ``"all"`` or the area ids."""
        return "all" if self.areas is None else self.areas

    def may_read_rows(self, kind: str) -> bool:
        """True when the role may read rows of record kind ``kind``."""
        return self.role != "viewer" or kind in VIEWER_ROW_KINDS

    def hidden_columns(self, kind: str) -> tuple[str, ...]:
        """Columns of ``kind`` the role never receives."""
        return VIEWER_HIDDEN_COLUMNS.get(kind, ()) if self.role == "viewer" else ()

    def narrowed(self, ids: Iterable[str] | None) -> Principal:
        """The same user and role over ``ids`` (area ids inside this principal's scope)."""
        if ids is None:
            return self
        return replace(self, areas=frozenset(ids))

    def may(self, page: str) -> bool:
        """True when the role may open ``page`` (a key of :data:`PAGES`)."""
        return page in PAGES[self.role]


Reader: TypeAlias = Scope | Principal
"""Who reads: a plain scope, or a user (a :class:`Principal`: role and areas)."""


def principal(scope: object) -> Principal | None:
    """The :class:`Principal` when ``scope`` is one, else None."""
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
    """Area ids a scope (or a principal's areas) covers, children included.

    ``None`` for everything.

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
            children = {
                r[0]
                for r in conn.execute(sa.select(a.c.area_id).where(a.c.parent_id.in_(sorted(ids))))
            }
            if children <= ids:
                break
            ids |= children
    return frozenset(ids)


def effective_scope(
    engine: sa.Engine, scope: Reader, area: str | None = None
) -> frozenset[str] | None:
    """The area ids a query covers: the user's scope narrowed to ``area`` when one is given.

    Raises ValueError when ``area`` is unknown or outside the user's scope.
    """
    allowed = resolve_scope(engine, scope)
    if area is None:
        return allowed
    a = RECORD_TABLES["areas"]
    with engine.connect() as conn:
        found = conn.execute(sa.select(a.c.area_id).where(a.c.area_id == area)).first()
    if found is None or (allowed is not None and area not in allowed):
        msg = f"unknown area {area!r}"
        raise ValueError(msg)
    return resolve_scope(engine, [area])


def narrowed(engine: sa.Engine, scope: Reader, area: str | None = None) -> Reader:
    """The scope of a query narrowed to ``area``, keeping a principal's role (its row rules).

    ValueError as :func:`effective_scope`.
    """
    ids = effective_scope(engine, scope, area)
    who = principal(scope)
    if who is not None:
        return who.narrowed(ids)
    return "all" if ids is None else ids


def _union(conn: sa.Connection, ids: Iterable[str] | None) -> shapely.Geometry | None:
    """:func:`area_polygon` read through ``conn``."""
    a = RECORD_TABLES["areas"]
    stmt = sa.select(a.c.geometry)
    if ids is not None:
        stmt = stmt.where(a.c.area_id.in_(sorted(ids)))
    texts = [r[0] for r in conn.execute(stmt)]
    if not texts:
        return None
    return shapely.union_all([shapely_wkt.loads(t) for t in texts])


def area_polygon(engine: sa.Engine, ids: Iterable[str] | None) -> shapely.Geometry | None:
    """Union of the areas' polygons (WGS-84); all areas when ``ids`` is None; None if no areas."""
    with engine.connect() as conn:
        return _union(conn, ids)


def jurisdiction(conn: sa.Connection) -> shapely.Geometry | None:
    """Union of every stored area's polygon (WGS-84), prepared; None when no area is stored.

    A located record whose point lies outside it is flagged ``outside`` on write.

    Parameters
    ----------
    conn
        The caller's connection (inside its transaction, areas written there count).

    Returns
    -------
    shapely.Geometry or None
        The union, prepared for fast point tests.
    """
    geom = _union(conn, None)
    if geom is not None:
        shapely.prepare(geom)
    return geom


def scope_polygon(conn: sa.Connection, ids: frozenset[str]) -> shapely.Geometry | None:
    """Union of the polygons (WGS-84) of areas ``ids``, prepared for fast spatial tests.

    Read through ``conn`` (the caller's connection); None when none of ``ids`` is a stored area.
    """
    geom = _union(conn, ids)
    if geom is not None:
        shapely.prepare(geom)
    return geom


@dataclass(frozen=True)
class ScopeCells:
    """The res-10 cells that touch a scope's areas, split by where they lie.

    ``interior``: cells lying wholly inside the union of the areas (every point of such a cell
    is inside, so a record in one needs no point test); ``boundary``: the other touching cells
    (a record there is inside only when its point is). Both sorted int64 arrays.
    """

    interior: np.ndarray
    boundary: np.ndarray
    digest: str


# cell 0.1 m (1e-6 degree) wider than its straight-edged outline: H3's edges are arcs of great
# circles, which stray from the straight line between two vertices by far less at res 10
_EDGE_MARGIN_DEG = 1e-6
_CELLS_CACHE_SIZE = 64
_cells_cache: OrderedDict[tuple[str, str], ScopeCells] = OrderedDict()
_cells_lock = threading.Lock()


def scope_cells(conn: sa.Connection, ids: frozenset[str]) -> ScopeCells | None:
    """The res-10 cells of areas ``ids`` (``area_cells``), split into interior and boundary.

    Read through ``conn``; None when none of ``ids`` is a stored area. The split depends only
    on the areas' polygons, so it is kept per store and polygon text (an area written again
    with another polygon gets a new entry): every user of the same areas shares it.

    Parameters
    ----------
    conn
        The caller's connection.
    ids
        Area ids, children already included (:func:`resolve_scope`).

    Returns
    -------
    ScopeCells or None
        Interior cells lie wholly inside the union of the polygons (WGS-84 degrees, with a
        margin of 1e-6 degree, about 0.1 m); boundary cells touch it without lying wholly inside.
    """
    a = RECORD_TABLES["areas"]
    rows = sorted(
        (str(r[0]), str(r[1]))
        for r in conn.execute(
            sa.select(a.c.area_id, a.c.geometry).where(a.c.area_id.in_(sorted(ids)))
        )
    )
    if not rows:
        return None
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()
    key = (conn.engine.url.render_as_string(hide_password=True), digest)
    with _cells_lock:
        hit = _cells_cache.get(key)
        if hit is not None:
            _cells_cache.move_to_end(key)
            return hit
    poly = shapely.union_all([shapely_wkt.loads(g) for _, g in rows])
    shapely.prepare(poly)
    ac = area_cells
    cells = np.asarray(
        [
            r[0]
            for r in conn.execute(
                sa.select(ac.c.cell).where(ac.c.area_id.in_([i for i, _ in rows])).distinct()
            )
        ],
        dtype=np.int64,
    )
    cells.sort()
    if cells.size:
        outlines = shapely.buffer(hexes.cell_polygons(cells.astype(np.uint64)), _EDGE_MARGIN_DEG)
        inside = shapely.contains_properly(poly, outlines)
    else:
        inside = np.zeros(0, dtype=bool)
    got = ScopeCells(interior=cells[inside], boundary=cells[~inside], digest=digest)
    with _cells_lock:
        _cells_cache[key] = got
        while len(_cells_cache) > _CELLS_CACHE_SIZE:
            _cells_cache.popitem(last=False)
    return got


def forget_scope_cells() -> None:
    """Forget the remembered cell splits of :func:`scope_cells` (benchmarks of a first visit)."""
    with _cells_lock:
        _cells_cache.clear()

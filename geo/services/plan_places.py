"""Places a commander picks for a plan: key sites, venues, hot spots and gap cells by name.

The plan page's must-visit and avoid lists are chosen from these places (a searchable list, or
a click on the map: :func:`place_at`), never typed as hexagon ids. Each place has a stable
``key`` (``site:<id>``, ``venue:<id>``, ``cell:<h3>``), its kind, its name in both languages,
its point (WGS-84) and the H3 cell at the plan's resolution that the plan visits or avoids
(:func:`geo.services.plan.make_plan` takes the cells).

Everything is read through the user's scope: the key sites and venues they may read, the hot
spots (Gi* hot bins of the incidents of the weeks before the night) and the largest gaps of
their areas (:func:`geo.services.risk.risk_cells`), cells named by grid and nearest landmark
(:mod:`geo.services.places`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.domain import hexes
from geo.domain.coords import haversine_m
from geo.domain.period import DEFAULT_NIGHT, DEFAULT_RES
from geo.i18n import t
from geo.services.hotspots import hotspot_cells
from geo.services.places import name_cells, name_points
from geo.services.risk import risk_cells

__all__ = ["NEAR_M", "PLACE_COLUMNS", "PLACE_KINDS", "TOP", "pickable_places", "place_at"]

PLACE_KINDS = ("site", "venue", "gap", "hotspot", "cell")
"""Kinds of pickable places, in the order the list shows them (``cell``: a clicked cell)."""
PLACE_COLUMNS = ("key", "kind", "name", "name_en", "label", "label_en", "lat", "lng", "h3")
"""Columns of :func:`pickable_places`: ``label``/``label_en`` say the kind after the name."""
TOP = 30
"""How many of the largest gaps and of the hottest cells are offered."""
NEAR_M = 150.0
"""A map click within this many metres of a listed place picks that place (else its cell)."""


def _labels(frame: pd.DataFrame) -> pd.DataFrame:
    """``label`` and ``label_en``: the name and its kind in words, "青云谱小学（重点部位）"."""
    kinds = frame["kind"].astype(str)
    return frame.assign(
        label=[
            t("plan.place.label", "zh-CN", name=n, kind=t(f"plan.place.kind.{k}", "zh-CN"))
            for n, k in zip(frame["name"], kinds, strict=True)
        ],
        label_en=[
            t("plan.place.label", "en", name=n, kind=t(f"plan.place.kind.{k}", "en"))
            for n, k in zip(frame["name_en"], kinds, strict=True)
        ],
    )


def _points(
    engine: sa.Engine, scope: store.Reader, kind: str, id_col: str, res: int
) -> pd.DataFrame:
    """Key sites or venues the scope reads, as places (named by their own name)."""
    table = {"site": "sites", "venue": "venues"}[kind]
    rows = store.read(engine, table, scope, columns=[id_col, "name", "lat", "lng"])
    if rows.empty:
        return pd.DataFrame(columns=list(PLACE_COLUMNS))
    rows = rows.sort_values(id_col, kind="stable").reset_index(drop=True)
    lat, lng = rows["lat"].to_numpy(float), rows["lng"].to_numpy(float)
    return pd.DataFrame(
        {
            "key": [f"{kind}:{i}" for i in rows[id_col].astype(str)],
            "kind": kind,
            "name": rows["name"].astype(str).to_numpy(),
            "name_en": rows["name"].astype(str).to_numpy(),  # names are data: never translated
            "lat": lat,
            "lng": lng,
            "h3": hexes.cells_to_str(hexes.latlng_to_cells(lat, lng, res)),
        }
    )


def _cells(engine: sa.Engine, scope: store.Reader, kind: str, cells: np.ndarray) -> pd.DataFrame:
    """Cells (uint64) as places named by grid and nearest landmark, at their centres."""
    if len(cells) == 0:
        return pd.DataFrame(columns=list(PLACE_COLUMNS))
    named = name_cells(engine, scope, cells)
    lat, lng = hexes.cell_centres(np.asarray(cells, np.uint64))
    return pd.DataFrame(
        {
            "key": [f"cell:{h}" for h in named["h3"]],
            "kind": kind,
            "name": named["place"].astype(str).to_numpy(),
            "name_en": named["place_en"].astype(str).to_numpy(),
            "lat": lat,
            "lng": lng,
            "h3": named["h3"].astype(str).to_numpy(),
        }
    )


def pickable_places(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    start: str,
    end: str,
    res: int = DEFAULT_RES,
    area: str | None = None,
    night: str = DEFAULT_NIGHT,
    top: int = TOP,
) -> pd.DataFrame:
    """The places a plan's must-visit and avoid lists are picked from, within the scope.

    Parameters
    ----------
    start, end
        Local dates (YYYY-MM-DD, inclusive) whose incidents and patrols rank the gaps and the hot
        spots: the weeks before the night planned (:func:`geo.services.plan.gap_window`).
    res
        H3 resolution of the plan (the cell each place stands for).
    area
        Narrow the scope to this area.
    night
        The night window (``HH:MM-HH:MM``) of the incidents that rank the gaps.
    top
        How many of the largest gaps and of the hottest cells (Gi* hot bins, by z) to offer.

    Returns
    -------
    DataFrame of :data:`PLACE_COLUMNS`, one row per place: the key sites, the venues, then the
    ``top`` gap cells and hot cells (a cell listed once: as a gap before as a hot spot). ``h3``
    is the place's cell at ``res``; ``lat``/``lng`` the place (a cell: its centre, WGS-84).
    """
    sc: store.Reader = store.narrowed(engine, scope, area)
    sites = _points(engine, sc, "site", "site_id", res)
    venues = _points(engine, sc, "venue", "venue_id", res)
    gaps = risk_cells(engine, scope, start=start, end=end, res=res, area=area, night=night)
    gaps = gaps.loc[gaps["gap"] > 0].sort_values(["rank", "cell"]).head(top)
    hot = hotspot_cells(engine, scope, start=start, end=end, res=res, area=area)
    hot = hot.loc[hot["gi_bin"] > 0].sort_values(["gi_z", "cell"], ascending=[False, True])
    gap_cells = gaps["cell"].to_numpy().astype(np.uint64)
    hot_cells = hot["cell"].to_numpy().astype(np.uint64)
    hot_cells = hot_cells[~np.isin(hot_cells, gap_cells)][:top]
    parts = [
        sites,
        venues,
        _cells(engine, scope, "gap", gap_cells),
        _cells(engine, scope, "hotspot", hot_cells),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:  # nothing to pick in these areas
        return pd.DataFrame(columns=list(PLACE_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    out = out.drop_duplicates("key").reset_index(drop=True)
    return _labels(out)[list(PLACE_COLUMNS)]


def place_at(
    engine: sa.Engine,
    scope: store.Reader,
    lat: float,
    lng: float,
    *,
    places: pd.DataFrame,
    res: int = DEFAULT_RES,
    near_m: float = NEAR_M,
) -> dict[str, object]:
    """The place a click on the map at (``lat``, ``lng``, WGS-84) picks.

    The nearest of ``places`` (:func:`pickable_places`) within ``near_m`` metres, else the
    clicked cell at ``res`` named by grid and nearest landmark (kind ``cell``). Returns one row
    of :data:`PLACE_COLUMNS` as a dict.
    """
    if len(places):
        d = haversine_m(
            places["lng"].to_numpy(float), places["lat"].to_numpy(float), float(lng), float(lat)
        )
        i = int(np.argmin(d))
        if float(d[i]) <= near_m:
            row = places.iloc[i]
            return {c: (row[c].item() if hasattr(row[c], "item") else row[c]) for c in places}
    cell = hexes.latlng_to_cells(np.array([float(lat)]), np.array([float(lng)]), res)
    centre_lat, centre_lng = hexes.cell_centres(cell)
    named = name_points(engine, scope, centre_lat, centre_lng)
    h3 = str(hexes.cells_to_str(cell)[0])
    row_frame = _labels(
        pd.DataFrame(
            {
                "key": [f"cell:{h3}"],
                "kind": ["cell"],
                "name": [str(named.at[0, "place"])],
                "name_en": [str(named.at[0, "place_en"])],
                "lat": [float(centre_lat[0])],
                "lng": [float(centre_lng[0])],
                "h3": [h3],
            }
        )
    )
    r = row_frame.iloc[0]
    return {c: (r[c].item() if hasattr(r[c], "item") else r[c]) for c in PLACE_COLUMNS}

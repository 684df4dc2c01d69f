"""Hot spots of incidents for a user's scope: Getis-Ord Gi* per cell, maps and a cell's incidents.

The study cells of an area and Getis-Ord Gi* of the period's incident counts on them (zero-count
cells included), with the weekly emerging patterns; the hot spots ready for a map
(:func:`hotspot_map`: significant cells, counts, the pattern table) and the incidents of a
clicked cell (:func:`cell_incidents`, for roles that may read them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from geo import store
from geo.config import get_settings
from geo.domain import hexes
from geo.domain import hotspots as hs
from geo.domain.period import DEFAULT_NIGHT, DEFAULT_RES
from geo.services.cells import cell_details

__all__ = [
    "EMERGING_MIN_STEPS",
    "HotspotMap",
    "cell_incidents",
    "hotspot_cells",
    "hotspot_map",
    "point_hotspots",
    "significant",
    "study_cells",
]

EMERGING_MIN_STEPS = 2
"""Periods (weeks) the incidents must span for an emerging pattern: a trend needs two points."""


@dataclass(frozen=True)
class HotspotMap:
    """Gi* hot spots ready for a map (see :func:`hotspot_map` and :func:`significant`).

    Attributes
    ----------
    testable
        False when the study area has fewer than two cells (nothing to test; the other fields
        are then empty).
    cells
        Every study cell: cell, res, count, gi_z, gi_p, gi_bin (and trend, trend_z, trend_p
        with ``trends``).
    shown
        The significant cells of ``cells`` (``gi_bin`` not 0).
    count
        Events counted over all cells.
    hot, cold
        Cells with a hot (``gi_bin`` > 0) or cold (< 0) bin.
    trends
        True when ``cells`` carries the emerging patterns (``trend``).
    emerging_short
        True when emerging patterns were asked for but the period is too short for them (two
        weeks at least): ``cells`` are the plain Gi* ones.
    patterns
        ``trend`` (an emerging pattern other than ``none``) and ``cells`` (how many cells show
        it), most frequent first; empty without ``trends``.
    """

    testable: bool
    cells: pd.DataFrame
    shown: pd.DataFrame
    count: int
    hot: int
    cold: int
    trends: bool
    emerging_short: bool
    patterns: pd.DataFrame


def significant(cells: pd.DataFrame, *, emerging_short: bool = False) -> HotspotMap:
    """Gi* cells ready for a map: the significant ones, the counts and the pattern table.

    Parameters
    ----------
    cells
        Per-cell Gi* as :func:`hotspot_cells` (or :func:`geo.services.disputes.hotspot_cells`)
        returns them, with ``trend`` when emerging patterns were computed.
    emerging_short
        Passed on to the result: emerging patterns were asked for and the period was too short.

    Returns
    -------
    HotspotMap (``testable`` True).
    """
    trends = "trend" in cells
    patterns = pd.DataFrame(columns=["trend", "cells"])
    if trends and len(cells):
        counts = cells.loc[cells["trend"] != "none", "trend"].value_counts()
        patterns = pd.DataFrame({"trend": counts.index, "cells": counts.to_numpy()})
    if len(cells) == 0 or "gi_bin" not in cells:
        return HotspotMap(
            True,
            cells,
            cells,
            0,
            0,
            0,
            trends=trends,
            emerging_short=emerging_short,
            patterns=patterns,
        )
    return HotspotMap(
        testable=True,
        cells=cells,
        shown=cells.loc[cells["gi_bin"] != 0],
        count=int(cells["count"].sum()),
        hot=int((cells["gi_bin"] > 0).sum()),
        cold=int((cells["gi_bin"] < 0).sum()),
        trends=trends,
        emerging_short=emerging_short,
        patterns=patterns,
    )


def study_cells(
    engine: sa.Engine, scope: store.Reader, *, res: int = DEFAULT_RES, area: str | None = None
) -> np.ndarray:
    """Cells (uint64) of the study area at ``res``: cells whose centre lies in the scope's areas.

    Without any stored area, the cells covering the incidents' extent.
    """
    scope = store.figures_scope(scope)  # cells only
    ids = store.effective_scope(engine, scope, area)
    poly = store.area_polygon(engine, ids)
    if poly is not None:
        return np.sort(hexes.polygon_to_cells(poly, res, contain="center"))
    inc = store.read(engine, "incidents", scope, columns=["lat", "lng"])
    if inc.empty:
        return np.array([], dtype=np.uint64)
    return hs.extent_cells(inc["lat"].to_numpy(float), inc["lng"].to_numpy(float), res)


def point_hotspots(
    cells: np.ndarray, points: pd.DataFrame, res: int, *, k: int = 1, fdr: bool = False
) -> pd.DataFrame:
    """Getis-Ord Gi* of the counts of ``points`` (lat, lng) on the study ``cells`` at ``res``.

    Returns cell, res, count, gi_z, gi_p, gi_bin (see :func:`geo.domain.hotspots.hotspots`).
    """
    counts = hexes.counts_in_cells(
        cells, points["lat"].to_numpy(float), points["lng"].to_numpy(float), res
    )
    out = hs.hotspots(cells, counts, k=k, fdr=fdr)
    out.insert(1, "res", res)
    return out


def hotspot_cells(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    start: str | None = None,
    end: str | None = None,
    res: int = DEFAULT_RES,
    k: int = 1,
    area: str | None = None,
    categories: Sequence[str] | None = None,
    fdr: bool = False,
    emerging: bool = False,
    step: str = "W",
) -> pd.DataFrame:
    """Getis-Ord Gi* of incident counts on the study cells (zero-count cells included).

    Returns cell, res, count, gi_z, gi_p, gi_bin and, with ``emerging``, ``trend`` (the emerging
    hot spot pattern over ``step`` periods, weekly by default) and ``trend_z``/``trend_p``. When
    the incidents span fewer than :data:`EMERGING_MIN_STEPS` periods there is no trend to
    compute: the frame is the plain Gi* one and ``attrs["emerging_short"]`` says why.
    """
    scope = store.figures_scope(scope)  # per-cell statistics only
    cells = study_cells(engine, scope, res=res, area=area)
    where = {"category": list(categories)} if categories else None
    inc = store.read(engine, "incidents", scope, start=start, end=end, where=where)
    if area is not None and len(inc):
        poly = store.area_polygon(engine, store.effective_scope(engine, scope, area))
        if poly is not None:
            inc = inc.loc[
                shapely.contains_xy(poly, inc["lng"].to_numpy(float), inc["lat"].to_numpy(float))
            ]
    out = point_hotspots(cells, inc, res, k=k, fdr=fdr)
    if emerging and len(inc):
        tz = get_settings().tz
        period = inc["ts"].dt.tz_convert(tz).dt.tz_localize(None).dt.to_period(step)
        pc = hexes.latlng_to_cells(inc["lat"].to_numpy(float), inc["lng"].to_numpy(float), res)
        steps = pd.period_range(period.min(), period.max(), freq=step)
        if len(steps) < EMERGING_MIN_STEPS:  # no trend of fewer steps: plain Gi*, and why
            out.attrs["emerging_short"] = (
                f"emerging hot spots need incidents in at least {EMERGING_MIN_STEPS} periods "
                f"({step}); these span {len(steps)}"
            )
            return out
        table = pd.crosstab(pd.Series(pc, name="cell"), pd.Series(period.to_numpy(), name="step"))
        table = table.reindex(index=cells, columns=steps, fill_value=0)
        em = hs.emerging(table, k=k, fdr=fdr).set_index("cell")
        out["trend"] = em["pattern"].reindex(out["cell"].to_numpy()).to_numpy()
        out["trend_z"] = em["trend_z"].reindex(out["cell"].to_numpy()).to_numpy()
        out["trend_p"] = em["trend_p"].reindex(out["cell"].to_numpy()).to_numpy()
    elif emerging:
        out["trend"] = "none"
    return out


def hotspot_map(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    start: str | None = None,
    end: str | None = None,
    res: int = DEFAULT_RES,
    k: int = 1,
    area: str | None = None,
    categories: Sequence[str] | None = None,
    fdr: bool = False,
    emerging: bool = False,
) -> HotspotMap:
    """Gi* hot spots of the period's incidents for a map, with the weekly emerging patterns.

    The emerging patterns are added when asked and the period allows (two weeks at least;
    otherwise without, ``emerging_short``).

    Parameters
    ----------
    start, end
        Local dates (YYYY-MM-DD), inclusive.
    res, k
        H3 resolution of the cells; k-ring of the neighbourhood.
    area
        Narrow the scope to this area (ValueError when unknown or outside the scope).
    categories
        Incident categories to count (None: all).
    fdr
        Benjamini-Hochberg correction of the significance.
    emerging
        Add the emerging hot spot pattern of each cell over weekly steps.

    Returns
    -------
    HotspotMap (``testable`` False when the study area has fewer than two cells).
    """
    if len(study_cells(engine, scope, res=res, area=area)) < 2:  # nothing to test
        empty = pd.DataFrame(columns=["cell", "res", "count", "gi_z", "gi_p", "gi_bin"])
        return HotspotMap(
            False,
            empty,
            empty,
            0,
            0,
            0,
            trends=False,
            emerging_short=False,
            patterns=pd.DataFrame(columns=["trend", "cells"]),
        )

    def gi(with_trends: bool) -> pd.DataFrame:
        return hotspot_cells(
            engine,
            scope,
            start=start,
            end=end,
            res=res,
            k=k,
            area=area,
            categories=categories,
            fdr=fdr,
            emerging=with_trends,
        )

    cells = gi(emerging)
    return significant(cells, emerging_short=bool(cells.attrs.get("emerging_short")))


def cell_incidents(
    engine: sa.Engine,
    scope: store.Reader,
    cell: int,
    res: int,
    start: str,
    end: str,
    night: str | None = DEFAULT_NIGHT,
    categories: Sequence[str] | None = None,
) -> pd.DataFrame | None:
    """The incidents of one clicked cell over the period, of the chosen categories.

    Parameters
    ----------
    cell, res
        The H3 cell (int) at resolution ``res``.
    start, end
        Local dates (YYYY-MM-DD), inclusive.
    night
        The night window of the cell's details (see :func:`geo.services.cells.cell_details`).
    categories
        Incident categories to keep (None or empty: all).

    Returns
    -------
    DataFrame (incident_id, ts, category, priority; newest first), or None when the user's role
    may not read incident rows (a viewer sees counts only).
    """
    if not store.may_read(scope, "incidents"):
        return None
    inc = cast(pd.DataFrame, cell_details(engine, scope, cell, res, start, end, night)["incidents"])
    if categories:
        inc = inc.loc[inc["category"].isin(list(categories))]
    return inc

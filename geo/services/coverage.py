"""Patrol coverage for a user's scope: dwell per cell, one night's shifts and tracks, breaks.

Dwell per cell is over a period of nights; breaks are where GPS tracks broke.

Coverage per cell is read from the rollups aggregated in the database
(:func:`geo.store.rollups.coverage_cells`); shifts and tracks through the store's scoped reads (a
viewer reads no tracks: the store refuses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.domain.figures import NIGHT_PATROL_RES
from geo.domain.figures import night_patrol_hours as hours_of
from geo.domain.period import DEFAULT_NIGHT, DEFAULT_RES, period_dates, shift_night
from geo.store import rollups

__all__ = [
    "DwellMap",
    "coverage_cells",
    "dwell_map",
    "may_see_tracks",
    "night_hours",
    "night_patrol_hours",
    "night_tracks",
    "shift_labels",
    "shifts_of_night",
    "track_breaks",
]


def may_see_tracks(scope: store.Reader) -> bool:
    """True when ``scope`` may read GPS tracks (and so units, shifts and their breaks).

    A viewer sees the dwell cells only.
    """
    return store.may_read(scope, "pings")


def coverage_cells(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    start: str | None = None,
    end: str | None = None,
    night: str | None = DEFAULT_NIGHT,
    res: int = DEFAULT_RES,
    area: str | None = None,
    unit_kinds: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Patrol coverage per cell at ``res`` for a period of nights.

    The parameters, columns and errors are those of :func:`geo.store.rollups.coverage_cells`
    (aggregated in the database).
    """
    return rollups.coverage_cells(
        engine, scope, start=start, end=end, night=night, res=res, area=area, unit_kinds=unit_kinds
    )


def night_patrol_hours(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    start: str | None = None,
    end: str | None = None,
    night: str | None = DEFAULT_NIGHT,
    area: str | None = None,
    unit_kinds: Sequence[str] | None = None,
) -> float:
    """Night patrol hours of a period (:func:`geo.domain.figures.night_patrol_hours`).

    The unit-hours the patrol units' GPS tracks spent inside the scope (narrowed to ``area``)
    in the night window of the nights ``start``..``end``: the coverage rollups' dwell at
    :data:`geo.domain.figures.NIGHT_PATROL_RES` over the cells whose centre lies in the area,
    whatever resolution a map shows. The Overview, the Coverage page, the briefing and the CLI
    read this one function.

    Parameters
    ----------
    engine, scope
        The store and who reads (figures only: a viewer may read them).
    start, end
        Local dates (YYYY-MM-DD) of the nights, inclusive.
    night
        Night window ``HH:MM-HH:MM`` (None or ``"all"``: whole days).
    area
        Narrow the scope to this area (ValueError when unknown or outside the scope).
    unit_kinds
        Only these unit kinds (None: every kind).

    Returns
    -------
    Unit-hours, one decimal.
    """
    return night_hours(
        engine, scope, [(start, end)], night=night, area=area, unit_kinds=unit_kinds
    )[0]


def night_hours(
    engine: sa.Engine,
    scope: store.Reader,
    ranges: Sequence[tuple[str | None, str | None]],
    *,
    night: str | None = DEFAULT_NIGHT,
    area: str | None = None,
    unit_kinds: Sequence[str] | None = None,
) -> list[float]:
    """:func:`night_patrol_hours` of each ``(start, end)`` of ``ranges``, from one read.

    The store sums the dwell per night over the span of the ranges
    (:func:`geo.store.rollups.night_dwell`, :data:`geo.domain.figures.NIGHT_PATROL_RES`); each
    range's hours are the sum of its nights in date order, so a range gives the same number
    alone or among others (the briefing's period, previous period and weeks).

    Returns
    -------
    Unit-hours of each range, one decimal, in the order of ``ranges``.
    """
    if not ranges:
        return []
    starts = [a for a, _ in ranges]
    ends = [b for _, b in ranges]
    per_night = rollups.night_dwell(
        engine,
        store.figures_scope(scope),
        start=None if None in starts else min(str(a) for a in starts),
        end=None if None in ends else max(str(b) for b in ends),
        night=night,
        res=NIGHT_PATROL_RES,
        area=area,
        unit_kinds=unit_kinds,
    )
    days = per_night.index.to_numpy(dtype=object).astype(str)
    values = per_night.to_numpy(float)
    out = []
    for a, b in ranges:
        keep = np.ones(days.size, bool)
        if a is not None:
            keep &= days >= dt.date.fromisoformat(str(a)[:10]).isoformat()
        if b is not None:
            keep &= days <= dt.date.fromisoformat(str(b)[:10]).isoformat()
        out.append(hours_of(values[keep]) if keep.any() else 0.0)
    return out


@dataclass(frozen=True)
class DwellMap:
    """Night patrol dwell per cell, and the period's night patrol hours.

    ``cells`` is :func:`coverage_cells` with dwell_min (minutes, one decimal); ``hours`` the
    night patrol hours of the same filters (:func:`night_patrol_hours`: unit-hours, one
    decimal, the Overview's figure when no unit kind is chosen).
    """

    cells: pd.DataFrame
    hours: float


def dwell_map(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    start: str | None = None,
    end: str | None = None,
    night: str | None = DEFAULT_NIGHT,
    res: int = DEFAULT_RES,
    area: str | None = None,
    unit_kinds: Sequence[str] | None = None,
) -> DwellMap:
    """:func:`coverage_cells` (same parameters) ready for the Coverage map and its summary."""
    cells = coverage_cells(
        engine, scope, start=start, end=end, night=night, res=res, area=area, unit_kinds=unit_kinds
    )
    hours = night_patrol_hours(
        engine, scope, start=start, end=end, night=night, area=area, unit_kinds=unit_kinds
    )
    if not len(cells):
        return DwellMap(cells=cells, hours=hours)
    return DwellMap(cells=cells.assign(dwell_min=(cells["dwell_s"] / 60).round(1)), hours=hours)


def shifts_of_night(
    engine: sa.Engine, scope: store.Reader, night: str, area: str | None = None
) -> pd.DataFrame:
    """Shifts of one night (local date ``YYYY-MM-DD``) with their unit's name and kind.

    Returns shift_id, unit_id, unit_name, unit_kind, start, end, police, auxiliaries, volunteers.
    """
    d = dt.date.fromisoformat(night)
    sc = store.narrowed(engine, scope, area)  # a principal keeps its row rules
    sh = store.read(
        engine,
        "shifts",
        sc,
        start=night,
        end=(d + dt.timedelta(days=1)).isoformat(),
        columns=["shift_id", "unit_id", "start", "end", "police", "auxiliaries", "volunteers"],
    )
    if len(sh):
        sh = sh.loc[(shift_night(sh["start"]) == d).to_numpy()]
    units = store.read(engine, "units", sc, columns=["unit_id", "name", "kind"]).rename(
        columns={"name": "unit_name", "kind": "unit_kind"}
    )
    out = sh.merge(units, on="unit_id", how="left")
    cols = [
        "shift_id",
        "unit_id",
        "unit_name",
        "unit_kind",
        "start",
        "end",
        "police",
        "auxiliaries",
        "volunteers",
    ]
    return out[cols].sort_values(["start", "shift_id"]).reset_index(drop=True)


def shift_labels(
    engine: sa.Engine, scope: store.Reader, night: str, area: str | None = None
) -> dict[str, str]:
    """The shifts of one night as shift_id -> ``"unit · HH:MM"``, in start order.

    The shifts are :func:`shifts_of_night`; the label is the unit's name, else its id, and the
    local start time.
    """
    sh = shifts_of_night(engine, scope, night, area)
    labels = (
        sh["unit_name"].fillna(sh["unit_id"]).astype(str) + " · " + sh["start"].dt.strftime("%H:%M")
    )
    return dict(zip(sh["shift_id"], labels, strict=True))


def night_tracks(engine: sa.Engine, scope: store.Reader, shift_ids: Sequence[str]) -> pd.DataFrame:
    """GPS pings (shift_id, ts, lat, lng) of the given shifts, in time order.

    Only shifts the scope can see are returned (a shift is in scope when a ping of it is).
    """
    if not shift_ids:
        return pd.DataFrame(columns=["shift_id", "ts", "lat", "lng"])
    visible = store.read(
        engine, "shifts", scope, columns=["shift_id"], where={"shift_id": list(shift_ids)}
    )
    ids = visible["shift_id"].tolist()
    if not ids:
        return pd.DataFrame(columns=["shift_id", "ts", "lat", "lng"])
    # the pings inside the scope only: a shift that crossed into another grid shows its part here
    pings = store.read(
        engine, "pings", scope, columns=["shift_id", "ts", "lat", "lng"], where={"shift_id": ids}
    )
    return pings.sort_values(["shift_id", "ts"]).reset_index(drop=True)


def track_breaks(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    area: str | None = None,
    *,
    only_breaks: bool = True,
) -> pd.DataFrame:
    """GPS quality per shift of the period's nights: where tracks were not joined.

    ``gap_breaks`` counts gaps over 5 minutes between fixes, ``jump_breaks`` jumps faster than
    150 km/h (bad GPS). With ``only_breaks`` shifts without any break are left out.

    Returns shift_id, unit_id, unit_name, unit_kind, night, pings, gap_breaks, jump_breaks,
    sorted by the most breaks first.
    """
    lo, hi = period_dates(start, end)
    sc = store.narrowed(engine, scope, area)  # a principal keeps its row rules
    sh = store.read(
        engine,
        "shifts",
        sc,
        start=start,
        end=(hi + dt.timedelta(days=1)).isoformat(),
        columns=["shift_id", "unit_id", "start"],
    )
    cols = [
        "shift_id",
        "unit_id",
        "unit_name",
        "unit_kind",
        "night",
        "pings",
        "gap_breaks",
        "jump_breaks",
    ]
    if sh.empty:
        return pd.DataFrame(columns=cols)
    sh["night"] = shift_night(sh["start"])
    sh = sh.loc[((sh["night"] >= lo) & (sh["night"] <= hi)).to_numpy()]
    q = rollups.shift_quality(engine, sh["shift_id"].tolist())
    units = store.read(engine, "units", sc, columns=["unit_id", "name", "kind"]).rename(
        columns={"name": "unit_name", "kind": "unit_kind"}
    )
    out = sh.merge(q, on="shift_id", how="inner").merge(units, on="unit_id", how="left")
    for c in ("pings", "gap_breaks", "jump_breaks"):
        out[c] = out[c].astype(np.int64)
    if only_breaks:
        out = out.loc[(out["gap_breaks"] + out["jump_breaks"]) > 0]
    out = out.assign(_n=out["gap_breaks"] + out["jump_breaks"]).sort_values(
        ["_n", "night", "shift_id"], ascending=[False, True, True]
    )
    return out[cols].reset_index(drop=True)

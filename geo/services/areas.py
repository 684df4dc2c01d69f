"""The areas a user works in: the stations and grids they may see.

Also where on the map they lie, and the dates the store holds data for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.config import get_settings

__all__ = [
    "AREA_COLUMNS",
    "PeriodChoice",
    "area_bounds",
    "area_choices",
    "data_period",
    "outlines",
    "period_choice",
    "visible_areas",
]

AREA_COLUMNS = ["area_id", "name", "level", "parent_id"]


def visible_areas(engine: sa.Engine, scope: store.Reader) -> pd.DataFrame:
    """The areas ``scope`` may see (area_id, name, level, parent_id), stations first.

    Stations come first, then by id (what area pickers offer).
    """
    areas = store.read(engine, "areas", scope, columns=AREA_COLUMNS)
    return areas.sort_values(["level", "area_id"], ascending=[False, True]).reset_index(drop=True)


def area_choices(engine: sa.Engine, scope: store.Reader) -> dict[str, str]:
    """What an area picker offers ``scope``: area_id -> ``"name (area_id)"``.

    Stations first, then by id (as :func:`visible_areas`).
    """
    areas = visible_areas(engine, scope)
    return {str(a): f"{n} ({a})" for a, n in zip(areas["area_id"], areas["name"], strict=True)}


def area_bounds(
    engine: sa.Engine, scope: store.Reader, area: str | None = None
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Map bounds ``((south, west), (north, east))`` of the scope's areas (degrees, WGS-84).

    The bounds of the scope's areas (narrowed to ``area``), or of its incidents when no area is
    stored; None when there is neither.
    """
    ids = store.effective_scope(engine, scope, area)
    poly = store.area_polygon(engine, ids)
    if poly is not None:
        w, s, e, n = poly.bounds
        return ((s, w), (n, e))
    inc = store.read(engine, "incidents", "all" if ids is None else ids, columns=["lat", "lng"])
    if inc.empty:
        return None
    return (
        (float(inc["lat"].min()), float(inc["lng"].min())),
        (float(inc["lat"].max()), float(inc["lng"].max())),
    )


def data_period(engine: sa.Engine, *, today: dt.date | None = None) -> tuple[str, str]:
    """First and last local dates (YYYY-MM-DD) of the stored incidents and shifts.

    The 30 days up to ``today`` when the store holds neither.
    """
    found = store.data_period(engine, get_settings().tz)
    if found is not None:
        return found
    today = today or dt.date.today()
    return (today - dt.timedelta(days=30)).isoformat(), today.isoformat()


def outlines(engine: sa.Engine, scope: store.Reader, area: str | None = None) -> pd.DataFrame:
    """The areas a map outlines: the scope's areas narrowed to ``area``, with geometry (WKT).

    Raises ValueError when ``area`` is unknown.
    """
    return store.read(engine, "areas", store.narrowed(engine, scope, area))


@dataclass(frozen=True)
class PeriodChoice:
    """What the period filter offers: the dates with data, the default start and the latest pick.

    The first and last dates with data, the default start (the last 30 days with data) and the
    latest date that may be picked (today, or the last date with data when that is later).
    """

    first: dt.date
    last: dt.date
    default_start: dt.date
    latest: dt.date


def period_choice(
    engine: sa.Engine, *, today: dt.date | None = None, default_days: int = 30
) -> PeriodChoice:
    """The period filter's bounds and default (see :class:`PeriodChoice`)."""
    today = today or dt.date.today()
    first, last = (dt.date.fromisoformat(d) for d in data_period(engine, today=today))
    return PeriodChoice(
        first, last, max(first, last - dt.timedelta(days=default_days - 1)), max(last, today)
    )

"""Response circles (1-3-5 分钟快速反应圈) and where to stand tonight, for a user's scope.

Reads the area's key sites and posts, the units' last fixes at a chosen moment, the study cells
and their risk over the weeks before, and hands them to :func:`geo.domain.circles.readiness_of`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from geo import store
from geo.config import get_settings
from geo.domain import routing
from geo.domain.circles import readiness_of
from geo.domain.duty import validate_rules
from geo.domain.period import DEFAULT_RES
from geo.services import networks, places
from geo.services.duty import get_rules
from geo.services.hotspots import study_cells
from geo.services.risk import risk_cells
from geo.store.records import last_fixes

__all__ = ["POSITION_MAX_AGE_S", "readiness", "response_circles", "unit_positions"]

# Fixes older than this before the chosen moment do not place a unit.
POSITION_MAX_AGE_S = 900


def unit_positions(
    engine: sa.Engine,
    scope: store.Reader,
    at: pd.Timestamp,
    *,
    area: str | None = None,
    max_age_s: float = POSITION_MAX_AGE_S,
) -> pd.DataFrame:
    """Each unit's last GPS fix at most ``max_age_s`` seconds before ``at``.

    Columns unit_id, kind, ts, lat, lng; a unit whose last fix is older is not placed.
    """
    ids = store.effective_scope(engine, scope, area)
    at = pd.Timestamp(at)
    lo, hi = (
        int((at - pd.Timedelta(seconds=max_age_s)).value // 1_000_000),
        int(at.value // 1_000_000),
    )
    df = last_fixes(engine, lo, hi)
    cols = ["unit_id", "kind", "ts", "lat", "lng"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    if ids is not None:
        poly = store.area_polygon(engine, ids)
        if poly is not None:
            df = df.loc[
                shapely.contains_xy(poly, df["lng"].to_numpy(float), df["lat"].to_numpy(float))
            ]
    df = df.sort_values(["unit_id", "ts"]).groupby("unit_id").tail(1)
    units = store.read(engine, "units", "all", columns=["unit_id", "kind"])
    df = df.merge(units, on="unit_id", how="left")
    df["ts"] = store.ms_to_ts(df["ts"], get_settings().tz)
    return df[cols].sort_values("unit_id").reset_index(drop=True)


def readiness(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    area: str | None = None,
    at: pd.Timestamp | str | None = None,
    kind: str = "police_car",
    res: int = DEFAULT_RES,
    network: str | Path | routing.RoadNetwork | None = None,
    rules: Mapping[str, Any] | None = None,
    optimise: int | None = None,
    time_limit_s: float = 10.0,
    history_days: int = 28,
) -> dict[str, Any]:
    """Response circles of the area from the posts (and, with ``at``, the units' last fixes).

    ``optimise`` (a number of units) also runs :func:`geo.domain.circles.where_to_stand` over
    the area's cells and the posts, and compares it with the posts as they are (the first
    ``optimise`` posts, or all of them when there are fewer).

    Returns a dict: ``cells`` (cell, res, lat, lng, travel_s, travel_min, tier, risk,
    high_risk, required_min, inside), ``sites`` (site_id, name, category, lat, lng, travel_s,
    tier, required_min, inside), ``sources`` (kind ``post`` or ``unit``, id, lat, lng),
    ``summary`` (sites, sites_inside, share_sites, high_risk_cells, high_risk_inside,
    share_high_risk, cells, cells_by_tier, sources, model) and, with ``optimise``, ``optimised``
    (the chosen points, covered weight, and the posts' covered weight).
    """
    rules = validate_rules(rules or get_rules(engine))
    ids = store.effective_scope(engine, scope, area)
    sc: store.Scope = "all" if ids is None else ids
    net = networks.resolve(engine, network)  # None: the store's active network, if any
    sites = (
        store.read(engine, "sites", sc, columns=["site_id", "name", "category", "lat", "lng"])
        .sort_values("site_id")
        .reset_index(drop=True)
    )
    posts = sites.loc[sites["category"] == "post"]
    src = pd.DataFrame(
        {
            "source": "post",
            "id": posts["site_id"].to_numpy(),
            "lat": posts["lat"].to_numpy(float),
            "lng": posts["lng"].to_numpy(float),
        }
    )
    if at is not None:
        tz = get_settings().tz
        at_ts = pd.Timestamp(at)
        at_ts = at_ts.tz_localize(tz) if at_ts.tzinfo is None else at_ts
        pos = unit_positions(engine, scope, at_ts, area=area)
        src = pd.concat(
            [
                src,
                pd.DataFrame(
                    {
                        "source": "unit",
                        "id": pos["unit_id"].to_numpy(),
                        "lat": pos["lat"].to_numpy(float),
                        "lng": pos["lng"].to_numpy(float),
                    }
                ),
            ],
            ignore_index=True,
        )
    cells = study_cells(engine, scope, res=res, area=area)
    end = pd.Timestamp.now(tz=get_settings().tz) if at is None else pd.Timestamp(at)
    d1 = end.date().isoformat()
    d0 = (end - pd.Timedelta(days=history_days)).date().isoformat()
    risk = risk_cells(engine, scope, start=d0, end=d1, res=res, area=area)
    risk_of = pd.Series(
        risk["risk"].to_numpy(float), index=risk["cell"].to_numpy().astype(np.uint64)
    )
    cell_risk = risk_of.reindex(cells.astype(np.uint64)).fillna(0.0).to_numpy()
    out = readiness_of(
        sites,
        src,
        cells,
        cell_risk,
        res=res,
        tiers=rules["tiers"],
        kind=kind,
        net=net,
        optimise=optimise,
        time_limit_s=time_limit_s,
    )
    if "optimised" in out:  # where to stand, by place name (a post by its own name)
        out["optimised"]["points"] = _named_points(engine, scope, out["optimised"]["points"], sites)
    return out


def _named_points(
    engine: sa.Engine, scope: store.Reader, points: pd.DataFrame, sites: pd.DataFrame
) -> pd.DataFrame:
    """The chosen points with ``place``/``place_en`` first; the post's or cell's id stays last."""
    named = places.name_points(engine, scope, points["lat"], points["lng"])
    post_name = sites.set_index("site_id")["name"]
    own = points["id"].map(post_name).where(points["is_post"])
    place = own.where(own.notna(), named["place"].to_numpy())
    place_en = own.where(own.notna(), named["place_en"].to_numpy())
    front = pd.DataFrame({"place": place.to_numpy(), "place_en": place_en.to_numpy()})
    out = pd.concat([front, points.reset_index(drop=True)], axis=1)
    out["cell_id"] = points["id"].where(~points["is_post"]).to_numpy()  # a post is no cell
    return out


def response_circles(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    area: str | None = None,
    at: str | None = None,
    kind: str = "police_car",
    res: int = DEFAULT_RES,
) -> dict[str, Any]:
    """The response circles (:func:`readiness`) as the Duty & readiness page shows them.

    Parameters
    ----------
    area
        Narrow the scope to this area.
    at
        A local moment (ISO, naive is local time): the units' last fixes then are sources too;
        None for the posts only.
    kind
        ``police_car``, ``e_bike`` or ``foot`` (the travel speed).
    res
        H3 resolution of the cells.

    Returns
    -------
    The dict of :func:`readiness` (``cells``, ``sites``, ``sources``, ``summary``) with
    ``outside``, the key sites beyond their required response time (name, category,
    travel_min, required_min...), ``n_default``, how many units to place by default (the
    posts, at least one), and ``metrics``: ``sites_inside`` (key sites inside their time, of
    all: ``"7/9"``), ``risk_inside`` (high-risk cells inside, of all) and ``sources`` (posts /
    units placed: ``"3 / 2"``).
    """
    r = readiness(engine, scope, area=area, at=at, kind=kind, res=res)
    s = r["summary"]
    return r | {
        "outside": r["sites"].loc[~r["sites"]["inside"]],
        "n_default": max(s["sources"]["post"], 1),
        "metrics": {
            "sites_inside": f"{s['sites_inside']}/{s['sites']}",
            "risk_inside": f"{s['high_risk_inside']}/{s['high_risk_cells']}",
            "sources": f"{s['sources']['post']} / {s['sources']['unit']}",
        },
    }

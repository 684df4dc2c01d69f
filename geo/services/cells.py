"""What is in one H3 cell: the details panel a map click opens.

:func:`cell_details` gathers, for one cell at the analysis resolution and a period of nights, the
incidents by category, the night patrol dwell, and the venues, hazards and key sites located in
it, read through the user's scope. Located records are matched on their stored resolution-10 cell
and tested exactly at the analysis resolution, as the hotspot counts are; patrol dwell is the
cell's own rollup at that resolution, as coverage per cell is.
"""

from __future__ import annotations

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.config import get_settings
from geo.domain import coverage, hexes
from geo.domain.disputes import lead_status_at, status_at
from geo.domain.hazards import status_at as hazard_status_at
from geo.domain.period import DEFAULT_NIGHT, ROLLUP_RES
from geo.services.places import name_cells
from geo.store import rollups

__all__ = ["cell_at", "cell_details"]


def cell_at(lat: float, lng: float, res: int) -> int:
    """The H3 cell (int) at ``res`` holding a WGS-84 point (a map click).

    >>> hexes.cells_to_str([cell_at(28.70, 115.98, 9)])[0][:3]
    '894'
    """
    return int(hexes.latlng_to_cells(np.array([lat], float), np.array([lng], float), res)[0])


def _as_cell(cell: int | str) -> int:
    if isinstance(cell, str):
        return int(hexes.str_to_cells([cell])[0])
    return int(cell)


def _children10(cells: list[int]) -> list[int]:
    res = int(hexes.cell_resolution(cells)[0])
    kids = np.array(cells, np.uint64) if res == ROLLUP_RES else hexes.change_res(cells, ROLLUP_RES)
    return sorted({int(c) for c in np.asarray(kids, np.uint64).astype(np.int64)})


def _near(cell: int) -> list[int]:
    """Res-10 cells that may hold a point of ``cell``.

    H3 cells do not nest exactly, so a point near the edge can sit in a res-10 cell whose parent
    is a neighbour.
    """
    return _children10(sorted(int(c) for c in h3i.grid_disk(int(cell), 1)))


def _inside(frame: pd.DataFrame, cell: int, res: int) -> pd.DataFrame:
    """Rows of ``frame`` (lat, lng) whose point lies in ``cell`` at ``res`` (exact test)."""
    if frame.empty:
        return frame.reset_index(drop=True)
    c = hexes.latlng_to_cells(frame["lat"].to_numpy(float), frame["lng"].to_numpy(float), res)
    return frame.loc[np.asarray(c, np.uint64) == np.uint64(cell)].reset_index(drop=True)


def _row_counts(
    engine: sa.Engine,
    sc: store.Scope,
    kind: str,
    places: pd.DataFrame,
    key: str,
    start: str,
    end: str,
) -> pd.Series:
    """How many rows of ``kind`` dated ``start``..``end`` each of ``places`` has (by ``key``).

    Inspections of venues, check-ins of key sites: int64, aligned with ``places``.
    """
    if not len(places):
        return pd.Series(dtype=np.int64)
    rows = store.read(
        engine,
        kind,
        sc,
        start=start,
        end=end,
        columns=[key, "ts"],
        where={key: places[key].tolist()},
    )
    return places[key].map(rows.groupby(key).size()).fillna(0).astype(np.int64)


def _night_coverage(
    engine: sa.Engine,
    sc: store.Scope,
    cell: int,
    res: int,
    start: str,
    end: str,
    night: str | None,
) -> dict[str, object]:
    rows = rollups.coverage_rollup(engine, sc, start=start, end=end, cells=[cell], res=res)
    empty = {
        "dwell_min": 0.0,
        "nights": 0,
        "stops": 0,
        "last_visit": None,
        "by_unit_kind": pd.DataFrame(columns=["unit_kind", "dwell_min"]),
    }
    if rows.empty:
        return empty
    total = coverage.query(rows, start=start, end=end, night=night, res=res)
    total = total.loc[total["cell"].astype(np.uint64) == np.uint64(cell)]
    if total.empty:
        return empty
    kinds = []
    for kind in sorted(rows["unit_kind"].unique()):
        q = coverage.query(rows, start=start, end=end, night=night, res=res, unit_kinds=[kind])
        if len(q):
            kinds.append({"unit_kind": kind, "dwell_min": round(float(q["dwell_s"].sum()) / 60, 1)})
    r = total.iloc[0]
    return {
        "dwell_min": round(float(r["dwell_s"]) / 60.0, 1),
        "nights": int(r["nights"]),
        "stops": int(r["stops"]),
        "last_visit": r["last_visit"],
        "by_unit_kind": pd.DataFrame(kinds, columns=["unit_kind", "dwell_min"]),
    }


def _private_coverage(
    engine: sa.Engine,
    scope: store.Reader,
    cell: int,
    res: int,
    start: str,
    end: str,
    night: str | None,
    cov: dict[str, object],
) -> dict[str, object]:
    """A private reader's patrol figures of ``cell``: those of its coverage map.

    No cell of fewer than :data:`geo.domain.privacy.MIN_SHIFTS` shifts, the last visit as the
    night's date, no split by unit kind (a kind may be one shift).
    """
    seen = rollups.coverage_cells(engine, scope, start=start, end=end, night=night, res=res)
    hit = seen.loc[seen["cell"].astype(np.uint64) == np.uint64(cell)]
    if hit.empty:
        return cov | {
            "dwell_min": 0.0,
            "nights": 0,
            "stops": 0,
            "last_visit": None,
            "by_unit_kind": cov["by_unit_kind"].iloc[0:0],  # type: ignore[attr-defined]
            "withheld": cov["nights"] != 0,
        }
    return cov | {
        "last_visit": hit["last_visit"].iloc[0],
        "by_unit_kind": cov["by_unit_kind"].iloc[0:0],  # type: ignore[attr-defined]
        "visit_date_only": True,
    }


def cell_details(
    engine: sa.Engine,
    scope: store.Reader,
    cell: int | str,
    res: int,
    start: str,
    end: str,
    night: str | None = DEFAULT_NIGHT,
) -> dict[str, object]:
    """Everything the details panel shows for one cell over the period ``start``..``end``.

    Parameters
    ----------
    cell
        The H3 cell (int or hex string) at ``res``.
    start, end
        Local dates, inclusive: calendar dates for incidents and check-ins, night dates for
        patrol dwell (``night`` window; None for whole days).

    Returns
    -------
    dict with ``cell`` (int), ``h3`` (str, the cell id), ``place`` and ``place_en`` (the cell's
    name by grid and nearest landmark, :mod:`geo.services.places`), ``res``, ``incidents``
    (incident_id, ts, category, priority, newest first), ``by_category`` (category, count),
    ``dwell_min``, ``nights``, ``stops``, ``last_visit``, ``by_unit_kind`` (unit_kind,
    dwell_min; for a private reader, :func:`geo.store.rollups.private_reader`, the figures of
    its coverage map: ``withheld`` True when too few shifts patrolled the cell to show them,
    ``visit_date_only`` when the last visit is the night's date), ``venues`` (venue_id, name,
    category, risk_level, inspections), ``hazards``
    (hazard_id, category, severity, status, found_at, deadline; found by the end of the
    period), ``sites`` (site_id, name, category, checks in the period), ``disputes``
    (dispute_id, category, status at the end of the period, reported_at, mediator; reported in
    the period, newest first) and ``leads`` (lead_id, topic, channel, status at the end of the
    period, received_at; located leads received in the period).
    """
    cell = _as_cell(cell)
    res = int(res)
    if int(hexes.cell_resolution([cell])[0]) != res:
        msg = f"cell {cell:x} is not at resolution {res}"
        raise ValueError(msg)
    ids = store.resolve_scope(engine, scope)
    sc: store.Scope = "all" if ids is None else ids
    where = {"cell": _near(cell)}
    inc = _inside(
        store.read(
            engine,
            "incidents",
            sc,
            start=start,
            end=end,
            columns=["incident_id", "ts", "category", "priority", "lat", "lng"],
            where=where,
        ),
        cell,
        res,
    )
    inc = inc.sort_values("ts", ascending=False).reset_index(drop=True)
    by_cat = (
        (
            inc.groupby("category")
            .size()
            .rename("count")
            .reset_index()
            .sort_values(["count", "category"], ascending=[False, True])
            .reset_index(drop=True)
        )
        if len(inc)
        else pd.DataFrame(columns=["category", "count"])
    )
    venues = _inside(
        store.read(
            engine,
            "venues",
            sc,
            columns=["venue_id", "name", "category", "risk_level", "lat", "lng"],
            where=where,
        ),
        cell,
        res,
    )
    venues["inspections"] = _row_counts(engine, sc, "inspections", venues, "venue_id", start, end)
    hazards = _inside(
        store.read(
            engine,
            "hazards",
            sc,
            end=end,
            columns=[
                "hazard_id",
                "category",
                "severity",
                "status",
                "found_at",
                "rectified_at",
                "deadline",
                "lat",
                "lng",
            ],
            where=where,
        ),
        cell,
        res,
    )
    hazards = hazards.sort_values("found_at", ascending=False).reset_index(drop=True)
    if len(hazards):
        end_ts = pd.Timestamp(end, tz=get_settings().tz) + pd.Timedelta(days=1)
        hazards["status"] = hazard_status_at(hazards, end_ts)
    sites = _inside(
        store.read(
            engine, "sites", sc, columns=["site_id", "name", "category", "lat", "lng"], where=where
        ),
        cell,
        res,
    )
    sites["checks"] = _row_counts(engine, sc, "site_checks", sites, "site_id", start, end)
    cov = _night_coverage(engine, sc, cell, res, start, end, night)
    if rollups.private_reader(scope):  # the cell as the coverage map shows it to this reader
        cov = _private_coverage(engine, scope, cell, res, start, end, night, cov)
    disputes, leads = _disputes_and_leads(engine, sc, where, cell, res, start, end)
    # counts above come from every row in scope; rows of kinds the role may not read stay here
    if not store.may_read(scope, "incidents"):
        inc = inc.iloc[0:0]
    if not store.may_read(scope, "disputes"):
        disputes = disputes.iloc[0:0]
    if not store.may_read(scope, "leads"):
        leads = leads.iloc[0:0]
    named = name_cells(engine, scope, [cell]).iloc[0]  # the panel's title: grid + landmark
    return {
        "cell": cell,
        "h3": str(hexes.cells_to_str([cell])[0]),
        "place": str(named["place"]),
        "place_en": str(named["place_en"]),
        "res": res,
        "incidents": inc[["incident_id", "ts", "category", "priority"]],
        "by_category": by_cat,
        **cov,
        "venues": venues[["venue_id", "name", "category", "risk_level", "inspections"]],
        "hazards": hazards[["hazard_id", "category", "severity", "status", "found_at", "deadline"]],
        "sites": sites[["site_id", "name", "category", "checks"]],
        "disputes": disputes,
        "leads": leads,
    }


def _disputes_and_leads(
    engine: sa.Engine,
    sc: store.Scope,
    where: dict[str, list[int]],
    cell: int,
    res: int,
    start: str,
    end: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    at = pd.Timestamp(end, tz=get_settings().tz) + pd.Timedelta(days=1)
    d = _inside(
        store.read(
            engine,
            "disputes",
            sc,
            start=start,
            end=end,
            columns=[
                "dispute_id",
                "category",
                "status",
                "reported_at",
                "settled_at",
                "mediator",
                "lat",
                "lng",
            ],
            where=where,
        ),
        cell,
        res,
    )
    if len(d):
        d["status"] = status_at(d, at)
    d = d.sort_values("reported_at", ascending=False).reset_index(drop=True)
    ld = store.read(
        engine,
        "leads",
        sc,
        start=start,
        end=end,
        columns=["lead_id", "topic", "channel", "status", "received_at", "closed_at", "lat", "lng"],
        where=where,
    )
    ld = _inside(ld.loc[ld["lat"].notna()], cell, res)
    if len(ld):
        ld["status"] = lead_status_at(ld, at)
    ld = ld.sort_values("received_at", ascending=False).reset_index(drop=True)
    return (
        d[["dispute_id", "category", "status", "reported_at", "mediator"]],
        ld[["lead_id", "topic", "channel", "status", "received_at"]],
    )

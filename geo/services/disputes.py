"""Disputes and leads for a user's scope: figures, the mediation board, rates and hot spots.

The period's figures a briefing quotes, the mediation board and lists a page shows, per-grid
rates, places with repeated disputes and Gi* hot spots (rules in :mod:`geo.domain.disputes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.domain import schema
from geo.domain.disputes import (
    DEFAULT_OVERDUE_DAYS,
    dispute_board,
    grid_of,
    lead_board,
    lead_status_at,
    overdue,
    places,
    rates_by,
    status_at,
)
from geo.domain.period import DEFAULT_RES, period_instants
from geo.services.hotspots import HotspotMap, point_hotspots, significant, study_cells

__all__ = [
    "DisputesBoard",
    "disputes_board",
    "figures",
    "grid_table",
    "hot_map",
    "hotspot_cells",
    "repeated_places",
]


def _read(
    engine: sa.Engine, kind: str, scope: store.Reader, area: str | None, **kw: Any
) -> pd.DataFrame:
    ids = store.effective_scope(engine, scope, area)
    return store.read(engine, kind, "all" if ids is None else ids, **kw)


def figures(
    engine: sa.Engine, scope: store.Reader, start: str, end: str, area: str | None = None
) -> dict[str, Any]:
    """The period's dispute and lead figures a briefing quotes, from raw rows.

    ``start``, ``end`` are local dates, inclusive; statuses are taken at the end of ``end``.

    Returns
    -------
    dict: ``disputes_discovered``, ``disputes_settled``, ``resolution_rate`` (settled /
    discovered, 0..1, None without disputes), ``disputes_escalated``, ``disputes_referred``,
    ``disputes_open`` (of the period's, still pending or mediating), ``leads_received``,
    ``leads_closed``, ``leads_unfounded``, ``leads_concluded`` (closed + unfounded) and
    ``leads_verifying``.
    """
    lo, hi = period_instants(start, end)
    d = _read(engine, "disputes", scope, area, start=start, end=end)
    leads = _read(engine, "leads", scope, area, start=start, end=end)
    b = dispute_board(d, lo, hi)
    lb = lead_board(leads, lo, hi)
    return {
        "disputes_discovered": b["discovered"],
        "disputes_settled": b["settled"],
        "resolution_rate": b["rate"],
        "disputes_escalated": b["escalated"],
        "disputes_referred": b["referred"],
        "disputes_open": b["open"],
        "leads_received": lb["received"],
        "leads_closed": lb["closed"],
        "leads_unfounded": lb["unfounded"],
        "leads_concluded": lb["concluded"],
        "leads_verifying": lb["verifying"],
    }


def grid_table(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    area: str | None = None,
    *,
    by_category: bool = False,
    escalated_only: bool = False,
) -> pd.DataFrame:
    """Per-grid (and per category) resolution and escalation rates of the period's disputes.

    Columns: ``grid``, ``name`` (and ``category``), then discovered, settled, rate, escalated,
    escalation_rate, referred, open (rates 0..1, NaN for a group without disputes). Disputes
    outside every grid are grouped under ``grid`` None. ``escalated_only`` keeps the rows with
    an escalated dispute.
    """
    lo, hi = period_instants(start, end)
    d = _read(engine, "disputes", scope, area, start=start, end=end)
    areas = _read(engine, "areas", scope, area)
    d = d.assign(grid=grid_of(d, areas).fillna("—"))
    out = rates_by(d, lo, hi, ["grid", "category"] if by_category else "grid")
    names = dict(zip(areas["area_id"], areas["name"], strict=True)) if len(areas) else {}
    out.insert(1, "name", out["grid"].map(lambda g: names.get(g, g)))
    out = out.sort_values(["grid", "category"] if by_category else ["grid"]).reset_index(drop=True)
    return out.loc[out["escalated"] > 0] if escalated_only and len(out) else out


def repeated_places(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    area: str | None = None,
    *,
    min_count: int = 2,
) -> pd.DataFrame:
    """Markets, venues and key sites named by ``min_count`` or more disputes in the period.

    Columns: place (venue or site), place_id, name, category, disputes, settled, open,
    escalated, market_trade (how many are market-trade disputes), last_reported; most disputes
    first.
    """
    d = _read(engine, "disputes", scope, area, start=start, end=end)
    venues = _read(engine, "venues", scope, area, columns=["venue_id", "name", "category"])
    sites = _read(engine, "sites", scope, area, columns=["site_id", "name", "category"])
    return places(d, venues, sites, min_count)


def hotspot_cells(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    kind: str = "disputes",
    start: str | None = None,
    end: str | None = None,
    res: int = DEFAULT_RES,
    k: int = 1,
    area: str | None = None,
    categories: Sequence[str] | None = None,
    fdr: bool = False,
) -> pd.DataFrame:
    """Getis-Ord Gi* of dispute (or located lead) counts on the study cells, as for incidents.

    ``categories`` filters dispute categories (or lead topics). Returns the columns of
    :func:`geo.services.hotspots.point_hotspots`.
    """
    if kind not in ("disputes", "leads"):
        msg = f"kind must be 'disputes' or 'leads', got {kind!r}"
        raise ValueError(msg)
    cells = study_cells(engine, scope, res=res, area=area)
    col = "category" if kind == "disputes" else "topic"
    where = {col: list(categories)} if categories else None
    pts = _read(
        engine, kind, scope, area, start=start, end=end, where=where, columns=["lat", "lng"]
    )
    pts = pts.loc[pts["lat"].notna() & pts["lng"].notna()]
    return point_hotspots(cells, pts, res, k=k, fdr=fdr)


def hot_map(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    kind: str = "disputes",
    start: str | None = None,
    end: str | None = None,
    res: int = DEFAULT_RES,
    area: str | None = None,
) -> HotspotMap:
    """Gi* hot spots of the period's disputes (or located leads) ready for a map.

    Parameters
    ----------
    kind
        ``"disputes"`` or ``"leads"`` (ValueError otherwise).
    start, end
        Local dates (YYYY-MM-DD), inclusive.
    res
        H3 resolution of the cells.
    area
        Narrow the scope to this area (ValueError when unknown or outside the scope).

    Returns
    -------
    HotspotMap of :func:`hotspot_cells`: the significant cells, the count and the hot cells.
    """
    return significant(
        hotspot_cells(engine, scope, kind=kind, start=start, end=end, res=res, area=area)
    )


@dataclass(frozen=True)
class DisputesBoard:
    """The disputes and leads of a period, ready to show (see :func:`disputes_board`).

    Attributes
    ----------
    empty
        True when the scope holds no dispute and no lead up to the end of the period.
    board
        :func:`geo.domain.disputes.dispute_board` of the period with ``days``: discovered,
        settled, rate (0..1, None without disputes), escalated, referred, open, pending,
        mediating, overdue.
    leads
        :func:`geo.domain.disputes.lead_board`: received, closed, unfounded, concluded,
        verifying, located.
    figures
        The figures the board's sentences quote (see :func:`geo.domain.disputes.sentences`).
    disputes
        Disputes reported in the period, ``status`` their status at its end.
    located_leads
        Leads received in the period that have a point, ``status`` at the end of the period.
    unlocated
        How many leads received in the period have no point.
    by_category
        :func:`geo.domain.disputes.rates_by` category, in :data:`schema.DISPUTE_CATEGORIES`
        order (rates 0..1).
    overdue
        Disputes unsettled for ``days`` or more at the end of the period, oldest first
        (:data:`geo.domain.disputes.OVERDUE_COLUMNS`).
    topics
        Leads of the period per ``topic``: received, concluded (closed or unfounded), verifying.
    lead_list
        Leads received in the period, newest first: ``status`` at the end of the period,
        ``closed_at`` empty while still verifying then.
    """

    empty: bool
    board: dict[str, Any]
    leads: dict[str, int]
    figures: dict[str, Any]
    disputes: pd.DataFrame
    located_leads: pd.DataFrame
    unlocated: int
    by_category: pd.DataFrame
    overdue: pd.DataFrame
    topics: pd.DataFrame
    lead_list: pd.DataFrame


def disputes_board(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    area: str | None = None,
    *,
    days: int = DEFAULT_OVERDUE_DAYS,
) -> DisputesBoard:
    """The mediation board, the leads and the lists of the local dates ``start``..``end``.

    Disputes and leads are read up to the end of ``end`` through the user's scope narrowed to
    ``area`` (a role that may not read their rows is refused: ``PermissionError``; an unknown
    area raises ``ValueError``); statuses are taken at the end of ``end``.

    Parameters
    ----------
    start, end
        Local dates (YYYY-MM-DD), inclusive.
    area
        Narrow the scope to this area.
    days
        Days a dispute may stay unsettled before it is overdue.

    Returns
    -------
    DisputesBoard
    """
    lo, hi = period_instants(start, end)
    disputes = store.read(engine, "disputes", store.narrowed(engine, scope, area), end=end)
    leads = store.read(engine, "leads", store.narrowed(engine, scope, area), end=end)
    board = dispute_board(disputes, lo, hi, days=days)
    lboard = lead_board(leads, lo, hi)
    figs = {
        "disputes_discovered": board["discovered"],
        "resolution_rate": board["rate"],
        "leads_received": lboard["received"],
        "leads_concluded": lboard["concluded"],
        "leads_verifying": lboard["verifying"],
    }
    in_period = disputes.loc[disputes["reported_at"] >= lo].copy()
    in_period["status"] = status_at(in_period, hi)
    shown = leads.loc[leads["received_at"] >= lo].copy()
    shown["status"] = lead_status_at(shown, hi)
    shown["closed_at"] = shown["closed_at"].where(shown["status"] != "verifying")
    located = shown.loc[shown["lat"].notna()]
    by_cat = rates_by(disputes, lo, hi, "category")
    order = [c for c in schema.DISPUTE_CATEGORIES if c in set(by_cat["category"])]
    by_cat = by_cat.set_index("category").loc[order].reset_index() if len(by_cat) else by_cat
    topics = pd.DataFrame(columns=["topic", "received", "concluded", "verifying"])
    if len(shown):
        topics = (
            shown.groupby("topic")["status"]
            .agg(
                received="size",
                concluded=lambda s: int(s.isin(["closed", "unfounded"]).sum()),
                verifying=lambda s: int(s.eq("verifying").sum()),
            )
            .reset_index()
        )
    return DisputesBoard(
        empty=disputes.empty and leads.empty,
        board=board,
        leads=lboard,
        figures=figs,
        disputes=in_period,
        located_leads=located,
        unlocated=len(shown) - len(located),
        by_category=by_cat,
        overdue=overdue(disputes, hi, days=days),
        topics=topics,
        lead_list=shown.sort_values("received_at", ascending=False),
    )

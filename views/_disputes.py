"""Drawing for the Disputes page: the point layers (the period's disputes coloured by status,
the located leads), rates as percentages, the places and the leads tables. Labels are translated
here; the frames come ready from :mod:`geo.services.disputes`."""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st

from geo.services.disputes import DisputesBoard
from views import _common as ui
from views import _map

__all__ = [
    "RATE_COLUMNS",
    "STATUS_COLOURS",
    "draw_points",
    "lead_tables",
    "percent",
    "places_table",
    "rate_tables",
]

STATUS_COLOURS = {
    "pending": "#c92a2a",
    "mediating": "#e8590c",
    "settled": "#2b8a3e",
    "escalated": "#862e9c",
    "referred": "#1864ab",
}

RATE_COLUMNS = _map.columns(
    "discovered settled rate=resolution_rate escalated escalation_rate referred open=still_open"
)


def percent(
    frame: pd.DataFrame, columns: tuple[str, ...] = ("rate", "escalation_rate")
) -> pd.DataFrame:
    """``frame`` with its rate columns (0..1) shown as percentages to one place, "—" when empty."""
    return frame.assign(
        **{c: frame[c].map(lambda r: "—" if pd.isna(r) else f"{r:.1%}") for c in columns}
    )


def draw_points(m: folium.Map, b: DisputesBoard) -> None:
    """Add the period's disputes and located leads of ``b`` to ``m``; a caption counts the leads
    without a point."""
    d = b.disputes
    if len(d):
        pts = d.assign(
            cat=d["category"].map(lambda c: _map.label("dcat", c)),
            state=d["status"].map(lambda s: _map.label("dstatus", s)),
            when=d["reported_at"].dt.strftime("%Y-%m-%d"),
        )
        _map.add_points(
            m,
            pts,
            "dsp.disputes_layer",
            _map.columns("dispute_id=id cat=category state=status when=reported_at mediator"),
            color_by="status",
            colors=STATUS_COLOURS,
            color_labels={k: _map.label("dstatus", k) for k in STATUS_COLOURS},
            radius=5,
        )
    located = b.located_leads
    if len(located):
        pts = located.assign(
            top=located["topic"].map(lambda c: _map.label("topic", c)),
            state=located["status"].map(lambda s: _map.label("lstatus", s)),
        )
        _map.add_points(
            m,
            pts,
            "dsp.leads_layer",
            _map.columns("lead_id=id top=topic state=status"),
            color="#0b7285",
            radius=8,
        )
    if b.unlocated:
        st.caption(ui.tr("dsp.unlocated", n=b.unlocated))


def rate_tables(grids: pd.DataFrame, by_category: pd.DataFrame, escalated: pd.DataFrame) -> None:
    """The rates per grid, then side by side per category and the grids' escalated categories."""
    _map.table(percent(grids), {"name": "col.grid", **RATE_COLUMNS})
    left, right = st.columns(2)
    with left:
        st.markdown("**" + ui.tr("dsp.by_category") + "**")
        _map.table(
            percent(by_category),
            {"category": "col.category", **RATE_COLUMNS},
            enums={"category": "dcat"},
        )
    with right:
        st.markdown("**" + ui.tr("dsp.by_grid_category") + "**")
        cols = _map.columns("name=grid category discovered escalated escalation_rate")
        _map.table(percent(escalated), cols, enums={"category": "dcat"})


def places_table(places: pd.DataFrame) -> None:
    """The markets, venues and key sites with repeated disputes (or a caption: none)."""
    if places.empty:
        st.caption(ui.tr("dsp.no_places"))
        return
    places = places.assign(
        cat=[
            _map.label("venue" if p == "venue" else "site", c)
            for p, c in zip(places["place"], places["category"], strict=True)
        ]
    )
    cols = _map.columns(
        "name place cat=category disputes market_trade settled open=still_open last_reported"
    )
    _map.table(places, cols, enums={"place": "place"}, height=260)


def lead_tables(b: DisputesBoard) -> None:
    """The period's leads per topic, then every lead of the period (nothing without leads)."""
    if b.lead_list.empty:
        return
    _map.table(
        b.topics, _map.columns("topic received concluded verifying"), enums={"topic": "topic"}
    )
    cols = _map.columns("lead_id=id received_at channel topic status closed_at")
    enums = {"channel": "channel", "topic": "topic", "status": "lstatus"}
    _map.table(b.lead_list, cols, enums=enums, height=260)

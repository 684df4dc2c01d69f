"""Hot spots: Getis-Ord Gi* of incident counts per cell, weekly space-time patterns and the
incidents of a clicked cell."""

from __future__ import annotations

import streamlit as st

from geo.domain import schema
from geo.services import hotspots as hotspots_svc
from views import _common as ui
from views import _hotspots, _map

ui.demo_banner()
st.title(ui.tr("page.hotspots"))
f = ui.filters()
c1, c2, c3, c4 = st.columns([3, 1, 2, 2], vertical_alignment="bottom")
cats = c1.multiselect(
    ui.tr("hot.categories"),
    list(schema.INCIDENT_CATEGORIES),
    key=ui.relabelled("hot_cats"),
    format_func=_map.formatter("incident"),
    placeholder=ui.tr("pg.all"),
)
k = c2.selectbox(ui.tr("hot.k"), [1, 2, 3], key="hot_k")
fdr = c3.toggle(ui.tr("hot.fdr"), key="hot_fdr", help=ui.tr("hot.fdr_help"))
emerging = c4.checkbox(ui.tr("hot.emerging"), key="hot_emerging")
try:
    hot = _map.cached(
        hotspots_svc.hotspot_map,
        start=f.start,
        end=f.end,
        res=f.res,
        k=int(k),
        area=f.area,
        categories=tuple(cats) or None,
        fdr=bool(fdr),
        emerging=bool(emerging),
    )
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()
if not hot.testable:  # nothing to test: say why, not "no incidents"
    st.info(ui.tr("hot.too_few_cells"))
    st.stop()
if hot.emerging_short:
    st.info(ui.tr("hot.emerging_short"))

st.subheader(ui.tr("hot.map"))
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
if hot.count == 0:
    st.info(ui.tr("hot.no_incidents"))
elif len(hot.shown):
    st.caption(ui.tr("hot.summary", n=hot.count, hot=hot.hot, cold=hot.cold))
    _hotspots.draw_cells(
        m, hot, name=ui.tr("hot.map"), count_label=ui.tr("col.incident_count"), trends=hot.trends
    )
cell = _map.show_map(m, key="hot_map")

if hot.trends:
    st.subheader(ui.tr("hot.patterns"))
    _map.table(
        hot.patterns, {"trend": "col.trend", "cells": "col.cells"}, enums={"trend": "pattern"}
    )

inc = (
    None
    if cell is None
    else _map.cached(
        hotspots_svc.cell_incidents, int(cell), f.res, f.start, f.end, f.night, tuple(cats) or None
    )
)
if inc is not None:  # None: a viewer sees counts only
    st.subheader(ui.tr("hot.cell_incidents"))
    _map.table(
        inc,
        {
            "incident_id": "col.id",
            "ts": "col.time",
            "category": "col.category",
            "priority": "col.priority",
        },
        enums={"category": "incident"},
        height=260,
    )
_map.cell_panel(cell)

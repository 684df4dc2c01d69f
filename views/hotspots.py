"""Hotspots: Getis-Ord Gi* classes of incident counts per cell, weekly space-time patterns and the
incidents of a clicked cell."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import analysis, schema, store
from views import _common as ui
from views import _map

ui.demo_banner()
st.title(ui.tr("page.hotspots"))
f = ui.filters()
c1, c2, c3, c4 = st.columns([3, 1, 2, 2], vertical_alignment="bottom")
cats = c1.multiselect(ui.tr("hot.categories"), list(schema.INCIDENT_CATEGORIES),
                      key=ui.relabelled("hot_cats"),
                      format_func=_map.formatter("incident"), placeholder=ui.tr("pg.all"))
k = c2.selectbox(ui.tr("hot.k"), [1, 2, 3], key="hot_k")
fdr = c3.toggle(ui.tr("hot.fdr"), key="hot_fdr", help=ui.tr("hot.fdr_help"))
emerging = c4.checkbox(ui.tr("hot.emerging"), key="hot_emerging")
args = {"start": f.start, "end": f.end, "res": f.res, "k": int(k), "area": f.area,
        "categories": tuple(cats) or None, "fdr": bool(fdr)}
try:
    if len(_map.cached(analysis.study_cells, res=f.res, area=f.area)) < 2:  # nothing to test
        st.info(ui.tr("hot.no_incidents"))
        st.stop()
    try:
        cells = _map.cached(analysis.hotspot_cells, emerging=emerging, **args)
    except ValueError:
        if not emerging:
            raise
        st.info(ui.tr("hot.emerging_short"))
        emerging = False
        cells = _map.cached(analysis.hotspot_cells, emerging=False, **args)
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()

st.subheader(ui.tr("hot.map"))
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
n = int(cells["count"].sum()) if len(cells) else 0
shown = cells.loc[cells["gi_bin"] != 0] if len(cells) else cells
if n == 0:
    st.info(ui.tr("hot.no_incidents"))
elif len(shown):
    from layers.cells import cells_layer

    st.caption(ui.tr("hot.summary", n=n, hot=int((cells["gi_bin"] > 0).sum()),
                     cold=int((cells["gi_bin"] < 0).sum())))
    shown = shown.assign(bin_label=shown["gi_bin"].map(lambda b: _map.label("bin", int(b))),
                         gi_z=shown["gi_z"].round(2))
    tooltip = [("count", ui.tr("col.incident_count")), ("gi_z", ui.tr("col.gi_z")),
               ("bin_label", ui.tr("col.gi_bin"))]
    if emerging and "trend" in shown:
        shown = shown.assign(trend_label=shown["trend"].map(lambda p: _map.label("pattern", p)))
        tooltip.append(("trend_label", ui.tr("col.trend")))
    cells_layer(shown, value="gi_bin", name=ui.tr("hot.map"), palette="hotspot",
                legend_title=ui.tr("hot.legend"), tooltip=tooltip,
                labels={b: _map.label("bin", b) for b in range(-3, 4)},
                shift_gcj02=_map.shift_gcj02()).add_to(m)
cell = _map.show_map(m, key="hot_map")

if emerging and "trend" in cells:
    st.subheader(ui.tr("hot.patterns"))
    counts = cells.loc[cells["trend"] != "none", "trend"].value_counts()
    table = pd.DataFrame({"trend": counts.index, "cells": counts.to_numpy()})
    _map.table(table, {"trend": "col.trend", "cells": "col.cells"}, enums={"trend": "pattern"})

if cell is not None and store.may_read(ui.scope(), "incidents"):  # a viewer: counts only
    st.subheader(ui.tr("hot.cell_incidents"))
    inc = _map.details(cell)["incidents"]
    if cats:
        inc = inc.loc[inc["category"].isin(cats)]
    _map.table(inc, {"incident_id": "col.id", "ts": "col.time", "category": "col.category",
                     "priority": "col.priority"}, enums={"category": "incident"}, height=260)
_map.cell_panel(cell)

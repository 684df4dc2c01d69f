"""Hazards: map and status board (open, rectifying, rectified, overdue against deadline, the
period's rectification rate) by category and severity."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.services import hazards as hazards_svc
from layers.points import points_layer
from views import _common as ui
from views import _map

ui.demo_banner()
st.title(ui.tr("page.hazards"))
f = ui.filters()
try:
    hz = _map.cached(hazards_svc.hazard_board, f.start, f.end, area=f.area)
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()
if not hz.known:
    st.info(ui.tr("haz.none"))
    st.stop()


def _pct(rate: float | None) -> str:
    return "—" if rate is None or pd.isna(rate) else f"{rate:.0%}"


st.subheader(ui.tr("haz.board"))
st.caption(ui.tr("haz.as_of", date=f.end))
for col, key in zip(st.columns(6), hazards_svc.BOARD_FIGURES, strict=True):
    value = hz.figures[key]
    col.metric(ui.tr(f"haz.{key}"), _pct(value) if key == "rate" else value, border=True)
counts = {"group": "col.category", "found": "col.found", "rectified": "col.rectified",
          "rate": "col.rate", "open": "col.open", "rectifying": "col.rectifying",
          "overdue": "col.overdue"}
left, right = st.columns(2)
for box, key, group, by in ((left, "by_category", "hazard", hz.by_category),
                            (right, "by_severity", "severity", hz.by_severity)):
    with box:
        st.markdown("**" + ui.tr(f"haz.{key}") + "**")
        _map.table(by.assign(rate=by["rate"].map(_pct)),
                   {**counts, "group": "col.category" if group == "hazard" else "col.severity"},
                   enums={"group": group})

st.subheader(ui.tr("haz.map"))
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
table = hz.table
if len(table):
    pts = table.assign(cat=table["category"].map(lambda c: _map.label("hazard", c)),
                       sev=table["severity"].map(lambda s: _map.label("severity", s)),
                       state=table["status"].map(lambda s: _map.label("hstatus", s)),
                       found=table["found_at"].dt.strftime("%Y-%m-%d"))
    popup = [("hazard_id", ui.tr("col.id")), ("cat", ui.tr("col.category")),
             ("sev", ui.tr("col.severity")), ("state", ui.tr("col.status")),
             ("found", ui.tr("col.found_at"))]
    points_layer(pts, name=ui.tr("haz.map"), popup=popup, color_by="status",
                 colors={"open": "#c92a2a", "rectifying": "#e8590c", "rectified": "#2b8a3e"},
                 color_labels={k: _map.label("hstatus", k)
                               for k in ("open", "rectifying", "rectified")},
                 legend_title=ui.tr("haz.map"), cluster=False,
                 shift_gcj02=_map.shift_gcj02()).add_to(m)
_map.cell_panel(_map.show_map(m, key="haz_map"))

st.subheader(ui.tr("haz.table"))
if st.toggle(ui.tr("haz.only_overdue"), key="haz_overdue"):
    table = hz.overdue
_map.table(table, {"hazard_id": "col.id", "category": "col.category", "severity": "col.severity",
                   "status": "col.status", "found_at": "col.found_at", "deadline": "col.deadline",
                   "rectified_at": "col.rectified_at", "overdue": "col.overdue",
                   "days_open": "col.days_open"},
           enums={"category": "hazard", "severity": "severity", "status": "hstatus"}, height=360)

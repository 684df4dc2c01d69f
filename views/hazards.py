"""Hazards: map and status board (open, rectifying, rectified, overdue against deadline, the
period's rectification rate) by category and severity."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import hazards, schema
from geo.config import get_settings
from views import _common as ui
from views import _map

ui.demo_banner()
st.title(ui.tr("page.hazards"))
f = ui.filters()
tz = get_settings().tz
start, at = pd.Timestamp(f.start, tz=tz), pd.Timestamp(f.end, tz=tz) + pd.Timedelta(days=1)
try:
    found = _map.read("hazards", end=f.end, area=f.area)
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()
if found.empty:
    st.info(ui.tr("haz.none"))
    st.stop()
board = hazards.hazard_board(found, start, at)
table = hazards.hazard_table(found, at)
# the open ones, and everything found in the period
table = table.loc[(table["status"] != "rectified") | (table["found_at"] >= start)]

st.subheader(ui.tr("haz.board"))
st.caption(ui.tr("haz.as_of", date=f.end))
cols = st.columns(6)
rate = "—" if board["rate"] is None else f"{board['rate']:.0%}"
for col, key, value in zip(cols, ("found", "rectified", "rate", "open", "rectifying", "overdue"),
                           (board["found"], board["rectified"], rate, board["open"],
                            board["rectifying"], board["overdue"]), strict=True):
    col.metric(ui.tr(f"haz.{key}"), value, border=True)
counts = {"group": "col.category", "found": "col.found", "rectified": "col.rectified",
          "rate": "col.rate", "open": "col.open", "rectifying": "col.rectifying",
          "overdue": "col.overdue"}
left, right = st.columns(2)
for box, key, group in ((left, "by_category", "hazard"), (right, "by_severity", "severity")):
    with box:
        st.markdown("**" + ui.tr(f"haz.{key}") + "**")
        order = schema.HAZARD_CATEGORIES if group == "hazard" else schema.HAZARD_SEVERITIES[::-1]
        by = board[key].set_index("group")
        by = by.loc[[g for g in order if g in by.index] + [g for g in by.index if g not in order]]
        by = by.reset_index()
        by["rate"] = by["rate"].map(lambda r: "—" if pd.isna(r) else f"{r:.0%}")
        _map.table(by, {**counts, "group": "col.category" if group == "hazard"
                        else "col.severity"}, enums={"group": group})

st.subheader(ui.tr("haz.map"))
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
if len(table):
    from layers.points import points_layer

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
    table = table.loc[table["overdue"]]
_map.table(table, {"hazard_id": "col.id", "category": "col.category", "severity": "col.severity",
                   "status": "col.status", "found_at": "col.found_at", "deadline": "col.deadline",
                   "rectified_at": "col.rectified_at", "overdue": "col.overdue",
                   "days_open": "col.days_open"},
           enums={"category": "hazard", "severity": "severity", "status": "hstatus"}, height=360)

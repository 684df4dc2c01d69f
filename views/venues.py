"""Venues: map and register of the venues in scope, inspection status by category rule, venues
overdue for inspection, and one venue's inspection history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import schema, venues
from geo.config import get_settings
from views import _common as ui
from views import _map

ui.demo_banner()
st.title(ui.tr("page.venues"))
f = ui.filters()
at = pd.Timestamp(f.end, tz=get_settings().tz) + pd.Timedelta(days=1)
try:
    register = _map.read("venues", area=f.area)
    history = _map.read("inspections", end=f.end, area=f.area)
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()
if register.empty:
    st.info(ui.tr("ven.none"))
    st.stop()
cats = st.multiselect(ui.tr("ven.category"), list(schema.VENUE_CATEGORIES),
                      key=ui.relabelled("ven_cats"),
                      format_func=_map.formatter("venue"), placeholder=ui.tr("pg.all"))
status = venues.venue_status(register, history, at)
if cats:
    status = status.loc[status["category"].isin(cats)]
due = venues.overdue_venues(status)
st.caption(ui.tr("ven.as_of", date=f.end) + " " + ui.tr("ven.rules"))
c1, c2, c3 = st.columns(3)
c1.metric(ui.tr("ven.n_total"), len(status), border=True)
c2.metric(ui.tr("ven.n_overdue"), int(status["overdue"].sum()), border=True)
c3.metric(ui.tr("ven.n_follow"), int(status["open_follow_up"].sum()), border=True)

st.subheader(ui.tr("ven.map"))
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
if len(status):
    from layers.points import points_layer

    pts = status.assign(cat_label=status["category"].map(lambda c: _map.label("venue", c)),
                        risk_label=status["risk_level"].map(lambda r: _map.label("risk", r)),
                        last=status["last_inspection"].dt.strftime("%Y-%m-%d").fillna("—"))
    popup = [("name", ui.tr("col.name")), ("cat_label", ui.tr("col.category")),
             ("risk_label", ui.tr("col.risk_level")), ("last", ui.tr("col.last_inspection"))]
    points_layer(pts, name=ui.tr("ven.layer"), popup=popup, color_by="overdue",
                 colors={True: "#c92a2a", False: "#2b8a3e"}, legend_title=ui.tr("ven.layer"),
                 color_labels={True: ui.tr("ven.n_overdue"), False: ui.tr("ven.ok")},
                 cluster=False, shift_gcj02=_map.shift_gcj02()).add_to(m)
_map.cell_panel(_map.show_map(m, key="ven_map"))

st.subheader(ui.tr("ven.overdue"))
cols = {"name": "col.name", "category": "col.category", "risk_level": "col.risk_level",
        "interval_days": "col.interval_days", "last_inspection": "col.last_inspection",
        "due": "col.due", "overdue_days": "col.overdue_days", "last_result": "col.last_result",
        "follow_up_due": "col.follow_up_due"}
enums = {"category": "venue", "risk_level": "risk", "last_result": "result"}
if due.empty:
    st.success(ui.tr("ven.all_ok"))
else:
    _map.table(due, cols, enums=enums, height=300)
st.subheader(ui.tr("ven.table"))
_map.table(status, {**cols, "inspections": "col.inspections"}, enums=enums, height=300)

st.subheader(ui.tr("ven.history"))
recent = status.sort_values("last_inspection", ascending=False, na_position="last")
names = dict(zip(recent["venue_id"], recent["name"] + " (" + recent["venue_id"] + ")",
                 strict=True))
chosen = st.selectbox(ui.tr("ven.choose"), list(names), format_func=names.__getitem__,
                      key="ven_pick")
rows = history.loc[history["venue_id"] == chosen].sort_values("ts", ascending=False)
if rows.empty:
    st.info(ui.tr("ven.no_history"))
else:
    _map.table(rows, {"ts": "col.time", "unit_id": "col.unit", "result": "col.result",
                      "findings": "col.findings", "follow_up_due": "col.follow_up_due"},
               enums={"result": "result"})

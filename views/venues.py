"""Venues: map and register of the venues in scope, inspection status by category rule, venues
overdue for inspection, and one venue's inspection history."""

from __future__ import annotations

import streamlit as st

from geo.domain import schema
from geo.services import venues as venues_svc
from views import _common as ui
from views import _map

ui.demo_banner()
st.title(ui.tr("page.venues"))
f = ui.filters()
v = _map.loaded(venues_svc.venue_status, f.end, area=f.area)
if not v.registered:
    st.info(ui.tr("ven.none"))
    st.stop()
cats = st.multiselect(
    ui.tr("ven.category"),
    list(schema.VENUE_CATEGORIES),
    key=ui.relabelled("ven_cats"),
    format_func=_map.formatter("venue"),
    placeholder=ui.tr("pg.all"),
)
if cats:
    v = _map.cached(venues_svc.venue_status, f.end, area=f.area, categories=tuple(cats))
status = v.status
st.caption(ui.tr("ven.as_of", date=f.end) + " " + ui.tr("ven.rules"))
counts = {"n_total": v.total, "n_overdue": v.n_overdue, "n_never": v.n_never}
_map.metrics(counts | {"n_follow": v.n_follow_up}, "ven.")

st.subheader(ui.tr("ven.map"))
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
if len(status):
    pts = status.assign(
        cat_label=status["category"].map(lambda c: _map.label("venue", c)),
        risk_label=status["risk_level"].map(lambda r: _map.label("risk", r)),
        last=status["last_inspection"].dt.strftime("%Y-%m-%d").fillna("—"),
    )
    _map.add_points(
        m,
        pts,
        "ven.layer",
        _map.columns("name cat_label=category risk_label=risk_level last=last_inspection"),
        color_by="overdue",
        colors={True: "#c92a2a", False: "#2b8a3e"},
        color_labels={True: ui.tr("ven.n_overdue"), False: ui.tr("ven.ok")},
    )
_map.cell_panel(_map.show_map(m, key="ven_map"), hint="pg.point_hint")

st.subheader(ui.tr("ven.overdue"), help=ui.tr("help.overdue_venue"))
cols = _map.columns(
    "name category risk_level grade interval_days last_inspection due overdue_days last_result"
    " follow_up_due"
)
enums = {"category": "venue", "risk_level": "risk", "last_result": "result"}
if v.overdue.empty:
    st.success(ui.tr("ven.all_ok"))
else:
    _map.table(_map.never_inspected(v.overdue), cols, enums=enums, height=300)
st.subheader(ui.tr("ven.table"))
_map.table(
    _map.never_inspected(status),
    {**cols, "inspections": "col.inspections"},
    enums=enums,
    height=300,
)

st.subheader(ui.tr("ven.history"))
names = dict(zip(v.choices["venue_id"], v.choices["label"], strict=True))
chosen = st.selectbox(
    ui.tr("ven.choose"), list(names), format_func=names.__getitem__, key="ven_pick"
)
rows = _map.cached(venues_svc.venue_history, chosen, f.end, area=f.area)
if rows.empty:
    st.info(ui.tr("ven.no_history"))
else:
    cols = _map.columns("ts=time unit_name=unit result findings follow_up_due")
    _map.table(rows, cols, enums={"result": "result"})

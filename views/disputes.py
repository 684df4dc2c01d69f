"""Disputes & leads: the mediation board (reported, settled, resolution rate, escalated, overdue),
the map (points or Gi* hot spots), per-grid resolution and escalation rates, the overdue list,
markets and venues with repeated disputes, and the leads of the period."""

from __future__ import annotations

import streamlit as st

from geo.domain import disputes as disputes_rules
from geo.services import disputes as disputes_svc
from views import _common as ui
from views import _disputes, _hotspots, _map

ui.demo_banner()
st.title(ui.tr("page.disputes"))
f = ui.filters()
days = disputes_rules.DEFAULT_OVERDUE_DAYS
try:
    b = _map.cached(disputes_svc.disputes_board, f.start, f.end, area=f.area, days=days)
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()
if b.empty:
    st.info(ui.tr("dsp.none"))
    st.stop()
days = int(st.columns([1, 3])[0].number_input(ui.tr("dsp.days"), min_value=1, max_value=365,
                                             value=days, step=5, key="dsp_days"))
b = _map.cached(disputes_svc.disputes_board, f.start, f.end, area=f.area, days=days)

st.subheader(ui.tr("dsp.board"))
st.caption(ui.tr("dsp.as_of", date=f.end))
rate = "—" if b.board["rate"] is None else f"{b.board['rate']:.2%}"
for col, key in zip(st.columns(6), ("discovered", "settled", "rate", "escalated", "open",
                                    "overdue"), strict=True):
    col.metric(ui.tr(f"dsp.{key}"), rate if key == "rate" else b.board[key], border=True)
st.markdown("**" + ui.tr("dsp.leads_board") + "**")
for col, key in zip(st.columns(4), ("received", "concluded", "verifying", "unfounded"),
                    strict=True):
    col.metric(ui.tr(f"dsp.{key}"), b.leads[key], border=True)
zh = ui.lang() != "en"
st.caption(ui.tr("dsp.sentences") + ("：" if zh else ": ")
           + ("；" if zh else "; ").join(disputes_rules.sentences(b.figures, ui.lang()))
           + ("。" if zh else "."))

st.subheader(ui.tr("dsp.map"))
layer = st.radio(ui.tr("dsp.layer"), ["points", "hot_disputes", "hot_leads"], horizontal=True,
                 key=ui.relabelled("dsp_layer"), format_func=_map.formatter(prefix="dsp.layer."))
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
if layer == "points":
    _disputes.draw_points(m, b)
else:
    hot = _map.cached(disputes_svc.hot_map, kind="disputes" if layer == "hot_disputes"
                      else "leads", start=f.start, end=f.end, res=f.res, area=f.area)
    if hot.count == 0 or hot.shown.empty:
        st.info(ui.tr("dsp.no_hot"))
    else:
        st.caption(ui.tr("dsp.hot_summary", n=hot.count, hot=hot.hot))
        _hotspots.draw_cells(m, hot, name=ui.tr(f"dsp.layer.{layer}"),
                             count_label=ui.tr("col.count"))
_map.cell_panel(_map.show_map(m, key="dsp_map"))

st.subheader(ui.tr("dsp.by_grid"))
_disputes.rate_tables(
    _map.cached(disputes_svc.grid_table, f.start, f.end, area=f.area), b.by_category,
    _map.cached(disputes_svc.grid_table, f.start, f.end, area=f.area, by_category=True,
                escalated_only=True))

st.subheader(ui.tr("dsp.overdue_list", days=days))
if b.overdue.empty:
    st.caption(ui.tr("dsp.no_overdue"))
else:
    _map.table(b.overdue, {"dispute_id": "col.id", "category": "col.category",
                           "status": "col.status", "reported_at": "col.reported_at",
                           "days_open": "col.days_unsettled", "mediator": "col.mediator",
                           "parties": "col.parties"},
               enums={"category": "dcat", "status": "dstatus"}, height=260)

st.subheader(ui.tr("dsp.places"))
_disputes.places_table(_map.cached(disputes_svc.repeated_places, f.start, f.end, area=f.area))
st.subheader(ui.tr("dsp.leads_list"))
_disputes.lead_tables(b)

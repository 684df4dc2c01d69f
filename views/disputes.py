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
b = _map.loaded(disputes_svc.disputes_board, f.start, f.end, area=f.area, days=days)
if b.empty:
    st.info(ui.tr("dsp.none"))
    st.stop()
days = int(
    st.columns([1, 3])[0].number_input(
        ui.tr("dsp.days"), min_value=1, max_value=365, value=days, step=5, key="dsp_days"
    )
)
b = _map.cached(disputes_svc.disputes_board, f.start, f.end, area=f.area, days=days)

st.subheader(ui.tr("dsp.board"))
st.caption(ui.tr("dsp.as_of", date=f.end))
rate = "—" if b.board["rate"] is None else f"{b.board['rate']:.2%}"
board = ("discovered", "settled", "rate", "escalated", "open", "overdue")
_map.metrics({k: rate if k == "rate" else b.board[k] for k in board}, "dsp.")
st.markdown("**" + ui.tr("dsp.leads_board") + "**")
_map.metrics({k: b.leads[k] for k in ("received", "concluded", "verifying", "unfounded")}, "dsp.")
zh = ui.lang() != "en"
st.caption(
    ui.tr("dsp.sentences")
    + ("：" if zh else ": ")
    + ("；" if zh else "; ").join(disputes_rules.sentences(b.figures, ui.lang()))
    + ("。" if zh else ".")
)

st.subheader(ui.tr("dsp.map"))
layer = st.radio(
    ui.tr("dsp.layer"),
    ["points", "hot_disputes", "hot_leads"],
    horizontal=True,
    key=ui.relabelled("dsp_layer"),
    format_func=_map.formatter(prefix="dsp.layer."),
)
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
if layer == "points":
    _disputes.draw_points(m, b)
else:
    kind = "disputes" if layer == "hot_disputes" else "leads"
    hot = _map.cached(
        disputes_svc.hot_map, kind=kind, start=f.start, end=f.end, res=f.res, area=f.area
    )
    if hot.count == 0 or hot.shown.empty:  # nothing at all, or nothing significant: say which
        st.info(ui.tr("dsp.no_hot" if hot.count == 0 else "dsp.none_significant", n=hot.count))
    else:
        st.caption(ui.tr("dsp.hot_summary", n=hot.count, hot=hot.hot))
        name = ui.tr(f"dsp.layer.{layer}")
        _hotspots.draw_cells(m, hot, name=name, count_label=ui.tr("col.count"))
_map.cell_panel(_map.show_map(m, key="dsp_map"), hint="pg.point_hint")

st.subheader(ui.tr("dsp.by_grid"))
_disputes.rate_tables(
    _map.cached(disputes_svc.grid_table, f.start, f.end, area=f.area),
    b.by_category,
    _map.cached(
        disputes_svc.grid_table, f.start, f.end, area=f.area, by_category=True, escalated_only=True
    ),
)

st.subheader(ui.tr("dsp.overdue_list", days=days))
cols = "dispute_id=id category status reported_at days_open=days_unsettled mediator parties"
enums = {"category": "dcat", "status": "dstatus"}
_map.table_or(b.overdue, _map.columns(cols), "dsp.no_overdue", enums=enums, height=260)

st.subheader(ui.tr("dsp.places"))
_disputes.places_table(_map.cached(disputes_svc.repeated_places, f.start, f.end, area=f.area))
st.subheader(ui.tr("dsp.leads_list"))
_disputes.lead_tables(b)

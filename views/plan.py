"""Patrol plan: tonight's routes for the units on duty over the largest gaps, exports for the
field, and the saved plans checked against what was driven. Logic in geo.services.plan."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo.domain.period import DEFAULT_NIGHT
from geo.services import plan as plan_svc
from views import _common as ui
from views import _map
from views._plan import cols, downloads, plan_form, routes_map, units_editor

ui.demo_banner()
st.title(ui.tr("page.plan"))
f = ui.filters()
engine = ui.engine()
scope = ui.scope()

# ---------------------------------------------------------------------------- make a plan
st.subheader(ui.tr("plan.make"))
c1, c2 = st.columns(2)
night = c1.date_input(ui.tr("plan.night"), value=dt.date.fromisoformat(f.end), key="plan_night")
window = c2.text_input(ui.tr("plan.window"), value=f.night or DEFAULT_NIGHT,
                       key="plan_window")
try:
    units_df = plan_svc.units_table(engine, scope, night=night.isoformat(), window=window,
                                     area=f.area)
except ValueError as err:
    st.warning(ui.tr("plan.failed", reason=str(err)))
    units_df = pd.DataFrame(columns=list(plan_svc.UNIT_COLUMNS))
st.caption(ui.tr("plan.units_help"))
edited = units_editor(units_df)
go, options = plan_form()
if go:
    try:
        with st.spinner(ui.tr("plan.solving")):
            made = plan_svc.make_from_rows(
                engine, scope, rows=edited, night=night.isoformat(), window=window,
                user=ui.user(), res=f.res, area=f.area, night_filter=f.night, **options)
        st.session_state["plan_doc"] = made
        st.success(ui.tr("plan.saved", plan_id=made["plan_id"]))
    except (ValueError, TypeError) as err:
        st.error(ui.tr("plan.failed", reason=ui.tr("plan.no_units_scope") if isinstance(
            err, plan_svc.NoUnitsError) else str(err)))

doc = st.session_state.get("plan_doc")
if doc:
    st.subheader(ui.tr("plan.result", plan_id=doc["plan_id"]))
    for w in doc.get("warnings", []):
        st.warning(ui.tr("plan.warnings", text=w))
    shown = plan_svc.plan_shown(doc)
    for col, (k, v) in zip(st.columns(4), shown.metrics.items(), strict=True):
        col.metric(ui.tr(f"plan.m.{k}"), v, border=True,
                   help=ui.tr("plan.m.cover_help") if k == "covered" else None)
    routes_map(doc, "plan_map")
    st.markdown("**" + ui.tr("plan.stops_of") + "**")
    kinds = shown.units["kind"].map(_map.formatter(prefix="plan.kind."))
    _map.table(shown.units.assign(kind=kinds),
               cols("unit_id=unit kind shift stops travel_min value"))
    if len(shown.stops):
        _map.table(shown.stops, cols("unit_id=unit seq arrive leave latest_arrive=latest landmark "
                                     "h3 value"), height=320)
    st.markdown("**" + ui.tr("plan.downloads") + "**")
    downloads(doc["plan_id"], plan_svc.plan_files(engine, doc, ui.lang()),
              int(shown.metrics["stops"]))

# ---------------------------------------------------------------------------- plan vs actual
st.divider()
st.subheader(ui.tr("plan.actual"))
labels = plan_svc.plan_choices(engine, scope)
if not labels:
    st.info(ui.tr("plan.none_saved"))
    st.stop()
pid = st.selectbox(ui.tr("plan.pick"), list(labels), format_func=labels.__getitem__,
                   key="plan_pick")
if pid is None:
    st.stop()
r = _map.cached(plan_svc.against_actual, pid, area=f.area)
st.caption(ui.tr("plan.actual_caption", pct=r.full_pct, brief=r.brief_s))
for col, (k, v) in zip(st.columns(4), r.metrics.items(), strict=True):
    col.metric(ui.tr(f"plan.m.{k}"), v if k in ("compliance", "visited") else
               ui.tr("plan.minutes", n=v), border=True)
routes_map(r.plan, "plan_actual_map", status=r.status, tracks=r.tracks)
if len(r.units):
    _map.table(r.units, cols("unit_id=unit stops full brief missed compliance "
                             "dwell_in_plan_min=in_plan_min dwell_outside_min=outside_min"))
if len(r.stops):
    _map.table(r.stops.assign(status=r.stops["status"].map(_map.formatter(prefix="plan.status."))),
               cols("unit_id=unit seq arrive landmark status dwell_min first_in h3"), height=320)

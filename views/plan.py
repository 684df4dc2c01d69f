"""Patrol plan: tonight's routes for the units on duty over the largest gaps and the places the
commander picks (on the map or by name, with time windows), exports for the field, and the saved
plans checked against what was driven. Logic in geo.services.plan and geo.services.plan_places."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo.domain.period import DEFAULT_NIGHT
from geo.services import live, plan_places
from geo.services import plan as plan_svc
from views import _common as ui
from views import _map, _plan

ui.demo_banner()
st.title(ui.tr("page.plan"))
f = ui.filters()
engine, scope = ui.engine(), ui.scope()

# ---------------------------------------------------------------------------- make a plan
st.subheader(ui.tr("plan.make"))
c1, c2 = st.columns(2)
tonight = dt.date.fromisoformat(live.tonight())  # the night under way or starting today
night = c1.date_input(ui.tr("plan.night"), value=tonight, key="plan_night")
window = c2.text_input(ui.tr("plan.window"), value=f.night or DEFAULT_NIGHT, key="plan_window")
day = night.isoformat()
try:
    units_df = plan_svc.units_table(engine, scope, night=day, window=window, area=f.area)
except ValueError as err:
    st.warning(ui.tr("plan.failed", reason=str(err)))
    units_df = pd.DataFrame(columns=list(plan_svc.UNIT_COLUMNS))
st.caption(ui.tr("plan.units_help"))
edited = _plan.units_editor(units_df, _map.cached(plan_svc.beat_choices, f.area), f"{day} {window}")
gap_start, gap_end = plan_svc.gap_window(day)
places = _map.cached(
    plan_places.pickable_places,
    start=gap_start,
    end=gap_end,
    res=f.res,
    area=f.area,
    night=f.night or DEFAULT_NIGHT,
)
picked = _plan.place_pickers(places, f.res, f.area)
go, options = _plan.plan_form()
if go:  # every press answers: the plan, or why there is none
    if picked.bad:
        st.error(ui.tr("plan.failed", reason=ui.tr("plan.window_bad", place=picked.bad[0])))
    else:
        try:
            with st.spinner(ui.tr("plan.solving")):
                made = plan_svc.make_from_rows(
                    engine,
                    scope,
                    rows=edited,
                    night=day,
                    window=window,
                    user=ui.user(),
                    res=f.res,
                    area=f.area,
                    night_filter=f.night,
                    must=picked.must,
                    avoid=picked.avoid,
                    must_windows=picked.windows,
                    names=picked.names,
                    points=picked.points,
                    **options,
                )
            st.session_state["plan_doc"] = made
            st.session_state["plan_pick"] = made["plan_id"]  # plan against actual follows it
            st.success(ui.tr("plan.saved", plan_id=made["plan_id"]))
        except plan_svc.NoUnitsError:
            st.error(ui.tr("plan.failed", reason=ui.tr("plan.no_units_scope")))
        except (ValueError, TypeError) as err:
            st.error(ui.tr("plan.failed", reason=str(err)))

doc = st.session_state.get("plan_doc")
if doc:
    st.subheader(ui.tr("plan.result", plan_id=doc["plan_id"]))
    for w in doc.get("warnings_en" if ui.lang() == "en" else "warnings_zh", doc["warnings"]):
        st.warning(ui.tr("plan.warnings", text=w))
    shown = plan_svc.plan_shown(doc)
    helps = {"covered": "plan.m.cover_help", "vs_greedy": "plan.m.vs_greedy_help"}
    _map.metrics(shown.metrics, "plan.m.", helps=helps)
    _plan.must_table(doc)
    _plan.routes_map(doc, "plan_map")
    st.markdown("**" + ui.tr("plan.stops_of") + "**")
    why = "why_none_en" if ui.lang() == "en" else "why_none_zh"
    units_shown = shown.units.assign(why_none=shown.units[why].fillna(""))
    spec = "unit_id=unit kind shift stops travel_min value why_none"
    _plan.table(units_shown, spec, "kind")
    spec = "unit_id=unit seq arrive leave latest_arrive=latest place value h3"
    _plan.table(shown.stops, spec, height=320)
    st.markdown("**" + ui.tr("plan.downloads") + "**")
    files = plan_svc.plan_files(engine, doc, ui.lang())
    _plan.downloads(doc["plan_id"], files, int(shown.metrics["stops"]))

# ---------------------------------------------------------------------------- plan vs actual
st.divider()
st.subheader(ui.tr("plan.actual"))
labels = plan_svc.plan_choices(engine, scope)
if not labels:
    st.info(ui.tr("plan.none_saved"))
    st.stop()
if st.session_state.get("plan_pick") not in labels:  # a plan of another area, or none yet
    shown_id = (doc or {}).get("plan_id")
    st.session_state["plan_pick"] = shown_id if shown_id in labels else next(iter(labels))
pid = st.selectbox(ui.tr("plan.pick"), [*labels], format_func=labels.__getitem__, key="plan_pick")
r = _map.cached(plan_svc.against_actual, str(pid), area=f.area)  # pid: one of the labels' ids
st.caption(ui.tr("plan.actual_caption", pct=r.full_pct, brief=r.brief_s))
minutes = {k: ui.tr("plan.minutes", n=r.metrics[k]) for k in ("in_plan", "outside")}
_map.metrics(r.metrics | minutes, "plan.m.")
_plan.routes_map(r.plan, "plan_actual_map", status=r.status, tracks=r.tracks)
spec = "unit_id=unit stops full brief missed compliance dwell_in_plan_min=in_plan_min"
_plan.table(r.units, spec + " dwell_outside_min=outside_min")
spec = "unit_id=unit seq arrive place status dwell_min first_in h3"
_plan.table(r.stops, spec, "status", height=320)

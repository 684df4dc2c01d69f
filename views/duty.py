"""Duty & readiness: the night's key-point visits, the 1-3-5 minute response circles with where to
stand tonight, the venue inspection schedule and the grid assessment. Logic in geo.services.duty
and geo.services.circles."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from geo.services import circles, duty
from views import _common as ui
from views import _map
from views._duty import circles_map, cols

ui.demo_banner()
st.title(ui.tr("page.duty"))
f = ui.filters()
night = st.date_input(ui.tr("duty.night"), value=dt.date.fromisoformat(f.end), key="duty_night")
try:
    d = _map.cached(duty.night_shown, night.isoformat(), window=f.night, area=f.area)
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()

# ---------------------------------------------------------------- key points of the night
st.subheader(ui.tr("duty.points"))
st.caption(ui.tr("duty.window", window=d["window"], start=d["start"].strftime("%m-%d %H:%M"),
                 end=d["end"].strftime("%m-%d %H:%M")) + " · " + ui.tr("duty.rules_note"))
s = d["summary"]
for col, key in zip(st.columns(4), ("required", "done", "late", "missed"), strict=True):
    col.metric(ui.tr(f"duty.m.{key}"), s[key], border=True)
st.caption(ui.tr("duty.dedup", gps=s["gps_visits"], checks=s["checks"], merged=s["merged"],
                 both=s["both"], window_min=d["dedup_min"]))
left, right = st.columns([3, 2])
with left:
    st.markdown("**" + ui.tr("duty.sites") + "**")
    _map.table(d["sites"], cols("name=col.name category=col.category required done late missed "
                                "first_visit status=duty_status"),
               enums={"category": "site", "status": "dstat"}, height=300, key="duty_sites")
with right:
    st.markdown("**" + ui.tr("duty.units") + "**")
    _map.table(d["units"], cols("unit_id=unit unit_kind=col.unit_kind visits done late"),
               enums={"unit_kind": "unit"}, height=300, key="duty_units")

# ---------------------------------------------------------------- response circles
st.subheader(ui.tr("duty.circles"))
a, b, k = st.columns([2, 1, 1])
at_time = a.slider(ui.tr("duty.at"), min_value=d["at_min"], max_value=d["at_max"],
                   value=d["at_default"], step=d["at_step"], format="MM-DD HH:mm", key="duty_at")
with_units = b.checkbox(ui.tr("duty.use_units"), value=True, key="duty_units_on")
kind = k.selectbox(ui.tr("duty.kind"), ["police_car", "e_bike", "foot"],
                   key=ui.relabelled("duty_kind"), format_func=_map.formatter(prefix="plan.kind."))
r = _map.cached(circles.response_circles, area=f.area, res=f.res, kind=kind,
                at=at_time.isoformat() if with_units else None)
for col, (key, value) in zip(st.columns(3), r["metrics"].items(), strict=True):
    col.metric(ui.tr(f"duty.m.{key}"), value, border=True)
circles_map(r, f.area)
if len(r["outside"]):
    st.markdown("**" + ui.tr("duty.outside") + "**")
    _map.table(r["outside"], cols("name=col.name category=col.category travel_min required_min"),
               enums={"category": "site"}, key="duty_outside")
else:
    st.caption(ui.tr("duty.all_inside"))

with st.form("duty_opt"):
    st.markdown("**" + ui.tr("duty.optimise") + "**")
    n = st.number_input(ui.tr("duty.n_units"), 1, 20, r["n_default"], key="duty_n")
    go = st.form_submit_button(ui.tr("duty.optimise_run"), key="duty_go")
if go:
    o = _map.cached(circles.readiness, area=f.area, res=f.res, kind=kind, optimise=int(n),
                    time_limit_s=5.0)["optimised"]
    st.success(ui.tr("duty.optimise_result", n=o["n"], posts=o["posts_covered"],
                     posts_sites=o["posts_sites_inside"], covered=o["covered"],
                     total=o["total"], sites=o["sites_inside"]))
    st.dataframe(o["points"][["id", "lat", "lng"]].rename(columns={"id": ui.tr("col.h3")}),
                 hide_index=True, key="duty_points")

# ---------------------------------------------------------------- venues and grids
st.subheader(ui.tr("duty.schedule"))
sched, tot = _map.cached(duty.month_schedule, night.isoformat(), window=f.night, area=f.area)
st.caption(ui.tr("duty.schedule_sum", **tot))
_map.table(sched, cols("name=col.name category=col.category grade required due done overdue "
                       "next_due status=duty_status"),
           enums={"category": "venue", "status": "vsched"}, height=260, key="duty_sched")
st.subheader(ui.tr("duty.grid"))
_map.table(_map.cached(duty.grid_percent, f.start, f.end, window=f.night),
           cols("name=col.name owner checkin_rate hazard_rate inspection_rate dispute_rate score"),
           key="duty_grid")

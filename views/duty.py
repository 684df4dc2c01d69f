"""Duty & readiness: the night's key-point visits, 1-3-5 minute response circles and where to stand
tonight, the venue inspection schedule, the grid assessment. Logic: geo.services.duty, .circles."""

from __future__ import annotations

import streamlit as st

from geo.services import circles, duty
from views import _common as ui
from views import _duty, _map

ui.demo_banner()
st.title(ui.tr("page.duty"))
f = ui.filters()
night = st.date_input(ui.tr("duty.night"), key=ui.follows_period("duty_night", f.end))
d = _map.loaded(duty.night_shown, night.isoformat(), window=f.night, area=f.area)

# ---------------------------------------------------------------- key points of the night
st.subheader(ui.tr("duty.points"))
span = {k: d[k].strftime("%m-%d %H:%M") for k in ("start", "end")}
st.caption(ui.tr("duty.window", window=d["window"], **span) + " · " + ui.tr("duty.rules_note"))
s = d["summary"]
_map.metrics({k: s[k] for k in ("required", "done", "late", "missed")}, "duty.m.")
dedup = {"gps": s["gps_visits"], "checks": s["checks"], "merged": s["merged"], "both": s["both"]}
st.caption(ui.tr("duty.dedup", window_min=d["dedup_min"], **dedup))
specs = {  # side by side
    "sites": "col.name col.category required done late missed first_visit status=duty_status",
    "units": "unit_name=unit col.unit_kind visits done late",
}
enums = {"category": "site", "status": "dstat", "unit_kind": "unit"}
for col, (what, spec) in zip(st.columns([3, 2]), specs.items(), strict=True):
    with col:
        st.markdown("**" + ui.tr(f"duty.{what}") + "**")
        _map.table(d[what], _duty.cols(spec), enums=enums, height=300, key=f"duty_{what}")

# ---------------------------------------------------------------- response circles
st.subheader(ui.tr("duty.circles"))
a, b, k = st.columns([2, 1, 1])
at_time = a.slider(
    ui.tr("duty.at"),
    min_value=d["at_min"],
    max_value=d["at_max"],
    value=d["at_default"],
    step=d["at_step"],
    format="MM-DD HH:mm",
    key="duty_at",
)
with_units = b.checkbox(ui.tr("duty.use_units"), value=True, key="duty_units_on")
kind = k.selectbox(
    ui.tr("duty.kind"),
    ["police_car", "e_bike", "foot"],
    key=ui.relabelled("duty_kind"),
    format_func=_map.formatter("unit"),
)
at = at_time.isoformat() if with_units else None
r = _map.cached(circles.response_circles, area=f.area, res=f.res, kind=kind, at=at)
_map.metrics(r["metrics"], "duty.m.")
_duty.circles_map(r, f.area)
if len(r["outside"]):
    st.markdown("**" + ui.tr("duty.outside") + "**")
spec = "col.name col.category travel_min required_min"
_map.table_or(r["outside"], _duty.cols(spec), "duty.all_inside", enums=enums, key="duty_outside")

with st.form("duty_opt"):
    st.markdown("**" + ui.tr("duty.optimise") + "**")
    top = max(20, r["n_default"])  # a district has more posts than a station
    n = st.number_input(ui.tr("duty.n_units"), 1, top, r["n_default"], key="duty_n")
    go = st.form_submit_button(ui.tr("duty.optimise_run"), key="duty_go")
if go:
    o = _map.cached(
        circles.readiness, area=f.area, res=f.res, kind=kind, optimise=int(n), time_limit_s=5.0
    )["optimised"]
    got = {"n": o["n"], "posts": o["posts_covered"], "posts_sites": o["posts_sites_inside"]}
    got |= {"covered": o["covered"], "total": o["total"], "sites": o["sites_inside"]}
    st.success(ui.tr("duty.optimise_result", **got))
    heads = {"place": "col.named_place", "lat": "data.lat", "lng": "data.lng"}
    _map.table(o["points"], heads | {"cell_id": "col.cell_id"}, key="duty_points")

# ---------------------------------------------------------------- venues and grids
st.subheader(ui.tr("duty.schedule"), help=ui.tr("help.overdue_venue"))
sched, tot = _map.cached(duty.month_schedule, night.isoformat(), area=f.area)
sched = _map.never_inspected(sched, due="next_due")  # due now, and says so
st.caption(ui.tr("duty.schedule_sum", **tot))
spec = "col.name col.category grade required done next_due col.overdue_days status=duty_status"
enums = {"category": "venue", "status": "vsched"}
_map.table(sched, _duty.cols(spec), enums=enums, height=260, key="duty_sched")
st.subheader(ui.tr("duty.grid"))
grid = _map.cached(duty.grid_percent, f.start, f.end, window=f.night, area=f.area)
spec = "col.name owner checkin_rate hazard_rate inspection_rate dispute_rate score"
_map.table(grid, _duty.cols(spec), key="duty_grid")

"""Duty & readiness: the night's key-point visits, the 1-3-5 minute response circles with where to
stand tonight, the venue inspection schedule and the grid assessment. Logic in geo.duty and
geo.circles."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo import circles, duty, planning
from views import _common as ui
from views import _map

ui.demo_banner()
st.title(ui.tr("page.duty"))
f = ui.filters()
night = st.date_input(ui.tr("duty.night"), value=dt.date.fromisoformat(f.end), key="duty_night")
try:
    d = _map.cached(duty.night_duty, night.isoformat(), window=f.night, area=f.area)
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()

# ---------------------------------------------------------------- key points of the night
st.subheader(ui.tr("duty.points"))
st.caption(ui.tr("duty.window", window=d["window"], start=d["start"].strftime("%m-%d %H:%M"),
                 end=d["end"].strftime("%m-%d %H:%M")) + " · " + ui.tr("duty.rules_note"))
s = d["summary"]
c = st.columns(4)
for col, key in zip(c, ("required", "done", "late", "missed"), strict=True):
    col.metric(ui.tr(f"duty.m.{key}"), s[key], border=True)
st.caption(ui.tr("duty.dedup", gps=s["gps_visits"], checks=s["checks"], merged=s["merged"],
                 both=s["both"], window_min=duty.DEDUP_WINDOW_S // 60))
left, right = st.columns([3, 2])
with left:
    st.markdown("**" + ui.tr("duty.sites") + "**")
    _map.table(d["sites"].loc[d["sites"]["required"] > 0],
               {"name": "col.name", "category": "col.category", "required": "duty.col.required",
                "done": "duty.col.done", "late": "duty.col.late", "missed": "duty.col.missed",
                "first_visit": "duty.col.first_visit", "status": "duty.col.duty_status"},
               enums={"category": "site", "status": "dstat"}, height=300, key="duty_sites")
with right:
    st.markdown("**" + ui.tr("duty.units") + "**")
    _map.table(d["units"], {"unit_id": "duty.col.unit", "unit_kind": "col.unit_kind",
                            "visits": "duty.col.visits", "done": "duty.col.done",
                            "late": "duty.col.late"}, enums={"unit_kind": "unit"},
               height=300, key="duty_units")

# ---------------------------------------------------------------- response circles
st.subheader(ui.tr("duty.circles"))
w0 = d["start"]
a, b, k = st.columns([2, 1, 1])
at_time = a.slider(ui.tr("duty.at"), min_value=w0.to_pydatetime().replace(tzinfo=None),
                   max_value=d["end"].to_pydatetime().replace(tzinfo=None),
                   value=(w0 + pd.Timedelta(minutes=90)).to_pydatetime().replace(tzinfo=None),
                   step=dt.timedelta(minutes=15), format="MM-DD HH:mm", key="duty_at")
with_units = b.checkbox(ui.tr("duty.use_units"), value=True, key="duty_units_on")
kind = k.selectbox(ui.tr("duty.kind"), ["police_car", "e_bike", "foot"],
                   key=ui.relabelled("duty_kind"), format_func=_map.formatter(prefix="plan.kind."))
r = _map.cached(circles.readiness, area=f.area, res=f.res, kind=kind,
                at=pd.Timestamp(at_time).isoformat() if with_units else None)
cs = r["summary"]
m1, m2, m3 = st.columns(3)
m1.metric(ui.tr("duty.m.sites_inside"), f"{cs['sites_inside']}/{cs['sites']}", border=True)
m2.metric(ui.tr("duty.m.risk_inside"), f"{cs['high_risk_inside']}/{cs['high_risk_cells']}",
          border=True)
m3.metric(ui.tr("duty.m.sources"), f"{cs['sources']['post']} / {cs['sources']['unit']}",
          border=True)

from layers.cells import cells_layer  # noqa: E402
from layers.points import points_layer  # noqa: E402

cells = r["cells"].assign(tier_v=r["cells"]["tier"].fillna(99.0))
tiers = list(cs["tiers"])
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
cells_layer(cells, value="tier_v", name=ui.tr("duty.circles"), drop_zero=True,
            palette=[*["#1a9850", "#91cf60", "#fee08b", "#d73027"][:len(tiers)], "#d73027"],
            bins=[0, *[t + 0.01 for t in tiers], 100],
            labels=[ui.tr("duty.tier", m=f"{t:g}") for t in tiers] + [ui.tr("duty.beyond")],
            legend_title=ui.tr("duty.circles"), shift_gcj02=_map.shift_gcj02(),
            tooltip=[("travel_min", ui.tr("duty.col.travel_min")),
                     ("required_min", ui.tr("duty.col.required_min"))]).add_to(m)
sites = r["sites"].assign(state=r["sites"]["inside"].map({True: "in", False: "out"}))
points_layer(sites, name=ui.tr("cell.sites"), color_by="state", cluster=False,
             colors={"in": "#2166ac", "out": "#b2182b"},
             color_labels={"in": ui.tr("duty.inside"), "out": ui.tr("duty.outside")},
             popup=[("name", ui.tr("col.name")), ("travel_min", ui.tr("duty.col.travel_min")),
                    ("required_min", ui.tr("duty.col.required_min"))],
             shift_gcj02=_map.shift_gcj02()).add_to(m)
points_layer(r["sources"], name=ui.tr("duty.m.sources"), color="#000000", cluster=False,
             radius=8, popup=[("id", "ID")], shift_gcj02=_map.shift_gcj02()).add_to(m)
_map.show_map(m, key="duty_map", height=520)
outside = r["sites"].loc[~r["sites"]["inside"]]
if len(outside):
    st.markdown("**" + ui.tr("duty.outside") + "**")
    _map.table(outside, {"name": "col.name", "category": "col.category",
                         "travel_min": "duty.col.travel_min",
                         "required_min": "duty.col.required_min"}, enums={"category": "site"},
               key="duty_outside")
else:
    st.caption(ui.tr("duty.all_inside"))

with st.form("duty_opt"):
    st.markdown("**" + ui.tr("duty.optimise") + "**")
    n = st.number_input(ui.tr("duty.n_units"), 1, 20, max(cs["sources"]["post"], 1),
                        key="duty_n")
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
month0 = night.replace(day=1)
month1 = (month0 + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
st.subheader(ui.tr("duty.schedule"))
sched, tot = _map.cached(duty.venue_schedule_for, month0.isoformat(), month1.isoformat(),
                         area=f.area, at=planning.window_bounds(night.isoformat(), f.night)[1])
st.caption(ui.tr("duty.schedule_sum", **tot))
_map.table(sched, {"name": "col.name", "category": "col.category", "grade": "duty.col.grade",
                   "required": "duty.col.required", "due": "duty.col.due",
                   "done": "duty.col.done", "overdue": "duty.col.overdue",
                   "next_due": "duty.col.next_due", "status": "duty.col.duty_status"},
           enums={"category": "venue", "status": "vsched"}, height=260, key="duty_sched")

st.subheader(ui.tr("duty.grid"))
grid = _map.cached(duty.grid_assessment, f.start, f.end, window=f.night)
shown = grid.assign(**{c: (grid[c] * 100).round(1) for c in
                       ("checkin_rate", "hazard_rate", "inspection_rate", "dispute_rate",
                        "score")})
_map.table(shown, {"name": "col.name", "owner": "duty.col.owner",
                   "checkin_rate": "duty.col.checkin_rate", "hazard_rate": "duty.col.hazard_rate",
                   "inspection_rate": "duty.col.inspection_rate",
                   "dispute_rate": "duty.col.dispute_rate", "score": "duty.col.score"},
           key="duty_grid")

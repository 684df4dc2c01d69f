"""Patrol plan: tonight's routes for the units on duty over the largest gaps, exports for the
field, and the saved plans checked against what was driven."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from geo import analysis, hexes, overview, plan_export, planning, routing
from geo.demo import is_demo
from views import _common as ui
from views import _map

ui.demo_banner()
st.title(ui.tr("page.plan"))
f = ui.filters()
engine = ui.engine()
scope = ui.scope()


def _cells(text: str) -> list[str]:
    return [c.strip() for c in text.replace("，", ",").replace(" ", ",").split(",") if c.strip()]


def _units_table(night: str, window: str) -> pd.DataFrame:
    units = planning.units_on_duty(engine, scope, night=night, window=window, area=f.area)
    return pd.DataFrame([{"on": True, "unit_id": u.unit_id, "name": u.name, "kind": u.kind,
                          "start_h": round(u.start_h, 2),
                          "shift_h": None if u.shift_h is None else round(u.shift_h, 2),
                          "lat": round(u.lat, 6), "lng": round(u.lng, 6)} for u in units])


# ---------------------------------------------------------------------------- make a plan
st.subheader(ui.tr("plan.make"))
c1, c2 = st.columns(2)
night = c1.date_input(ui.tr("plan.night"), value=dt.date.fromisoformat(f.end), key="plan_night")
window = c2.text_input(ui.tr("plan.window"), value=f.night if f.night else "20:00-06:00",
                       key="plan_window")
try:
    units_df = _units_table(night.isoformat(), window)
except ValueError as err:
    st.warning(ui.tr("plan.failed", reason=str(err)))
    units_df = pd.DataFrame(columns=["on", "unit_id", "name", "kind", "start_h", "shift_h", "lat",
                                     "lng"])
st.caption(ui.tr("plan.units_help"))
edited = st.data_editor(
    units_df, key="plan_units", num_rows="dynamic", hide_index=True, width="stretch",
    column_config={
        "on": st.column_config.CheckboxColumn(ui.tr("plan.units"), default=True),
        "unit_id": st.column_config.TextColumn(ui.tr("plan.col.unit"), required=True),
        "name": st.column_config.TextColumn(ui.tr("col.name")),
        "kind": st.column_config.SelectboxColumn(ui.tr("plan.col.kind"),
                                                 options=list(routing.PLAN_KINDS),
                                                 required=True, default="police_car"),
        "start_h": st.column_config.NumberColumn("+h", min_value=0.0, max_value=24.0,
                                                 step=0.25, default=0.0),
        "shift_h": st.column_config.NumberColumn(ui.tr("plan.col.shift") + " (h)",
                                                 min_value=0.5, max_value=24.0, step=0.5),
        "lat": st.column_config.NumberColumn("lat", format="%.6f", required=True),
        "lng": st.column_config.NumberColumn("lng", format="%.6f", required=True),
    })
with st.form("plan_form"):
    a, b, c, d = st.columns(4)
    dwell = a.slider(ui.tr("plan.dwell"), 5, 30, 15, key="plan_dwell")
    n_cand = b.number_input(ui.tr("plan.candidates"), 10, 600, 150, step=10, key="plan_cands")
    value_labels = {v: ui.tr(f"plan.value.{v}") for v in ("gap", "risk")}  # bound now
    value = c.radio(ui.tr("plan.value"), list(value_labels), key=ui.relabelled("plan_value"),
                    format_func=value_labels.get)
    limit = d.slider(ui.tr("plan.time_limit"), 1, 30, 9, key="plan_limit")
    must = st.text_input(ui.tr("plan.must"), key="plan_must")
    avoid = st.text_input(ui.tr("plan.avoid"), key="plan_avoid")
    e1, e2, e3 = st.columns([1, 1, 2])
    randomise = e1.checkbox(ui.tr("plan.randomise"), key="plan_random")
    seed = e2.number_input(ui.tr("plan.seed"), 0, 10**6, 1, key="plan_seed")
    network = e3.text_input(ui.tr("plan.network"), key="plan_network")
    go = st.form_submit_button(ui.tr("plan.run"), type="primary", key="plan_go")

if go:
    rows = edited.loc[edited["on"].fillna(False).astype(bool)] if len(edited) else edited
    try:
        units = [planning.Unit(str(r.unit_id), str(r.kind), float(r.lat), float(r.lng),
                               shift_h=None if pd.isna(r.shift_h) else float(r.shift_h),
                               start_h=0.0 if pd.isna(r.start_h) else float(r.start_h),
                               name="" if pd.isna(r.name) else str(r.name))
                 for r in rows.itertuples(index=False)]
        if not units:
            raise ValueError(ui.tr("plan.no_units_scope"))
        d0 = night - dt.timedelta(days=28)
        gaps = _map.cached(analysis.risk_cells, start=d0.isoformat(),
                           end=(night - dt.timedelta(days=1)).isoformat(), res=f.res,
                           area=f.area, night=f.night)
        with st.spinner(ui.tr("plan.solving")):
            made = planning.make_plan(
                engine, scope, night=night.isoformat(), window=window, units=units,
                dwell_min=dwell, n_candidates=int(n_cand), must=_cells(must),
                avoid=_cells(avoid), res=f.res, area=f.area, value=value,
                seed=int(seed) if randomise else None, time_limit_s=float(limit),
                network=network.strip() or None, gaps=gaps)
        planning.save_plan(engine, made, user=ui.user(), scope=scope)
        ui.audit("plan", made["plan_id"], rows=sum(len(u["stops"]) for u in made["units"]),
                 night=made["date"], area=f.area, units=len(made["units"]))
        st.session_state["plan_doc"] = made
        st.success(ui.tr("plan.saved", plan_id=made["plan_id"]))
    except (ValueError, TypeError) as err:
        st.error(ui.tr("plan.failed", reason=str(err)))

doc = st.session_state.get("plan_doc")
tip_labels = {"unit": ui.tr("plan.tip.unit"), "start": ui.tr("plan.tip.start"),
              "arrive": ui.tr("plan.col.arrive"), "leave": ui.tr("plan.col.leave"),
              "landmark": ui.tr("plan.col.landmark"), "full": ui.tr("plan.status.full"),
              "brief": ui.tr("plan.status.brief"), "missed": ui.tr("plan.status.missed")}


def _routes_map(plan: dict, key: str, status: dict | None = None,
                tracks: pd.DataFrame | None = None) -> None:
    from layers.routes import routes_layer

    m = _map.base_map(f.area)
    _map.add_areas(m, f.area)
    if tracks is not None and len(tracks):
        from layers.tracks import tracks_layer

        tracks_layer(tracks, name=ui.tr("plan.layer.tracks"), breaks=False,
                     shift_gcj02=_map.shift_gcj02()).add_to(m)
    if plan.get("cells"):
        from layers.cells import cells_layer

        cand = pd.DataFrame(plan["cells"])
        cand["cell"] = hexes.str_to_cells(cand["h3"])
        cells_layer(cand[["cell", "value"]], value="value", name=ui.tr("plan.layer.candidates"),
                    palette="gap", legend_title=ui.tr("plan.layer.candidates"),
                    shift_gcj02=_map.shift_gcj02(),
                    tooltip=[("value", ui.tr("plan.col.value"))]).add_to(m)
    routes_layer(plan, name=ui.tr("plan.layer.routes"), labels=tip_labels, status=status,
                 shift_gcj02=_map.shift_gcj02()).add_to(m)
    _map.show_map(m, key=key)


if doc:
    st.subheader(ui.tr("plan.result", plan_id=doc["plan_id"]))
    for w in doc.get("warnings", []):
        st.warning(ui.tr("plan.warnings", text=w))
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(ui.tr("plan.m.units"), len(doc["units"]), border=True)
    m2.metric(ui.tr("plan.m.stops"), sum(len(u["stops"]) for u in doc["units"]), border=True)
    share = doc["risk_covered"] / doc["risk_total"] if doc["risk_total"] else 0.0
    m3.metric(ui.tr("plan.m.covered"), f"{share:.0%}", help=ui.tr("plan.m.cover_help"),
              border=True)
    gain = doc["risk_covered"] / doc["greedy_covered"] - 1 if doc["greedy_covered"] else 0.0
    m4.metric(ui.tr("plan.m.vs_greedy"), f"{gain:+.0%}", border=True)
    _routes_map(doc, "plan_map")
    st.markdown("**" + ui.tr("plan.stops_of") + "**")
    summary = pd.DataFrame([{"unit_id": u["unit_id"], "kind": ui.tr(f"plan.kind.{u['kind']}"),
                             "shift": f"{u['shift'][0][11:16]}–{u['shift'][1][11:16]}",
                             "stops": len(u["stops"]), "travel_min": round(u["travel_s"] / 60),
                             "value": u["value"]} for u in doc["units"]])
    _map.table(summary, {"unit_id": "plan.col.unit", "kind": "plan.col.kind",
                         "shift": "plan.col.shift", "stops": "plan.col.stops",
                         "travel_min": "plan.col.travel_min", "value": "plan.col.value"})
    stops = plan_export.stops_frame(doc)
    if len(stops):
        stops = stops.assign(arrive=stops["arrive"].str[11:16], leave=stops["leave"].str[11:16],
                             latest_arrive=stops["latest_arrive"].str[11:16])
        _map.table(stops, {"unit_id": "plan.col.unit", "seq": "plan.col.seq",
                           "arrive": "plan.col.arrive", "leave": "plan.col.leave",
                           "latest_arrive": "plan.col.latest", "landmark": "plan.col.landmark",
                           "h3": "plan.col.h3", "value": "plan.col.value"}, height=320)
    st.markdown("**" + ui.tr("plan.downloads") + "**")
    demo = is_demo(engine)
    lang = ui.lang()
    sheet: dict[str, Any] = doc  # the plan shown (narrowed for the makers below)
    makers: dict[str, tuple[Callable[[], str | bytes], str, str]] = {
        "PDF": (lambda: plan_export.to_pdf(sheet, lang, demo=demo), "application/pdf", "pdf"),
        "HTML": (lambda: plan_export.to_html(sheet, lang, demo=demo), "text/html", "html"),
        "GPX": (lambda: plan_export.to_gpx(sheet), "application/gpx+xml", "gpx"),
        "KML": (lambda: plan_export.to_kml(sheet), "application/vnd.google-earth.kml+xml",
                "kml"),
        "CSV": (lambda: "\ufeff" + plan_export.to_csv(sheet), "text/csv", "csv"),
        "JSON": (lambda: plan_export.to_json(sheet), "application/json", "json")}
    cols = st.columns(len(makers))
    for col, (label, (make, mime, ext)) in zip(cols, makers.items(), strict=True):
        # the file is made when its button is pressed, not on every rerun (PDF + HTML: ~1 s)
        col.download_button(ui.tr("plan.download", fmt=label), data=make, mime=mime,
                            file_name=f"{doc['plan_id']}.{ext}", key=f"plan_dl_{ext}",
                            on_click=ui.audit, args=("export", f"{doc['plan_id']}.{ext}"),
                            kwargs={"kind": "plan", "format": ext,
                                    "rows": sum(len(u["stops"]) for u in doc["units"])})

# ---------------------------------------------------------------------------- plan vs actual
st.divider()
st.subheader(ui.tr("plan.actual"))
saved = planning.list_plans(engine, scope)
if saved.empty:
    st.info(ui.tr("plan.none_saved"))
    st.stop()
labels = {r.plan_id: f"{r.plan_id} · {r.night} · {r.area}" for r in saved.itertuples()}
pid = st.selectbox(ui.tr("plan.pick"), list(labels), format_func=labels.__getitem__,
                   key="plan_pick")
if pid is None:
    st.stop()
plan = planning.load_plan(engine, pid, scope)
result = _map.cached(planning.actual, plan)
st.caption(ui.tr("plan.actual_caption", pct=f"{result['full_ratio']:.0%}".rstrip("%"),
                 brief=int(result["brief_s"])))
o = result["overall"]
k1, k2, k3, k4 = st.columns(4)
k1.metric(ui.tr("plan.m.compliance"), "—" if o["compliance"] is None else f"{o['compliance']:.0%}",
          border=True)
k2.metric(ui.tr("plan.m.visited"), "—" if o["visited"] is None else f"{o['visited']:.0%}",
          border=True)
k3.metric(ui.tr("plan.m.in_plan"), ui.tr("plan.minutes", n=f"{o['dwell_in_plan_min']:.0f}"),
          border=True)
k4.metric(ui.tr("plan.m.outside"), ui.tr("plan.minutes", n=f"{o['dwell_outside_min']:.0f}"),
          border=True)
status = {(s["unit_id"], int(s["seq"])): s["status"] for s in result["stops"]}
shifts = overview.shifts_of_night(engine, scope, plan["date"], area=f.area)
mine = shifts.loc[shifts["unit_id"].isin([u["unit_id"] for u in plan["units"]])]
tracks = _map.cached(overview.night_tracks, mine["shift_id"].tolist())
_routes_map(plan, "plan_actual_map", status=status, tracks=tracks)
per_unit = pd.DataFrame(result["units"])
if len(per_unit):
    per_unit["compliance"] = per_unit["compliance"].map(
        lambda v: "—" if v is None or pd.isna(v) else f"{v:.0%}")
    _map.table(per_unit, {"unit_id": "plan.col.unit", "stops": "plan.col.stops",
                          "full": "plan.col.full", "brief": "plan.col.brief",
                          "missed": "plan.col.missed", "compliance": "plan.col.compliance",
                          "dwell_in_plan_min": "plan.col.in_plan_min",
                          "dwell_outside_min": "plan.col.outside_min"})
stop_rows = pd.DataFrame(result["stops"])
if len(stop_rows):
    stop_rows = stop_rows.assign(
        status=stop_rows["status"].map(lambda s: ui.tr(f"plan.status.{s}")),
        arrive=stop_rows["arrive"].str[11:16], dwell_min=(stop_rows["dwell_s"] / 60).round(1),
        first_in=stop_rows["first_in"].map(lambda v: v[11:16] if isinstance(v, str) else "—"))
    _map.table(stop_rows, {"unit_id": "plan.col.unit", "seq": "plan.col.seq",
                           "arrive": "plan.col.arrive", "landmark": "plan.col.landmark",
                           "status": "plan.col.status", "dwell_min": "plan.col.dwell_min",
                           "first_in": "plan.col.first_in", "h3": "plan.col.h3"}, height=320)

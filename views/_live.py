"""Drawing pieces of the Live page: the part that refreshes itself (a fragment: the map, the units,
the live alerts, the nearest units to a call), the call's coordinates form, and the words of ages,
times and states. No logic: positions, tracks, plan progress from geo.services.live, alerts and
the nearest units from geo.services.live_alerts.

The call's place lives in ``st.session_state["live_call"]``, outside the fragment: a click on the
map (inside the fragment) or the form (outside it) sets it, and each refresh of the fragment reads
it, so neither a refresh nor a rerun of the page loses it. The map keeps its view between
refreshes: the base map (tiles, outlines, legend) does not change, and the live layers reach it
through ``st_folium(feature_group_to_add=...)``, which swaps them in place.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely
import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit_folium import st_folium

from geo.config import get_settings
from geo.domain import coords
from geo.escape import neutralise_formulas
from geo.services import areas, live, live_alerts
from layers.basemap import DEFAULT_CENTER
from layers.live import FRESH_S, live_layers, live_legend
from views import _common as ui
from views import _map

__all__ = ["age_words", "call_form", "clock", "in_area", "live_panel", "refresh_s"]

CALL = "live_call"  # session state: the call's place {lat, lng, crs, how}, typed or clicked
CLICK = "live_click"  # session state: the last map click acted on (the map returns it again)
CRS = ("wgs84", "gcj02", "bd09")


def refresh_s() -> float:
    """Seconds between two refreshes of the live part (``QY_LIVE_REFRESH_S``, default 5, >= 1)."""
    return get_settings().live_refresh_s


def _now() -> pd.Timestamp:
    """Now, to the refresh step (UTC): the cached service calls of one step are shared by every
    user of the same role and areas."""
    step = max(int(refresh_s()), 1)
    return pd.Timestamp.now(tz="UTC").floor(f"{step}s")


def _local(ts: Any) -> pd.Timestamp | None:
    if ts is None or (pd.api.types.is_scalar(ts) and pd.isna(ts)):
        return None
    ts = pd.Timestamp(ts)
    tz = get_settings().tz
    return ts.tz_localize(tz) if ts.tzinfo is None else ts.tz_convert(tz)


def clock(ts: Any, shape: str = "%H:%M") -> str:
    """A time as local hours and minutes (``shape``), or a dash."""
    local = _local(ts)
    return "—" if local is None else local.strftime(shape)


def age_words(age_s: Any) -> str:
    """How long ago a fix was, in words: seconds under a minute, minutes under an hour."""
    if age_s is None or pd.isna(age_s):
        return "—"
    s = max(round(float(age_s)), 0)
    if s < 60:
        return ui.tr("lv.age.s", n=s)
    if s < 3600:
        return ui.tr("lv.age.min", n=s // 60)
    return ui.tr("lv.age.h", h=s // 3600, m=(s % 3600) // 60)


def _number(value: Any, digits: int = 0) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):.{digits}f}"


# --------------------------------------------------------------------------------------------
# Tables in words


def units_shown(pos: pd.DataFrame, prog: pd.DataFrame) -> pd.DataFrame:
    """One row per unit in the user's words: kind, age, state, speed, place, plan progress."""
    plan_cols = ["stops_total", "stops_done", "next_seq", "next_stop", "next_lat", "next_lng"]
    plan_cols += ["eta", "late"]
    if len(prog):
        keep = ["unit_id", *[c for c in [*plan_cols, "next_stop_en"] if c in prog]]
        t = pos.merge(prog[keep], on="unit_id", how="left")
    else:
        t = pos.assign(**dict.fromkeys(plan_cols))
    planned = t["stops_total"].notna()

    def stops(row: pd.Series) -> str:
        if pd.isna(row["stops_total"]):
            return ui.tr("lv.no_plan")
        return f"{int(row['stops_done'])}/{int(row['stops_total'])}"

    def late(row: pd.Series) -> str:
        if pd.isna(row["stops_total"]) or row["late"] is None or pd.isna(row["late"]):
            return "—"
        return ui.tr("lv.late.yes" if bool(row["late"]) else "lv.late.no")

    out = t.assign(
        kind_shown=[_map.label("unit", k) for k in t["kind"]],
        age=[age_words(a) for a in t["age_s"]],
        status=[ui.tr("lv.status.silent" if s else "lv.status.live") for s in t["silent"]],
        speed_shown=[_number(v) for v in t["speed"]],
        stops=[stops(r) for _i, r in t.iterrows()] if len(t) else [],
        eta_shown=[clock(v) for v in t["eta"]],
        late_shown=[late(r) for _i, r in t.iterrows()] if len(t) else [],
        next_stop=t["next_stop"].where(planned & t["next_stop"].notna(), "—"),
    )
    if "next_stop_en" in out:
        out["next_stop_en"] = out["next_stop_en"].where(out["next_stop_en"].notna(), "—")
    # the silent first (they need someone's attention), then by name
    return out.sort_values(["silent", "name"], ascending=[False, True], kind="stable")


UNIT_COLUMNS = {
    "name": "lv.col.name",
    "kind_shown": "lv.col.kind",
    "age": "lv.col.age",
    "status": "lv.col.status",
    "speed_shown": "lv.col.speed",
    "place": "lv.col.place",
    "stops": "lv.col.stops",
    "next_stop": "lv.col.next_stop",
    "eta_shown": "lv.col.eta",
    "late_shown": "lv.col.late",
}


def alerts_shown(alerts: pd.DataFrame) -> pd.DataFrame:
    """The live alerts in the user's words: the kind by its label, the detail worded
    (:func:`geo.services.live_alerts.worded`), since as local time."""
    return live_alerts.worded(alerts, ui.lang()).assign(
        since_shown=[clock(v) for v in alerts["since"]],
        minutes_shown=[_number(v) for v in alerts["minutes"]],
    )


ALERT_COLUMNS = {
    "alert_name": "lv.acol.alert",
    "unit_name": "lv.acol.unit",
    "since_shown": "lv.acol.since",
    "minutes_shown": "lv.acol.minutes",
    "where": "lv.acol.place",
    "text": "lv.acol.detail",
}


def tier_words(tier: Any) -> str:
    """A 1-3-5 response tier in words ("1分钟圈"), or beyond them."""
    if tier is None or pd.isna(tier):
        return ui.tr("lv.tier_beyond")
    return ui.tr("lv.tier", m=int(tier))


def nearest_shown(near: pd.DataFrame) -> pd.DataFrame:
    """The ranked units in the user's words."""
    return near.assign(
        kind_shown=[_map.label("unit", k) for k in near["kind"]],
        travel=[_number(v, 1) for v in near["travel_min"]],
        tier_shown=[tier_words(v) for v in near["tier"]],
        distance=[_number(v) for v in near["distance_m"]],
        age=[age_words(a) for a in near["age_s"]],
    )


NEAREST_COLUMNS = {
    "name": "lv.col.name",
    "kind_shown": "lv.col.kind",
    "travel": "lv.ncol.travel_min",
    "tier_shown": "lv.ncol.tier",
    "distance": "lv.ncol.distance_m",
    "age": "lv.col.age",
    "place": "lv.col.place",
}


# columns whose text is long (names, places, details): their widths in pixels, not cut
_WIDE = {"name": 110, "unit_name": 110, "place": 250, "where": 250, "text": 290, "next_stop": 130}


def _table(frame: pd.DataFrame, columns: dict[str, str], none: str = "", *, key: str) -> None:
    """``frame``'s ``columns`` (already in words) under translated headers, the long ones wide
    (:func:`views._map.table` sizes CJK text too narrow here, cutting names); the caption
    ``none`` (a string key) when there is no row."""
    if frame.empty:
        st.caption(ui.tr(none))
        return
    shown = frame[list(columns)].copy()
    if ui.lang() == "en":
        shown = shown.assign(**{c: frame[f"{c}_en"] for c in columns if f"{c}_en" in frame})
    shown = shown.astype(object).where(shown.notna(), "—").astype(str)
    heads = {c: ui.tr(k) for c, k in columns.items()}
    config = {
        heads[c]: st.column_config.TextColumn(width=w) for c, w in _WIDE.items() if c in heads
    }
    st.dataframe(
        neutralise_formulas(shown.rename(columns=heads)),
        hide_index=True,
        key=key,
        column_config=config,
    )


# --------------------------------------------------------------------------------------------
# The call's place


def _call_wgs84(call: dict[str, Any]) -> tuple[float, float]:
    lng, lat = coords.to_wgs84([call["lng"]], [call["lat"]], call["crs"])
    return float(lat[0]), float(lng[0])


def call_form(area: str | None) -> None:
    """The call's coordinates, typed, in one of the three coordinate systems (outside the
    fragment: a refresh does not interrupt the typing)."""
    bounds = _map.cached(areas.area_bounds, area)
    centre = (
        ((bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2)
        if bounds
        else DEFAULT_CENTER
    )
    with st.form("live_call_form"):
        st.markdown("**" + ui.tr("lv.form") + "**")
        a, b, c = st.columns(3)
        a.number_input(
            ui.tr("lv.lat"), -90.0, 90.0, round(centre[0], 6), format="%.6f", key="live_lat"
        )
        b.number_input(
            ui.tr("lv.lng"), -180.0, 180.0, round(centre[1], 6), format="%.6f", key="live_lng"
        )
        c.selectbox(
            ui.tr("lv.crs"),
            list(CRS),
            key=ui.relabelled("live_crs"),
            format_func=_map.formatter(prefix="data.crs."),
        )
        # a callback: the call is set before the page (and the fragment above) runs again
        st.form_submit_button(ui.tr("lv.find"), key="live_find", type="primary", on_click=_typed)
    # always there: a call clicked on the map comes with a run of the fragment only
    st.button(ui.tr("lv.clear"), key="live_clear", on_click=_clear)


def _clear() -> None:
    """No call any more (a click on the same place picks it again)."""
    for key in (CALL, CLICK):
        st.session_state.pop(key, None)


def _typed() -> None:
    """The form's call: its coordinates as typed, in the chosen coordinate system."""
    st.session_state[CALL] = {
        "lat": float(st.session_state["live_lat"]),
        "lng": float(st.session_state["live_lng"]),
        "crs": str(st.session_state["live_crs"]),
        "how": "typed",
    }


def _took_click(out: Any) -> bool:
    """Keep a new click on the map as the call's place; True when there was one."""
    click = (out or {}).get("last_clicked")
    if not click or click.get("lat") is None:
        return False
    point = (round(float(click["lat"]), 7), round(float(click["lng"]), 7))
    if st.session_state.get(CLICK) == point:  # the map returns its last click on every run
        return False
    st.session_state[CLICK] = point
    crs = "gcj02" if _map.shift_gcj02() else "wgs84"  # Amap's map speaks GCJ-02
    st.session_state[CALL] = {"lat": point[0], "lng": point[1], "crs": crs, "how": "map"}
    return True


# --------------------------------------------------------------------------------------------
# The part that refreshes itself


def _map_part(
    area: str | None,
    shown: pd.DataFrame,
    tracks: pd.DataFrame,
    due: pd.DataFrame,
    call: dict[str, Any] | None,
) -> None:
    """The live map: the base map stays, the live layers are swapped in place."""
    m = _map.base_map(area)
    _map.add_areas(m, area)
    minutes = f"{FRESH_S / 60:g}"
    words = {
        "fresh": ui.tr("lv.state.fresh", m=minutes),
        "aging": ui.tr("lv.state.aging", m=minutes),
        "silent": ui.tr("lv.state.silent"),
        "next": ui.tr("lv.layer.next"),
        "due": ui.tr("lv.layer.points"),
        "call": ui.tr("lv.layer.call"),
    }
    live_legend(ui.tr("lv.legend"), words).add_to(m)
    en = ui.lang() == "en"
    pos = shown.assign(place_shown=shown["place_en" if en else "place"])
    plan = pos.loc[pos["next_lat"].notna()].assign(
        seq=lambda d: d["next_seq"].fillna(d["stops_done"].fillna(0) + 1).astype(int),
        next_shown=lambda d: d["next_stop_en" if en and "next_stop_en" in d else "next_stop"],
    )
    pts = due.assign(name=due["what"].fillna(due["where"]))
    groups = live_layers(
        pos,
        tracks,
        names={
            "units": ui.tr("lv.layer.units"),
            "tracks": ui.tr("lv.layer.tracks"),
            "next": ui.tr("lv.layer.next"),
            "due": ui.tr("lv.layer.points"),
            "call": ui.tr("lv.layer.call"),
        },
        tips=[
            ("kind_shown", ui.tr("lv.tip.kind")),
            ("age", ui.tr("lv.tip.age")),
            ("speed_shown", ui.tr("lv.tip.speed")),
            ("place_shown", ui.tr("lv.tip.place")),
        ],
        plan=plan,
        plan_tips=[("next_shown", ui.tr("lv.tip.next")), ("eta_shown", ui.tr("lv.tip.eta"))],
        due=pts,
        due_tips=[("text", ui.tr("lv.acol.detail")), ("where", ui.tr("lv.acol.place"))],
        call=_call_wgs84(call) if call else None,
        shift_gcj02=_map.shift_gcj02(),
    )
    out = st_folium(
        m,
        key="live_map",
        height=520,
        use_container_width=True,
        returned_objects=["last_clicked"],
        feature_group_to_add=groups,
    )
    if _took_click(out):  # draw the call and rank the units for it now, not at the next refresh
        try:
            st.rerun(scope="fragment")
        except StreamlitAPIException:  # the click came with a run of the whole page
            st.rerun()


def _nearest_part(call: dict[str, Any] | None) -> None:
    st.subheader(ui.tr("lv.nearest"))
    if not call:
        st.caption(ui.tr("lv.nearest_hint"))
        return
    where = ui.tr(
        "lv.call_at",
        lat=f"{call['lat']:.6f}",
        lng=f"{call['lng']:.6f}",
        crs=ui.tr(f"data.crs.{call['crs']}"),
    )
    st.caption(where + (" · " + ui.tr("lv.call_map") if call.get("how") == "map" else ""))
    try:
        near = _map.cached(
            live_alerts.nearest_units, call["lat"], call["lng"], crs=call["crs"], now=_now()
        )
    except ValueError as err:
        st.warning(ui.tr("lv.bad_call", reason=str(err)))
        return
    _table(nearest_shown(near), NEAREST_COLUMNS, "lv.nearest_none", key="live_nearest")


def in_area(frame: pd.DataFrame, outlines: pd.DataFrame) -> np.ndarray:
    """Which rows of ``frame`` (``lat``, ``lng``: WGS-84 degrees) lie inside the union of the
    ``outlines``' polygons (``geometry`` as WKT, as :func:`geo.services.areas.outlines` gives)."""
    if frame.empty or outlines.empty:
        return np.zeros(len(frame), dtype=bool)
    shape = shapely.union_all(shapely.from_wkt(outlines["geometry"].to_numpy()))
    return np.asarray(
        shapely.contains_xy(shape, frame["lng"].to_numpy(float), frame["lat"].to_numpy(float))
    )


def _body(area: str | None) -> None:
    now = _now()
    pos = _map.cached(live.positions, now=now)
    prog = _map.cached(live.plan_progress, now=now)
    tracks = _map.cached(live.recent_tracks, minutes=60, now=now)
    alerts = _map.cached(live_alerts.live_alerts, now=now, area=area)
    if area is not None:
        # positions, tracks and plan progress take no area (geo.services.live): the units of
        # the sidebar's area are those whose last fix lies inside it, and every table follows
        pos = pos.loc[in_area(pos, _map.cached(areas.outlines, area))]
        mine = set(pos["unit_id"])
        prog = prog.loc[prog["unit_id"].isin(mine)]
        tracks = tracks.loc[tracks["unit_id"].isin(mine)]
        alerts = alerts.loc[alerts["unit_id"].isna() | alerts["unit_id"].isin(mine)]
    call = st.session_state.get(CALL)
    silent = int(pos["silent"].sum())
    if pos.empty:
        st.info(ui.tr("lv.none" if area is None else "lv.none_area"))
    else:
        st.caption(
            ui.tr(
                "lv.updated",
                time=clock(now, "%H:%M:%S"),  # the moment the figures are of
                live=len(pos) - silent,
                silent=silent,
            )
            + " · "
            + ui.tr("lv.refresh", s=f"{refresh_s():g}")
        )
    shown = units_shown(pos, prog)
    worded = alerts_shown(alerts)
    due = worded.loc[worded["alert"] == "point_due"]
    _map_part(area, shown, tracks, due, call)  # also with no unit: a call is picked on it
    if len(pos):
        st.subheader(ui.tr("lv.units"))
        _table(shown, UNIT_COLUMNS, key="live_units")
    st.subheader(ui.tr("lv.alerts"))
    _table(worded, ALERT_COLUMNS, "lv.alerts_none", key="live_alerts")
    _nearest_part(call)


def live_panel(area: str | None) -> None:
    """The live part of the page, rerun by itself every :func:`refresh_s` seconds (a fragment:
    the rest of the page does not run again)."""
    st.fragment(_body, run_every=refresh_s())(area)

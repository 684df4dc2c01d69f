"""Drawing pieces of the Patrol plan page: the units editor, the places picked (the map, the
searchable lists, the time windows), the routes map (the plan made and the plan against
actual), the download buttons and the tables. No logic: see geo.services.plan and
geo.services.plan_places."""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.domain import coords, routing
from geo.escape import md_escape
from geo.i18n import t
from geo.services import networks, plan_places
from geo.services import plan as plan_svc
from layers.plan import plan_layers
from views import _common as ui
from views import _map

__all__ = [
    "Picked",
    "downloads",
    "must_table",
    "place_pickers",
    "plan_form",
    "routes_map",
    "table",
    "units_editor",
]

MUST, AVOID = "plan_must", "plan_avoid"  # the multiselects' keys: the places' keys
EXTRA = "plan_places_extra"  # places picked on the map that the list does not hold: key -> row
WINDOWS = "plan_windows"  # must-visit key -> (from, to) as edited
CLICK = "plan_pick_click"  # the last map click taken (the map returns it on every run)
NOTE = "plan_pick_note"  # what the last click did, said once
_HM = re.compile(r"([01]?\d|2[0-3]):[0-5]\d")
_TIME_RE = r"^\s*(([01]?\d|2[0-3])[:：][0-5]\d)?\s*$"  # HH:MM or blank, as the editor checks
_COLOURS = {"site": "#1f78b4", "venue": "#6a3d9a", "gap": "#ff7f00", "hotspot": "#e31a1c"}


def units_editor(units: pd.DataFrame, beats: dict[str, str], night: str) -> pd.DataFrame:
    """The editable table of the units to plan for (rows may be added, ticked off, changed).

    ``beats``: the beats offered (:func:`geo.services.plan.beat_choices`); a unit without one
    patrols the metres of its beat radius around its post. ``night``: the night and window the
    units are on duty; another night is another table (its edits are not carried over to other
    units' rows).
    """
    words = {"all": ui.tr("plan.beat.all"), plan_svc.AROUND_POST: ui.tr("plan.beat.post")}
    return st.data_editor(
        units,
        key=f"plan_units_{zlib.crc32(night.encode())}",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "on": st.column_config.CheckboxColumn(ui.tr("plan.units"), default=True),
            "unit_id": st.column_config.TextColumn(ui.tr("plan.col.unit"), required=True),
            "name": st.column_config.TextColumn(ui.tr("col.name")),
            "kind": st.column_config.SelectboxColumn(
                ui.tr("plan.col.kind"),
                options=list(routing.PLAN_KINDS),
                required=True,
                default="police_car",
                format_func=_map.formatter("unit"),
            ),
            "beat": st.column_config.SelectboxColumn(
                ui.tr("plan.col.beat"),
                help=ui.tr("plan.col.beat_help"),
                options=list(beats),
                format_func=lambda v: beats.get(str(v)) or words.get(str(v), str(v)),
                width="medium",  # "the whole area", "around its post": read whole
            ),
            "beat_m": st.column_config.NumberColumn(
                ui.tr("plan.col.beat_m"),
                help=ui.tr("plan.col.beat_help"),
                min_value=50.0,
                max_value=20_000.0,
                step=50.0,
                format="%.0f",
            ),
            "start_h": st.column_config.NumberColumn(
                ui.tr("plan.col.start_h"),
                help=ui.tr("plan.col.start_h_help"),
                min_value=0.0,
                max_value=24.0,
                step=0.25,
                default=0.0,
            ),
            "shift_h": st.column_config.NumberColumn(
                ui.tr("plan.col.shift_h"), min_value=0.5, max_value=24.0, step=0.5
            ),
            "lat": st.column_config.NumberColumn(
                ui.tr("plan.col.lat"), format="%.6f", required=True
            ),
            "lng": st.column_config.NumberColumn(
                ui.tr("plan.col.lng"), format="%.6f", required=True
            ),
        },
    )


@dataclass(frozen=True)
class Picked:
    """The places picked for the plan, as :func:`geo.services.plan.make_from_rows` takes them.

    ``must``/``avoid``: cells (H3 strings, one per place; a cell picked twice once);
    ``windows``: must-visit cell -> (from, to) local times; ``names``: cell -> (zh-CN, en) name;
    ``points``: must-visit cell -> the place's (lat, lng); ``bad``: names of must-visits with
    half a time window (the page says so, no plan is made).
    """

    must: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    windows: dict[str, tuple[str, str]] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    points: dict[str, tuple[float, float]] = field(default_factory=dict)
    bad: list[str] = field(default_factory=list)


def _label(row: dict[str, Any] | pd.Series) -> str:
    return str(row["label_en" if ui.lang() == "en" else "label"])


def _take_click(out: Any, places: pd.DataFrame, res: int) -> None:
    """A new click on the pick map adds the place there to the list the radio names.

    A click on the map's ground is ``last_clicked``; a click on a place's marker (which keeps
    the click to itself) is ``last_object_clicked``. The map returns both on every run: the
    one that changed is the new click.
    """
    seen = st.session_state.get(CLICK) or {}
    new = None
    for kind in ("last_object_clicked", "last_clicked"):
        click = (out or {}).get(kind)
        if not click or click.get("lat") is None:
            continue
        point = (round(float(click["lat"]), 7), round(float(click["lng"]), 7))
        if seen.get(kind) != point:
            new = new or point
            seen = {**seen, kind: point}
    st.session_state[CLICK] = seen
    if new is None:
        return
    lat, lng = new
    if _map.shift_gcj02():  # Amap's map speaks GCJ-02: back to WGS-84 before finding the place
        glng, glat = coords.gcj02_to_wgs84(lng, lat)
        lat, lng = float(glat), float(glng)
    row = plan_places.place_at(ui.engine(), ui.scope(), lat, lng, places=places, res=res)
    key = str(row["key"])
    if key not in set(places["key"]):
        st.session_state.setdefault(EXTRA, {})[key] = row
    target = MUST if st.session_state.get("plan_pick_as", "must") == "must" else AVOID
    other = AVOID if target == MUST else MUST
    if key in st.session_state.get(other, []):
        st.session_state[NOTE] = ("plan.picked_both", {"place": _label(row)})
        return
    chosen = list(st.session_state.get(target, []))
    if key not in chosen:
        st.session_state[target] = [*chosen, key]
    what = ui.tr(f"plan.pick_as.{'must' if target == MUST else 'avoid'}")
    st.session_state[NOTE] = ("plan.picked", {"what": what, "place": _label(row)})


def _pick_map(places: pd.DataFrame, res: int, area: str | None) -> None:
    """The map to pick places on: the listed places, those chosen (green: must, grey: avoid)."""
    m = _map.base_map(area)
    _map.add_areas(m, area)
    # the places as small circles named in a tooltip; a click on one reaches the map (no popup
    # keeps it), which picks the nearest place. One GeoJSON layer, not a marker per place:
    # st_folium renders the whole map on every run, and a thousand markers with their tooltips
    # took seconds to render where one layer takes milliseconds.
    if len(places):  # (folium refuses a tooltip on an empty layer)
        folium.GeoJson(
            _places_geojson(places, ui.lang(), _map.shift_gcj02()),
            name=ui.tr("plan.pick_map"),
            marker=folium.CircleMarker(radius=5, weight=1, fill=True, fill_opacity=0.85),
            style_function=lambda f: {
                "color": f["properties"]["c"],
                "fillColor": f["properties"]["c"],
            },
            tooltip=folium.GeoJsonTooltip(fields=["n"], labels=False),
        ).add_to(m)
    rows = _rows(places)
    for state, colour in ((MUST, "#1a9850"), (AVOID, "#525252")):
        for key in st.session_state.get(state, []):
            if key in rows:
                r = rows[key]
                lat, lng = float(r["lat"]), float(r["lng"])
                if _map.shift_gcj02():
                    glng, glat = coords.wgs84_to_gcj02(lng, lat)
                    lat, lng = float(glat), float(glng)
                folium.CircleMarker(
                    (lat, lng), radius=11, color=colour, weight=4, fill=False, tooltip=_label(r)
                ).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    out = st_folium(
        m, key="plan_pick_map", height=430, use_container_width=True,
        returned_objects=["last_clicked", "last_object_clicked"],
    )  # fmt: skip
    _take_click(out, places, res)


def _places_geojson(places: pd.DataFrame, lang: str, gcj02: bool) -> dict[str, Any]:
    """The pickable places as GeoJSON points (WGS-84, or GCJ-02 for Amap): ``n`` the name in
    ``lang`` (HTML-escaped: the tooltip sets it as HTML), ``c`` the colour of the place's kind."""
    lat, lng = places["lat"].to_numpy(float), places["lng"].to_numpy(float)
    if gcj02 and len(places):
        lng, lat = coords.wgs84_to_gcj02(lng, lat)
    names = places["label_en" if lang == "en" else "label"].astype(str)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(float(x), 7), round(float(y), 7)]},
            "properties": {"n": html.escape(name), "c": _COLOURS.get(str(kind), "#1f78b4")},
        }
        for y, x, kind, name in zip(lat, lng, places["kind"], names, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _rows(places: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Every pickable place by key: the list's and those picked on the map."""
    rows = {str(r["key"]): r for r in places.to_dict("records")}
    return rows | dict(st.session_state.get(EXTRA, {}))


def _hm(v: Any) -> str | None:
    """A time as typed in the windows editor ("16:30", "9:05", full-width colon) as ``HH:MM``."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    text = str(v).strip().replace("：", ":")
    if not _HM.fullmatch(text):
        return None
    h, m = text.split(":")
    return f"{int(h):02d}:{m}"


def place_pickers(places: pd.DataFrame, res: int, area: str | None) -> Picked:
    """Must-visit and avoided places, picked on the map or from the searchable lists, and the
    must-visits' time windows. ``places``: :func:`geo.services.plan_places.pickable_places`."""
    st.markdown("**" + ui.tr("plan.pick_map") + "**")
    left, right = st.columns([3, 2])
    with right:
        labels = {"must": ui.tr("plan.pick_as.must"), "avoid": ui.tr("plan.pick_as.avoid")}
        right.radio(
            ui.tr("plan.pick_as"),
            list(labels),
            key=ui.relabelled("plan_pick_as"),
            format_func=labels.get,
            horizontal=True,
        )
    with left:
        st.caption(ui.tr("plan.pick_hint"))
        _pick_map(places, res, area)
    rows = _rows(places)
    for state in (MUST, AVOID):  # a place no longer offered (another area) leaves the list
        if state in st.session_state:
            st.session_state[state] = [k for k in st.session_state[state] if k in rows]
    with right:
        note = st.session_state.pop(NOTE, None)
        if note:
            st.info(ui.tr(note[0], **note[1]))
        fmt = {k: str(r["label_en" if ui.lang() == "en" else "label"]) for k, r in rows.items()}
        shown: Callable[[Any], str] = lambda k: fmt.get(str(k), str(k))  # noqa: E731
        must = st.multiselect(
            ui.tr("plan.must"), list(rows), key=MUST, format_func=shown,
            help=ui.tr("plan.places_help"), placeholder=ui.tr("plan.places_none"),
        )  # fmt: skip
        avoid = st.multiselect(
            ui.tr("plan.avoid"), [k for k in rows if k not in must], key=AVOID,
            format_func=shown, help=ui.tr("plan.places_help"),
            placeholder=ui.tr("plan.places_none"),
        )  # fmt: skip
    windows = _windows_editor(must, fmt)
    picked = Picked()
    for key in must:
        h = str(rows[key]["h3"])
        if h in picked.names:
            continue
        r = rows[key]
        picked.must.append(h)
        picked.names[h] = (str(r["name"]), str(r["name_en"]))
        picked.points[h] = (float(r["lat"]), float(r["lng"]))
        a, b = windows.get(key, (None, None))
        if a is not None and b is not None:
            picked.windows[h] = (a, b)
        elif a is not None or b is not None:
            picked.bad.append(fmt[key])
    for key in avoid:
        h = str(rows[key]["h3"])
        if h not in picked.names:
            picked.avoid.append(h)
            picked.names[h] = (str(rows[key]["name"]), str(rows[key]["name_en"]))
    return picked


def _windows_editor(
    must: list[str], fmt: dict[str, str]
) -> dict[str, tuple[str | None, str | None]]:
    """The must-visits' time windows (place, from, to; ``HH:MM`` as typed), kept across changes
    of the list."""
    kept: dict[str, tuple[str | None, str | None]] = st.session_state.setdefault(WINDOWS, {})
    if not must:
        return {}
    tag = zlib.crc32("\n".join(must).encode())
    base_key = f"plan_win_base_{tag}"
    if base_key not in st.session_state:  # a new list: its frame once (the editor keeps edits)
        st.session_state[base_key] = pd.DataFrame(
            {
                "place": [fmt.get(k, k) for k in must],
                "start": [kept.get(k, (None, None))[0] or "" for k in must],
                "end": [kept.get(k, (None, None))[1] or "" for k in must],
            },
            index=pd.Index(must, name="key"),
        )
    edited = st.data_editor(
        st.session_state[base_key],
        key=f"plan_win_{tag}",
        hide_index=True,
        width="stretch",
        disabled=["place"],
        column_config={
            "place": st.column_config.TextColumn(ui.tr("plan.col.place")),
            "start": st.column_config.TextColumn(
                ui.tr("plan.col.from"), help=ui.tr("plan.windows_help"), validate=_TIME_RE
            ),
            "end": st.column_config.TextColumn(
                ui.tr("plan.col.to"), help=ui.tr("plan.windows_help"), validate=_TIME_RE
            ),
        },
    )
    st.caption(ui.tr("plan.windows_help"))
    out = {str(k): (_hm(r["start"]), _hm(r["end"])) for k, r in edited.iterrows() if k in must}
    kept.update(out)
    return out


def must_table(plan: dict[str, Any]) -> None:
    """The plan's must-visit places (window, unit and arrival, or why not) and avoided ones."""
    en = ui.lang() == "en"
    lines = []
    who = {u["unit_id"]: u.get("name") or u["unit_id"] for u in plan["units"]}
    for m in plan.get("must") or []:
        name = str(m["place_en" if en else "place"])
        if m.get("window"):
            name = ui.tr("plan.opt.window", place=name, start=m["window"][0], end=m["window"][1])
        state = (
            f"{who.get(m['unit_id'], m['unit_id'])} · " + ui.tr("plan.must_ok", arrive=m["arrive"])
            if m.get("arrive")
            else str(m.get("why_en" if en else "why_zh") or "")
        )
        lines.append(f"- {md_escape(name)}：{md_escape(state)}" if not en else
                     f"- {md_escape(name)}: {md_escape(state)}")  # fmt: skip
    if lines:
        st.markdown("**" + ui.tr("plan.must") + "**\n\n" + "\n".join(lines))
    avoided = plan.get("avoided") or []
    if avoided:
        names = ui.tr("plan.opt.sep").join(a["place_en" if en else "place"] for a in avoided)
        st.caption(ui.tr("plan.opt.avoid", places=names))


def plan_form() -> tuple[bool, dict[str, Any]]:
    """The plan's options; returns whether "make the plan" was pressed and the options as
    :func:`geo.services.plan.make_from_rows` takes them."""
    with st.form("plan_form"):
        a, b, c, d = st.columns(4)
        dwell = a.slider(ui.tr("plan.dwell"), 5, 30, 15, key="plan_dwell")
        n_cand = b.number_input(
            ui.tr("plan.candidates"),
            10,
            600,
            None,
            step=10,
            key="plan_cands",
            help=ui.tr("plan.candidates_help"),
        )
        value_labels = {v: ui.tr(f"plan.value.{v}") for v in ("gap", "risk")}  # bound now
        value = c.radio(
            ui.tr("plan.value"),
            list(value_labels),
            key=ui.relabelled("plan_value"),
            format_func=value_labels.get,
        )
        limit = d.slider(ui.tr("plan.time_limit"), 1, 30, 9, key="plan_limit")
        e1, e2, e3 = st.columns([1, 1, 2])
        randomise = e1.checkbox(
            ui.tr("plan.randomise"), key="plan_random", help=ui.tr("plan.randomise_help")
        )
        seed = e2.number_input(ui.tr("plan.seed"), 0, 10**6, 1, key="plan_seed")
        nets, net_default = networks.plan_choices(ui.engine())  # stored road networks
        lang = ui.lang()  # bound now: AppTest formats the options outside the run
        network = e3.selectbox(
            ui.tr("net.plan_choice"),
            list(nets),
            index=list(nets).index(net_default),
            key="plan_network",
            format_func=lambda k: (
                t("net.plan_straight", lang)
                if nets[k] is None
                else t("net.plan_network", lang, name=nets[k])
            ),
        )
        go = st.form_submit_button(ui.tr("plan.run"), type="primary", key="plan_go")
    return go, {
        "dwell_min": dwell,
        "n_candidates": None if n_cand is None else int(n_cand),
        "value": value,
        "seed": int(seed) if randomise else None,
        "time_limit_s": float(limit),
        "network": network,
    }


def routes_map(
    plan: dict[str, Any],
    key: str,
    status: dict[tuple[str, int], str] | None = None,
    tracks: pd.DataFrame | None = None,
) -> None:
    """The plan's routes (and candidate cells; with ``status`` and ``tracks``, the stops by how
    they were kept and the tracks driven) on the scope's map."""
    area = ui.filters().area
    m = _map.base_map(area)
    _map.add_areas(m, area)
    names = {
        "tracks": ui.tr("plan.layer.tracks"),
        "candidates": ui.tr("plan.layer.candidates"),
        "routes": ui.tr("plan.layer.routes"),
        "value": ui.tr("plan.col.value"),
    }
    labels = {
        "unit": ui.tr("plan.tip.unit"),
        "start": ui.tr("plan.tip.start"),
        "arrive": ui.tr("plan.col.arrive"),
        "leave": ui.tr("plan.col.leave"),
        "landmark": ui.tr("plan.col.landmark"),
        "full": ui.tr("plan.status.full"),
        "brief": ui.tr("plan.status.brief"),
        "missed": ui.tr("plan.status.missed"),
    }
    for layer in plan_layers(
        plan,
        names=names,
        labels=labels,
        status=status,
        tracks=tracks,
        shift_gcj02=_map.shift_gcj02(),
    ):
        layer.add_to(m)
    _map.show_map(m, key=key)


def downloads(
    plan_id: str, files: dict[str, tuple[Callable[[], str | bytes], str, str]], rows: int
) -> None:
    """A download button per file; each click is audited as an export of ``rows`` stops."""
    cols = st.columns(4) * ((len(files) + 3) // 4)  # four to a row: the labels read whole
    for col, (label, (make, mime, ext)) in zip(cols, files.items(), strict=False):
        # the file is made when its button is pressed, not on every rerun (PDF + HTML: ~1 s)
        col.download_button(
            ui.tr("plan.download", fmt=label),
            data=make,
            mime=mime,
            file_name=f"{plan_id}.{ext}",
            key=f"plan_dl_{ext}",
            on_click=ui.audit,
            args=("export", f"{plan_id}.{ext}"),
            kwargs={"kind": "plan", "format": ext, "rows": rows},
        )
    if "PDF" not in files:  # no CJK TrueType font here: the other files, and what to install
        st.info(ui.tr("brief.no_pdf_font", package=plan_svc.FONT_PACKAGE))


def table(frame: pd.DataFrame, spec: str, coded: str | None = None, **kwargs: Any) -> None:
    """``frame`` as a table unless it is empty: headers ``plan.col.<name>`` from ``spec`` (see
    :func:`views._map.columns`), the codes of the column ``coded`` as ``plan.<coded>.<code>``."""
    if len(frame):
        if coded:  # unit kinds by the units' words (v.unit), a stop's status as plan.status.
            prefix = None if coded == "kind" else f"plan.{coded}."
            fmt = _map.formatter("unit", prefix=prefix)
            frame = frame.assign(**{coded: frame[coded].map(fmt)})
        _map.table(frame, _map.columns(spec, "plan.col."), **kwargs)

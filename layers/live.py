"""The live night on the map: the units' last positions coloured by the age of their last fix
(fresh, aging, silent), the last hour's tracks, each unit's next planned stop as a dashed line to
a numbered marker, the key points falling due, and the place of a call.

The live layers are folium feature groups meant for ``st_folium(feature_group_to_add=...)``: the
base map (tiles, area outlines and the static :func:`live_legend`) stays as it is, so the page can
redraw the live data every few seconds without reloading the map or losing the user's view.
Everything drawn is given: the caller translates the words and formats the values (ages, times)
in the user's language; names and values are escaped here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from layers import _assets
from layers._encode import colour, legend_html, script_json, shift, text
from layers.routes import _literal_safe, _marker_html
from layers.tracks import tracks_layer

__all__ = [
    "CALL_COLOUR",
    "DUE_COLOUR",
    "FRESH_S",
    "NEXT_COLOUR",
    "STATE_COLOURS",
    "LiveLegend",
    "live_layers",
    "live_legend",
    "unit_states",
]

FRESH_S = 120.0
"""A unit whose last fix is at most this old (seconds) is drawn fresh; older and not yet silent
(the live rule ``gps_silent``, decided by the service), aging."""
STATE_COLOURS = {"fresh": "#1a9850", "aging": "#f39c12", "silent": "#7f7f7f"}
"""Marker fill per state of a unit's last fix."""
NEXT_COLOUR = "#2166ac"
"""The dashed line to a unit's next planned stop and the stop's numbered marker."""
DUE_COLOUR = "#8e44ad"
"""Key points falling due and not visited."""
CALL_COLOUR = "#d7301f"
"""The place of a call (the nearest-unit search)."""


def unit_states(
    age_s: Sequence[float] | pd.Series, silent: Sequence[bool] | pd.Series
) -> list[str]:
    """``"fresh"``, ``"aging"`` or ``"silent"`` per unit from the age of its last fix (seconds)
    and the service's ``silent`` flag."""
    age = np.asarray(age_s, dtype=float)
    quiet = np.asarray(silent, dtype=bool)
    return [
        "silent" if q else ("fresh" if a <= FRESH_S else "aging")
        for a, q in zip(age.tolist(), quiet.tolist(), strict=True)
    ]


class LiveLegend(JSCSSMixin, MacroElement):
    """A fixed legend control (qy-layers.js ``L.QyLegend``) on the base map."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            new L.QyLegend({{ this.html_js }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "QyLiveLegend"
        self.html_js = script_json(html)


_assets.use(LiveLegend, ("leaflet", "qylayers"), ("leaflet_css", "qylayers_css"))


def live_legend(title: str, labels: Mapping[str, str]) -> LiveLegend:
    """The legend of the live layers (add it to the base map once; it does not change).

    Parameters
    ----------
    title
        The legend's title (escaped here).
    labels
        Translated words: ``fresh``, ``aging``, ``silent`` (the markers), ``next`` (the next
        planned stop), ``due`` (key points due), ``call`` (the place of a call).
    """
    rows = [(STATE_COLOURS[k], labels[k]) for k in ("fresh", "aging", "silent")]
    rows += [(NEXT_COLOUR, labels["next"]), (DUE_COLOUR, labels["due"])]
    rows += [(CALL_COLOUR, labels["call"])]
    return LiveLegend(legend_html(title, rows, kind="dot"))


def _tip(title: str, rows: Sequence[tuple[str, object]]) -> folium.Tooltip:
    """A tooltip: the bold ``title`` and a line per (label, value) with a value; all escaped."""
    lines = [f"<b>{text(title)}</b>"]
    lines += [f"{text(label)}: {text(value)}" for label, value in rows if _shown(value)]
    return folium.Tooltip(_literal_safe("<br>".join(lines)), sticky=True)


def _label_icon(name: str, *, left: int, css: str, colour: str = "#222") -> folium.DivIcon:
    """A name label whose left edge is ``left`` pixels right of its point, vertically centred
    on it; opaque, so that it reads where it covers an area's name (``name`` escaped here)."""
    return folium.DivIcon(
        html=(
            f"<div style='position:absolute;left:{left}px;top:0;transform:translateY(-50%);"
            f"white-space:nowrap;font:600 11px sans-serif;color:{colour};background:#fff;"
            "border:1px solid rgba(0,0,0,.25);box-shadow:0 1px 2px rgba(0,0,0,.2);"
            f"padding:0 3px;border-radius:3px;line-height:16px'>{text(name)}</div>"
        ),
        icon_size=(0, 0),
        icon_anchor=(0, 0),
        class_name=css,
    )


def _shown(value: object) -> bool:
    return (
        value is not None
        and not (pd.api.types.is_scalar(value) and pd.isna(value))
        and (str(value) != "")
    )


def _points(frame: pd.DataFrame, lat: str, lng: str, gcj: bool) -> tuple[np.ndarray, np.ndarray]:
    return shift(frame[lat].to_numpy(float), frame[lng].to_numpy(float), gcj)


def live_layers(
    positions: pd.DataFrame,
    tracks: pd.DataFrame,
    *,
    names: Mapping[str, str],
    tips: Sequence[tuple[str, str]] = (),
    plan: pd.DataFrame | None = None,
    plan_tips: Sequence[tuple[str, str]] = (),
    due: pd.DataFrame | None = None,
    due_tips: Sequence[tuple[str, str]] = (),
    call: tuple[float, float] | None = None,
    shift_gcj02: bool = False,
) -> list[folium.FeatureGroup]:
    """The live layers, in drawing order: tracks, next stops, key points due, units, the call.

    Parameters
    ----------
    positions
        One row per unit: ``unit_id``, ``name``, ``lat``, ``lng`` (WGS-84), ``age_s`` (seconds
        since the last fix), ``silent`` (bool), and the columns named in ``tips``.
    tracks
        The last fixes per unit: ``unit_id``, ``ts``, ``lat``, ``lng`` (WGS-84).
    names
        Translated layer names: ``units``, ``tracks``, ``next``, ``due``, ``call``.
    tips
        ``[(column, label), ...]`` of ``positions`` shown under the unit's name in its tooltip
        (the caller formats the values: kind by its label, the age in words).
    plan
        One row per unit with a next planned stop: ``name``, ``lat``, ``lng`` (the unit's last
        position), ``next_lat``, ``next_lng``, ``seq`` (the stop's number), and the columns named
        in ``plan_tips``.
    due
        Key points due: ``name``, ``lat``, ``lng`` and the columns named in ``due_tips``.
    call
        The place of a call (lat, lng; WGS-84), or None.
    shift_gcj02
        Shift every point to GCJ-02 for Amap tiles.
    """
    groups: list[folium.FeatureGroup] = []

    trk = folium.FeatureGroup(name=text(names["tracks"]))
    if len(tracks):
        lines = tracks.rename(columns={"unit_id": "shift_id"})[["shift_id", "ts", "lat", "lng"]]
        trk.add_child(
            tracks_layer(
                lines,
                name=names["tracks"],
                breaks=False,
                labels={"track": names["tracks"]},
                shift_gcj02=shift_gcj02,
            )
        )
    groups.append(trk)

    nxt = folium.FeatureGroup(name=text(names["next"]))
    if plan is not None and len(plan):
        plan = plan.loc[plan["next_lat"].notna() & plan["next_lng"].notna()]
        lat0, lng0 = _points(plan, "lat", "lng", shift_gcj02)
        lat1, lng1 = _points(plan, "next_lat", "next_lng", shift_gcj02)
        for i, row in enumerate(plan.itertuples(index=False)):
            r = row._asdict()
            title = f"{r['name']} #{int(r['seq'])}"
            tip = _tip(title, [(label, r[col]) for col, label in plan_tips])
            a = (round(float(lat0[i]), 6), round(float(lng0[i]), 6))
            b = (round(float(lat1[i]), 6), round(float(lng1[i]), 6))
            if np.isfinite(a).all():
                folium.PolyLine(
                    [a, b],
                    color=NEXT_COLOUR,
                    weight=2.5,
                    opacity=0.9,
                    dash_array="6 6",
                    tooltip=tip,
                ).add_to(nxt)
            folium.Marker(
                b,
                icon=folium.DivIcon(
                    html=_marker_html(str(int(r["seq"])), NEXT_COLOUR),
                    icon_size=(22, 22),
                    icon_anchor=(11, 11),
                    class_name="qy-next",
                ),
                tooltip=_tip(title, [(label, r[col]) for col, label in plan_tips]),
            ).add_to(nxt)
    groups.append(nxt)

    pts = folium.FeatureGroup(name=text(names["due"]))
    if due is not None and len(due):
        due = due.loc[due["lat"].notna() & due["lng"].notna()]
        lat, lng = _points(due, "lat", "lng", shift_gcj02)
        for i, row in enumerate(due.itertuples(index=False)):
            r = row._asdict()
            folium.CircleMarker(
                (round(float(lat[i]), 6), round(float(lng[i]), 6)),
                radius=9,
                color=colour(DUE_COLOUR),
                weight=3,
                fill=True,
                fill_color="#ffffff",
                fill_opacity=0.6,
                dash_array="3 3",
                tooltip=_tip(str(r["name"]), [(label, r[col]) for col, label in due_tips]),
            ).add_to(pts)
    groups.append(pts)

    units = folium.FeatureGroup(name=text(names["units"]))
    if len(positions):
        frame = positions.loc[positions["lat"].notna() & positions["lng"].notna()]
        lat, lng = _points(frame, "lat", "lng", shift_gcj02)
        states = unit_states(frame["age_s"], frame["silent"])
        for i, row in enumerate(frame.itertuples(index=False)):
            r = row._asdict()
            at = (round(float(lat[i]), 6), round(float(lng[i]), 6))
            rows = [(label, r[col]) for col, label in tips]
            folium.CircleMarker(
                at,
                radius=8,
                color="#ffffff",
                weight=2,
                fill=True,
                fill_color=STATE_COLOURS[states[i]],
                fill_opacity=0.95,
                tooltip=_tip(str(r["name"]), rows),
            ).add_to(units)
            folium.Marker(  # the unit's name beside its dot, so the map reads without hovering
                at,
                icon=_label_icon(str(r["name"]), left=11, css="qy-unit-label"),
                interactive=False,
                z_index_offset=1000,  # above the area names, which it covers (opaque)
            ).add_to(units)
    groups.append(units)

    place = folium.FeatureGroup(name=text(names["call"]))
    if call is not None:
        clat, clng = shift([call[0]], [call[1]], shift_gcj02)
        folium.Marker(
            (round(float(clat[0]), 6), round(float(clng[0]), 6)),
            icon=folium.DivIcon(
                html=_marker_html("!", CALL_COLOUR),
                icon_size=(22, 22),
                icon_anchor=(11, 11),
                class_name="qy-call",
            ),
            tooltip=_tip(names["call"], []),
        ).add_to(place)
        folium.Marker(  # its name right of the marker (22 px wide, centred), not under it
            (round(float(clat[0]), 6), round(float(clng[0]), 6)),
            icon=_label_icon(names["call"], left=15, css="qy-call-label", colour=CALL_COLOUR),
            interactive=False,
            z_index_offset=2000,
        ).add_to(place)
    groups.append(place)
    return groups

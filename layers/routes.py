"""Patrol plan routes: per unit a polyline from its start point through its stops and back, and a
numbered marker per stop; with plan-against-actual, markers coloured by the stop's status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import folium
import numpy as np

from layers._encode import colour, shift, text
from layers.tracks import TRACK_COLOURS

__all__ = ["STATUS_COLOURS", "routes_layer"]

STATUS_COLOURS = {"full": "#1a9850", "brief": "#fdae61", "missed": "#d73027"}


def _literal_safe(html_text: str) -> str:
    """HTML for a folium Tooltip: folium places it inside a JavaScript template literal, so the
    characters that could end or interpolate one (backtick, dollar, backslash) become entities.
    The parts from user data are already escaped by :func:`text`."""
    return html_text.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def _marker_html(label: str, fill: str) -> str:
    return (
        f"<div style='background:{colour(fill)};color:#fff;border:2px solid #fff;"
        "border-radius:50%;width:22px;height:22px;line-height:18px;text-align:center;"
        f"font:bold 11px sans-serif;box-shadow:0 0 3px #333'>{text(label)}</div>"
    )


def routes_layer(
    plan: Mapping[str, Any],
    *,
    name: str,
    labels: Mapping[str, str],
    status: Mapping[tuple[str, int], str] | None = None,
    units: Sequence[str] | None = None,
    shift_gcj02: bool = False,
    show: bool = True,
) -> folium.FeatureGroup:
    """A feature group drawing the plan's routes.

    Parameters
    ----------
    plan
        A plan document (:func:`geo.services.plan.make_plan`).
    labels
        Translated words for tooltips: ``unit``, ``arrive``, ``leave``, ``landmark``, ``start``
        and, with ``status``, ``full``, ``brief``, ``missed``.
    status
        Optional ``{(unit_id, seq): "full" | "brief" | "missed"}`` from plan against actual;
        markers then take the status colour.
    units
        Draw only these units (default all).
    """
    group = folium.FeatureGroup(name=text(name), show=show)
    for i, u in enumerate(plan["units"]):
        if units is not None and u["unit_id"] not in units:
            continue
        line_colour = TRACK_COLOURS[i % len(TRACK_COLOURS)]
        lat = np.array(
            [u["start_point"]["lat"], *(s["lat"] for s in u["stops"]), u["start_point"]["lat"]],
            float,
        )
        lng = np.array(
            [u["start_point"]["lng"], *(s["lng"] for s in u["stops"]), u["start_point"]["lng"]],
            float,
        )
        lat, lng = shift(lat, lng, shift_gcj02)
        unit_label = text(f"{u['unit_id']} {u.get('name', '')}".strip())
        unit_tip = _literal_safe(f"{text(labels['unit'])}: {unit_label}")
        start_tip = _literal_safe(f"{text(labels['start'])}: {unit_label}")
        if len(u["stops"]):
            folium.PolyLine(
                list(zip(lat.round(6), lng.round(6), strict=True)),
                color=line_colour,
                weight=3,
                opacity=0.8,
                tooltip=folium.Tooltip(unit_tip, sticky=True),
            ).add_to(group)
        folium.Marker(
            [float(lat[0]), float(lng[0])],
            icon=folium.DivIcon(
                html=_marker_html("★", "#222"),
                icon_size=(22, 22),
                icon_anchor=(11, 11),
                class_name="qy-start",
            ),
            tooltip=folium.Tooltip(start_tip),
        ).add_to(group)
        for k, s in enumerate(u["stops"], start=1):
            st = status.get((u["unit_id"], int(s["seq"]))) if status else None
            fill = STATUS_COLOURS[st] if st else line_colour
            tip = (
                f"<b>{unit_label} #{int(s['seq'])}</b><br>"
                f"{text(labels['arrive'])}: {text(s['arrive'][11:16])} · "
                f"{text(labels['leave'])}: {text(s['leave'][11:16])}"
            )
            if s.get("landmark"):
                tip += f"<br>{text(labels['landmark'])}: {text(s['landmark'])}"
            if st:
                tip += f"<br><b>{text(labels[st])}</b>"
            folium.Marker(
                [float(lat[k]), float(lng[k])],
                icon=folium.DivIcon(
                    html=_marker_html(str(s["seq"]), fill),
                    icon_size=(22, 22),
                    icon_anchor=(11, 11),
                    class_name="qy-stop",
                ),
                tooltip=folium.Tooltip(_literal_safe(tip)),
            ).add_to(group)
    return group

"""Patrol tracks: one polyline per unbroken run of a shift's fixes; breaks (gaps over 5 minutes,
jumps faster than 150 km/h, as flagged by :func:`geo.domain.coverage.segments`) drawn dashed and
marked."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from geo.domain import coverage
from layers import _assets
from layers._encode import colour, legend_html, shift
from layers._layer import DataLayer

__all__ = ["TRACK_COLOURS", "TracksLayer", "tracks_layer"]

TRACK_COLOURS = [
    "#1f78b4",
    "#33a02c",
    "#e31a1c",
    "#ff7f00",
    "#6a3d9a",
    "#b15928",
    "#a6cee3",
    "#b2df8a",
    "#fb9a99",
    "#fdbf6f",
    "#cab2d6",
]
BREAK_COLOURS = {"gap": "#7f7f7f", "jump": "#d62728"}


class TracksLayer(DataLayer):
    """A folium layer of tracks (see :func:`tracks_layer`)."""

    factory = "qyTracks"
    element = "QyTracks"

    def __init__(self, data: dict, *, name: str, show: bool = True) -> None:
        super().__init__(data, name=name, show=show)
        self.n_lines = len(data["lines"])
        self.n_breaks = len(data["breaks"])


def tracks_layer(
    pings: pd.DataFrame,
    *,
    name: str,
    breaks: bool = True,
    labels: Mapping[str, str] | None = None,
    legend_title: str = "",
    shift_gcj02: bool = False,
    decimals: int = 5,
    show: bool = True,
) -> TracksLayer:
    """Polylines per shift from ``pings[shift_id, ts, lat, lng]`` (WGS-84), split where the
    track breaks.

    Parameters
    ----------
    breaks
        Also draw each break as a dashed line with a marker at its start (grey: gap, red: jump).
    labels
        Legend labels ``{"track": ..., "gap": ..., "jump": ...}`` (the caller translates).
    decimals
        Coordinate rounding (5 decimals is about 1 m).
    """
    seg = coverage.segments(pings)
    lines: list[dict] = []
    brk: list[list] = []
    if len(seg):
        lat0, lng0 = shift(seg["lat0"].to_numpy(), seg["lng0"].to_numpy(), shift_gcj02)
        lat1, lng1 = shift(seg["lat1"].to_numpy(), seg["lng1"].to_numpy(), shift_gcj02)
        lat0, lng0, lat1, lng1 = (np.round(a, decimals) for a in (lat0, lng0, lat1, lng1))
        shift_ids = seg["shift_id"].astype(str).to_numpy()
        broken = seg["broken"].to_numpy(bool)
        reasons = seg["reason"].to_numpy()
        colours: dict[str, str] = {}
        current: list[list[float]] | None = None
        prev_shift = ""  # no shift before the first segment (current is None until one starts)
        for i in range(len(seg)):
            sid = shift_ids[i]
            colours.setdefault(sid, TRACK_COLOURS[len(colours) % len(TRACK_COLOURS)])
            if sid != prev_shift or broken[i]:
                if current is not None and len(current) > 1:
                    lines.append({"c": colours[prev_shift], "p": current})
                current = None
            if broken[i]:
                brk.append(
                    [
                        float(lat0[i]),
                        float(lng0[i]),
                        float(lat1[i]),
                        float(lng1[i]),
                        str(reasons[i]) or "gap",
                    ]
                )
            else:
                if current is None:
                    current = [[float(lat0[i]), float(lng0[i])]]
                current.append([float(lat1[i]), float(lng1[i])])
            prev_shift = sid
        if current is not None and len(current) > 1:
            lines.append({"c": colours[prev_shift], "p": current})
    labels = dict(labels or {})
    data: dict = {
        "lines": lines,
        "breaks": brk if breaks else [],
        "bc": {k: colour(v) for k, v in BREAK_COLOURS.items()},
    }
    rows = [(TRACK_COLOURS[0], labels.get("track", "track"))]
    if breaks:
        rows += [
            (BREAK_COLOURS["gap"], labels.get("gap", "gap > 5 min")),
            (BREAK_COLOURS["jump"], labels.get("jump", "jump > 150 km/h")),
        ]
    data["legend"] = legend_html(legend_title, rows, kind="line")
    return TracksLayer(data, name=str(name), show=show)


_assets.use(TracksLayer, ("leaflet", "qylayers"), ("leaflet_css", "qylayers_css"))

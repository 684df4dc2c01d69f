"""A patrol plan on the map: the tracks driven (plan against actual), the candidate cells coloured
by their value and the routes with numbered stops (:func:`layers.routes.routes_layer`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from folium.map import Layer

from geo.domain import hexes
from layers.cells import cells_layer
from layers.routes import routes_layer
from layers.tracks import tracks_layer

__all__ = ["plan_layers"]


def plan_layers(
    plan: Mapping[str, Any],
    *,
    names: Mapping[str, str],
    labels: Mapping[str, str],
    status: Mapping[tuple[str, int], str] | None = None,
    tracks: pd.DataFrame | None = None,
    shift_gcj02: bool = False,
) -> list[Layer]:
    """The layers of a plan, in drawing order: tracks (when given and not empty), candidate
    cells (when the plan lists them), routes.

    Parameters
    ----------
    plan
        A plan document (:func:`geo.services.plan.make_plan`).
    names
        Translated layer names: ``tracks``, ``candidates`` (also the legend title), ``routes``,
        and ``value`` (the candidates' tooltip label).
    labels
        Tooltip words of the routes (:func:`layers.routes.routes_layer`).
    status
        ``{(unit_id, seq): "full" | "brief" | "missed"}`` from plan against actual.
    tracks
        Pings (shift_id, ts, lat, lng) of the plan's units, drawn without breaks.
    """
    out: list[Layer] = []
    if tracks is not None and len(tracks):
        out.append(
            tracks_layer(tracks, name=names["tracks"], breaks=False, shift_gcj02=shift_gcj02)
        )
    if plan.get("cells"):
        cand = pd.DataFrame(plan["cells"])
        cand["cell"] = hexes.str_to_cells(cand["h3"])
        out.append(
            cells_layer(
                cand[["cell", "value"]],
                value="value",
                name=names["candidates"],
                palette="gap",
                legend_title=names["candidates"],
                shift_gcj02=shift_gcj02,
                tooltip=[("value", names["value"])],
            )
        )
    out.append(
        routes_layer(
            plan, name=names["routes"], labels=labels, status=status, shift_gcj02=shift_gcj02
        )
    )
    return out

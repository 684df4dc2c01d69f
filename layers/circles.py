"""Response circles (1-3-5 分钟快速反应圈) on the map: the cells by the response tier they fall
in, the key sites inside or outside their required response time, and the posts and units the
circles are drawn from (:func:`geo.services.circles.readiness`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from folium.map import Layer

from layers.cells import cells_layer
from layers.points import points_layer

__all__ = ["BEYOND", "SITE_COLOURS", "TIER_COLOURS", "circles_layers"]

TIER_COLOURS = ["#1a9850", "#91cf60", "#fee08b", "#d73027"]
"""Colours of the tiers, quickest first; the cells beyond every tier take the last one."""
SITE_COLOURS = {"in": "#2166ac", "out": "#b2182b"}
"""Key sites inside / outside their required response time."""
BEYOND = 99.0
"""The value drawn for cells beyond every tier (minutes; above any tier)."""


def circles_layers(
    cells: pd.DataFrame,
    sites: pd.DataFrame,
    sources: pd.DataFrame,
    tiers: Sequence[float],
    *,
    names: Mapping[str, str],
    tier_labels: Sequence[str],
    shift_gcj02: bool = False,
) -> list[Layer]:
    """The layers of the response circles, in drawing order: cells, key sites, sources.

    Parameters
    ----------
    cells
        cell, tier (minutes; NaN beyond every tier), travel_min, required_min.
    sites
        lat, lng, inside (bool), name, travel_min, required_min.
    sources
        lat, lng, id (the posts and units the circles are drawn from).
    tiers
        The response tiers in minutes, quickest first.
    names
        Translated words: ``circles`` (cells layer and legend title), ``sites``, ``sources``
        (layer names), ``inside``, ``outside`` (legend), ``name``, ``travel_min``,
        ``required_min`` (tooltips and popups).
    tier_labels
        Legend labels: one per tier, then one for the cells beyond every tier.
    """
    tiers = list(tiers)
    shown = cells.assign(tier_v=cells["tier"].fillna(BEYOND))
    times = [("travel_min", names["travel_min"]), ("required_min", names["required_min"])]
    return [
        cells_layer(
            shown,
            value="tier_v",
            name=names["circles"],
            drop_zero=True,
            palette=[*TIER_COLOURS[: len(tiers)], TIER_COLOURS[-1]],
            bins=[0, *[t + 0.01 for t in tiers], 100],
            labels=list(tier_labels),
            legend_title=names["circles"],
            shift_gcj02=shift_gcj02,
            tooltip=times,
        ),
        points_layer(
            sites.assign(state=sites["inside"].map({True: "in", False: "out"})),
            name=names["sites"],
            color_by="state",
            cluster=False,
            colors=SITE_COLOURS,
            color_labels={"in": names["inside"], "out": names["outside"]},
            popup=[("name", names["name"]), *times],
            shift_gcj02=shift_gcj02,
        ),
        points_layer(
            sources,
            name=names["sources"],
            color="#000000",
            cluster=False,
            radius=8,
            popup=[("id", "ID")],
            shift_gcj02=shift_gcj02,
        ),
    ]

"""Drawing for the Settings page: the basemap choice with the custom tile URL or the Tianditu
token it needs, and the risk-weights table in the users' words (validated and stored by
:func:`geo.services.settings.save_settings`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from geo.services import settings
from views import _common as ui
from views import _map

__all__ = ["basemap", "weights_editor"]


def basemap(saved: dict[str, Any]) -> tuple[str, str, str]:
    """The basemap radio (``saved``: the stored settings), then the URL box for a custom basemap
    or the token box for Tianditu: (choice, tiles URL, token; "" where no box is shown)."""
    tiles = st.radio(
        ui.tr("settings.basemap"),
        list(settings.TILE_CHOICES),
        horizontal=True,
        key=ui.relabelled("set_tiles", str(saved["tiles_choice"])),
        label_visibility="collapsed",
        format_func=_map.formatter(prefix="settings.tiles."),
    )
    tiles_url = token = ""
    if tiles == "custom":
        tiles_url = st.text_input(
            ui.tr("settings.tiles_url"), str(saved["tiles_url"]), key="set_tiles_url"
        )
    if tiles == "tianditu":
        token = st.text_input(
            ui.tr("settings.token"), str(saved["tianditu_token"]), type="password", key="set_token"
        )
    return tiles, tiles_url, token


def weights_editor(engine: sa.Engine) -> pd.DataFrame:
    """The risk-weights table: each factor by its label in the user's language (the factor code
    and the other language's label are kept, not shown), its radius in metres and its weight;
    returns the edited table as :func:`geo.services.settings.save_settings` takes it."""
    weights = settings.risk_weights(engine)
    label = "label_en" if ui.lang() == "en" else "label_zh"
    cc = st.column_config
    edited = st.data_editor(
        weights.assign(shown=weights[label].fillna(weights["factor"])),
        hide_index=True,
        key="set_weights",
        disabled=["shown"],
        num_rows="fixed",
        column_order=["shown", "radius_m", "weight"],
        column_config={
            "shown": cc.TextColumn(ui.tr("settings.col.factor")),
            "radius_m": cc.NumberColumn(
                ui.tr("settings.col.radius_m"), min_value=1, max_value=5000, step=10
            ),
            "weight": cc.NumberColumn(ui.tr("settings.col.weight"), min_value=0.01, step=0.1),
        },
    )
    return edited.drop(columns="shown")

"""Drawing for the Settings page: the basemap choice with the custom tile URL or the Tianditu
token it needs (validated and stored by :func:`geo.services.settings.save_settings`)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from geo.services import settings
from views import _common as ui
from views import _map

__all__ = ["basemap"]


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

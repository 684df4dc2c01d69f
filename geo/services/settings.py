"""Settings users change: the night window, basemap, risk weights and unsettled-dispute days.

The night window and basemap (Settings page), the risk weights and the days after which an
unsettled dispute counts in risk. Every change is audited; a map token never reaches the audit
log.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.config import get_settings
from geo.domain import risk
from geo.services import access
from geo.services.risk import (
    risk_weights,
    set_risk_weights,
    set_unsettled_days,
    stored_unsettled_days,
)

__all__ = [
    "TILE_CHOICES",
    "UI_META",
    "SettingsError",
    "reset_risk_weights",
    "risk_weights",
    "save_settings",
    "stored_unsettled_days",
    "ui_settings",
]

UI_META = "ui_settings"
TILE_CHOICES = ("none", "osm", "amap", "tianditu", "custom")


class SettingsError(ValueError):
    """A setting that cannot be stored; ``key`` is the string (geo/strings) that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def ui_settings(engine: sa.Engine) -> dict[str, Any]:
    """The night window and basemap users chose, with the configured defaults.

    ``tiles`` is what a map builder takes: none, osm, amap, tianditu or a URL template
    (``tiles_choice`` is the option chosen on the Settings page, "custom" for a URL);
    ``risk_weights`` the editable weights table and ``dispute_days`` the unsettled-dispute days.
    """
    settings = get_settings()
    stored = store.get_meta(engine, UI_META, {}) or {}
    choice = stored.get("tiles", settings.tiles)
    url = stored.get("tiles_url", "")
    if choice not in TILE_CHOICES:
        choice, url = "custom", choice  # QY_TILES may be a URL template
    return {
        "night": stored.get("night", settings.night),
        "tiles": url if choice == "custom" else choice,
        "tiles_choice": choice,
        "tiles_url": url,
        "tianditu_token": stored.get("tianditu_token", ""),
    }


def save_settings(
    engine: sa.Engine,
    *,
    user: str | None,
    night: str,
    tiles: str,
    tiles_url: str = "",
    tianditu_token: str = "",
    weights: pd.DataFrame | None = None,
    dispute_days: int | None = None,
) -> None:
    """Validate and store the Settings page, audited under ``user``.

    Night window, basemap (``tiles`` one of :data:`TILE_CHOICES`; a custom one needs an http(s)
    URL template), risk weights and the unsettled-dispute days. A bad tile URL is a
    :class:`SettingsError`, bad weights a ValueError saying which row (nothing is stored then).
    """
    if tiles == "custom" and not tiles_url.startswith(("http://", "https://")):
        raise SettingsError("settings.tiles_url")
    if weights is not None:
        set_risk_weights(engine, weights)
    if dispute_days is not None:
        set_unsettled_days(engine, int(dispute_days))
    with engine.begin() as conn:
        store.set_meta(
            conn,
            UI_META,
            {
                "night": night,
                "tiles": tiles,
                "tiles_url": tiles_url,
                "tianditu_token": tianditu_token,
            },
        )
    access.audit(
        engine,
        user,
        "settings",
        UI_META,
        night=night,
        tiles=tiles,
        tiles_url=tiles_url,
        tianditu_token="set" if tianditu_token else "",
        risk_weights=None if weights is None else weights.to_dict("records"),
        dispute_unsettled_days=None if dispute_days is None else int(dispute_days),
    )


def reset_risk_weights(engine: sa.Engine, *, user: str | None) -> None:
    """Put the default risk weights back (audited)."""
    set_risk_weights(engine, risk.DEFAULT_WEIGHTS)
    access.audit(engine, user, "settings", "risk_weights", reset=True)

"""Duty-and-readiness pieces: the duty-rules editor (Settings), the night's alerts (Overview) and
the drawing helpers of the Duty & readiness page. Logic in geo.services.duty."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from geo.domain import duty as duty_rules
from geo.services import duty
from layers.circles import circles_layers
from views import _common as ui
from views import _map

__all__ = ["alerts_panel", "circles_map", "cols", "rules_editor"]


def _saved() -> None:
    st.cache_data.clear()
    st.success(ui.tr("settings.duty_saved"))


def rules_editor() -> None:
    """Edit, import and export the duty rules (stored in the store's meta table)."""
    engine = ui.engine()
    st.subheader(ui.tr("settings.duty"))
    st.caption(ui.tr("settings.duty_help"))
    up = st.file_uploader(ui.tr("settings.duty_file"), type=["toml"], key="set_duty_file")
    if up is not None and st.session_state.get("set_duty_loaded") != up.file_id:
        try:
            duty.import_rules(engine, up.getvalue(), user=ui.user(), name=up.name)
        except ValueError as e:
            st.error(str(e))
        else:
            st.session_state["set_duty_loaded"] = up.file_id
            _saved()
    rules = duty.get_rules(engine)
    edited = {}
    for table, columns in (
        ("sites", duty_rules.SITE_RULE_COLUMNS),
        ("venues", duty_rules.VENUE_RULE_COLUMNS),
        ("tiers", duty_rules.TIER_COLUMNS),
    ):
        edited[table] = st.data_editor(
            pd.DataFrame(rules[table], columns=columns),
            hide_index=True,
            num_rows="dynamic",
            key=f"set_duty_{table}",
            width="stretch",
        )
    a, b, c = st.columns(3)
    if a.button(ui.tr("settings.duty_save"), key="set_duty_save"):
        try:
            duty.save_rules(engine, edited, user=ui.user())
        except ValueError as e:
            st.error(str(e))
        else:
            _saved()
    if b.button(ui.tr("settings.duty_reset"), key="set_duty_reset"):
        duty.reset_rules(engine, user=ui.user())
        st.cache_data.clear()
        st.rerun()
    c.download_button(
        ui.tr("settings.duty_export"),
        duty_rules.rules_to_toml(rules),
        file_name="duty_rules.toml",
        mime="application/toml",
        key="set_duty_export",
    )


def alerts_panel(night: str, area: str | None) -> None:
    """The night's alerts as a list with a link to the Duty & readiness map."""
    st.subheader(ui.tr("alerts.title", night=night))
    got = _map.cached(duty.night_alerts, night, area=area)
    if not got["n"]:
        st.caption(ui.tr("alerts.none"))
        return
    st.caption(
        ui.tr(
            "alerts.counts",
            n=got["n"],
            parts=ui.tr("app.list_sep").join(
                f"{_map.label('alert', k)} {v}" for k, v in got["counts"].items()
            ),
        )
    )
    _map.table(
        got["table"],
        {
            "kind": "duty.col.alert",
            "name": "col.name",
            "what": "col.category",
            "detail": "duty.col.detail",
            "since": "duty.col.since",
        },
        enums={"kind": "alert"},
        height=240,
        key="ov_alerts",
    )
    st.page_link("views/duty.py", label=ui.tr("alerts.link"), icon=":material/map:")


# --------------------------------------------------------------------------------------------
# Drawing helpers of the Duty & readiness page


def cols(spec: str) -> dict[str, str]:
    """Table headers: ``"col.name done status=duty_status"`` gives ``{"name": "col.name", "done":
    "duty.col.done", "status": "duty.col.duty_status"}`` (in that order). A word with a dot is
    the string key of the column named by its last part; ``column=key`` names the key; a key
    without a dot is one of ``duty.col.``."""
    out = {}
    for c in spec.split():
        column, _, key = c.partition("=")
        key = key or column
        out[column.rpartition(".")[2]] = key if "." in key else f"duty.col.{key}"
    return out


def circles_map(r: dict[str, Any], area: str | None) -> None:
    """The response circles (:func:`geo.services.circles.response_circles`) on the map."""
    m = _map.base_map(area)
    _map.add_areas(m, area)
    words = {
        "circles": "duty.circles",
        "sites": "cell.sites",
        "sources": "duty.m.sources",
        "inside": "duty.inside",
        "outside": "duty.outside",
        "name": "col.name",
        "travel_min": "duty.col.travel_min",
        "required_min": "duty.col.required_min",
    }
    tiers = r["summary"]["tiers"]
    for layer in circles_layers(
        r["cells"],
        r["sites"],
        r["sources"],
        tiers,
        names={w: ui.tr(key) for w, key in words.items()},
        tier_labels=[ui.tr("duty.tier", m=f"{t:g}") for t in tiers] + [ui.tr("duty.beyond")],
        shift_gcj02=_map.shift_gcj02(),
    ):
        layer.add_to(m)
    _map.show_map(m, key="duty_map", height=520)

"""Duty-and-readiness pieces other pages show: the duty-rules editor (Settings) and the night's
alerts (Overview). Logic in geo.duty."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import duty
from views import _common as ui
from views import _map

__all__ = ["alerts_panel", "rules_editor"]


def rules_editor() -> None:
    """Edit, import and export the duty rules (stored in the store's meta table)."""
    engine = ui.engine()
    st.subheader(ui.tr("settings.duty"))
    st.caption(ui.tr("settings.duty_help"))
    up = st.file_uploader(ui.tr("settings.duty_file"), type=["toml"], key="set_duty_file")
    if up is not None and st.session_state.get("set_duty_loaded") != up.file_id:
        try:
            duty.set_rules(engine, duty.rules_from_toml(up.getvalue()))
        except ValueError as e:
            st.error(str(e))
        else:
            st.session_state["set_duty_loaded"] = up.file_id
            ui.audit("settings", "duty_rules", imported=up.name)
            st.cache_data.clear()
            st.success(ui.tr("settings.duty_saved"))
    rules = duty.get_rules(engine)
    edited = {}
    for table, cols in (("sites", duty.SITE_RULE_COLUMNS), ("venues", duty.VENUE_RULE_COLUMNS),
                        ("tiers", duty.TIER_COLUMNS)):
        edited[table] = st.data_editor(pd.DataFrame(rules[table], columns=cols),
                                       hide_index=True, num_rows="dynamic",
                                       key=f"set_duty_{table}", width="stretch")
    a, b, c = st.columns(3)
    if a.button(ui.tr("settings.duty_save"), key="set_duty_save"):
        try:
            duty.set_rules(engine, edited)
        except ValueError as e:
            st.error(str(e))
        else:
            ui.audit("settings", "duty_rules")
            st.cache_data.clear()
            st.success(ui.tr("settings.duty_saved"))
    if b.button(ui.tr("settings.duty_reset"), key="set_duty_reset"):
        duty.set_rules(engine, duty.DEFAULT_RULES)
        ui.audit("settings", "duty_rules", reset=True)
        st.cache_data.clear()
        st.rerun()
    c.download_button(ui.tr("settings.duty_export"), duty.rules_to_toml(rules),
                      file_name="duty_rules.toml", mime="application/toml",
                      key="set_duty_export")


def alerts_panel(night: str, area: str | None) -> None:
    """The night's alerts as a list with a link to the Duty & readiness map."""
    st.subheader(ui.tr("alerts.title", night=night))
    table = _map.cached(duty.alerts, night, area=area)
    if table.empty:
        st.caption(ui.tr("alerts.none"))
        return
    counts = table["kind"].value_counts()
    st.caption(ui.tr("alerts.counts", n=len(table), parts="，".join(
        f"{_map.label('alert', k)} {v}" for k, v in counts.items())))
    _map.table(table.head(50), {"kind": "duty.col.alert", "name": "col.name",
                                "what": "col.category", "detail": "duty.col.detail",
                                "since": "duty.col.since"},
               enums={"kind": "alert"}, height=240, key="ov_alerts")
    st.page_link("views/duty.py", label=ui.tr("alerts.link"), icon=":material/map:")

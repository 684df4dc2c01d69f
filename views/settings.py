"""Settings: default night window, basemap (offline by default) and the risk-weights table."""

from __future__ import annotations

import streamlit as st

from geo.domain.period import parse_night
from geo.services import settings
from views import _common as ui
from views import _settings
from views._duty import rules_editor  # the duty rules (issue 11)

ui.require("settings")
ui.demo_banner()
st.title(ui.tr("page.settings"))
engine = ui.engine()
current = settings.ui_settings(engine)

st.subheader(ui.tr("settings.night"))
hours = zip(st.columns(2), ("from", "to"), parse_night(str(current["night"])), strict=True)
night_from, night_to = (
    col.selectbox(
        ui.tr(f"filter.night_{end}"),
        range(24),
        index=hour,
        key=f"set_night_{end}",
        format_func=lambda h: f"{h:02d}:00",
    )
    for col, end, hour in hours
)
st.caption(ui.tr("settings.night_help"))

st.subheader(ui.tr("settings.basemap"))
tiles, tiles_url, token = _settings.basemap(current)

st.subheader(ui.tr("settings.weights"))
st.caption(ui.tr("settings.weights_help"))
weights = _settings.weights_editor(engine)
dispute_days = st.number_input(
    ui.tr("settings.dispute_days"),
    min_value=1,
    max_value=365,
    step=1,
    key="set_dispute_days",
    value=int(settings.stored_unsettled_days(engine)),
    help=ui.tr("settings.dispute_days_help"),
)

if st.button(ui.tr("settings.save"), type="primary", key="set_save"):
    try:  # validated, stored and audited (the map token is not written to the audit log)
        settings.save_settings(
            engine,
            user=ui.user() or None,
            night=f"{night_from:02d}:00-{night_to:02d}:00",
            tiles=tiles,
            tiles_url=tiles_url,
            tianditu_token=token,
            weights=weights,
            dispute_days=int(dispute_days),
        )
    except settings.SettingsError as e:
        st.error(ui.tr(e.key))
    except ValueError as e:
        st.error(str(e))
    else:
        st.cache_data.clear()
        st.success(ui.tr("settings.saved"))
if st.button(ui.tr("settings.reset_weights"), key="set_reset"):
    settings.reset_risk_weights(engine, user=ui.user() or None)
    st.cache_data.clear()
    st.rerun()

rules_editor()

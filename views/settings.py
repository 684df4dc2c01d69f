"""Settings: default night window, basemap (offline by default) and the risk-weights table."""

from __future__ import annotations

import streamlit as st

from geo.domain.period import parse_night
from geo.i18n import t
from geo.services import settings
from views import _common as ui
from views._duty import rules_editor  # the duty rules (issue 11)

LANG = ui.lang()  # format functions are bound to this run's language

ui.require("settings")
ui.demo_banner()
st.title(ui.tr("page.settings"))
engine = ui.engine()
current = settings.ui_settings(engine)

st.subheader(ui.tr("settings.night"))
h0, h1 = parse_night(str(current["night"]))
c1, c2 = st.columns(2)
night_from = c1.selectbox(ui.tr("filter.night_from"), range(24), index=h0, key="set_night_from",
                          format_func=lambda h: f"{h:02d}:00")
night_to = c2.selectbox(ui.tr("filter.night_to"), range(24), index=h1, key="set_night_to",
                        format_func=lambda h: f"{h:02d}:00")
st.caption(ui.tr("settings.night_help"))

st.subheader(ui.tr("settings.basemap"))
tiles = st.radio(ui.tr("settings.basemap"), list(settings.TILE_CHOICES), horizontal=True,
                 key=ui.relabelled("set_tiles", str(current["tiles_choice"])),
                 label_visibility="collapsed", format_func=lambda k: t(f"settings.tiles.{k}", LANG))
tiles_url = token = ""
if tiles == "custom":
    tiles_url = st.text_input(ui.tr("settings.tiles_url"), str(current["tiles_url"]),
                              key="set_tiles_url")
if tiles == "tianditu":
    token = st.text_input(ui.tr("settings.token"), str(current["tianditu_token"]),
                          type="password", key="set_token")

st.subheader(ui.tr("settings.weights"))
st.caption(ui.tr("settings.weights_help"))
weights = st.data_editor(settings.risk_weights(engine), hide_index=True, key="set_weights",
                         disabled=["factor"], num_rows="fixed")
dispute_days = st.number_input(
    ui.tr("settings.dispute_days"), min_value=1, max_value=365, step=1, key="set_dispute_days",
    value=int(settings.stored_unsettled_days(engine)), help=ui.tr("settings.dispute_days_help"))

if st.button(ui.tr("settings.save"), type="primary", key="set_save"):
    try:  # validated, stored and audited (the map token is not written to the audit log)
        settings.save_settings(engine, user=ui.user() or None,
                               night=f"{night_from:02d}:00-{night_to:02d}:00", tiles=tiles,
                               tiles_url=tiles_url, tianditu_token=token, weights=weights,
                               dispute_days=int(dispute_days))
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

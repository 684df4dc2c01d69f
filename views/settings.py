"""Settings: default night window, basemap (offline by default) and the risk-weights table."""

from __future__ import annotations

import streamlit as st

from geo import analysis, risk, store
from geo.i18n import t
from views import _common as ui

LANG = ui.lang()  # format functions are bound to this run's language

ui.require("settings")
ui.demo_banner()
st.title(ui.tr("page.settings"))
engine = ui.engine()
current = ui.ui_settings()

st.subheader(ui.tr("settings.night"))
h0, h1 = (int(x.split(":")[0]) for x in str(current["night"]).split("-"))
c1, c2 = st.columns(2)
night_from = c1.selectbox(ui.tr("filter.night_from"), range(24), index=h0, key="set_night_from",
                          format_func=lambda h: f"{h:02d}:00")
night_to = c2.selectbox(ui.tr("filter.night_to"), range(24), index=h1, key="set_night_to",
                        format_func=lambda h: f"{h:02d}:00")
st.caption(ui.tr("settings.night_help"))

st.subheader(ui.tr("settings.basemap"))
tile_options = ["none", "osm", "amap", "tianditu", "custom"]
tiles = st.radio(ui.tr("settings.basemap"), tile_options, horizontal=True,
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
weights = st.data_editor(analysis.risk_weights(engine), hide_index=True, key="set_weights",
                         disabled=["factor"], num_rows="fixed")
dispute_days = st.number_input(
    ui.tr("settings.dispute_days"), min_value=1, max_value=365, step=1, key="set_dispute_days",
    value=int(store.get_meta(engine, "dispute_unsettled_days", 30)),
    help=ui.tr("settings.dispute_days_help"))

if st.button(ui.tr("settings.save"), type="primary", key="set_save"):
    try:
        if tiles == "custom" and not tiles_url.startswith(("http://", "https://")):
            raise ValueError(ui.tr("settings.tiles_url"))
        analysis.set_risk_weights(engine, weights)
        with engine.begin() as conn:
            store.set_meta(conn, "dispute_unsettled_days", int(dispute_days))
    except ValueError as e:
        st.error(str(e))
    else:
        with engine.begin() as conn:
            store.set_meta(conn, "ui_settings", {
                "night": f"{night_from:02d}:00-{night_to:02d}:00",
                "tiles": tiles, "tiles_url": tiles_url, "tianditu_token": token})
        ui.audit("settings", "ui_settings", night=f"{night_from:02d}:00-{night_to:02d}:00",
                 tiles=tiles, tiles_url=tiles_url, tianditu_token="set" if token else "",
                 risk_weights=weights.to_dict("records"),
                 dispute_unsettled_days=int(dispute_days))  # the token itself is a secret
        st.cache_data.clear()
        st.success(ui.tr("settings.saved"))
if st.button(ui.tr("settings.reset_weights"), key="set_reset"):
    analysis.set_risk_weights(engine, risk.DEFAULT_WEIGHTS)
    ui.audit("settings", "risk_weights", reset=True)
    st.cache_data.clear()
    st.rerun()

from views._duty import rules_editor  # noqa: E402  (duty rules: issue 11)

rules_editor()

"""Qingyun Patrol (青云巡防): the Streamlit entry. Router and shared frame.

Opens the store (migrations applied), builds the demo city on an empty embedded store, draws the
shared sidebar filters and runs the chosen page. Run with ``streamlit run app.py``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo import store
from geo.config import get_settings
from geo.demo import load_demo
from pages import _common as ui

ROOT = Path(__file__).resolve().parent

st.set_page_config(page_title="青云巡防 Qingyun Patrol", page_icon=str(ROOT / "static" / "qy" / "shield.png"), layout="wide")

engine = ui.engine()
if get_settings().demo and sum(store.counts(engine).values()) == 0:
    with st.spinner(ui.tr("app.building_demo")):
        load_demo(engine)
        st.cache_data.clear()

ui.sidebar()

PAGES = [
    ("pages/overview.py", "page.overview", ":material/dashboard:"),
    ("pages/coverage.py", "page.coverage", ":material/local_police:"),
    ("pages/hotspots.py", "page.hotspots", ":material/local_fire_department:"),
    ("pages/venues.py", "page.venues", ":material/storefront:"),
    ("pages/hazards.py", "page.hazards", ":material/warning:"),
    ("pages/data.py", "page.data", ":material/upload_file:"),
    ("pages/settings.py", "page.settings", ":material/settings:"),
]
nav = st.navigation([st.Page(path, title=ui.tr(key), icon=icon, url_path=path[6:-3])
                     for path, key, icon in PAGES])
st.sidebar.caption(ui.tr("app.title") + " · " + engine.url.render_as_string(hide_password=True))
nav.run()

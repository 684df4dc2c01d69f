"""Qingyun Patrol (青云巡防): the Streamlit entry. Router and shared frame.

The pages live in views/, not pages/: Streamlit still treats a folder named pages/ beside the
entry script as the old automatic multipage app, and after a sidebar change it then ran the page
file on its own, without this frame (sidebar filters gone). tests/bench/bench_app.py caught it.

Opens the store (migrations applied), builds the demo city on an empty embedded store, draws the
shared sidebar filters and runs the chosen page. Run with ``streamlit run app.py``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo import store
from geo.config import get_settings
from geo.demo import load_demo
from views import _common as ui

ROOT = Path(__file__).resolve().parent

st.set_page_config(page_title="青云巡防 Qingyun Patrol",
                   page_icon=str(ROOT / "static" / "qy" / "shield.png"), layout="wide")

engine = ui.engine()
if get_settings().demo and sum(store.counts(engine).values()) == 0:
    with st.spinner(ui.tr("app.building_demo")):
        load_demo(engine)
        st.cache_data.clear()

ui.sidebar()

PAGES = [
    ("views/overview.py", "page.overview", ":material/dashboard:"),
    ("views/coverage.py", "page.coverage", ":material/local_police:"),
    ("views/hotspots.py", "page.hotspots", ":material/local_fire_department:"),
    ("views/venues.py", "page.venues", ":material/storefront:"),
    ("views/hazards.py", "page.hazards", ":material/warning:"),
    ("views/disputes.py", "page.disputes", ":material/handshake:"),
    ("views/plan.py", "page.plan", ":material/route:"),
    ("views/briefing.py", "page.briefing", ":material/description:"),
    ("views/data.py", "page.data", ":material/upload_file:"),
    ("views/settings.py", "page.settings", ":material/settings:"),
]
nav = st.navigation([st.Page(path, title=ui.tr(key), icon=icon, url_path=Path(path).stem)
                     for path, key, icon in PAGES])
st.sidebar.caption(ui.tr("app.title") + " · " + engine.url.render_as_string(hide_password=True))
nav.run()

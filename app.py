"""Qingyun Patrol (青云巡防): the Streamlit entry. Router and shared frame.

The pages live in views/, not pages/: Streamlit still treats a folder named pages/ beside the
entry script as the old automatic multipage app, and after a sidebar change it then ran the page
file on its own, without this frame (sidebar filters gone). tests/bench/bench_app.py caught it.

Opens the store (migrations applied), builds the demo city on an empty embedded store, creates
the first admin from QY_ADMIN_USER/QY_ADMIN_PASSWORD and the demo users in demo mode
(geo.services.access.bootstrap), shows the login form until a user logs in, draws the shared sidebar
filters and runs the chosen page among those the user's role may open. Run with
``streamlit run app.py``.

Nothing internal reaches the screen: the store's address is shown to the admin on the Admin page
only, and an error in a page shows a plain message in the user's language while its traceback
goes to the log (``client.showErrorDetails = "none"`` in .streamlit/config.toml covers what fails
outside this frame).
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
import streamlit as st

from geo import services
from geo.config import get_settings
from geo.services import access, data
from geo.services.demo import load_demo
from views import _common as ui

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("qingyun.app")

st.set_page_config(
    page_title="青云巡防 Qingyun Patrol",
    page_icon=str(ROOT / "static" / "qy" / "shield.png"),
    layout="wide",
)

engine = ui.engine()
if get_settings().demo and sum(data.record_counts(engine).values()) == 0:
    with st.spinner(ui.tr("app.building_demo")):
        load_demo(engine)
        st.cache_data.clear()
if not st.session_state.get("qy_bootstrapped"):
    access.bootstrap(engine)
    st.session_state["qy_bootstrapped"] = True

PAGES = [
    ("views/overview.py", "page.overview", ":material/dashboard:"),
    ("views/coverage.py", "page.coverage", ":material/local_police:"),
    ("views/hotspots.py", "page.hotspots", ":material/local_fire_department:"),
    ("views/venues.py", "page.venues", ":material/storefront:"),
    ("views/hazards.py", "page.hazards", ":material/warning:"),
    ("views/disputes.py", "page.disputes", ":material/handshake:"),
    ("views/plan.py", "page.plan", ":material/route:"),
    ("views/duty.py", "page.duty", ":material/verified_user:"),
    ("views/live.py", "page.live", ":material/my_location:"),
    ("views/briefing.py", "page.briefing", ":material/description:"),
    ("views/data.py", "page.data", ":material/upload_file:"),
    ("views/settings.py", "page.settings", ":material/settings:"),
    ("views/admin.py", "page.admin", ":material/admin_panel_settings:"),
]
ui.language_picker()
ui.streamlit_words()  # Streamlit's own widget texts in the user's language (CSS)
# the login form and a stop until someone logs in
principal = ui.login_gate([Path(path).stem for path, _key, _icon in PAGES])
ui.sidebar()
nav = st.navigation(
    [
        st.Page(path, title=ui.tr(key), icon=icon, url_path=Path(path).stem)
        for path, key, icon in PAGES
        if principal.may(key.removeprefix("page."))
    ],
    expanded=True,  # every page listed: no "View N more" (Streamlit's English, no API)
)
st.sidebar.caption(ui.tr("app.title"))
try:
    nav.run()
except sa.exc.OperationalError as e:  # SQLite: an import held the write lock past the wait
    if not services.is_locked(e):
        log.exception("page %s failed", nav.url_path)
        st.error(ui.tr("app.error"))
    else:
        st.warning(ui.tr("app.store_busy"))
except Exception:  # the traceback to the log, a plain message on the screen
    log.exception("page %s failed", nav.url_path)
    st.error(ui.tr("app.error"))

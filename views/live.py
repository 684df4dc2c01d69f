"""Live: where every unit of the user's areas is now (the age of its last fix, silent units
marked), the last hour's tracks, tonight's plan per unit (stops done, next stop, ETA), the live
alerts and the nearest units to a call, refreshed in place every few seconds. Logic:
geo.services.live, geo.services.live_alerts; drawing: views/_live.py, layers/live.py."""

from __future__ import annotations

import streamlit as st

from views import _common as ui
from views import _live

ui.demo_banner()
ui.require("live")
st.title(ui.tr("page.live"))
f = ui.filters()
_live.live_panel(f.area)  # the map and the tables, rerun by themselves (a fragment)
_live.call_form(f.area)  # outside the fragment: a refresh does not interrupt the typing

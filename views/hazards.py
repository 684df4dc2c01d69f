"""Hazards: map and status board (not rectified at the end, of them rectifying and overdue
against deadline, the period's rectification rate) by category and severity."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.services import hazards as hazards_svc
from views import _common as ui
from views import _map

ui.demo_banner()
st.title(ui.tr("page.hazards"))
f = ui.filters()
hz = _map.loaded(hazards_svc.hazard_board, f.start, f.end, area=f.area)
if not hz.known:
    st.info(ui.tr("haz.none"))
    st.stop()


def _pct(rate: float | None) -> str:
    return "—" if rate is None or pd.isna(rate) else f"{rate:.0%}"


st.subheader(ui.tr("haz.board"), help=ui.tr("help.hazards"))
st.caption(ui.tr("haz.as_of", date=f.end))
board = {k: hz.figures[k] for k in hazards_svc.BOARD_FIGURES}
_map.metrics({**board, "rate": _pct(board["rate"])}, "haz.")
counts = _map.columns(
    "group=category found rectified rate not_rectified rectifying overdue=past_deadline"
)
left, right = st.columns(2)
for box, key, group, by in (
    (left, "by_category", "hazard", hz.by_category),
    (right, "by_severity", "severity", hz.by_severity),
):
    with box:
        st.markdown("**" + ui.tr(f"haz.{key}") + "**")
        _map.table(
            by.assign(rate=by["rate"].map(_pct)),
            {**counts, "group": "col.category" if group == "hazard" else "col.severity"},
            enums={"group": group},
        )

st.subheader(ui.tr("haz.map"))
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
table = hz.table
if len(table):
    pts = table.assign(
        cat=table["category"].map(lambda c: _map.label("hazard", c)),
        sev=table["severity"].map(lambda s: _map.label("severity", s)),
        state=table["status"].map(lambda s: _map.label("hstatus", s)),
        found=table["found_at"].dt.strftime("%Y-%m-%d"),
    )
    _map.add_points(
        m,
        pts,
        "haz.map",
        _map.columns("hazard_id=id cat=category sev=severity state=status found=found_at"),
        color_by="status",
        colors={"open": "#c92a2a", "rectifying": "#e8590c", "rectified": "#2b8a3e"},
        color_labels={k: _map.label("hstatus", k) for k in ("open", "rectifying", "rectified")},
    )
_map.cell_panel(_map.show_map(m, key="haz_map"), hint="pg.point_hint")

st.subheader(ui.tr("haz.table"))
if st.toggle(ui.tr("haz.only_overdue"), key="haz_overdue"):
    table = hz.overdue
cols = "hazard_id=id category category_source=source_category severity status found_at deadline"
cols += " rectified_at overdue days_open"
enums = {"category": "hazard", "severity": "severity", "status": "hstatus"}
_map.table(table, _map.columns(cols), enums=enums, height=360)

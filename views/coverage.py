"""Coverage: night patrol dwell per cell, one night's tracks for chosen units, bad-GPS breaks.

A viewer sees the dwell cells only: no units, tracks or per-shift breaks (the store refuses them).
"""

from __future__ import annotations

import streamlit as st

from geo.domain import schema
from geo.services import coverage
from views import _common as ui
from views import _coverage, _map

ui.demo_banner()
st.title(ui.tr("page.coverage"))
f = ui.filters()
tracks_ok = coverage.may_see_tracks(ui.scope())  # a viewer: cells only
c1, c2, c3 = st.columns([2, 1, 3])
kinds = c1.multiselect(
    ui.tr("cov.unit_kinds"),
    list(schema.UNIT_KINDS),
    key=ui.relabelled("cov_kinds"),
    format_func=_map.formatter("unit"),
    placeholder=ui.tr("pg.all"),
)
night = c2.date_input(  # follows the period's end until the user picks a night
    ui.tr("cov.night"), key=ui.follows_period("cov_night", f.end), disabled=not tracks_ok
)
dwell = _map.loaded(
    coverage.dwell_map,
    start=f.start,
    end=f.end,
    night=f.night,
    res=f.res,
    area=f.area,
    unit_kinds=tuple(kinds) or None,
)
# shift_id -> "unit · HH:MM"
names = _map.loaded(coverage.shift_labels, night.isoformat(), f.area) if tracks_ok else None
chosen: list[str] = []
if names is not None:
    chosen = c3.multiselect(
        ui.tr("cov.units"),
        list(names),
        key=f"cov_units_{night}",
        format_func=names.__getitem__,
        placeholder=ui.tr("cov.pick_units") if names else ui.tr("cov.no_shifts"),
    )
else:
    c3.caption(ui.tr("auth.viewer_no_tracks"))

st.subheader(ui.tr("cov.map"), help=ui.tr("help.coverage") + "\n\n" + ui.tr("help.night_patrol_h"))
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
if len(dwell.cells):
    st.caption(ui.tr("cov.summary", cells=len(dwell.cells), hours=dwell.hours, night=f.night))
    if kinds:
        st.caption(ui.tr("cov.kinds_only", kinds=" / ".join(map(_map.formatter("unit"), kinds))))
    _coverage.draw_dwell(m, dwell.cells)
else:
    st.info(ui.tr("pg.no_data"))
picked = tuple(s for s in chosen if names and s in names)
pings = _map.cached(coverage.night_tracks, picked) if chosen else []
if len(pings):
    _coverage.draw_tracks(m, pings)
_map.cell_panel(_map.show_map(m, key="cov_map"))

if not tracks_ok:
    st.stop()
st.subheader(ui.tr("cov.breaks"))
st.caption(ui.tr("cov.breaks_help"))
breaks = _map.cached(coverage.track_breaks, f.start, f.end, f.area)
if breaks.empty:
    st.info(ui.tr("cov.no_breaks"))
else:
    cols = _map.columns("night unit_name=unit unit_kind pings gap_breaks jump_breaks")
    _map.table(breaks, cols, enums={"unit_kind": "unit"}, height=300)

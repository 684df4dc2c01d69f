"""Coverage: night patrol dwell per cell, one night's tracks for chosen units, bad-GPS breaks.

A viewer sees the dwell cells only: no units, tracks or per-shift breaks (the store refuses them).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from geo.domain import schema
from geo.services import coverage
from layers.cells import cells_layer
from layers.tracks import tracks_layer
from views import _common as ui
from views import _map

ui.demo_banner()
st.title(ui.tr("page.coverage"))
f = ui.filters()
tracks_ok = coverage.may_see_tracks(ui.scope())  # a viewer: cells only
c1, c2, c3 = st.columns([2, 1, 3])
kinds = c1.multiselect(ui.tr("cov.unit_kinds"), list(schema.UNIT_KINDS),
                       key=ui.relabelled("cov_kinds"),
                       format_func=_map.formatter("unit"), placeholder=ui.tr("pg.all"))
night = c2.date_input(ui.tr("cov.night"), value=dt.date.fromisoformat(f.end), key="cov_night",
                      disabled=not tracks_ok)
try:
    dwell = _map.cached(coverage.dwell_map, start=f.start, end=f.end, night=f.night, res=f.res,
                        area=f.area, unit_kinds=tuple(kinds) or None)
    names = _map.cached(coverage.shift_labels, night.isoformat(), f.area) if tracks_ok \
        else None  # shift_id -> "unit · HH:MM"
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()
chosen: list[str] = []
if names is not None:
    chosen = c3.multiselect(ui.tr("cov.units"), list(names), key=f"cov_units_{night}",
                            format_func=names.__getitem__,
                            placeholder=ui.tr("cov.pick_units") if names
                            else ui.tr("cov.no_shifts"))
else:
    c3.caption(ui.tr("auth.viewer_no_tracks"))

st.subheader(ui.tr("cov.map"))
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
if len(dwell.cells):
    st.caption(ui.tr("cov.summary", cells=len(dwell.cells), hours=dwell.hours))
    cells_layer(dwell.cells, value="dwell_min", name=ui.tr("cov.map"), palette="coverage",
                legend_title=ui.tr("cov.legend"), shift_gcj02=_map.shift_gcj02(),
                tooltip=[("dwell_min", ui.tr("col.dwell_min")), ("nights", ui.tr("col.nights"))]
                ).add_to(m)
else:
    st.info(ui.tr("pg.no_data"))
picked = tuple(s for s in chosen if names and s in names)
pings = _map.cached(coverage.night_tracks, picked) if chosen else []
if len(pings):
    tracks_layer(pings, name=ui.tr("cov.tracks_layer"), breaks=True, shift_gcj02=_map.shift_gcj02(),
                 labels={k: ui.tr(f"cov.{k}") for k in ("track", "gap", "jump")}).add_to(m)
_map.cell_panel(_map.show_map(m, key="cov_map"))

if not tracks_ok:
    st.stop()
st.subheader(ui.tr("cov.breaks"))
st.caption(ui.tr("cov.breaks_help"))
breaks = _map.cached(coverage.track_breaks, f.start, f.end, f.area)
if breaks.empty:
    st.info(ui.tr("cov.no_breaks"))
else:
    _map.table(breaks, {"night": "col.night", "unit_name": "col.unit", "unit_kind": "col.unit_kind",
                        "pings": "col.pings", "gap_breaks": "col.gap_breaks",
                        "jump_breaks": "col.jump_breaks"}, enums={"unit_kind": "unit"}, height=300)

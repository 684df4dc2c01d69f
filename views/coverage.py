"""Coverage: night patrol dwell per cell, one night's tracks for chosen units, bad-GPS breaks.

A viewer sees the dwell cells only: no units, tracks or per-shift breaks (the store refuses them).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from geo import analysis, overview, schema, store
from views import _common as ui
from views import _map

ui.demo_banner()
st.title(ui.tr("page.coverage"))
f = ui.filters()
tracks_ok = store.may_read(ui.scope(), "pings")  # a viewer: cells only
c1, c2, c3 = st.columns([2, 1, 3])
kinds = c1.multiselect(ui.tr("cov.unit_kinds"), list(schema.UNIT_KINDS),
                       key=ui.relabelled("cov_kinds"),
                       format_func=_map.formatter("unit"), placeholder=ui.tr("pg.all"))
night = c2.date_input(ui.tr("cov.night"), value=dt.date.fromisoformat(f.end), key="cov_night",
                      disabled=not tracks_ok)
try:
    cells = _map.cached(analysis.coverage_cells, start=f.start, end=f.end, night=f.night,
                        res=f.res, area=f.area, unit_kinds=tuple(kinds) or None)
    shifts = _map.cached(overview.shifts_of_night, night.isoformat(), f.area) if tracks_ok \
        else None
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()
names: dict[str, str] = {}
chosen: list[str] = []
if shifts is not None:
    names = dict(zip(shifts["shift_id"], shifts["unit_name"].fillna(shifts["unit_id"])
                     .astype(str) + " · " + shifts["start"].dt.strftime("%H:%M"), strict=True))
    chosen = c3.multiselect(ui.tr("cov.units"), list(names), key=f"cov_units_{night}",
                            format_func=names.__getitem__,
                            placeholder=ui.tr("cov.pick_units") if names
                            else ui.tr("cov.no_shifts"))
else:
    c3.caption(ui.tr("auth.viewer_no_tracks"))

st.subheader(ui.tr("cov.map"))
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
if len(cells):
    from layers.cells import cells_layer

    shown = cells.assign(dwell_min=(cells["dwell_s"] / 60).round(1))
    st.caption(ui.tr("cov.summary", cells=len(shown), hours=round(shown["dwell_min"].sum() / 60)))
    cells_layer(shown, value="dwell_min", name=ui.tr("cov.map"), palette="coverage",
                legend_title=ui.tr("cov.legend"), shift_gcj02=_map.shift_gcj02(),
                tooltip=[("dwell_min", ui.tr("col.dwell_min")), ("nights", ui.tr("col.nights"))]
                ).add_to(m)
else:
    st.info(ui.tr("pg.no_data"))
pings = _map.cached(overview.night_tracks, [s for s in chosen if s in names]) if chosen else []
if len(pings):
    from layers.tracks import tracks_layer

    tracks_layer(pings, name=ui.tr("cov.tracks_layer"), breaks=True, shift_gcj02=_map.shift_gcj02(),
                 labels={k: ui.tr(f"cov.{k}") for k in ("track", "gap", "jump")}).add_to(m)
_map.cell_panel(_map.show_map(m, key="cov_map"))

if not tracks_ok:
    st.stop()
st.subheader(ui.tr("cov.breaks"))
st.caption(ui.tr("cov.breaks_help"))
breaks = _map.cached(overview.track_breaks, f.start, f.end, f.area)
if breaks.empty:
    st.info(ui.tr("cov.no_breaks"))
else:
    _map.table(breaks, {"night": "col.night", "unit_name": "col.unit", "unit_kind": "col.unit_kind",
                        "pings": "col.pings", "gap_breaks": "col.gap_breaks",
                        "jump_breaks": "col.jump_breaks"}, enums={"unit_kind": "unit"}, height=300)

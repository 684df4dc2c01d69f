"""Overview: the period's key figures against the previous period, a map of the jurisdiction and
the top patrol gaps."""

from __future__ import annotations

import streamlit as st

from geo import analysis, hexes, overview
from views import _common as ui
from views import _map

ui.demo_banner()
st.title(ui.tr("page.overview"))
f = ui.filters()
try:
    table = _map.cached(overview.compare, f.start, f.end, f.area, night=f.night)
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()

st.subheader(ui.tr("ov.figures"))
p0, p1 = overview.previous_period(f.start, f.end)
st.caption(ui.tr("ov.compared", start=p0, end=p1))
cols = st.columns(4)
for i, row in enumerate(table.itertuples(index=False)):
    inverse = row.figure in ("incidents", "hazards_open")  # fewer is better
    cols[i % 4].metric(ui.tr(f"fig.{row.figure}"), row.value, delta=row.change,
                       delta_color="inverse" if inverse else "normal", border=True)

st.subheader(ui.tr("ov.map"))
layer = st.radio(ui.tr("ov.layer"), ["risk", "gap", "coverage"], horizontal=True,
                 key=ui.relabelled("ov_layer"), format_func=_map.formatter(prefix="ov.layer."))
cells = _map.cached(analysis.risk_cells, start=f.start, end=f.end, res=f.res, area=f.area,
                    night=f.night)
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
value = {"risk": "risk", "gap": "gap", "coverage": "dwell_min"}[layer]
shown = cells.assign(dwell_min=(cells["dwell_s"] / 60).round(1)) if len(cells) else cells
shown = shown.loc[shown[value] > 0] if len(shown) else shown
if len(shown):
    from layers.cells import cells_layer

    cells_layer(shown, value=value, name=ui.tr(f"ov.layer.{layer}"), palette=layer,
                legend_title=ui.tr(f"ov.layer.{layer}"), shift_gcj02=_map.shift_gcj02(),
                tooltip=[("risk", ui.tr("col.risk")), ("dwell_min", ui.tr("col.dwell_min")),
                         ("gap", ui.tr("col.gap"))]).add_to(m)
else:
    st.info(ui.tr("pg.no_cells"))
_map.cell_panel(_map.show_map(m, key="ov_map"))

n = 15
st.subheader(ui.tr("ov.gaps", n=n))
if len(cells):
    top = cells.head(n).assign(h3=lambda d: hexes.cells_to_str(d["cell"].to_numpy()),
                               dwell_min=lambda d: (d["dwell_s"] / 60).round(1))
    _map.table(top, {"rank": "col.rank", "h3": "col.h3", "risk": "col.risk",
                     "dwell_min": "col.dwell_min", "nights": "col.nights", "gap": "col.gap"})
else:
    st.info(ui.tr("ov.no_gaps"))

if ui.scope().may("duty"):  # the night's alerts (issue 11), linked to the Duty & readiness map
    from views._duty import alerts_panel

    alerts_panel(f.end, f.area)

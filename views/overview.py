"""Overview: the period's key figures against the previous period, a map of the jurisdiction and
the top patrol gaps."""

from __future__ import annotations

import streamlit as st

from geo.services import overview
from layers.cells import cells_layer
from views import _common as ui
from views import _map
from views._duty import alerts_panel

ui.demo_banner()
st.title(ui.tr("page.overview"))
f = ui.filters()
try:
    figs = _map.cached(overview.figures, f.start, f.end, f.area, night=f.night)
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()

st.subheader(ui.tr("ov.figures"))
st.caption(ui.tr("ov.compared", start=figs.previous_start, end=figs.previous_end))
cols = st.columns(4)
for i, row in enumerate(figs.table.itertuples(index=False)):
    cols[i % 4].metric(
        ui.tr(f"fig.{row.figure}"),
        row.value,
        delta=row.change,
        delta_color="inverse" if row.fewer_is_better else "normal",
        border=True,
        help=ui.tr(row.help) if row.help else None,
    )

st.subheader(ui.tr("ov.map"))
layer = st.radio(
    ui.tr("ov.layer"),
    list(overview.LAYERS),
    horizontal=True,
    key=ui.relabelled("ov_layer"),
    format_func=_map.formatter(prefix="ov.layer."),
    help="\n\n".join(ui.tr(f"help.{k}") for k in ("risk", "gap", "coverage")),
)
gaps = _map.cached(
    overview.gap_map, start=f.start, end=f.end, res=f.res, area=f.area, night=f.night
)
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
shown = gaps.layer(layer)
if len(shown):
    cells_layer(
        shown,
        value=overview.LAYERS[layer],
        name=ui.tr(f"ov.layer.{layer}"),
        palette=layer,
        legend_title=ui.tr(f"ov.layer.{layer}"),
        shift_gcj02=_map.shift_gcj02(),
        tooltip=[
            ("risk", ui.tr("col.risk")),
            ("risk_pct", ui.tr("col.risk_pct")),
            ("dwell_min", ui.tr("col.dwell_min")),
            ("gap", ui.tr("col.gap")),
        ],
    ).add_to(m)
else:
    st.info(ui.tr("pg.no_cells"))
_map.cell_panel(_map.show_map(m, key="ov_map"))

st.subheader(ui.tr("ov.gaps", n=overview.TOP_GAPS))
if len(gaps.top):
    _map.table(
        gaps.top,
        {
            "rank": "col.rank",
            "place": "col.named_place",
            "risk": "col.risk",
            "risk_pct": "col.risk_pct",
            "dwell_min": "col.dwell_min",
            "nights": "col.nights",
            "gap": "col.gap",
            "h3": "col.cell_id",
        },
    )
else:
    st.info(ui.tr("ov.no_gaps"))

if ui.scope().may("duty"):  # the night's alerts (issue 11), linked to the Duty & readiness map
    alerts_panel(f.end, f.area)

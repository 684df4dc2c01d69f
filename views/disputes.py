"""Disputes & leads: the mediation board (reported, settled, resolution rate, escalated, overdue),
the map (points or Gi* hot spots), per-grid resolution and escalation rates, the overdue list,
markets and venues with repeated disputes, and the leads of the period."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import disputes as dsp
from geo import schema
from geo.config import get_settings
from views import _common as ui
from views import _map

ui.demo_banner()
st.title(ui.tr("page.disputes"))
f = ui.filters()
tz = get_settings().tz
start, at = pd.Timestamp(f.start, tz=tz), pd.Timestamp(f.end, tz=tz) + pd.Timedelta(days=1)
try:
    disputes = _map.read("disputes", end=f.end, area=f.area)
    leads = _map.read("leads", end=f.end, area=f.area)
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()
if disputes.empty and leads.empty:
    st.info(ui.tr("dsp.none"))
    st.stop()
days = int(st.columns([1, 3])[0].number_input(ui.tr("dsp.days"), min_value=1, max_value=365,
                                             value=dsp.DEFAULT_OVERDUE_DAYS, step=5,
                                             key="dsp_days"))
board = dsp.dispute_board(disputes, start, at, days=days)
lboard = dsp.lead_board(leads, start, at)

st.subheader(ui.tr("dsp.board"))
st.caption(ui.tr("dsp.as_of", date=f.end))
rate = "—" if board["rate"] is None else f"{board['rate']:.2%}"
for col, key, value in zip(st.columns(6), ("discovered", "settled", "rate", "escalated", "open",
                                           "overdue"),
                           (board["discovered"], board["settled"], rate, board["escalated"],
                            board["open"], board["overdue"]), strict=True):
    col.metric(ui.tr(f"dsp.{key}"), value, border=True)
st.markdown("**" + ui.tr("dsp.leads_board") + "**")
for col, key in zip(st.columns(4), ("received", "concluded", "verifying", "unfounded"),
                    strict=True):
    col.metric(ui.tr(f"dsp.{key}"), lboard[key], border=True)
figs = {"disputes_discovered": board["discovered"], "resolution_rate": board["rate"],
        "leads_received": lboard["received"], "leads_concluded": lboard["concluded"],
        "leads_verifying": lboard["verifying"]}
zh = ui.lang() != "en"
st.caption(ui.tr("dsp.sentences") + ("：" if zh else ": ")
           + ("；" if zh else "; ").join(dsp.sentences(figs, ui.lang())) + ("。" if zh else "."))

st.subheader(ui.tr("dsp.map"))
layer = st.radio(ui.tr("dsp.layer"), ["points", "hot_disputes", "hot_leads"], horizontal=True,
                 key=ui.relabelled("dsp_layer"), format_func=_map.formatter(prefix="dsp.layer."))
m = _map.base_map(f.area)
_map.add_areas(m, f.area)
in_period = disputes.loc[disputes["reported_at"] >= start].copy()
in_period["status"] = dsp.status_at(in_period, at)
shown_leads = leads.loc[leads["received_at"] >= start].copy()
shown_leads["status"] = dsp.lead_status_at(shown_leads, at)
shown_leads["closed_at"] = shown_leads["closed_at"].where(shown_leads["status"] != "verifying")
if layer == "points":
    from layers.points import points_layer

    colours = {"pending": "#c92a2a", "mediating": "#e8590c", "settled": "#2b8a3e",
               "escalated": "#862e9c", "referred": "#1864ab"}
    if len(in_period):
        pts = in_period.assign(cat=in_period["category"].map(lambda c: _map.label("dcat", c)),
                               state=in_period["status"].map(lambda s: _map.label("dstatus", s)),
                               when=in_period["reported_at"].dt.strftime("%Y-%m-%d"))
        points_layer(pts, name=ui.tr("dsp.disputes_layer"),
                     popup=[("dispute_id", ui.tr("col.id")), ("cat", ui.tr("col.category")),
                            ("state", ui.tr("col.status")), ("when", ui.tr("col.reported_at")),
                            ("mediator", ui.tr("col.mediator"))],
                     color_by="status", colors=colours,
                     color_labels={k: _map.label("dstatus", k) for k in colours},
                     legend_title=ui.tr("dsp.disputes_layer"), cluster=False, radius=5,
                     shift_gcj02=_map.shift_gcj02()).add_to(m)
    located = shown_leads.loc[shown_leads["lat"].notna()]
    if len(located):
        pts = located.assign(top=located["topic"].map(lambda c: _map.label("topic", c)),
                             state=located["status"].map(lambda s: _map.label("lstatus", s)))
        points_layer(pts, name=ui.tr("dsp.leads_layer"),
                     popup=[("lead_id", ui.tr("col.id")), ("top", ui.tr("col.topic")),
                            ("state", ui.tr("col.status"))],
                     color="#0b7285", legend_title=ui.tr("dsp.leads_layer"), cluster=False,
                     radius=8, shift_gcj02=_map.shift_gcj02()).add_to(m)
    if len(shown_leads) > len(located):
        st.caption(ui.tr("dsp.unlocated", n=len(shown_leads) - len(located)))
else:
    from layers.cells import cells_layer

    kind = "disputes" if layer == "hot_disputes" else "leads"
    hot = _map.cached(dsp.hotspot_cells, kind=kind, start=f.start, end=f.end, res=f.res,
                      area=f.area)
    n = int(hot["count"].sum()) if len(hot) else 0
    sig = hot.loc[hot["gi_bin"] != 0] if len(hot) else hot
    if n == 0 or sig.empty:
        st.info(ui.tr("dsp.no_hot"))
    else:
        st.caption(ui.tr("dsp.hot_summary", n=n, hot=int((hot["gi_bin"] > 0).sum())))
        sig = sig.assign(bin_label=sig["gi_bin"].map(lambda b: _map.label("bin", int(b))),
                         gi_z=sig["gi_z"].round(2))
        cells_layer(sig, value="gi_bin", name=ui.tr(f"dsp.layer.{layer}"), palette="hotspot",
                    legend_title=ui.tr("hot.legend"),
                    tooltip=[("count", ui.tr("col.count")), ("gi_z", ui.tr("col.gi_z")),
                             ("bin_label", ui.tr("col.gi_bin"))],
                    labels={b: _map.label("bin", b) for b in range(-3, 4)},
                    shift_gcj02=_map.shift_gcj02()).add_to(m)
_map.cell_panel(_map.show_map(m, key="dsp_map"))

rate_cols = {"discovered": "col.discovered", "settled": "col.settled",
             "rate": "col.resolution_rate", "escalated": "col.escalated",
             "escalation_rate": "col.escalation_rate", "referred": "col.referred",
             "open": "col.still_open"}


def _pct(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(**{c: frame[c].map(lambda r: "—" if pd.isna(r) else f"{r:.1%}")
                           for c in ("rate", "escalation_rate")})


st.subheader(ui.tr("dsp.by_grid"))
grids = _map.cached(dsp.grid_table, f.start, f.end, area=f.area)
_map.table(_pct(grids), {"name": "col.grid", **rate_cols})
left, right = st.columns(2)
with left:
    st.markdown("**" + ui.tr("dsp.by_category") + "**")
    by_cat = dsp.rates_by(disputes, start, at, "category")
    order = [c for c in schema.DISPUTE_CATEGORIES if c in set(by_cat["category"])]
    by_cat = by_cat.set_index("category").loc[order].reset_index() if len(by_cat) else by_cat
    _map.table(_pct(by_cat), {"category": "col.category", **rate_cols},
               enums={"category": "dcat"})
with right:
    st.markdown("**" + ui.tr("dsp.by_grid_category") + "**")
    both = _map.cached(dsp.grid_table, f.start, f.end, area=f.area, by_category=True)
    both = both.loc[both["escalated"] > 0] if len(both) else both
    _map.table(_pct(both), {"name": "col.grid", "category": "col.category",
                            "discovered": "col.discovered", "escalated": "col.escalated",
                            "escalation_rate": "col.escalation_rate"},
               enums={"category": "dcat"})

st.subheader(ui.tr("dsp.overdue_list", days=days))
late = dsp.overdue(disputes, at, days=days)
if late.empty:
    st.caption(ui.tr("dsp.no_overdue"))
else:
    _map.table(late, {"dispute_id": "col.id", "category": "col.category", "status": "col.status",
                      "reported_at": "col.reported_at", "days_open": "col.days_unsettled",
                      "mediator": "col.mediator", "parties": "col.parties"},
               enums={"category": "dcat", "status": "dstatus"}, height=260)

st.subheader(ui.tr("dsp.places"))
places = _map.cached(dsp.repeated_places, f.start, f.end, area=f.area)
if places.empty:
    st.caption(ui.tr("dsp.no_places"))
else:
    places = places.assign(cat=[_map.label("venue" if p == "venue" else "site", c)
                                for p, c in zip(places["place"], places["category"],
                                                strict=True)])
    _map.table(places, {"name": "col.name", "place": "col.place", "cat": "col.category",
                        "disputes": "col.disputes", "market_trade": "col.market_trade",
                        "settled": "col.settled", "open": "col.still_open",
                        "last_reported": "col.last_reported"}, enums={"place": "place"},
               height=260)

st.subheader(ui.tr("dsp.leads_list"))
if len(shown_leads):
    topics = shown_leads.groupby("topic")["status"].agg(
        received="size", concluded=lambda s: int(s.isin(["closed", "unfounded"]).sum()),
        verifying=lambda s: int(s.eq("verifying").sum())).reset_index()
    _map.table(topics, {"topic": "col.topic", "received": "col.received",
                        "concluded": "col.concluded", "verifying": "col.verifying"},
               enums={"topic": "topic"})
    _map.table(shown_leads.sort_values("received_at", ascending=False),
               {"lead_id": "col.id", "received_at": "col.received_at", "channel": "col.channel",
                "topic": "col.topic", "status": "col.status", "closed_at": "col.closed_at"},
               enums={"channel": "channel", "topic": "topic", "status": "lstatus"}, height=260)

"""Shared map helpers of the analysis pages: cached reads, the base map, clicks, the cell panel.

A page builds its layers, then calls :func:`show_map`, which draws the map with
``returned_objects=["last_clicked"]`` (panning and zooming do not rerun the page) and turns a click
into the H3 cell at the sidebar's resolution; :func:`cell_panel` shows what is in that cell.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar

import folium
import pandas as pd
import sqlalchemy as sa
import streamlit as st
from streamlit_folium import st_folium

from geo import services
from geo.config import get_settings
from geo.domain import coords, hexes
from geo.escape import neutralise_formulas
from geo.i18n import STRINGS, t
from geo.services import areas, cells
from layers.areas import areas_layer
from layers.basemap import DEFAULT_CENTER, is_gcj02, new_map
from layers.points import points_layer
from views import _common as ui

__all__ = [
    "add_points",
    "base_map",
    "cached",
    "cell_panel",
    "columns",
    "formatter",
    "label",
    "loaded",
    "metrics",
    "show_map",
    "table",
    "table_or",
]

P = ParamSpec("P")
R = TypeVar("R")


# --------------------------------------------------------------------------------------------
# Cached service calls: keyed by the store URL (a test store and the app store never share
# entries), the service, the logged-in user's role and areas (not the name: every user of the
# same role and areas reads the same, so one user's work serves the next) and the filter values.


@st.cache_data(ttl=300, show_spinner=False)
def _cached_call(
    url: str,
    name: str,
    role: str,
    areas: tuple[str, ...] | None,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    _fn: Callable[..., Any],
    _who: services.Principal,
) -> Any:
    return _fn(services.connect(url), _who, *args, **dict(kwargs))


def cached(
    fn: Callable[Concatenate[sa.Engine, services.Reader, P], R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """``fn(engine, user, *args, **kwargs)`` for a service, cached on its arguments and the
    logged-in user's role and areas (shared by the users of the same role and areas; mypy checks
    the arguments against the service's own signature)."""
    who = ui.scope()
    result: R = _cached_call(
        get_settings().database_url,
        f"{fn.__module__}.{fn.__qualname__}",
        who.role,
        None if who.areas is None else tuple(sorted(who.areas)),
        args,
        tuple(sorted(kwargs.items())),
        fn,
        who,
    )
    return result


def loaded(
    fn: Callable[Concatenate[sa.Engine, services.Reader, P], R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """:func:`cached`, or the filters' warning and the end of the page when the service refuses
    them (ValueError: an unknown area, a period that ends before it starts)."""
    try:
        return cached(fn, *args, **kwargs)
    except ValueError as err:
        st.warning(ui.tr("pg.bad_filter", reason=str(err)))
        st.stop()
        raise AssertionError from err  # st.stop() does not return


# --------------------------------------------------------------------------------------------
# Labels and tables


def label(group: str, value: object) -> str:
    """The translated label of an enum value (``v.<group>.<value>``), or the value itself."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "—"
    key = f"v.{group}.{value}"
    return ui.tr(key) if key in STRINGS else str(value)


def formatter(group: str | None = None, *, prefix: str | None = None) -> Callable[[Any], str]:
    """A widget ``format_func`` bound to the language of this run: enum labels of ``group``, or
    the strings ``prefix + value``. (Bound now, so a widget drawn before a language switch keeps
    formatting its options as it drew them.)"""
    lang = ui.lang()
    if prefix is not None:
        return lambda v: t(f"{prefix}{v}", lang)

    def fmt(v: Any) -> str:
        key = f"v.{group}.{v}"
        return t(key, lang) if key in STRINGS else str(v)

    return fmt


def table(
    frame: pd.DataFrame,
    columns: dict[str, str],
    *,
    enums: dict[str, str] | None = None,
    height: int | None = None,
    key: str | None = None,
) -> None:
    """Show ``frame`` with translated headers (``{column: string key}``) and enum labels.

    A column named in both languages (``place`` beside ``place_en``) shows its English names in
    English.
    """
    shown = frame[list(columns)].copy()
    if ui.lang() == "en":
        shown = shown.assign(**{c: frame[f"{c}_en"] for c in columns if f"{c}_en" in frame})
    for col, group in (enums or {}).items():
        if col in shown:
            values = shown[col]  # label each distinct value once, not every cell
            names = {v: label(group, v) for v in values.drop_duplicates()}
            shown[col] = values.map(lambda v, n=names, g=group: n[v] if v in n else label(g, v))
    for col in shown.columns:  # empty values show as a dash, times as local minutes
        v = shown[col]
        if isinstance(v.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(v):
            shown[col] = v.dt.strftime("%Y-%m-%d %H:%M").fillna("—")
        elif v.isna().any() and not pd.api.types.is_float_dtype(v):
            shown[col] = v.astype(object).where(v.notna(), "—").astype(str)
        elif v.isna().any():
            shown[col] = v.map(lambda x: "—" if pd.isna(x) else f"{x:g}")
    shown = shown.rename(columns={c: ui.tr(k) for c, k in columns.items()})
    kwargs: dict[str, Any] = {"hide_index": True}
    if height:
        kwargs["height"] = height
    if key:
        kwargs["key"] = key
    # the table's CSV download (Streamlit's toolbar) must not carry spreadsheet formulas
    st.dataframe(neutralise_formulas(shown), **kwargs)


def columns(spec: str, prefix: str = "col.") -> dict[str, str]:
    """Table headers from a compact spec: ``"name category=cat"`` gives ``{"name":
    prefix + "name", "category": prefix + "cat"}`` (in that order)."""
    return {c.split("=")[0]: prefix + c.split("=")[-1] for c in spec.split()}


def table_or(frame: pd.DataFrame, columns: dict[str, str], none: str, **kwargs: Any) -> None:
    """:func:`table`, or the caption ``none`` (a string key) when ``frame`` has no row."""
    if frame.empty:
        st.caption(ui.tr(none))
    else:
        table(frame, columns, **kwargs)


def metrics(
    values: Mapping[str, float | str | None],
    prefix: str,
    *,
    per_row: int | None = None,
    helps: dict[str, str] | None = None,
) -> None:
    """One bordered metric per item (label: the string ``prefix + key``), side by side
    (``per_row`` to a row; all in one row by default)."""
    n = per_row or max(len(values), 1)
    cols = st.columns(n)
    for i, (key, value) in enumerate(values.items()):
        help_key = (helps or {}).get(key)
        cols[i % n].metric(
            ui.tr(prefix + key), value, border=True, help=ui.tr(help_key) if help_key else None
        )


# --------------------------------------------------------------------------------------------
# The map


def _tiles() -> tuple[str, str | None]:
    s = ui.ui_settings()
    tiles = str(s.get("tiles") or "none")
    if tiles == "url":
        tiles = str(s.get("tiles_url") or "none")
    token = str(s.get("tianditu_token") or "") or None
    if tiles == "tianditu" and not token:
        tiles = "none"
    return tiles, token


def base_map(area: str | None = None, *, zoom: int = 14) -> folium.Map:
    """A map fitted to the scope (narrowed to ``area``) with the basemap chosen in Settings."""
    tiles, token = _tiles()
    bounds = cached(areas.area_bounds, area)
    center = (
        ((bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2)
        if bounds
        else DEFAULT_CENTER
    )
    try:
        return new_map(zoom=zoom, tiles=tiles, tianditu_token=token, bounds=bounds, center=center)
    except ValueError:  # a tile setting the layers do not accept: draw without tiles
        return new_map(zoom=zoom, tiles="none", bounds=bounds, center=center)


def shift_gcj02() -> bool:
    """True when the basemap is in GCJ-02 (Amap): cell geometries must be shifted to it."""
    return is_gcj02(_tiles()[0])


def add_areas(m: folium.Map, area: str | None) -> None:
    """Draw the area outlines of the scope (narrowed to ``area``) on ``m``."""
    outlines = cached(areas.outlines, area)
    if len(outlines):
        areas_layer(
            outlines,
            name=ui.tr("map.areas"),
            shift_gcj02=shift_gcj02(),
            level_labels={"station": ui.tr("map.station"), "grid": ui.tr("map.grid")},
        ).add_to(m)


def add_points(
    m: folium.Map, frame: pd.DataFrame, name: str, popup: dict[str, str], **style: Any
) -> None:
    """Draw the points of ``frame`` on ``m`` as one layer, not clustered (shifted to GCJ-02 with
    an Amap basemap): the layer and its legend are named by the string ``name``; the popup shows
    ``{column: string key}`` (as :func:`table`'s headers); ``style`` goes to
    :func:`layers.points.points_layer` (``color_by``, ``colors``, ``color_labels``, ``color``,
    ``radius``)."""
    points_layer(
        frame,
        name=ui.tr(name),
        popup=[(col, ui.tr(key)) for col, key in popup.items()],
        legend_title=ui.tr(name),
        cluster=False,
        shift_gcj02=shift_gcj02(),
        **style,
    ).add_to(m)


def show_map(m: folium.Map, *, key: str, height: int = 560) -> int | None:
    """Draw ``m``; return the cell (at the sidebar resolution) the user last clicked, or None.

    The clicked cell is kept in ``st.session_state[key + "_cell"]`` until the next click.
    """
    folium.LayerControl(collapsed=True).add_to(m)
    out = st_folium(
        m, key=key, height=height, use_container_width=True, returned_objects=["last_clicked"]
    )
    f = ui.filters()
    state = f"{key}_cell"
    click = (out or {}).get("last_clicked")
    if click and click.get("lat") is not None:
        lat, lng = float(click["lat"]), float(click["lng"])
        if shift_gcj02():  # Amap's map speaks GCJ-02: back to WGS-84 before finding the cell
            glng, glat = coords.gcj02_to_wgs84(lng, lat)
            lat, lng = float(glat), float(glng)
        point = (round(lat, 7), round(lng, 7))
        if st.session_state.get(f"{key}_click") != (point, f.res):
            st.session_state[f"{key}_click"] = (point, f.res)
            st.session_state[state] = cells.cell_at(point[0], point[1], f.res)
    cell = st.session_state.get(state)
    if cell is not None and int(hexes.cell_resolution([cell])[0]) != f.res:
        st.session_state.pop(state, None)
        return None
    return cell


# --------------------------------------------------------------------------------------------
# The cell details panel


def details(cell: int) -> dict[str, Any]:
    """Cached :func:`geo.services.cells.cell_details` for the current filters."""
    f = ui.filters()
    return cached(cells.cell_details, int(cell), f.res, f.start, f.end, f.night)


def _listing(title: str, frame: pd.DataFrame, cols: dict[str, str], **kwargs: Any) -> None:
    """The bold heading ``title`` (a string key) over :func:`table_or` (``cell.none`` if empty)."""
    st.markdown("**" + ui.tr(title) + "**")
    table_or(frame, cols, "cell.none", **kwargs)


def cell_panel(cell: int | None, *, hint: str = "pg.map_hint") -> None:
    """Show what is in ``cell`` over the filters' period; the hint ``hint`` (a string key: click
    a hexagon, or ``pg.point_hint`` on a map of points) when nothing is chosen."""
    if cell is None:
        st.caption(ui.tr(hint))
        return
    f = ui.filters()
    d = details(cell)
    st.subheader(ui.tr("cell.title_place", place=d["place_en" if ui.lang() == "en" else "place"]))
    st.caption(
        ui.tr("cell.period", start=f.start, end=f.end, night=f.night)
        + " · "
        + ui.tr("cell.cell_id", h3=d["h3"])
    )
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(ui.tr("cell.incidents"), len(d["incidents"]))
    c2.metric(ui.tr("cell.dwell"), f"{d['dwell_min']:.1f}")
    c3.metric(ui.tr("cell.nights"), d["nights"])
    c4.metric(ui.tr("cell.stops"), d["stops"])
    last, shape = d["last_visit"], "%Y-%m-%d" if d.get("visit_date_only") else "%Y-%m-%d %H:%M"
    st.caption(
        ui.tr("cell.last_visit", when=pd.Timestamp(last).strftime(shape))
        if last is not None and not pd.isna(last)
        else ui.tr("cell.withheld" if d.get("withheld") else "cell.never")
    )
    left, right = st.columns(2)
    with left:
        _listing(
            "cell.by_category",
            d["by_category"],
            columns("category count"),
            enums={"category": "incident"},
        )
        _listing(
            "cell.sites",
            d["sites"],
            columns("name category checks"),
            enums={"category": "site"},
        )
    with right:
        _listing(
            "cell.venues",
            d["venues"],
            columns("name category risk_level inspections"),
            enums={"category": "venue", "risk_level": "risk"},
        )
        _listing(
            "cell.hazards",
            d["hazards"],
            columns("hazard_id=id category severity status found_at"),
            enums={"category": "hazard", "severity": "severity", "status": "hstatus"},
        )
        if len(d.get("disputes", ())) or len(d.get("leads", ())):
            st.markdown("**" + ui.tr("cell.disputes") + f" ({len(d['disputes'])})**")
            if len(d["disputes"]):
                table(
                    d["disputes"],
                    {
                        "category": "col.category",
                        "status": "col.status",
                        "reported_at": "col.reported_at",
                    },
                    enums={"category": "dcat", "status": "dstatus"},
                    height=220 if len(d["disputes"]) > 6 else None,
                )
            st.markdown("**" + ui.tr("cell.leads") + f" ({len(d['leads'])})**")
            if len(d["leads"]):
                table(
                    d["leads"],
                    {
                        "topic": "col.topic",
                        "status": "col.status",
                        "received_at": "col.received_at",
                    },
                    enums={"topic": "topic", "status": "lstatus"},
                )
        if len(d["by_unit_kind"]):
            st.markdown("**" + ui.tr("cell.by_unit") + "**")
            table(
                d["by_unit_kind"],
                {"unit_kind": "col.unit_kind", "dwell_min": "col.dwell_min"},
                enums={"unit_kind": "unit"},
            )


def never_inspected(rows: pd.DataFrame, *, due: str = "due") -> pd.DataFrame:
    """Venue rows where a venue never inspected says so and is due now (the grade's rule makes
    it overdue): its last inspection "never inspected", its ``due`` column "due now"."""
    never = rows["last_inspection"].isna() & rows["overdue"]
    when = rows["last_inspection"].dt.strftime("%Y-%m-%d %H:%M").where(~never, ui.tr("ven.never"))
    # dates as text beside "due now" (a column of dates and words is no Arrow column)
    dates = rows[due].map(lambda d: d if pd.isna(d) else str(d)[:10])
    now = dates.astype(object).where(~never, ui.tr("ven.due_now"))
    return rows.assign(last_inspection=when, **{due: now})

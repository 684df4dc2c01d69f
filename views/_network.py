"""The Data page's road networks: upload one (a zipped Shapefile, a GeoPackage, an osmnx
GraphML, an OSM .osm.pbf), see what was read, and choose the active one (geo.services.networks).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from geo.config import get_settings
from geo.escape import md_escape
from geo.services import data, networks
from views import _common as ui
from views import _data, _map

__all__ = ["section"]

UPLOAD_TYPES = ("zip", "gpkg", "graphml", "pbf")
LAST = "net_last"  # the last import's summary, shown after the page ran again
DONE = "net_done"


def _class_words(classes: dict[str, float]) -> str:
    sep = "、" if ui.lang() != "en" else ", "
    return sep.join(f"{ui.tr(f'net.class.{c}')} {km:,.1f}" for c, km in classes.items())


def _summary(got: dict[str, Any]) -> None:
    st.success(
        ui.tr(
            "net.imported",
            name=md_escape(got["name"]),
            file=md_escape(got["file"]),
            nodes=f"{got['nodes']:,}",
            edges=f"{got['edges']:,}",
            km=f"{got['km']:,.1f}",
            oneway=f"{got['oneway']:,}",
        )
    )
    st.caption(ui.tr("net.classes") + ": " + _class_words(got["classes"]))


def _upload() -> None:
    max_mb = get_settings().max_upload_mb
    file = st.file_uploader(
        ui.tr("net.file"), list(UPLOAD_TYPES), key="net_file", max_upload_size=max_mb
    )
    c1, c2 = st.columns(2)
    label = c1.text_input(ui.tr("net.name"), key="net_name")
    crs = _data.choice(
        c2, "net_crs", "net.crs", ["wgs84", "gcj02", "bd09"], _map.formatter(prefix="data.crs.")
    )
    if file is None:
        return
    if not data.fits_upload(file.size):
        st.error(ui.tr("data.too_large", name=md_escape(file.name), mb=max_mb))
        return
    if st.button(ui.tr("net.import"), type="primary", key="net_go"):
        path = data.save_upload(file.name, file.getvalue())
        try:  # the service audits the import
            got = networks.import_network(
                ui.engine(), path, name=label, file_name=file.name, crs=crs, by=ui.user() or None
            )
        except (networks.NetworkFileError, data.FileError) as e:
            st.error(md_escape(e.text(ui.lang())))
            return
        st.cache_data.clear()
        st.session_state[LAST] = got


def section() -> None:
    """Upload a road network, see what it holds, pick the active one or delete one."""
    st.subheader(ui.tr("net.title"))
    st.caption(ui.tr("net.help"))
    _upload()
    if LAST in st.session_state:
        _summary(st.session_state[LAST])
    if DONE in st.session_state:
        st.success(st.session_state.pop(DONE))
    table = networks.list_networks(ui.engine())
    if table.empty:
        st.caption(ui.tr("net.none"))
        return
    shown = table.assign(
        file_kind=table["file_kind"].map(lambda k: ui.tr(f"net.kind.{k}")),
        active=table["active"].map(lambda a: "✓" if a else ""),
        imported=table["imported"].dt.strftime("%Y-%m-%d %H:%M"),
    )[["name", "file_name", "file_kind", "nodes", "edges", "km", "oneway", "imported", "active"]]
    heads = _map.columns(
        "name file_name=file file_kind=kind nodes edges km oneway imported active",
        prefix="net.col.",
    )
    _data.show(shown, heads)
    names = dict(zip(table["network_id"].astype(int), table["name"].astype(str), strict=True))
    c1, c2, c3 = st.columns([2, 1, 1])
    pick = c1.selectbox(
        ui.tr("net.pick"), list(names), key="net_pick", format_func=lambda i: names[int(i)]
    )
    who = ui.user() or None
    if c2.button(ui.tr("net.use"), key="net_use"):
        networks.use_network(ui.engine(), int(pick), by=who)
        _changed()
    if c3.button(ui.tr("net.delete"), key="net_delete"):
        networks.delete_network(ui.engine(), int(pick), by=who)
        _changed()
    if bool(table["active"].any()) and st.button(ui.tr("net.use_none"), key="net_none"):
        networks.use_network(ui.engine(), None, by=who)
        _changed()


def _changed() -> None:
    st.cache_data.clear()
    st.session_state.pop(LAST, None)
    st.session_state[DONE] = ui.tr("net.done")
    st.rerun()

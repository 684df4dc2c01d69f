"""Data: upload a file of any record kind, preview, map columns, import, see every rejected row."""

from __future__ import annotations

import streamlit as st

from geo.config import get_settings
from geo.domain import schema
from geo.escape import md_escape
from geo.services import data
from views import _categories, _data, _map, _network, _profiles
from views import _common as ui

ui.require("data")  # admins only (imports and the import history)
ui.demo_banner()
st.title(ui.tr("page.data"))

max_mb = get_settings().max_upload_mb
kind_name = _data.choice(st, "data_kind", "data.kind", schema.KINDS, _map.formatter(prefix="kind."))
uploaded = st.file_uploader(  # Streamlit's own text says the same limit as the label
    ui.tr("data.file", mb=max_mb), list(data.UPLOAD_TYPES), key="data_file", max_upload_size=max_mb
)
c1, c2, c3 = st.columns(3)
crs_codes = ["wgs84", "gcj02", "bd09", "epsg"]
crs = _data.choice(c1, "data_crs", "data.crs", crs_codes, _map.formatter(prefix="data.crs."))
if crs == "epsg":
    crs = c1.text_input(ui.tr("data.epsg"), "EPSG:4548", key="data_epsg")
auto = ui.tr("data.encoding.auto")
encodings = {"": auto, "utf-8": "UTF-8", "gb18030": "GB18030 (GBK)", "big5": "Big5"}
encoding = _data.choice(c2, "data_enc", "data.encoding", encodings, encodings.__getitem__) or None

if uploaded is not None:
    # file names, headers and values come from the user: messages show them as plain text
    name = uploaded.name
    if not data.fits_upload(uploaded.size):
        st.error(ui.tr("data.too_large", name=md_escape(name), mb=max_mb))
        st.stop()
    path = data.save_upload(name, uploaded.getvalue())
    try:
        source = _data.source_options(c3, path, name)  # sheet, GeoPackage layer, GPX unit
        pre = data.preview_file(path, kind_name, encoding=encoding, name=name, **source)
    except data.FileError as e:
        st.error(md_escape(e.text(ui.lang())))
        st.stop()
    st.subheader(ui.tr("data.preview", rows=pre.rows))
    _data.show(pre.head)
    gap = _data.gap_option(c3, pre)  # minutes between the shifts cut from GPS tracks, or None
    order = _data.date_order_option(c2)  # 07/08/2022: day or month first, or each column's rule
    rules, profile = _profiles.form(kind_name, pre, name)  # columns, values, defaults
    if st.button(ui.tr("data.import"), type="primary", key="data_import"):
        bar = _data.import_progress(name)  # fed as the file is read, stored and rolled up
        try:  # the service audits the import
            summary = data.import_file(
                ui.engine(),
                kind_name,
                path,
                user=ui.user() or None,
                crs=crs,
                encoding=encoding,
                name=name,
                gap_min=gap,
                date_order=order,
                **source,
                rules=rules,
                profile=profile,
                auto_profile=False,
                progress=bar,
            )
        except data.StoreBusy:
            st.warning(ui.tr("data.busy", file=md_escape(name)))
        except data.FileError as e:
            st.error(md_escape(e.text(ui.lang())))
        else:
            st.cache_data.clear()
            st.session_state["data_last"] = summary
        finally:
            bar.done()

last = st.session_state.get("data_last")
if last is not None:
    _data.report(last)

_data.outside_list()  # records outside every area: stored, flagged, counted nowhere
_categories.section()  # source categories and their groups, re-mapped without re-importing
_network.section()  # road networks: upload, the active one for plans and circles

st.subheader(ui.tr("app.imports"))
history = data.import_table(ui.engine())
if history.empty:
    st.write(ui.tr("app.no_imports"))
else:
    kinds = history["kind"].map(_map.formatter(prefix="kind."))
    heads = _map.columns(" ".join(_data.COUNTS) + " file_name=file kind") | {"crs": "data.crs"}
    crs = history["crs"].map(lambda c: ui.tr(f"data.crs.{c}") if c in crs_codes[:3] else c)
    _data.show(history.assign(kind=kinds, crs=crs).rename(columns={"import_id": "#"}), heads)

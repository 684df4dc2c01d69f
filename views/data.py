"""Data: upload a file of any record kind, preview, map columns, import, see every rejected row."""

from __future__ import annotations

import streamlit as st

from geo.config import get_settings
from geo.domain import schema
from geo.escape import md_escape
from geo.i18n import t
from geo.services import data
from views import _common as ui
from views import _data

LANG = ui.lang()  # format functions are bound to this run's language
COUNTS = ("read", "accepted", "duplicates", "conflicts", "rejected")

ui.require("data")  # admins only (imports and the import history)
ui.demo_banner()
st.title(ui.tr("page.data"))

max_mb = get_settings().max_upload_mb
kind_name = st.selectbox(ui.tr("data.kind"), list(schema.KINDS), key=ui.relabelled("data_kind"),
                         format_func=lambda k: t(f"kind.{k}", LANG))
uploaded = st.file_uploader(ui.tr("data.file", mb=max_mb), type=list(data.UPLOAD_TYPES),
                            key="data_file")
c1, c2, c3 = st.columns(3)
crs_choice = c1.selectbox(ui.tr("data.crs"), ["wgs84", "gcj02", "bd09", "epsg"],
                          format_func=lambda c: t(f"data.crs.{c}", LANG),
                          key=ui.relabelled("data_crs"))
epsg = c1.text_input(ui.tr("data.epsg"), "EPSG:4548", key="data_epsg") \
    if crs_choice == "epsg" else ""
encoding = c2.selectbox(ui.tr("data.encoding"), ["", "utf-8", "gb18030", "big5"],
                        format_func=lambda e: e or t("data.encoding.auto", LANG),
                        key=ui.relabelled("data_enc"))

if uploaded is not None:
    # file names, headers and values come from the user: messages show them as plain text
    if not data.fits_upload(uploaded.size):
        st.error(ui.tr("data.too_large", name=md_escape(uploaded.name), mb=max_mb))
        st.stop()
    path = data.save_upload(uploaded.name, uploaded.getvalue())
    try:
        sheets = data.upload_sheets(path, name=uploaded.name)
        sheet = c3.selectbox(ui.tr("data.sheet"), sheets, key="data_sheet") \
            if len(sheets) > 1 else None
        pre = data.preview_file(path, kind_name, sheet=sheet, encoding=encoding or None,
                                name=uploaded.name)
    except data.FileError as e:
        st.error(md_escape(str(e)))
        st.stop()
    st.subheader(ui.tr("data.preview", rows=pre.rows))
    _data.show(pre.head)
    mapping = _data.mapping_form(kind_name, pre)
    if st.button(ui.tr("data.import"), type="primary", key="data_import"):
        try:  # the service audits the import
            summary = data.import_file(ui.engine(), kind_name, path, user=ui.user() or None,
                                       crs=epsg if crs_choice == "epsg" else crs_choice,
                                       sheet=sheet, encoding=encoding or None, mapping=mapping,
                                       name=uploaded.name)
        except data.StoreBusy:
            st.warning(ui.tr("data.busy", file=md_escape(uploaded.name)))
        except data.FileError as e:
            st.error(md_escape(str(e)))
        else:
            st.cache_data.clear()
            st.session_state["data_last"] = summary

last = st.session_state.get("data_last")
if last is not None:
    st.subheader(ui.tr("data.report", file=md_escape(last.file)))
    for m, field in zip(st.columns(len(COUNTS)), COUNTS, strict=True):
        m.metric(ui.tr(f"col.{field}"), f"{getattr(last, field):,}")
    if len(last.rejects):
        report = data.rejects_report(last, LANG)  # the reasons in the user's language
        _data.show(report.table, {"file": ui.tr("col.file"), "row": ui.tr("data.row"),
                                  "column": ui.tr("data.column"), "value": ui.tr("data.value"),
                                  "reason": ui.tr("data.reason")})
        st.download_button(ui.tr("data.download_rejects"), report.csv,
                           file_name=report.file_name, mime="text/csv", on_click=ui.audit,
                           args=("download", f"rejects-{last.file}"),
                           kwargs={"kind": "rejects", "rows": len(report.table)})
    else:
        st.success(ui.tr("data.no_rejects"))

st.subheader(ui.tr("app.imports"))
history = data.import_table(ui.engine())
if history.empty:
    st.write(ui.tr("app.no_imports"))
else:
    _data.show(history.assign(kind=history["kind"].map(lambda k: ui.tr(f"kind.{k}"))),
               {c: ui.tr(f"col.{c}") for c in COUNTS} | {
                   "file_name": ui.tr("col.file"), "kind": ui.tr("col.kind"), "import_id": "#",
                   "crs": ui.tr("data.crs")})

"""Data: upload a file of any record kind, preview, map columns, import, see every rejected row."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import ingest, schema, store
from geo.briefing import md_escape
from geo.config import get_settings
from geo.i18n import t
from views import _common as ui

LANG = ui.lang()  # format functions are bound to this run's language

ui.require("data")  # admins only (imports and the import history)
ui.demo_banner()
st.title(ui.tr("page.data"))

settings = get_settings()
kinds = list(schema.KINDS)
kind_name = st.selectbox(ui.tr("data.kind"), kinds, format_func=lambda k: t(f"kind.{k}", LANG),
                         key=ui.relabelled("data_kind"))
kind = schema.kind(kind_name)
uploaded = st.file_uploader(ui.tr("data.file", mb=settings.max_upload_mb),
                            type=["csv", "txt", "xlsx", "xlsm", "geojson", "json", "gpkg", "zip",
                                  "parquet"], key="data_file")

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
    if uploaded.size > settings.max_upload_mb * 1024**2:
        st.error(ui.tr("data.too_large", name=md_escape(uploaded.name),
                       mb=settings.max_upload_mb))
        st.stop()
    folder = Path(tempfile.mkdtemp(prefix="qy-upload-"))
    path = folder / (Path(uploaded.name).name or "upload")
    path.write_bytes(uploaded.getvalue())
    sheet = None
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):  # names only, after the zip-bomb check
            sheets = ingest.sheet_names(path, name=uploaded.name)
            if len(sheets) > 1:
                sheet = c3.selectbox(ui.tr("data.sheet"), sheets, key="data_sheet")
        raw, _declared, _first = ingest.read_table(path, sheet=sheet, encoding=encoding or None,
                                                   name=uploaded.name)
    except ingest.FileError as e:
        st.error(md_escape(str(e)))
        st.stop()
    headers = [str(c) for c in raw.columns if c != "geometry"]
    st.subheader(ui.tr("data.preview", rows=len(raw)))
    # the table's own CSV download must not carry formulas either
    st.dataframe(ingest.neutralise_formulas(pd.DataFrame(
        raw.drop(columns="geometry", errors="ignore")).head(20)), hide_index=True)

    suggested = ingest.suggest_mapping(kind, headers)
    with st.expander(ui.tr("data.mapping"), expanded=not all(
            c.name in suggested for c in kind.columns if c.required)):
        st.caption(ui.tr("data.mapping_help"))
        mapping: dict[str, str] = {}
        cols = st.columns(3)
        for i, col in enumerate(kind.columns):
            options = ["", *headers]
            label = col.name + (" *" if col.required else "")
            chosen = cols[i % 3].selectbox(label, options, key=f"map_{kind_name}_{col.name}",
                                           index=options.index(suggested.get(col.name, "")),
                                           format_func=lambda h: h or t("data.unmapped", LANG))
            if chosen:
                mapping[col.name] = chosen

    if st.button(ui.tr("data.import"), type="primary", key="data_import"):
        crs = epsg if crs_choice == "epsg" else crs_choice
        try:
            summary = ingest.import_file(ui.engine(), kind_name, path, crs=crs, sheet=sheet,
                                         encoding=encoding or None, mapping=mapping,
                                         name=uploaded.name, user=ui.user())
        except ingest.StoreBusy:
            st.warning(ui.tr("data.busy", file=md_escape(uploaded.name)))
        except ingest.FileError as e:
            st.error(md_escape(str(e)))
        else:
            ui.audit("import", uploaded.name, rows=summary.accepted, kind=kind_name,
                     read=summary.read, duplicates=summary.duplicates,
                     conflicts=summary.conflicts, rejected=summary.rejected)
            st.cache_data.clear()
            st.session_state["data_last"] = summary

last = st.session_state.get("data_last")
if last is not None:
    st.subheader(ui.tr("data.report", file=md_escape(last.file)))
    m = st.columns(5)
    for i, field in enumerate(("read", "accepted", "duplicates", "conflicts", "rejected")):
        m[i].metric(ui.tr(f"col.{field}"), f"{getattr(last, field):,}")
    if len(last.rejects):
        shown = last.rejects.copy()
        shown["reason"] = [t(f"reject.{c}", LANG, **json.loads(p))  # in the user's language
                           for c, p in zip(shown["code"], shown["params"], strict=True)]
        report = shown[["file", "row", "column", "value", "reason"]].rename(columns={
            "file": ui.tr("col.file"), "row": ui.tr("data.row"), "column": ui.tr("data.column"),
            "value": ui.tr("data.value"), "reason": ui.tr("data.reason")})
        st.dataframe(ingest.neutralise_formulas(report), hide_index=True)
        st.download_button(ui.tr("data.download_rejects"),
                           ingest.rejects_csv(shown).encode("utf-8-sig"),
                           file_name=f"rejects-{Path(last.file).stem}.csv", mime="text/csv",
                           on_click=ui.audit, args=("download", f"rejects-{last.file}"),
                           kwargs={"kind": "rejects", "rows": len(shown)})
    else:
        st.success(ui.tr("data.no_rejects"))

st.subheader(ui.tr("app.imports"))
history = store.import_history(ui.engine())
if history.empty:
    st.write(ui.tr("app.no_imports"))
else:
    shown = history[["import_id", "file_name", "kind", "crs", "read", "accepted", "duplicates",
                     "conflicts", "rejected"]].copy()
    shown["kind"] = shown["kind"].map(lambda k: ui.tr(f"kind.{k}"))
    shown = shown.rename(columns={c: ui.tr(f"col.{c}") for c in
                                  ("read", "accepted", "duplicates", "conflicts", "rejected")} |
                         {"file_name": ui.tr("col.file"), "kind": ui.tr("col.kind"),
                          "import_id": "#", "crs": ui.tr("data.crs")})
    st.dataframe(ingest.neutralise_formulas(shown), hide_index=True)

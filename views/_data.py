"""Drawing pieces of the Data page: its choices, the column-mapping form, an import's report and
the tables (logic in geo.services.data)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
import streamlit as st

from geo.domain import schema
from geo.escape import md_escape, neutralise_formulas
from geo.i18n import t
from geo.services import data
from views import _common as ui
from views import _map

__all__ = ["COUNTS", "choice", "mapping_form", "outside_list", "report", "show"]

COUNTS = ("read", "accepted", "duplicates", "conflicts", "rejected", "outside")
"""The row counts of an import (its report and the import history)."""


def show(frame: pd.DataFrame, headers: dict[str, str] | None = None) -> None:
    """Show ``frame`` with ``headers`` (column -> string key of its header); its CSV download
    (Streamlit's toolbar) must not carry spreadsheet formulas."""
    shown = frame.rename(columns={c: ui.tr(k) for c, k in (headers or {}).items()})
    st.dataframe(neutralise_formulas(shown), hide_index=True)


def choice(
    where: Any, key: str, label: str, options: Iterable[str], fmt: Callable[[str], str]
) -> str:
    """A selectbox in ``where`` (a container) of ``options`` shown by ``fmt``, whose labels
    follow the language (:func:`views._common.relabelled`); the option chosen."""
    return str(
        where.selectbox(ui.tr(label), list(options), key=ui.relabelled(key), format_func=fmt)
    )


def mapping_form(kind_name: str, pre: data.FilePreview) -> dict[str, str]:
    """The file header chosen for each column of the kind (canonical column -> header), starting
    from the suggested mapping; open when a required column has no header yet."""
    lang = ui.lang()  # format functions are bound to this run's language
    mapping: dict[str, str] = {}
    with st.expander(ui.tr("data.mapping"), expanded=not pre.complete):
        st.caption(ui.tr("data.mapping_help"))
        cols = st.columns(3)
        options = ["", *pre.headers]
        for i, col in enumerate(schema.kind(kind_name).columns):
            chosen = cols[i % 3].selectbox(
                col.name + (" *" if col.required else ""),
                options,
                key=f"map_{kind_name}_{col.name}",
                index=options.index(pre.suggested.get(col.name, "")),
                format_func=lambda h: h or t("data.unmapped", lang),
            )
            if chosen:
                mapping[col.name] = chosen
    return mapping


def report(summary: data.ImportSummary) -> None:
    """The report of an import: its row counts, every problem of every rejected row and the rows
    stored outside every area (with their download, which is audited), or that none was
    rejected."""
    st.subheader(ui.tr("data.report", file=md_escape(summary.file)))
    for m, field in zip(st.columns(len(COUNTS)), COUNTS, strict=True):
        m.metric(ui.tr(f"col.{field}"), f"{getattr(summary, field):,}")
    if summary.naive_times:  # how times were read: the zone, and day/month order per column
        st.caption(ui.tr("data.naive_times", tz=md_escape(summary.naive_times)))
    for column, zone in summary.header_zones.items():
        st.caption(ui.tr("data.header_zone", column=md_escape(column), zone=zone))
    for column, rule in (summary.date_order or {}).items():
        st.caption(ui.tr(f"data.date_order.{rule}", column=md_escape(column)))
    for column, n in (summary.stripped or {}).items():  # ids stored without their end spaces
        st.caption(ui.tr("data.stripped", column=md_escape(column), n=f"{n:,}"))
    if not len(summary.rejects) and not len(summary.outside_rows):
        st.success(ui.tr("data.no_rejects"))
        return
    rep = data.rejects_report(summary, ui.lang())  # the reasons in the user's language
    heads = {"file": "col.file"} | _map.columns("row column value reason", "data.")
    if len(rep.rejects):
        problems = len(rep.rejects) - summary.conflicts
        st.caption(ui.tr("data.rejects_caption", rows=summary.rejected, problems=problems))
        show(rep.rejects, heads)
    else:
        st.success(ui.tr("data.no_rejects"))
    if len(rep.outside):
        st.warning(ui.tr("data.outside_caption", n=summary.outside))
        show(rep.outside, heads)
    st.download_button(
        ui.tr("data.download_rejects"),
        rep.csv,
        file_name=rep.file_name,
        mime="text/csv",
        on_click=ui.audit,
        args=("download", f"rejects-{summary.file}"),
        kwargs={"kind": "rejects", "rows": len(rep.table)},
    )


def outside_list() -> None:
    """The stored records outside every area (flagged; no page or figure counts them), with
    their download (audited)."""
    st.subheader(ui.tr("data.outside_title"))
    st.caption(ui.tr("data.outside_help"))
    rep = data.outside_report(ui.engine())
    if rep.table.empty:
        st.write(ui.tr("data.no_outside"))
        return
    kinds = rep.table["kind"].map(_map.formatter(prefix="kind."))
    heads = {"kind": "col.kind", "source_file": "col.file"} | _map.columns(
        "record_id source_row lat lng", "data."
    )
    show(rep.table.assign(kind=kinds), heads)
    st.download_button(
        ui.tr("data.download_outside"),
        rep.csv,
        file_name=rep.file_name,
        mime="text/csv",
        key="data_outside_download",
        on_click=ui.audit,
        args=("download", rep.file_name),
        kwargs={"kind": "outside", "rows": len(rep.table)},
    )

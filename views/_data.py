"""Drawing pieces of the Data page: its choices, an import's report and the tables (logic in
geo.services.data; the mapping of columns, values and defaults is views/_profiles.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd
import streamlit as st

from geo.domain.tracks import DEFAULT_GAP_MIN
from geo.escape import md_escape, neutralise_formulas
from geo.services import data
from views import _categories, _map
from views import _common as ui

__all__ = [
    "COUNTS",
    "ImportProgress",
    "Source",
    "choice",
    "gap_option",
    "import_progress",
    "outside_list",
    "report",
    "show",
    "source_options",
]

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


class Source(TypedDict):
    """What a file's reading needs to be told: a workbook's sheet, a GeoPackage's layer (of
    several) and a GPX file's unit (None: the first sheet, the one layer, each track's name)."""

    sheet: str | None
    layer: str | None
    unit: str | None


def source_options(where: Any, path: Path, name: str) -> Source:
    """Ask in ``where`` (a container) for the sheet, layer and unit the file needs (only those
    it needs). FileError when the file cannot be opened."""
    sheets = data.upload_sheets(path, name=name)
    layers = data.upload_layers(path, name=name)
    unit = ""
    if Path(name).suffix.lower() == ".gpx":
        unit = where.text_input(ui.tr("data.unit"), key="data_unit", help=ui.tr("data.unit_help"))
    return Source(
        sheet=where.selectbox(ui.tr("data.sheet"), sheets, key="data_sheet")
        if len(sheets) > 1
        else None,
        layer=where.selectbox(ui.tr("data.layer"), layers, key="data_layer")
        if len(layers) > 1
        else None,
        unit=str(unit).strip() or None,
    )


def gap_option(where: Any, pre: data.FilePreview) -> float | None:
    """The gap (minutes) that cuts the file's GPS fixes into shifts, asked in ``where`` when the
    import cuts them (a GPX file, a GPS export with a device column); else None."""
    if not pre.tracks:
        return None
    gap = where.number_input(
        ui.tr("data.gap"),
        min_value=1.0,
        max_value=1440.0,
        value=DEFAULT_GAP_MIN,
        step=5.0,
        key="data_gap",
        help=ui.tr("data.gap_help"),
    )
    return float(gap)


def date_order_option(where: Any) -> str | None:
    """The order of day, month and year in the file's dates the user chose (dmy, mdy, ymd), or
    None for each column's own rule (a column contradicting itself then refuses the file)."""
    options = ["", *data.DATE_ORDERS]
    got = where.selectbox(
        ui.tr("data.date_order"),
        options,
        format_func=lambda o: ui.tr(f"data.date_order_choice.{o or 'auto'}"),
        key="data_date_order",
        help=ui.tr("data.date_order_help"),
    )
    return got or None


class ImportProgress:
    """The Data page's progress bar of one import (``st.progress``), fed by the service.

    Called as ``progress(done, total, unit)`` (:func:`geo.services.data.import_file`): the
    share of the file read and stored, then of the shifts whose coverage is rolled up.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.bar = st.progress(0.0, text=ui.tr("data.importing", file=md_escape(name)))

    def __call__(self, done: int, total: int | None, unit: str) -> None:
        key = "data.importing_coverage" if unit == "shifts" else "data.importing"
        share = min(done / total, 1.0) if total else 0.0
        self.bar.progress(share, text=ui.tr(key, file=md_escape(self.name)))

    def done(self) -> None:
        self.bar.empty()


def import_progress(name: str) -> ImportProgress:
    """A progress bar for the import of the file ``name`` (see :class:`ImportProgress`)."""
    return ImportProgress(name)


def report(summary: data.ImportSummary) -> None:
    """The report of an import: its row counts, every problem of every rejected row and the rows
    stored outside every area (with their download, which is audited), or that none was
    rejected."""
    st.subheader(ui.tr("data.report", file=md_escape(summary.file)))
    for m, field in zip(st.columns(len(COUNTS)), COUNTS, strict=True):
        m.metric(ui.tr(f"col.{field}"), f"{getattr(summary, field):,}")
    if summary.profile:  # the mapping profile used, and whether the headers chose it
        key = "prof.used_auto" if summary.profile_auto else "prof.used"
        st.caption(ui.tr(key, name=md_escape(summary.profile)))
    if isinstance(summary, data.TrackSummary) and summary.shifts is not None:
        cut = summary.shifts  # the shifts cut from the file's fixes, stored with them
        counts = {k: f"{getattr(cut, k):,}" for k in ("read", *COUNTS[1:5])}
        st.caption(ui.tr("data.shifts_cut", gap=f"{summary.gap_min:g}", **counts))
    if summary.naive_times:  # how times were read: the zone, and day/month order per column
        st.caption(ui.tr("data.naive_times", tz=md_escape(summary.naive_times)))
    for column, zone in summary.header_zones.items():
        st.caption(ui.tr("data.header_zone", column=md_escape(column), zone=zone))
    for column, rule in (summary.date_order or {}).items():
        st.caption(ui.tr(f"data.date_order.{rule}", column=md_escape(column)))
    for column, n in (summary.stripped or {}).items():  # ids stored without their end spaces
        st.caption(ui.tr("data.stripped", column=md_escape(column), n=f"{n:,}"))
    _categories.unmapped_note(summary)  # source categories stored as "other"
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

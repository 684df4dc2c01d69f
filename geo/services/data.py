"""Data in and about the store: importing users' files, the import history, rebuilding coverage.

Importing users' files (audited), what a file holds before it is imported, the import history,
rows per record kind, rebuilding and batch-rolling up coverage.

The import itself (read, map headers, validate, store in one transaction, report every reject)
is :mod:`geo.ingest`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo import engines, ingest, store
from geo.config import get_settings
from geo.domain import schema
from geo.escape import neutralise_formulas
from geo.ingest import (
    FileError,
    ImportMapping,
    ImportSummary,
    StoreBusy,
    in_language,
    read_table,
    rejects_csv,
    sheet_names,
)
from geo.ingest import suggest_mapping as _suggest_mapping
from geo.ingest.files import vector_layers
from geo.ingest.gps import TrackSummary, cuts_shifts, read_file, with_device
from geo.ingest.mapping import file_values
from geo.ingest.values import ORDER_CHOICES as DATE_ORDERS
from geo.services import access, profiles

__all__ = [
    "DATE_ORDERS",
    "HISTORY_COLUMNS",
    "UPLOAD_TYPES",
    "FileError",
    "FilePreview",
    "ImportSummary",
    "RejectsReport",
    "StoreBusy",
    "TrackSummary",
    "fits_upload",
    "import_file",
    "import_history",
    "import_table",
    "outside_records",
    "outside_report",
    "preview_file",
    "read_table",
    "rebuild",
    "record_counts",
    "rejects_csv",
    "rejects_report",
    "rollup_files",
    "save_upload",
    "sheet_names",
    "suggest_mapping",
    "upload_layers",
    "upload_sheets",
]

HISTORY_COLUMNS = [
    "import_id",
    "file_name",
    "kind",
    "crs",
    "read",
    "accepted",
    "duplicates",
    "conflicts",
    "rejected",
    "outside",
]
"""The columns of the import history the Data page shows."""
UPLOAD_TYPES = (
    *("csv", "txt", "xlsx", "xlsm", "geojson", "json", "gpkg", "zip", "parquet"),
    *("gpx", "kml", "kmz"),
)
"""File types the Data page's uploader takes (suffixes)."""
PREVIEW_ROWS = 20
"""Rows of a file the Data page shows before it is imported."""
WORKBOOKS = (".xlsx", ".xlsm")


def import_file(
    engine: sa.Engine,
    kind: str,
    path: str | Path,
    *,
    user: str | None,
    crs: str = "wgs84",
    sheet: str | None = None,
    encoding: str | None = None,
    mapping: Mapping[str, str] | None = None,
    name: str | None = None,
    rules: ImportMapping | None = None,
    profile: str | None = None,
    auto_profile: bool = True,
    layer: str | None = None,
    unit: str | None = None,
    gap_min: float | None = None,
    date_order: str | None = None,
    progress: Callable[[int, int | None, str], None] | None = None,
    **audit_detail: Any,
) -> ImportSummary:
    """Import one file of a record kind and audit it under ``user``.

    ``progress(done, total, unit)`` is called as the file is read and stored
    (:data:`geo.ingest.stream.Progress`: bytes of a CSV file, rows of a workbook or Parquet
    file, then the shifts whose coverage is rolled up).

    The import is :func:`geo.ingest.import_file`; ``audit_detail`` joins the audit row's detail.
    ``rules`` is the mapping of columns, values and defaults to apply (:mod:`geo.ingest.mapping`)
    and ``profile`` the name of the saved profile it comes from (the profile's own mapping when
    ``rules`` is None; :func:`geo.services.profiles.resolve` puts rules over one); given
    neither (and with ``auto_profile``), the saved profile of the kind whose columns the file
    has is used (:mod:`geo.services.profiles`). ``date_order`` (dmy, mdy, ymd) is the order of
    the file's dates the user chose. Raises FileError/StoreBusy (and MappingError) as the
    ingest.
    """
    auto = auto_profile and rules is None and profile is None
    if rules is None and profile is not None:
        rules = profiles.resolve(engine, kind, name=profile, rules=None)
    summary = ingest.import_file(
        engine,
        kind,
        path,
        crs=crs,
        sheet=sheet,
        encoding=encoding,
        mapping=mapping,
        name=name,
        user=user,
        layer=layer,
        unit=unit,
        gap_min=gap_min,
        date_order=date_order,
        rules=rules,
        profile=profile,
        profiles=profiles.of_kind(engine, kind) if auto else None,
        progress=progress,
    )
    if summary.profile is not None:
        audit_detail["profile"] = summary.profile
    access.audit(
        engine,
        user,
        "import",
        name or Path(path).name,
        rows=summary.accepted,
        kind=kind,
        read=summary.read,
        duplicates=summary.duplicates,
        conflicts=summary.conflicts,
        rejected=summary.rejected,
        outside=summary.outside,
        **audit_detail,
    )
    return summary


def suggest_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """The file header each column of record kind ``kind`` is read from (column -> header).

    As far as the aliases know them; keys are the canonical columns.
    """
    return _suggest_mapping(schema.kind(kind), headers)


def import_history(engine: sa.Engine) -> pd.DataFrame:
    """Every import, newest first."""
    return store.import_history(engine)


def import_table(engine: sa.Engine) -> pd.DataFrame:
    """Every import, newest first, with the columns the Data page shows.

    The columns are :data:`HISTORY_COLUMNS`: import_id, file_name, kind, crs and the row counts.
    """
    return store.import_history(engine)[HISTORY_COLUMNS].copy()


# --------------------------------------------------------------------------------------------
# An uploaded file before and after its import


def fits_upload(size: int) -> bool:
    """True when an upload of ``size`` bytes is within the limit (``QY_MAX_UPLOAD_MB``)."""
    return size <= get_settings().max_upload_mb * 1024**2


def save_upload(name: str, data: bytes) -> Path:
    """Write an uploaded file's bytes into a new private temporary folder; return its path.

    The file keeps its own base name (``upload`` when it has none).
    """
    folder = Path(tempfile.mkdtemp(prefix="qy-upload-"))
    path = folder / (Path(name).name or "upload")
    path.write_bytes(data)
    return path


def upload_layers(path: str | Path, *, name: str | None = None) -> list[str]:
    """The layer names of a GeoPackage (the import takes one of several), else []."""
    return vector_layers(path, name=name)


def upload_sheets(path: str | Path, *, name: str | None = None) -> list[str]:
    """The sheet names of a workbook (XLSX/XLSM; read after the zip-bomb check), else []."""
    if Path(path).suffix.lower() in WORKBOOKS:
        return sheet_names(path, name=name)
    return []


@dataclass(frozen=True)
class FilePreview:
    """What an uploaded file holds before it is imported.

    ``rows`` is the number of rows read, ``head`` the first :data:`PREVIEW_ROWS` of them as read
    (raw values, no geometry), ``headers`` the file's column headers (geometry left out),
    ``suggested`` the header each canonical column of the kind is read from as far as the aliases
    know (canonical column -> header) and ``complete`` whether every required column has one.
    ``values``: header -> its distinct values, for the columns of a few (the value maps of
    :mod:`geo.services.profiles`; :func:`geo.ingest.mapping.file_values`).
    ``tracks``: the import cuts the file's fixes into shifts by a gap (a GPX file, a GPS
    export with a device column; :mod:`geo.ingest.gps`).
    """

    rows: int
    head: pd.DataFrame
    headers: list[str]
    suggested: dict[str, str]
    complete: bool
    values: dict[str, list[str]] = field(default_factory=dict)
    tracks: bool = False


def preview_file(
    path: str | Path,
    kind: str,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    name: str | None = None,
    layer: str | None = None,
    unit: str | None = None,
) -> FilePreview:
    """Read an uploaded file of record kind ``kind`` for its preview and column mapping.

    Parameters
    ----------
    path
        The saved upload (:func:`save_upload`).
    sheet, encoding, layer, unit
        As for :func:`geo.ingest.import_file`.
    name
        The file name the user knows (in messages).

    Returns
    -------
    FilePreview. FileError when the file cannot be read.
    """
    raw, _declared, _first = read_file(  # GPX, KML and KMZ too
        path, sheet=sheet, encoding=encoding, name=name, layer=layer, unit=unit, kind=kind
    )
    headers = [str(c) for c in raw.columns if c != "geometry"]
    suggested = dict(with_device(schema.kind(kind), headers, suggest_mapping(kind, headers)) or {})
    complete = all(c.name in suggested for c in schema.kind(kind).columns if c.required)
    head = pd.DataFrame(raw.drop(columns="geometry", errors="ignore")).head(PREVIEW_ROWS)
    return FilePreview(
        rows=len(raw),
        head=head,
        headers=headers,
        suggested=suggested,
        complete=complete,
        values=file_values(raw, headers),
        tracks=cuts_shifts(kind, raw, suggested),
    )


@dataclass(frozen=True)
class RejectsReport:
    """An import's rejected rows (and rows stored outside the areas) in the user's language.

    ``table``: file, row, column, value, reason: one entry per problem of a rejected row (per row
    and column), then the rows stored outside every area, whose reason says so (they are not
    rejects); ``rejects`` and ``outside`` the same split in two; ``csv`` the table as formula-safe
    CSV text (UTF-8 with BOM, for spreadsheets); ``file_name`` the download's name.
    """

    table: pd.DataFrame
    csv: bytes
    file_name: str
    rejects: pd.DataFrame
    outside: pd.DataFrame


REPORT_COLUMNS = ["file", "row", "column", "value", "reason"]


def rejects_report(summary: ImportSummary, lang: str) -> RejectsReport:
    """The rejected rows of an import with each reason in ``lang``, and its rows outside.

    The reason is made from its code and parameters, not the English text stored with it.

    Parameters
    ----------
    summary
        What the import did (:func:`import_file`).
    lang
        The user's language (``zh-CN`` or ``en``).

    Returns
    -------
    RejectsReport
        Every problem of every rejected row, and the rows stored flagged outside every area.
    """
    rejects = in_language(summary.rejects, lang)[REPORT_COLUMNS]
    outside = in_language(summary.outside_rows, lang)
    outside = (outside if len(outside) else pd.DataFrame(columns=REPORT_COLUMNS))[REPORT_COLUMNS]
    both = [f for f in (rejects, outside) if len(f)]
    table = pd.concat(both, ignore_index=True) if both else rejects.iloc[:0]
    return RejectsReport(
        table=table,
        csv=rejects_csv(table).encode("utf-8-sig"),
        file_name=f"rejects-{Path(summary.file).stem}.csv",
        rejects=rejects.reset_index(drop=True),
        outside=outside.reset_index(drop=True),
    )


OUTSIDE_COLUMNS = ["kind", "record_id", "source_file", "source_row", "lat", "lng"]
"""The columns of :func:`outside_records`."""


def outside_records(engine: sa.Engine) -> pd.DataFrame:
    """Every stored record flagged outside every area, of every kind that carries the flag.

    The one read that asks the store for them (pages and figures never see them); admins only
    (the Data page).

    Returns
    -------
    pandas.DataFrame
        :data:`OUTSIDE_COLUMNS`: kind, record_id (the row's id column), source_file,
        source_row, lat, lng (WGS-84); by kind, then file and row.
    """
    parts = []
    for name, k in schema.KINDS.items():
        if not store.may_be_outside(k):
            continue
        id_col = k.names[0]
        got = store.read(
            engine,
            name,
            "all",
            columns=[id_col, "source_file", "source_row", "lat", "lng"],
            outside="only",
        )
        if len(got):
            parts.append(got.rename(columns={id_col: "record_id"}).assign(kind=name))
    if not parts:
        return pd.DataFrame(columns=OUTSIDE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)[OUTSIDE_COLUMNS]
    return out.sort_values(["kind", "source_file", "source_row"], kind="stable").reset_index(
        drop=True
    )


def outside_report(engine: sa.Engine) -> RejectsReport:
    """:func:`outside_records` as a download (formula-safe CSV, UTF-8 with BOM).

    Returns
    -------
    RejectsReport
        ``table`` and ``outside`` the records, ``csv`` their CSV, ``rejects`` empty.
    """
    table = outside_records(engine)
    csv = neutralise_formulas(table).to_csv(index=False).encode("utf-8-sig")
    return RejectsReport(
        table=table,
        csv=csv,
        file_name="outside-jurisdiction.csv",
        rejects=pd.DataFrame(columns=REPORT_COLUMNS),
        outside=table,
    )


def record_counts(engine: sa.Engine, scope: store.Reader = "all") -> dict[str, int]:
    """Rows per record kind: all of them, or those ``scope`` may read.

    Kinds ``scope`` may not read as rows are left out.
    """
    if scope == "all":
        return store.counts(engine)
    return {
        k: len(store.read(engine, k, scope, columns=[schema.kind(k).names[0]]))
        for k in store.RECORD_TABLES
        if store.may_read(scope, k)
    }


def rebuild(engine: sa.Engine) -> int:
    """Recompute every shift's coverage rollup from the stored pings; returns the shift count."""
    return store.rebuild_coverage(engine)


def rollup_files(
    engine: sa.Engine,
    pattern: str,
    *,
    engine_name: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    shifts_file: str | None = None,
    spill_dir: str | None = None,
    crs: str = "wgs84",
    progress: bool = True,
) -> dict[str, Any]:
    """Batch coverage rollup of archive-size ping files into the store's per-shift rollups.

    Runs with the local engine or on a Dask cluster (:mod:`geo.engines`).
    """
    with engines.open_engine(engine_name, scheduler=scheduler, workers=workers) as eng:
        return engines.rollup_files(
            eng,
            pattern,
            db=engine,
            shifts_file=shifts_file,
            spill_dir=spill_dir,
            crs=crs,
            progress=progress,
        )

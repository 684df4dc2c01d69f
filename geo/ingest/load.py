"""Importing one file of a record kind into the store, all or nothing.

Read, map headers, validate, convert coordinates, store in one transaction, report every reject.

A vector file's own CRS wins over the ``crs`` flag when it declares one other than WGS-84
geographic; a GCJ-02 or BD-09 offset cannot be declared in a file, so for a WGS-84 (or
undeclared) file the flag says which offset the numbers carry.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from geo.config import Settings, get_settings
from geo.domain import categories, coords, schema
from geo.i18n import t
from geo.ingest import gps
from geo.ingest.columns import (
    date_orders,
    header_zones,
    map_headers,
    refuse_duplicates,
    with_pairs,
)
from geo.ingest.files import DUPLICATES, check_limits
from geo.ingest.mapping import ImportMapping, check, choose_profile, prepare, used_columns
from geo.ingest.report import (
    OUTSIDE,
    FileError,
    ImportSummary,
    StoreBusy,
    reject_frame,
    why,
)
from geo.ingest.validate import projected_hint, validate
from geo.ingest.values import date_order_rows
from geo.store import engine as store_engine
from geo.store import write as store_write
from geo.store.info import get_meta

__all__ = ["import_file", "import_frame"]


def _file_crs(declared: Any, flag: str) -> str:
    if declared is None:
        return coords.normalise_crs_name(flag)
    name = coords.normalise_crs_name(declared)
    return coords.normalise_crs_name(flag) if name == "wgs84" else name


def import_frame(
    engine: sa.Engine,
    kind_name: str,
    raw: pd.DataFrame,
    *,
    file_name: str,
    file_sha256: str = "",
    crs: str = "wgs84",
    first_row: int = 2,
    geometry: Any = None,
    mapping: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    user: str | None = None,
    rules: ImportMapping | None = None,
    profile: str | None = None,
    profiles: Mapping[str, ImportMapping] | None = None,
    gap_min: float | None = None,
    date_order: str | None = None,
) -> ImportSummary:
    """Validate and store raw rows of one kind, in one transaction. See :func:`import_file`."""
    settings = settings or get_settings()
    kind = schema.kind(kind_name)
    headers = [str(c) for c in raw.columns if c != "geometry" or geometry is None]
    duplicates = raw.attrs.get(DUPLICATES) or {}
    track_spec = raw.attrs.get(gps.TRACKS)  # a GPX file: its tracks and segments
    raw = raw.copy()
    raw.columns = [str(c) for c in raw.columns]
    auto = rules is None and bool(profiles)
    if auto and profiles:  # the profile whose columns this file has, if one
        profile = choose_profile(profiles, headers)
        rules = None if profile is None else profiles[profile]
    if rules:  # its columns over the header matching, its defaults as columns
        rules = check(kind, rules, tz=settings.tz)
        raw, mapping = prepare(kind, raw, rules, file_name=file_name, overrides=mapping)
        headers += [c for c in raw.columns if c not in headers and c != "geometry"]
    mapping = gps.with_device(kind, headers, mapping)  # IMEI, 终端号: the unit of a GPS export
    col_map = map_headers(
        kind,
        headers,
        file_name=file_name,
        overrides=mapping,
        has_geometry=geometry is not None,
        pairs=True,
    )
    refuse_duplicates(kind, col_map, duplicates, file_name=file_name)  # lat, lat: which one?
    raw = with_pairs(raw, col_map)  # a date and a time column read as one time
    gap = gps.track_gap(track_spec, raw, col_map, gap_min)  # fixes cut into shifts, or None
    summary = (ImportSummary if gap is None else gps.TrackSummary)(
        kind=kind_name,
        file=file_name,
        read=len(raw),
        crs=crs,
        mapping=dict(col_map),
        naive_times=settings.tz,
        date_order=date_orders(kind, raw, col_map, date_order),
        header_zones=header_zones(kind, col_map),
    )
    summary.profile, summary.profile_auto = profile, auto and profile is not None
    summary.mapping_used = {
        "columns": used_columns(col_map),
        "values": dict(rules.values) if rules else {},
        "defaults": dict(rules.defaults) if rules else {},
    }
    if date_order is None:  # 15/07/2022 beside 07/15/2022: the user says which order, not we
        refuse_conflicting_dates(summary.date_order, raw, first_row, file_name=file_name)
    sources = categories.file_sources(kind_name, raw, col_map)  # the file's own category text
    good, rejects, summary.stripped = validate(
        kind,
        raw,
        col_map,
        crs=crs,
        settings=settings,
        first_row=first_row,
        geometry=geometry,
        values=rules.values if rules else None,
        date_order=date_order,
    )
    hint = projected_hint(
        kind, raw, col_map, rejects, crs=crs, settings=settings, geometry=geometry
    )
    if hint is not None:  # metres read as degrees: no row can land, say which CRS to give
        params = {"file": file_name, **hint}

        def projected(lang: str) -> str:
            likely = t("file.projected_likely", lang, codes=hint["codes"])
            return t("file.projected", lang, **params, likely=likely)

        raise FileError(projected("en"), projected)
    good, summary.unmapped = categories.grouped(  # a category no mapping knows: "other"
        kind_name, good, sources, get_meta(engine, categories.meta_name(kind_name), {})
    )
    shifts = None
    if gap is not None:  # a track file: shifts cut from its fixes, stored before them
        good, shifts, lone = gps.cut_tracks(
            good, raw, col_map, gap_min=gap, tz=settings.tz, spec=track_spec, summary=summary
        )
        rejects = pd.concat([rejects, lone], ignore_index=True)
    try:
        return _store_rows(
            engine,
            kind,
            good,
            rejects,
            summary,
            col_map,
            shifts=shifts,
            raw=raw.set_axis(np.arange(len(raw)) + first_row),  # by row number
            file_name=file_name,
            file_sha256=file_sha256,
            crs=crs,
            user=user,
        )
    except sa.exc.OperationalError as e:
        if not store_engine.is_locked(e):
            raise
        wait_s = store_engine.BUSY_TIMEOUT_MS / 1000
        msg = (
            f"{file_name}: another import is being stored and did not end within "
            f"{wait_s:g} s; nothing of this file was stored: import it again when that one "
            "has ended"
        )
        raise StoreBusy(msg) from e


def _store_rows(
    engine: sa.Engine,
    kind: schema.Kind,
    good: pd.DataFrame,
    rejects: pd.DataFrame,
    summary: ImportSummary,
    col_map: Mapping[str, str],
    *,
    raw: pd.DataFrame,
    file_name: str,
    file_sha256: str,
    crs: str,
    user: str | None,
    shifts: pd.DataFrame | None = None,
) -> ImportSummary:
    """Store the validated rows of one file in one transaction (see :func:`import_frame`).

    ``raw`` is the file's rows as read, indexed by row number (the values shown for rows stored
    outside every area). ``shifts``: the shifts cut from a track file's pings, stored first
    (:func:`geo.ingest.gps.store_shifts`).
    """
    kind_name = kind.name
    with engine.begin() as conn:
        import_id = store_write.begin_import(
            conn,
            kind=kind_name,
            file_name=file_name,
            file_sha256=file_sha256,
            crs=crs,
            user=user,
            now_ms=int(time.time() * 1000),
        )
        if shifts is not None:  # a track file's shifts, then its pings: all or nothing
            good, lost = gps.store_shifts(
                conn,
                shifts,
                good,
                summary,
                col_map,
                file_sha256=file_sha256,
                user=user,
                now_ms=int(time.time() * 1000),
            )
            rejects = pd.concat([rejects, lost], ignore_index=True)
        if kind_name == "pings":
            good = store_write.resolve_ping_shifts(conn, good)
            unresolved = good["shift_id"].isna()
            if unresolved.any():
                col = col_map.get("unit_id", "unit_id")
                rejects = pd.concat(
                    [
                        rejects,
                        reject_frame(
                            good.loc[unresolved, "source_row"],
                            col,
                            good.loc[unresolved, "unit_id"],
                            why("no_shift"),
                        ),
                    ],
                    ignore_index=True,
                )
                good = good.loc[~unresolved]
        res = store_write.write_records(
            conn, kind_name, good, import_id=import_id, source_file=file_name
        )
        for (column, other), part in res.rejected.groupby(["column", "other"], sort=False):
            reason = (
                why("no_place", columns=other)
                if column == "lat"
                else why("reference", column=column, other=other)
            )
            rejects = pd.concat(
                [
                    rejects,
                    reject_frame(
                        part["source_row"], col_map.get(column, column), part["value"], reason
                    ),
                ],
                ignore_index=True,
            )
        if len(res.conflicts):
            key_col = col_map.get(kind.key[0], "") if kind.key else ""
            for code in res.conflicts["code"].unique():
                part = res.conflicts[res.conflicts["code"] == code]
                rejects = pd.concat(
                    [rejects, reject_frame(part["source_row"], key_col, part["key"], why(code))],
                    ignore_index=True,
                )
        summary.accepted = res.accepted
        summary.duplicates = res.duplicates
        summary.conflicts = len(res.conflicts)
        conflict = rejects["code"].isin(["conflict_in_file", "conflict_in_store"])
        summary.rejected = int(rejects.loc[~conflict, "row"].nunique())  # rows, not problems
        summary.outside = len(res.outside)
        summary.outside_rows = _outside_rows(res.outside, raw, col_map)
        summary.import_id = import_id
        store_write.finish_import(
            conn,
            import_id,
            read=summary.read,
            accepted=summary.accepted,
            duplicates=summary.duplicates,
            conflicts=summary.conflicts,
            rejected=summary.rejected,
            outside=summary.outside,
        )
    rejects.insert(0, "file", file_name)
    summary.rejects = rejects.sort_values("row", kind="stable").reset_index(drop=True)
    summary.outside_rows.insert(0, "file", file_name)
    return summary


def _outside_rows(
    outside: pd.DataFrame, raw: pd.DataFrame, col_map: Mapping[str, str]
) -> pd.DataFrame:
    """Report entries (:data:`~geo.ingest.report.REJECT_COLUMNS`) of rows stored outside.

    The value is the file's latitude and longitude as read; the stored WGS-84 point where the file
    gave none (a geometry, a dispute placed at its venue).
    """
    rows = outside["source_row"].astype("int64")
    stored = (
        pd.to_numeric(outside["lat"]).round(6).astype("string")
        + ","
        + pd.to_numeric(outside["lng"]).round(6).astype("string")
    )
    stored.index = rows.to_numpy()
    shown = stored
    column = col_map.get("lat") or col_map.get("venue_id") or col_map.get("site_id") or "geometry"
    if "lat" in col_map and "lng" in col_map:
        lat = raw[col_map["lat"]].reindex(rows).astype("string").str.strip()
        lng = raw[col_map["lng"]].reindex(rows).astype("string").str.strip()
        shown = (lat + "," + lng).where(lat.fillna("").ne("") & lng.fillna("").ne(""), stored)
    return reject_frame(rows, column, shown.set_axis(rows.index), why(OUTSIDE))


def refuse_conflicting_dates(
    orders: Mapping[str, str], raw: pd.DataFrame, first_row: int, *, file_name: str
) -> None:
    """Refuse a file whose dates read only day-first in some rows and only month-first in others.

    Parameters
    ----------
    orders
        Header -> the rule of :func:`geo.ingest.columns.date_orders`.
    raw, first_row
        The file's rows (with their date + time pairs) and the file row of the first.

    Raises
    ------
    FileError
        Naming the column and the rows of each reading (the first ten of each), in the user's
        language, and how to choose the order.
    """
    for header, rule in orders.items():
        if not rule.endswith("_conflict"):
            continue
        only_day, only_month = date_order_rows(raw[header])
        params = {"file": file_name, "column": header}
        params |= {
            "day_rows": _row_list(only_day, first_row),
            "month_rows": _row_list(only_month, first_row),
        }

        def conflict(lang: str, params: dict[str, str] = params) -> str:
            return t("file.date_conflict", lang, **params)

        raise FileError(conflict("en"), conflict)


def _row_list(mask: pd.Series, first_row: int, most: int = 10) -> str:
    """The file rows where ``mask`` holds, the first ``most`` of them (``"4, 9, 12 …"``)."""
    got = [str(r) for r in (np.flatnonzero(mask.to_numpy()) + first_row)]
    return ", ".join(got[:most]) + (" …" if len(got) > most else "")


def import_file(
    engine: sa.Engine,
    kind_name: str,
    path: str | Path,
    *,
    crs: str = "wgs84",
    sheet: str | None = None,
    encoding: str | None = None,
    mapping: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    name: str | None = None,
    user: str | None = None,
    rules: ImportMapping | None = None,
    profile: str | None = None,
    profiles: Mapping[str, ImportMapping] | None = None,
    layer: str | None = None,
    unit: str | None = None,
    gap_min: float | None = None,
    date_order: str | None = None,
) -> ImportSummary:
    """Import one file of a record kind into the store, all or nothing.

    Parameters
    ----------
    kind_name
        A record kind of :mod:`geo.domain.schema` (units, shifts, pings, ...).
    crs
        Coordinates of the file: ``wgs84``, ``gcj02``, ``bd09`` or an EPSG code. A vector file's
        own non-WGS-84 CRS wins.
    sheet, encoding
        XLSX sheet name; CSV encoding (default: UTF-8, UTF-8 with BOM, then GB18030).
    mapping
        Canonical column -> file header, for headers the alias table does not know.
    rules, profile
        A mapping of columns, values and defaults (:mod:`geo.ingest.mapping`; checked), and
        the name of the profile it comes from, said in the summary.
    profiles
        Without ``rules``: the saved profiles (name -> mapping) of the kind, of which the one
        whose columns the file's headers all have is used (``summary.profile_auto``).
    layer
        The layer of a GeoPackage of several (without it such a file is refused, naming them).
    unit
        A GPX file's unit (its id); default: each track's name, else the file's name.
    gap_min
        Minutes without a fix that start a new shift, for pings cut into shifts (a GPX file, a
        GPS export with a device column; given, any pings file naming units and no shifts);
        default 30 (:mod:`geo.ingest.gps`). The summary is then a
        :class:`~geo.ingest.gps.TrackSummary`.
    date_order
        The order of day, month and year in the file's dates: ``dmy``, ``mdy`` or ``ymd``
        (:data:`geo.ingest.values.ORDER_CHOICES`). None: each time column's own rule, and a
        column whose dates contradict each other (15/07/2022 and 07/15/2022) refuses the file,
        naming the rows.

    Returns
    -------
    ImportSummary with read, accepted, duplicates, conflicts and rejected counts and the rejects.

    Raises
    ------
    FileError
        When the file cannot be read at all or lacks required columns; nothing is stored.
    """
    settings = settings or get_settings()
    path = Path(path)
    name = name or path.name
    schema.kind(kind_name)
    size_mb = path.stat().st_size / 1024**2 if path.exists() else 0
    if size_mb > settings.max_upload_mb:
        msg = f"{name}: {size_mb:.1f} MiB is larger than the limit of {settings.max_upload_mb} MiB"
        raise FileError(msg)
    raw, declared, first_row = gps.read_file(  # GPX, KML and KMZ too
        path, sheet=sheet, encoding=encoding, name=name, layer=layer, unit=unit, kind=kind_name
    )
    check_limits(len(raw), raw.size, name, settings)  # a file read whole: rows and cells
    try:
        file_crs = _file_crs(declared, crs)
    except ValueError as e:
        raise FileError(f"{name}: {e}") from None
    geometry = None
    geo_col = getattr(raw, "_geometry_column_name", None)  # set on GeoDataFrames only
    if geo_col is not None and geo_col in raw.columns:
        geometry = np.asarray(raw[geo_col].values, dtype=object)
        raw = pd.DataFrame(raw.drop(columns=geo_col))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return import_frame(
        engine,
        kind_name,
        raw,
        file_name=name,
        file_sha256=digest,
        crs=file_crs,
        first_row=first_row,
        geometry=geometry,
        mapping=mapping,
        settings=settings,
        user=user,
        rules=rules,
        profile=profile,
        profiles=profiles,
        gap_min=gap_min,
        date_order=date_order,
    )

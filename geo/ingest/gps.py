"""GPS files as GPS devices and map apps write them: GPX tracks, KML/KMZ points, vendor CSVs.

- GPX 1.0/1.1 (phone apps, handheld receivers): every ``<trkpt>`` of every ``<trk>`` is one
  row (row 1 is the file's first track point): its unit (``--unit``, else the track's
  ``<name>``, else the file's name), its time in UTC (GPX times are UTC; one written without a
  zone is read as UTC too), latitude, longitude, elevation (m) and speed (km/h, from the m/s
  of GPX 1.0's ``<speed>`` or an extension's ``speed`` element: Garmin TrackPointExtension,
  OsmAnd). Waypoints and routes are not pings and are not read. Each track becomes shifts (one
  per track, or one per segment when its segments lie further apart in time than the gap).
- KML 2.2 and KMZ (Google Earth, 奥维互动地图): one row per ``<Placemark>``: its name,
  description, folder and every ``ExtendedData`` field (``SchemaData/SimpleData`` and
  ``Data/value``) as columns, and the longitude and latitude of its first ``<Point>``; a
  placemark without a point is a row without coordinates (rejected by the import, never
  dropped). A KMZ goes through the zip checks (:func:`geo.ingest.files.check_zip`) first.
- A GPS vendor's CSV names a device (设备号, 终端号, IMEI) and no shift: its fixes are cut into
  shifts by the time gaps between them (:mod:`geo.domain.tracks`).

XML is parsed without DTDs, entity expansion or network access.

The shifts cut from a file are stored before its pings in the import's one transaction
(:func:`store_shifts`, called by :mod:`geo.ingest.load`), so that a re-import adds nothing and a
failure stores nothing.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from lxml import etree

from geo.domain import schema, tracks
from geo.i18n import t
from geo.ingest.columns import norm_header, suggest_mapping
from geo.ingest.files import check_zip, read_table
from geo.ingest.report import FileError, ImportSummary, reject_frame, why
from geo.store import write as store_write

__all__ = [
    "DEVICE_HEADERS",
    "SUFFIXES",
    "TRACKS",
    "TrackSummary",
    "cut_tracks",
    "cuts_shifts",
    "device_header",
    "read_file",
    "read_gpx",
    "read_kml",
    "store_shifts",
    "track_gap",
    "with_device",
]

SUFFIXES = (".gpx", ".kml", ".kmz")
"""File types read here (the rest by :func:`geo.ingest.files.read_table`)."""

TRACKS = "tracks"
"""The key of ``frame.attrs`` under which :func:`read_gpx` names its device and piece columns."""

DEVICE_HEADERS = (
    "设备号",
    "设备编号",
    "设备id",
    "终端号",
    "终端编号",
    "终端id",
    "imei",
    "device",
    "device id",
)
"""Headers (compared by :func:`geo.ingest.columns.norm_header`) of a GPS device's id."""

_GPX = ("http://www.topografix.com/GPX/1/1", "http://www.topografix.com/GPX/1/0")
_KML = (
    "http://www.opengis.net/kml/2.2",
    "http://earth.google.com/kml/2.2",
    "http://earth.google.com/kml/2.1",
    "http://earth.google.com/kml/2.0",
)
_SPEED = etree.XPath(
    "string((g:speed | g:extensions//*[local-name()='speed'])[1])",
    namespaces={"g": _GPX[0]},
)
TIME_UTC = "time (UTC)"  # the header's zone reads a time without one as UTC (GPX times are UTC)
SPEED_KPH = "speed (km/h)"


def _refuse(key: str, **params: object) -> FileError:
    def render(lang: str) -> str:
        return t(f"file.{key}", lang, **params)

    return FileError(render("en"), render)


def _root(data: bytes, name: str, spaces: tuple[str, ...], tag: str, what: str) -> Any:
    """The document element of XML ``data``, when it is ``tag`` of one of ``spaces``."""
    parser = etree.XMLParser(  # one per call: lxml parsers are not shared between threads
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise _refuse("xml", file=name, what=what, detail=str(e).splitlines()[0][:200]) from None
    q = etree.QName(root)
    if q.localname != tag or q.namespace not in spaces:
        raise _refuse("not_format", file=name, what=what)
    return root


def read_gpx(path: str | Path, *, name: str, unit: str | None = None) -> pd.DataFrame:
    """The track points of a GPX file, one row each, as text (see the module's docstring).

    Parameters
    ----------
    path
        The GPX file.
    name
        The file's name, for messages and as the unit when no track has a name.
    unit
        The unit of every track (its id); default: each track's ``<name>``, else the file's
        name without its suffix.

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``time (UTC)``, ``lat``, ``lng``, ``ele``, ``speed (km/h)``, ``track``
        (0-based number of the ``<trk>``) and ``segment`` (of the ``<trkseg>`` in its track);
        ``attrs[TRACKS]`` names the device (``track``) and piece (``segment``) columns.
    """
    root = _root(Path(path).read_bytes(), name, _GPX, "gpx", "GPX")
    g = {"g": etree.QName(root).namespace}
    speed = _SPEED if g["g"] == _GPX[0] else etree.XPath(_SPEED.path, namespaces=g)
    parts = []
    for i, trk in enumerate(root.iterfind("g:trk", g)):
        label = unit or (trk.findtext("g:name", namespaces=g) or "").strip() or Path(name).stem
        for j, seg in enumerate(trk.iterfind("g:trkseg", g)):
            pts = seg.findall("g:trkpt", g)  # GPX files are small: a shift's points
            parts.append(
                pd.DataFrame(
                    {
                        "unit": label,
                        TIME_UTC: [p.findtext("g:time", namespaces=g) for p in pts],
                        "lat": [p.get("lat") for p in pts],
                        "lng": [p.get("lon") for p in pts],
                        "ele": [p.findtext("g:ele", namespaces=g) for p in pts],
                        "ms": [speed(p) for p in pts],
                        "track": i,
                        "segment": j,
                    },
                    dtype=object,
                )
            )
    if not parts:
        raise _refuse("no_track", file=name)
    frame = pd.concat(parts, ignore_index=True)
    ms = frame.pop("ms").replace("", None)
    kph = (pd.to_numeric(ms, errors="coerce") * 3.6).round(3)
    frame.insert(5, SPEED_KPH, kph.astype("string").where(kph.notna(), ms))  # bad text: said
    frame.attrs[TRACKS] = {"device": "track", "piece": "segment"}
    return frame


def read_kml(data: bytes, *, name: str) -> pd.DataFrame:
    """The placemarks of a KML document, one row each, as text (see the module's docstring).

    Parameters
    ----------
    data
        The KML document's bytes.
    name
        The file's name, for messages.

    Returns
    -------
    pandas.DataFrame
        ``name``, ``description``, ``folder``, the ``ExtendedData`` fields (a field named like
        one of these gets `` (ExtendedData)`` after its name), ``lng`` and ``lat``.
    """
    root = _root(data, name, _KML, "kml", "KML")
    k = {"k": etree.QName(root).namespace}
    rows = []
    for pm in root.iter(f"{{{k['k']}}}Placemark"):  # KML point files are small: a few sites
        folder = pm.getparent()
        row: dict[str, Any] = {
            "name": pm.findtext("k:name", namespaces=k),
            "description": pm.findtext("k:description", namespaces=k),
            "folder": folder.findtext("k:name", namespaces=k)
            if etree.QName(folder).localname == "Folder"
            else None,
        }
        fields = [
            (d.get("name"), d.text)
            for d in pm.iterfind("k:ExtendedData/k:SchemaData/k:SimpleData", k)
        ]
        fields += [
            (d.get("name"), d.findtext("k:value", namespaces=k))
            for d in pm.iterfind("k:ExtendedData/k:Data", k)
        ]
        for field, value in fields:
            key = str(field or "")
            row[key if key not in row else f"{key} (ExtendedData)"] = value
        coords = (pm.findtext(".//k:Point/k:coordinates", namespaces=k) or "").split(",")
        row["lng"] = coords[0].strip() if len(coords) >= 2 else None
        row["lat"] = coords[1].strip() if len(coords) >= 2 else None
        rows.append(row)
    if not rows:
        raise _refuse("no_placemark", file=name)
    frame = pd.DataFrame(rows, dtype=object)
    return frame[[c for c in frame.columns if c not in ("lng", "lat")] + ["lng", "lat"]]


def _read_kmz(path: Path, name: str) -> pd.DataFrame:
    members = check_zip(path, name, "KMZ")  # the bomb checks before anything unpacks it
    docs = [m for m in members if m.lower().endswith(".kml")]
    if not docs:
        raise _refuse("no_kml", file=name)
    doc = "doc.kml" if "doc.kml" in docs else docs[0]  # Google Earth's main document
    with zipfile.ZipFile(path) as zf:
        return read_kml(zf.read(doc), name=name)


def read_file(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    name: str | None = None,
    layer: str | None = None,
    unit: str | None = None,
    kind: str | None = None,
) -> tuple[pd.DataFrame, Any, int]:
    """Read any file users bring: GPX, KML and KMZ here, the rest by ``files.read_table``.

    Returns ``(frame, crs, first_row)`` as :func:`~geo.ingest.files.read_table` does; GPX, KML
    and KMZ declare no CRS (they are WGS-84 unless the ``crs`` flag says otherwise) and count
    their first point or placemark as row 1. A GPX file is refused for a ``kind`` other than
    pings (its shifts come with its pings).
    """
    path = Path(path)
    name = name or path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        return read_table(path, sheet=sheet, encoding=encoding, name=name, layer=layer)
    if not path.exists():
        msg = f"{name}: no such file"
        raise FileError(msg)
    if suffix == ".gpx":
        if kind not in (None, "pings"):
            raise _refuse("gpx_kind", file=name)
        return read_gpx(path, name=name, unit=unit), None, 1
    if suffix == ".kmz":
        return _read_kmz(path, name), None, 1
    return read_kml(path.read_bytes(), name=name), None, 1


def device_header(headers: list[str]) -> str | None:
    """The first of ``headers`` that names a GPS device (:data:`DEVICE_HEADERS`), or None."""
    wanted = {norm_header(h) for h in DEVICE_HEADERS}
    return next((h for h in headers if norm_header(h) in wanted), None)


def with_device(
    kind: schema.Kind, headers: list[str], mapping: Mapping[str, str] | None
) -> Mapping[str, str] | None:
    """``mapping`` with the device column as the unit of a pings file that names no unit.

    An IMEI or 终端号 column is the unit only when neither ``mapping`` nor the header matching
    finds one (a unit column, 车牌号 or 设备号, wins).
    """
    device = device_header(headers)
    if kind.name != "pings" or device is None:
        return mapping
    if "unit_id" in suggest_mapping(kind, headers, overrides=mapping):
        return mapping
    return {**(mapping or {}), "unit_id": device}


def track_gap(
    spec: Mapping[str, str] | None,
    raw: pd.DataFrame,
    col_map: Mapping[str, str],
    gap_min: float | None,
) -> float | None:
    """Minutes of the gap that cuts a pings file's fixes into shifts, or None (not cut).

    Cut: a GPX file's tracks (``spec``: its ``attrs[TRACKS]``), and any pings file that names a
    unit and no shift when it has a device column (a GPS vendor's export) or ``gap_min`` is
    given; default gap :data:`geo.domain.tracks.DEFAULT_GAP_MIN`. Otherwise a unit's fixes go
    to the stored shift running at their time (:func:`geo.store.write.resolve_ping_shifts`).
    """
    if "shift_id" in col_map or "unit_id" not in col_map:
        return None
    if not (spec or gap_min is not None or device_header([str(c) for c in raw.columns])):
        return None
    if gap_min is not None and not gap_min > 0:
        msg = f"the gap between shifts must be more than 0 minutes, not {gap_min}"
        raise ValueError(msg)
    return tracks.DEFAULT_GAP_MIN if gap_min is None else float(gap_min)


def cuts_shifts(kind_name: str, raw: pd.DataFrame, mapping: Mapping[str, str]) -> bool:
    """True when importing ``raw`` as ``kind_name`` cuts its fixes into shifts by a gap.

    The Data page then asks for the gap. ``mapping``: canonical column -> header, as matched.
    """
    if kind_name != "pings":
        return False
    return track_gap(raw.attrs.get(TRACKS), raw, mapping, None) is not None


@dataclass
class TrackSummary(ImportSummary):
    """What the import of a track file did: its pings (the summary itself) and ``shifts``.

    ``shifts`` is the summary of the shifts cut from the file (``read``: shifts cut, ``accepted``
    new, ``duplicates`` already stored, ``conflicts`` stored with other times, ``rejected`` of
    units the store does not hold); ``gap_min`` the gap that cut them (minutes).
    """

    shifts: ImportSummary | None = None
    gap_min: float = tracks.DEFAULT_GAP_MIN

    def as_dict(self) -> dict[str, Any]:
        """The JSON summary line of the CLI, with the shifts' counts under ``shifts``."""
        out = super().as_dict()
        out["gap_min"] = self.gap_min
        if self.shifts is not None:
            out["shifts"] = {
                k: getattr(self.shifts, k)
                for k in ("read", "accepted", "duplicates", "conflicts", "rejected", "import_id")
            }
        return out


def cut_tracks(
    good: pd.DataFrame,
    raw: pd.DataFrame,
    col_map: Mapping[str, str],
    *,
    gap_min: float,
    tz: str,
    spec: Mapping[str, str] | None = None,
    summary: ImportSummary | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Cut validated pings into shifts and name them (:mod:`geo.domain.tracks`).

    Parameters
    ----------
    good
        Validated pings (``unit_id``, ``ts``, ``source_row``), on the index of ``raw``.
    raw
        The file's rows as read: its device column (GPX: the track, and the segment as piece;
        a vendor CSV: the device, else the unit) groups the fixes.
    col_map
        Canonical column -> header of the file.
    gap_min
        Minutes: a longer gap between two fixes of a device starts a new shift.
    tz
        The store's zone (shift names give the local start).
    spec
        A GPX file's ``attrs[TRACKS]``: its device and piece columns.
    summary
        The import's summary; a :class:`TrackSummary` is told the gap.

    Returns
    -------
    pings : pandas.DataFrame
        ``good`` with ``shift_id`` set, less the fixes of one-fix shifts.
    shifts : pandas.DataFrame
        Canonical shift rows (``source_row``: the row of the shift's first fix).
    rejects : pandas.DataFrame
        Entries for the fixes alone in their shift (no other fix of the device within the gap):
        a shift needs a start and a later end.
    """
    if isinstance(summary, TrackSummary):
        summary.gap_min = gap_min
    spec = spec or {}
    dev_col = spec.get("device") or device_header(list(raw.columns))
    device = raw.loc[good.index, dev_col].astype("string").str.strip() if dev_col else None
    piece = raw.loc[good.index, spec["piece"]] if spec.get("piece") else None
    unit = good["unit_id"].astype("string")
    key = unit if device is None else device + "\x1f" + unit  # a device's unit may change
    number = tracks.cut_shifts(key, good["ts"], gap_min=gap_min, piece=piece)
    ids, shifts = tracks.shift_table(good["unit_id"], good["ts"], number, tz=tz)
    good = good.assign(shift_id=ids)
    lone = shifts["end"] <= shifts["start"]
    alone = good["shift_id"].isin(shifts.loc[lone, "shift_id"])
    ts_col = col_map.get("ts", "ts")
    rejects = reject_frame(
        good.loc[alone, "source_row"],
        ts_col,
        raw.loc[good.index[alone], ts_col],
        why("lone_fix", gap=f"{gap_min:g}"),
    )
    shifts = shifts.loc[~lone]
    kind = schema.kind("shifts")
    rows = pd.DataFrame({c.name: c.default for c in kind.columns}, index=shifts.index)
    rows[["shift_id", "unit_id", "start", "end"]] = shifts[["shift_id", "unit_id", "start", "end"]]
    rows["source_row"] = good.loc[shifts["first"], "source_row"].to_numpy()
    return good.loc[~alone], rows.reset_index(drop=True), rejects


def store_shifts(
    conn: sa.Connection,
    shifts: pd.DataFrame,
    good: pd.DataFrame,
    summary: ImportSummary,
    col_map: Mapping[str, str],
    *,
    file_sha256: str,
    user: str | None,
    now_ms: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Store the shifts cut from a file, in the import's transaction, before its pings.

    A shift of a unit the store does not hold is not stored, nor is one stored already with
    other times; their fixes are rejected (each naming why). The shifts get their own row in
    the import history; ``summary`` (a :class:`TrackSummary`) gets their counts.

    Returns
    -------
    pings : pandas.DataFrame
        ``good`` less the fixes of the shifts not stored.
    rejects : pandas.DataFrame
        The entries for those fixes.
    """
    import_id = store_write.begin_import(
        conn,
        kind="shifts",
        file_name=summary.file,
        file_sha256=file_sha256,
        crs=summary.crs,
        user=user,
        now_ms=now_ms,
    )
    res = store_write.write_records(
        conn, "shifts", shifts, import_id=import_id, source_file=summary.file
    )
    by_row = shifts.set_index("source_row")["shift_id"]
    no_unit = by_row.reindex(res.rejected["source_row"].to_numpy())
    conflict = by_row.reindex(res.conflicts["source_row"].to_numpy())
    unit_col = col_map.get("unit_id", "unit_id")
    parts = []
    gone = good["shift_id"].isin(no_unit)
    parts.append(
        reject_frame(
            good.loc[gone, "source_row"],
            unit_col,
            good.loc[gone, "unit_id"],
            why("reference", column="unit_id", other="units"),
        )
    )
    for shift_id in conflict.unique():
        mine = good["shift_id"] == shift_id
        parts.append(
            reject_frame(
                good.loc[mine, "source_row"],
                unit_col,
                good.loc[mine, "unit_id"],
                why("shift_conflict", shift=shift_id),
            )
        )
    kept = good.loc[~good["shift_id"].isin(no_unit) & ~good["shift_id"].isin(conflict)]
    cut = ImportSummary(
        kind="shifts",
        file=summary.file,
        read=len(shifts),
        accepted=res.accepted,
        duplicates=res.duplicates,
        conflicts=len(res.conflicts),
        rejected=len(res.rejected),
        import_id=import_id,
        crs=summary.crs,
    )
    store_write.finish_import(
        conn,
        import_id,
        read=cut.read,
        accepted=cut.accepted,
        duplicates=cut.duplicates,
        conflicts=cut.conflicts,
        rejected=cut.rejected,
    )
    if isinstance(summary, TrackSummary):
        summary.shifts = cut
    return kept, pd.concat(parts, ignore_index=True)

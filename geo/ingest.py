"""Import files of a record kind: read, map headers, validate rows, convert coordinates, store.

Formats: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 or a named encoding), XLSX (a chosen sheet),
GeoJSON, GeoPackage, Shapefile (zipped or not) and Parquet (plain or GeoParquet).

Headers in English or Chinese are mapped onto canonical columns by the alias table of
:mod:`geo.schema`. A row with a missing or unparsable required value, coordinates outside the
configured region (or with latitude and longitude swapped) or an unknown category is rejected with
its file, row number, column and reason; the rest lands, all in one transaction. Row numbers are the
ones
a user sees: the header is row 1 of a sheet or CSV, the first feature is row 1 of a vector file.

Coordinates: ``crs`` names the coordinates of the file (``wgs84``, ``gcj02``, ``bd09`` or any EPSG
code). A vector file's own CRS wins over the flag when it declares one other than WGS-84 geographic;
a GCJ-02 or BD-09 offset cannot be declared in a file, so for a WGS-84 (or undeclared) file the flag
says which offset the numbers carry.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from geo import coords, schema, store
from geo.config import Settings, get_settings

__all__ = [
    "FileError",
    "ImportSummary",
    "formula_safe",
    "import_file",
    "import_frame",
    "map_headers",
    "neutralise_formulas",
    "read_table",
    "rejects_csv",
    "sheet_names",
    "suggest_mapping",
    "validate",
]

VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip"}
TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq"}
EARLIEST = pd.Timestamp("1990-01-01", tz="UTC")
LATEST = pd.Timestamp("2100-01-01", tz="UTC")
MAX_TEXT = 2000  # characters kept in a free-text field
# Zip containers (XLSX, zipped Shapefiles) are checked before anything unpacks them: a zip bomb
# declares a huge unpacked size, or packs a member far tighter than real data ever packs.
MAX_UNPACKED = 1024**3  # bytes all members may unpack to together
MAX_RATIO = 200  # unpacked / packed size of a member over 1 MiB (real sheets pack 5-30 times)
MAX_MEMBERS = 10_000
# Characters that XML 1.0 (DOCX, GPX, KML), PostgreSQL text (NUL) and PDFs cannot hold: a text
# field holding one is rejected on import, so every export can carry what the store holds.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A polygon larger than this (km2) is no station or grid; its res-10 cover would not end.
MAX_AREA_KM2 = 20_000


REJECT_COLUMNS = ["row", "column", "value", "reason", "code", "params"]


class FileError(ValueError):
    """The file as a whole cannot be imported (unreadable, wrong kind, required columns missing)."""


class StoreBusy(FileError):
    """The store is storing another import and this one could not wait for it (SQLite keeps one
    write lock, for 30 s of waiting at most); nothing of the file was stored."""


@dataclass
class ImportSummary:
    """What an import did. ``rejects`` lists every rejected row with its reason."""

    kind: str
    file: str
    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    import_id: int | None = None
    crs: str = "wgs84"
    mapping: dict[str, str] = field(default_factory=dict)
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["file", *REJECT_COLUMNS]))

    def as_dict(self) -> dict[str, Any]:
        """The JSON summary line of the CLI."""
        return {"kind": self.kind, "file": self.file, "read": self.read, "accepted": self.accepted,
                "duplicates": self.duplicates, "conflicts": self.conflicts,
                "rejected": self.rejected, "import_id": self.import_id, "crs": self.crs}


# --------------------------------------------------------------------------------------------
# Reading


def _norm_header(text: object) -> str:
    s = str(text).strip().lower().replace("（", "(").replace("）", ")")
    return re.sub(r"[\s_\-:：/\\.·]+", "", s)


def _decode_csv(raw: bytes, encoding: str | None, name: str) -> str:
    binary = f"{name}: this is not a text CSV file (it holds binary data)"
    if encoding:
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as e:
            msg = f"{name}: cannot decode as {encoding}: {e}"
            raise FileError(msg) from None
        if "\x00" in text:
            raise FileError(binary)
        return text
    if b"\x00" in raw:
        raise FileError(binary)
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    msg = f"{name}: cannot decode as UTF-8 or GBK/GB18030; name the encoding with --encoding"
    raise FileError(msg)


def _check_zip(path: Path, name: str, what: str) -> list[str]:
    """Member names of a zip container, after checking it is no zip bomb (read from its directory,
    before anything is unpacked). Raises FileError naming the file."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        msg = f"{name}: not a valid {what} file (not a readable zip container)"
        raise FileError(msg) from None
    if len(infos) > MAX_MEMBERS:
        msg = f"{name}: the {what} file holds {len(infos):,} parts; refused"
        raise FileError(msg)
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED:
        msg = (f"{name}: the {what} file unpacks to {total / 1024**2:,.0f} MiB, more than "
               f"{MAX_UNPACKED / 1024**2:,.0f} MiB; refused (a zip bomb?)")
        raise FileError(msg)
    for i in infos:
        if i.file_size > 1024**2 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            msg = (f"{name}: part {i.filename[:80]!r} of the {what} file unpacks "
                   f"{i.file_size / max(i.compress_size, 1):,.0f} times its packed size; "
                   "refused (a zip bomb?)")
            raise FileError(msg)
    return [i.filename for i in infos]


def _read_vector(path: Path, name: str) -> tuple[pd.DataFrame, Any]:
    import pyogrio

    target = str(path)
    if path.suffix.lower() == ".zip":
        shp = [n for n in _check_zip(path, name, "zip") if n.lower().endswith(".shp")]
        if not shp:
            msg = f"{name}: the zip holds no .shp file"
            raise FileError(msg)
        target = f"/vsizip/{path}/{shp[0]}"
    try:
        gdf = pyogrio.read_dataframe(target)
    except Exception as e:  # pyogrio raises its own DataSourceError family
        msg = f"{name}: cannot read as a vector file: {str(e).splitlines()[0]}"
        raise FileError(msg) from None
    return gdf, gdf.crs


def read_table(path: str | Path, *, sheet: str | None = None, encoding: str | None = None,
               name: str | None = None) -> tuple[pd.DataFrame, Any, int]:
    """Read a file into a frame of raw values.

    Returns ``(frame, crs, first_row)``: ``crs`` is the file's declared CRS (vector files and
    GeoParquet) or None; ``first_row`` is the row number a user sees for the first data row.
    """
    path = Path(path)
    name = name or path.name
    suffix = path.suffix.lower()
    if not path.exists():
        msg = f"{name}: no such file"
        raise FileError(msg)
    if suffix in (".csv", ".txt"):
        text = _decode_csv(path.read_bytes(), encoding, name)
        return _parse_csv(text, name, sniff=suffix == ".txt"), None, 2
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, name), None, 2
    if suffix in (".parquet", ".pq"):
        try:
            import pyarrow.parquet as pq

            meta = pq.read_schema(path).metadata or {}
            if b"geo" in meta:
                import geopandas as gpd

                gdf = gpd.read_parquet(path)
                return gdf, gdf.crs, 1
            return pd.read_parquet(path), None, 1
        except Exception as e:
            msg = f"{name}: not a readable Parquet file: {str(e).splitlines()[0]}"
            raise FileError(msg) from None
    if suffix in VECTOR_SUFFIXES:
        gdf, crs = _read_vector(path, name)
        return gdf, crs, 1
    msg = (f"{name}: unsupported file type {suffix!r}; use CSV, XLSX, GeoJSON, GeoPackage, "
           "zipped Shapefile or Parquet")
    raise FileError(msg)


def _parse_csv(text: str, name: str, *, sniff: bool) -> pd.DataFrame:
    """CSV text -> frame of strings. A row with more values than the header is an error: pandas
    would otherwise take the extra leading values of a first such row as an index and shift
    every value of the file one column over, silently."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                               skipinitialspace=True, index_col=False,
                               sep=None if sniff else ",", engine="python" if sniff else "c")
    except pd.errors.ParserWarning:
        msg = (f"{name}: not a consistent table: the first data row has more values than the "
               "header has columns")
        raise FileError(msg) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError,
            OverflowError) as e:
        detail = (str(e).splitlines() or [type(e).__name__])[0]
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
        if m:
            detail = (f"line {m.group(2)} has {m.group(3)} values but the header has "
                      f"{m.group(1)} columns")
        msg = f"{name}: not a readable CSV file: {detail[:200]}"
        raise FileError(msg) from None


def sheet_names(path: str | Path, *, name: str | None = None) -> list[str]:
    """Sheet names of an XLSX workbook, after the zip-bomb check. Raises FileError."""
    import openpyxl

    path = Path(path)
    name = name or path.name
    _check_zip(path, name, "XLSX")
    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken workbook
        msg = f"{name}: not a readable XLSX file: {(str(e).splitlines() or [''])[0][:200]}"
        raise FileError(msg) from None
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _read_xlsx(path: Path, sheet: str | None, name: str) -> pd.DataFrame:
    import openpyxl

    _check_zip(path, name, "XLSX")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:
        msg = f"{name}: not a readable XLSX file: {(str(e).splitlines() or [''])[0][:200]}"
        raise FileError(msg) from None
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            msg = f"{name}: no sheet {sheet!r}; sheets are: {', '.join(wb.sheetnames)}"
            raise FileError(msg)
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            msg = f"{name}: sheet {ws.title!r} is empty"
            raise FileError(msg)
        data = list(rows)
    except FileError:
        raise
    except Exception as e:  # a malformed sheet part: XML errors, bad cell types, ...
        msg = f"{name}: not a readable XLSX file: {(str(e).splitlines() or [''])[0][:200]}"
        raise FileError(msg) from None
    finally:
        wb.close()
    width = len(header)
    cols = [str(h) if h is not None else f"column{i + 1}" for i, h in enumerate(header)]
    seen: dict[str, int] = {}
    for i, c in enumerate(cols):  # a repeated header becomes "name.1", as pandas reads a CSV
        while c in seen:
            seen[cols[i]] += 1
            c = f"{cols[i]}.{seen[cols[i]]}"
        seen.setdefault(c, 0)
        cols[i] = c
    data = [tuple(r[:width]) + (None,) * (width - len(r)) for r in data]
    # drop trailing fully empty rows that Excel keeps
    while data and all(v is None or str(v).strip() == "" for v in data[-1]):
        data.pop()
    return pd.DataFrame(data, columns=cols, dtype=object)


# --------------------------------------------------------------------------------------------
# Header mapping


def suggest_mapping(kind: schema.Kind, headers: list[str], *,
                    overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Canonical column -> file header, from ``overrides`` and the alias table; never raises.

    Columns that cannot be matched are absent; :func:`map_headers` checks the result.
    """
    norm = {h: _norm_header(h) for h in headers}
    used: set[str] = set()
    mapping: dict[str, str] = {}
    for canon, header in (overrides or {}).items():
        if header in norm and header not in used:
            mapping[canon] = header
            used.add(header)
    for col in kind.columns:
        if col.name in mapping:
            continue
        wanted = [_norm_header(a) for a in (col.name, *col.aliases)]
        for w in wanted:
            hit = next((h for h in headers if h not in used and norm[h] == w), None)
            if hit is not None:
                mapping[col.name] = hit
                used.add(hit)
                break
    return mapping


def map_headers(kind: schema.Kind, headers: list[str], *, file_name: str = "",
                overrides: Mapping[str, str] | None = None,
                has_geometry: bool = False) -> dict[str, str]:
    """Map canonical column -> file header. Raises FileError naming missing and found columns.

    ``overrides`` maps canonical column -> header and wins over the alias table (the app's manual
    column mapping uses it).
    """
    mapping = suggest_mapping(kind, headers, overrides=overrides)
    missing = [c.name for c in kind.columns if c.required and c.name not in mapping]
    if has_geometry:
        missing = [m for m in missing if m not in ("lat", "lng", "geometry")]
    for group in kind.one_of:
        if not any(g in mapping for g in group):
            missing.append(" or ".join(group))
    if missing:
        labels = []
        for m in missing:
            try:
                c = kind.column(m)
                zh = next((a for a in c.aliases if re.search(r"[\u4e00-\u9fff]", a)), "")
                labels.append(f"{m} ({zh})" if zh else m)
            except KeyError:
                labels.append(m)
        found = [h if len(h) <= 30 else h[:30] + "…" for h in map(str, headers[:12])]
        found += [f"… ({len(headers) - 12} more)"] if len(headers) > 12 else []
        msg = (f"{file_name}: cannot import as {kind.name}: missing required column(s) "
               f"{', '.join(labels)}; found: {', '.join(found) or 'no columns'}")
        raise FileError(msg)
    return mapping


# --------------------------------------------------------------------------------------------
# Value parsing (vectorised; each returns parsed values and a mask of bad non-empty values)

_CN_DATE = [(re.compile(r"[年/.]"), "-"), (re.compile(r"月"), "-"), (re.compile(r"日"), " "),
            (re.compile(r"[时點点]"), ":"), (re.compile(r"分"), ":"), (re.compile(r"秒"), ""),
            (re.compile(r"T"), " ")]


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | s.astype("string").str.strip().fillna("").eq("")


def _parse_ts(s: pd.Series, tz: str) -> tuple[pd.Series, pd.Series]:
    """Parse times (ISO, Chinese formats, Excel serials, datetime objects) to tz-aware UTC."""
    if pd.api.types.is_datetime64_any_dtype(s):
        conv = _localise(pd.Series(pd.to_datetime(s), index=s.index), tz)
        bad = conv.notna() & ((conv < EARLIEST) | (conv >= LATEST))
        return conv.where(~bad, pd.NaT), bad
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    blank = _blank(s)
    todo = ~blank
    # datetime objects straight from Excel
    is_dt = s.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or
                  hasattr(v, "isoformat")) & todo
    if is_dt.any():
        dt = pd.to_datetime(s[is_dt].astype(object), errors="coerce")
        out[is_dt] = _localise(pd.Series(dt, index=s[is_dt].index), tz)
        todo &= ~is_dt
    text = s[todo].astype(str).str.strip()
    num = pd.to_numeric(text, errors="coerce")
    serial = num.notna() & num.between(20000, 80000)
    if serial.any():
        days = num[serial]
        naive = pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D")
        out[serial[serial].index] = _localise(naive.dt.round("s"), tz)
    epoch = num.notna() & ~serial & num.between(6.3e8, 4.1e12)
    if epoch.any():  # unix seconds or milliseconds
        v = num[epoch]
        ms = np.where(v > 1e11, v, v * 1000)
        out[epoch[epoch].index] = pd.to_datetime(ms, unit="ms", utc=True)
    rest = text[num.isna()]
    if len(rest):
        norm = rest
        for pat, rep in _CN_DATE:
            norm = norm.str.replace(pat, rep, regex=True)
        norm = norm.str.replace(r"\s+", " ", regex=True).str.strip().str.rstrip(":")
        parsed = _to_datetime_mixed(norm, tz)
        out[parsed.index] = parsed
    bad = ~blank & out.isna()
    out_of_range = out.notna() & ((out < EARLIEST) | (out >= LATEST))
    out[out_of_range] = pd.NaT
    return out, bad | out_of_range


def _localise(naive: pd.Series, tz: str) -> pd.Series:
    if getattr(naive.dt, "tz", None) is not None:
        return naive.dt.tz_convert("UTC")
    local = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    return local.dt.tz_convert("UTC")


def _to_datetime_mixed(text: pd.Series, tz: str) -> pd.Series:
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    has_zone = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    for mask, aware in ((~has_zone, False), (has_zone, True)):
        part = text[mask]
        if part.empty:
            continue
        try:
            parsed = pd.to_datetime(part, format="ISO8601", errors="coerce", utc=aware)
        except (ValueError, OverflowError):
            parsed = pd.Series(pd.NaT, index=part.index)
        miss = parsed.isna()
        if miss.any():
            try:
                again = pd.to_datetime(part[miss], format="mixed", errors="coerce", utc=aware)
            except (ValueError, OverflowError):
                again = pd.Series(pd.NaT, index=part[miss].index)
            parsed = parsed.astype(again.dtype) if len(again) else parsed
            parsed[miss] = again
        parsed = pd.Series(pd.to_datetime(parsed, errors="coerce", utc=aware), index=part.index)
        ok = parsed.notna()
        if aware:
            out[part.index[ok]] = parsed[ok].dt.tz_convert("UTC")
        else:
            out[part.index[ok]] = _localise(parsed[ok], tz)
    return out


def _parse_float(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    blank = _blank(s)
    text = s.astype("string").str.strip().str.replace(",", "", regex=False).str.replace(
        "°", "", regex=False)
    v = pd.to_numeric(text, errors="coerce").astype(float)
    bad = ~blank & (v.isna() | ~np.isfinite(v.fillna(0.0)))
    v[~np.isfinite(v.fillna(np.nan))] = np.nan
    return v, bad


def _parse_int(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    v, bad = _parse_float(s)
    frac = v.notna() & ((v % 1) != 0)
    neg = v.notna() & (v < 0)
    huge = v.notna() & (v.abs() > 1e12)
    bad = bad | frac | neg | huge
    v[bad] = np.nan
    return v.round().astype("Int64"), bad


def _parse_id(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        text = str(v).strip()
        return text or None

    out = s.map(one).astype(object)
    too_long = out.map(lambda v: v is not None and len(str(v)) > 200)
    out[too_long] = None
    return out, too_long


def _parse_text(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    out = s.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                else (str(v).strip() or None)).astype(object)
    too_long = out.map(lambda v: v is not None and len(v) > MAX_TEXT)
    return out, too_long


def _has_control(v: pd.Series) -> pd.Series:
    """Text values holding a control character (NUL, ESC, ...) that XML and PostgreSQL refuse."""
    return v.map(lambda x: isinstance(x, str) and _CONTROL.search(x) is not None).astype(bool)


def _parse_enum(s: pd.Series, choices: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    blank = _blank(s)
    text = s.astype("string").str.strip().str.lower().str.replace("-", "_", regex=False)
    lookup = {c: c for c in choices}
    lookup.update({c.replace("_", " "): c for c in choices})
    lookup.update({k.lower(): v for k, v in schema.ENUM_ALIASES.items() if v in choices})
    out = text.map(lookup).astype(object)
    bad = ~blank & out.isna()
    return out.where(out.notna(), None), bad


# --------------------------------------------------------------------------------------------
# Validation


def why(code: str, **params: object) -> tuple[str, str, str]:
    """A rejection reason: (English text, code, JSON params). The app shows
    ``geo.i18n.t("reject." + code, lang, **params)`` in the user's language."""
    from geo.i18n import t

    return t(f"reject.{code}", "en", **params), code, json.dumps(params, ensure_ascii=False)


def _reject_frame(rows: pd.Series, column: str, values: pd.Series,
                  reason: tuple[str, str, str]) -> pd.DataFrame:
    text, code, params = reason
    return pd.DataFrame({"row": rows.to_numpy(), "column": column,
                         "value": values.astype("string").str.slice(0, 80).to_numpy(),
                         "reason": text, "code": code, "params": params})


def validate(kind: schema.Kind, raw: pd.DataFrame, mapping: Mapping[str, str], *, crs: str,
             settings: Settings, first_row: int = 2,
             geometry: Any = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse and check every row of ``raw``; return (canonical rows, rejects).

    Canonical rows carry ``source_row``. Rejects have row, column (the file's header), value and
    reason; a row is rejected for its first problem only once per column.
    """
    n = len(raw)
    rows = pd.Series(np.arange(n) + first_row, index=raw.index)
    out = pd.DataFrame(index=raw.index)
    out["source_row"] = rows
    bad_any = pd.Series(False, index=raw.index)
    rejects: list[pd.DataFrame] = []

    def fail(mask: pd.Series, column: str, values: pd.Series,
             reason: tuple[str, str, str]) -> None:
        nonlocal bad_any
        mask = mask & ~bad_any
        if mask.any():
            rejects.append(_reject_frame(rows[mask], column, values[mask], reason))
            bad_any = bad_any | mask

    for col in kind.columns:
        if col.type in ("lat", "lng", "geometry"):
            continue
        header = mapping.get(col.name)
        if header is None:
            out[col.name] = col.default
            continue
        s = raw[header]
        if col.type == "ts":
            v, bad = _parse_ts(s, settings.tz)
            fail(bad, header, s, why("time"))
        elif col.type == "int":
            v, bad = _parse_int(s)
            fail(bad, header, s, why("whole_number"))
            if col.default is not None:
                v = v.fillna(col.default)
        elif col.type == "float":
            v, bad = _parse_float(s)
            fail(bad, header, s, why("number"))
        elif col.type == "enum":
            v, bad = _parse_enum(s, col.choices)
            fail(bad, header, s, why("enum", column=col.name, choices=", ".join(col.choices)))
        elif col.type == "id":
            v, bad = _parse_id(s)
            fail(bad, header, s, why("id_long", n=200))
            fail(_has_control(v), header, s, why("control"))
        else:
            v, bad = _parse_text(s)
            fail(bad, header, s, why("text_long", n=MAX_TEXT))
            fail(_has_control(v), header, s, why("control"))
        out[col.name] = v
        if col.required:
            fail(_blank_parsed(v), header, s, why("missing"))

    for group in kind.one_of:
        present = [g for g in group if g in mapping]
        empty = pd.Series(True, index=raw.index)
        for g in present:
            empty &= _blank_parsed(out[g])
        fail(empty, mapping[present[0]], raw[mapping[present[0]]],
             why("one_of", columns=" / ".join(group)))

    if "lat" in kind.names:
        _validate_points(kind, raw, mapping, out, crs, settings, geometry, fail)
    if "geometry" in kind.names:
        _validate_polygons(raw, mapping, out, crs, settings, geometry, fail)

    if kind.name == "shifts":
        fail(out["end"].notna() & out["start"].notna() & (out["end"] <= out["start"]),
             mapping["end"], raw[mapping["end"]], why("shift_order"))

    for col in kind.columns:
        if col.type == "ts" and col.name in out:
            out[col.name] = pd.to_datetime(out[col.name], utc=True).dt.tz_convert(settings.tz)
    good = out.loc[~bad_any].copy()
    rej = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(
        columns=REJECT_COLUMNS)
    return good, rej.sort_values("row", kind="stable").reset_index(drop=True)


def _blank_parsed(v: pd.Series) -> pd.Series:
    return v.isna() | v.astype("string").fillna("").str.strip().eq("")


def _validate_points(kind: schema.Kind, raw: pd.DataFrame, mapping: Mapping[str, str],
                     out: pd.DataFrame, crs: str, settings: Settings, geometry: Any,
                     fail: Any) -> None:
    # lat/lng may be optional (disputes located at a venue, leads without a place): a row with
    # neither is kept unlocated; the store locates it or keeps it so (see Kind.places)
    optional = not kind.column("lat").required
    has_xy = "lat" in mapping and "lng" in mapping
    if optional and geometry is None and not has_xy:
        out["lat"], out["lng"] = np.nan, np.nan
        return
    unlocated = pd.Series(False, index=raw.index)
    if optional and geometry is not None and not has_xy:
        unlocated = pd.Series(shapely.is_missing(np.asarray(geometry)) |
                              shapely.is_empty(np.asarray(geometry)), index=raw.index)
    elif optional:
        unlocated = _blank(raw[mapping["lat"]]) & _blank(raw[mapping["lng"]])
    if unlocated.any():
        fail = _skipping(fail, unlocated)
    if geometry is not None and not has_xy:
        geoms = np.asarray(geometry)
        is_point = shapely.get_type_id(geoms) == 0
        x = np.where(is_point, shapely.get_x(geoms), np.nan)
        y = np.where(is_point, shapely.get_y(geoms), np.nan)
        xs, ys = pd.Series(x, index=raw.index), pd.Series(y, index=raw.index)
        lng_h, lat_h = "geometry", "geometry"
        fail(pd.Series(~is_point, index=raw.index), "geometry",
             pd.Series(shapely.get_type_id(geoms), index=raw.index).astype(str),
             why("not_point"))
    else:
        lng_h, lat_h = mapping["lng"], mapping["lat"]
        xs, bad_x = _parse_float(raw[lng_h])
        ys, bad_y = _parse_float(raw[lat_h])
        fail(bad_x | (_blank(raw[lng_h])), lng_h, raw[lng_h], why("lng"))
        fail(bad_y | (_blank(raw[lat_h])), lat_h, raw[lat_h], why("lat"))
    lng, lat = coords.to_wgs84(xs.to_numpy(float), ys.to_numpy(float), crs)
    lng = pd.Series(np.asarray(lng, float), index=raw.index)
    lat = pd.Series(np.asarray(lat, float), index=raw.index)
    min_lng, min_lat, max_lng, max_lat = settings.region
    inside = lng.between(min_lng, max_lng) & lat.between(min_lat, max_lat)
    finite = np.isfinite(lng) & np.isfinite(lat)
    swapped = ~inside & finite & xs.between(min_lat, max_lat) & ys.between(min_lng, max_lng)
    shown = raw[lat_h].astype("string") + "," + raw[lng_h].astype("string") if lat_h != lng_h \
        else pd.Series([f"{a},{b}" for a, b in zip(ys, xs, strict=True)], index=raw.index)
    fail(swapped & (crs in ("wgs84", "gcj02", "bd09")), lat_h, shown,
         why("swapped"))
    fail(~finite, lat_h, shown, why("convert"))
    fail(~inside, lat_h, shown,
         why("region", region=", ".join(f"{v:g}" for v in settings.region)))
    out["lat"] = lat.where(~unlocated)
    out["lng"] = lng.where(~unlocated)


def _skipping(fail: Any, skip: pd.Series) -> Any:
    """``fail`` that ignores the rows of ``skip`` (rows without coordinates, where allowed)."""
    def inner(mask: pd.Series, *args: Any) -> None:
        fail(mask & ~skip, *args)

    return inner


def _validate_polygons(raw: pd.DataFrame, mapping: Mapping[str, str], out: pd.DataFrame,
                       crs: str, settings: Settings, geometry: Any, fail: Any) -> None:
    if geometry is not None:
        geoms = np.asarray(geometry, dtype=object)
        header = "geometry"
    else:
        header = mapping["geometry"]
        text = raw[header].astype("string").fillna("")
        geoms = np.array(shapely.from_wkt(text.to_numpy(dtype=object), on_invalid="ignore"),
                         dtype=object)
    geom_s = pd.Series(geoms, index=raw.index)
    kind_ok = geom_s.map(lambda g: g is not None and g.geom_type in ("Polygon", "MultiPolygon"))
    fail(~kind_ok, header, geom_s.map(lambda g: "" if g is None else g.geom_type),
         why("not_polygon"))

    def convert(g: Any) -> Any:
        if g is None or g.geom_type not in ("Polygon", "MultiPolygon"):
            return None
        g = shapely.transform(g, lambda xy: np.column_stack(coords.to_wgs84(xy[:, 0], xy[:, 1],
                                                                            crs)))
        return shapely.make_valid(g) if not g.is_valid else g

    conv = geom_s.map(convert)
    min_lng, min_lat, max_lng, max_lat = settings.region
    inside = conv.map(lambda g: g is not None and not g.is_empty and bool(
        min_lng <= g.bounds[0] and g.bounds[2] <= max_lng and min_lat <= g.bounds[1]
        and g.bounds[3] <= max_lat))
    fail(kind_ok & ~inside, header, conv.map(lambda g: "" if g is None else str(g.bounds)),
         why("polygon_region"))
    area_km2 = pd.Series([_area_km2(g) for g in conv], index=raw.index, dtype=float)
    fail(area_km2 > MAX_AREA_KM2, header, area_km2.round(0).astype("string") + " km2",
         why("polygon_large", n=f"{MAX_AREA_KM2:,}"))
    out["geometry"] = conv


def _area_km2(g: Any) -> float:
    """Approximate area of a WGS-84 polygon in km2 (degrees scaled at its mean latitude)."""
    if g is None or g.is_empty:
        return 0.0
    lat = (g.bounds[1] + g.bounds[3]) / 2
    return float(g.area * 111.32**2 * np.cos(np.radians(lat))) if np.isfinite(lat) else 0.0


# --------------------------------------------------------------------------------------------
# Import


def _file_crs(declared: Any, flag: str) -> str:
    if declared is None:
        return coords.normalise_crs_name(flag)
    name = coords.normalise_crs_name(declared)
    return coords.normalise_crs_name(flag) if name == "wgs84" else name


def _resolve_ping_shifts(conn: sa.Connection, rows: pd.DataFrame) -> pd.DataFrame:
    """Give pings that name only a unit the shift of that unit running at the ping's time."""
    need = rows["shift_id"].isna() & rows["unit_id"].notna()
    if not need.any():
        return rows
    shifts = store.RECORD_TABLES["shifts"]
    units = sorted(rows.loc[need, "unit_id"].unique())
    sh = pd.DataFrame(conn.execute(sa.select(shifts.c.shift_id, shifts.c.unit_id, shifts.c.start,
                                             shifts.c.end).where(shifts.c.unit_id.in_(units))).all(),
                      columns=["shift_id", "unit_id", "start", "end"])
    if sh.empty:
        return rows
    ping_ms = store.ts_to_ms(rows.loc[need, "ts"]).astype("int64")
    cand = pd.DataFrame({"idx": rows.index[need], "unit_id": rows.loc[need, "unit_id"].to_numpy(),
                         "ms": ping_ms.to_numpy()}).merge(sh, on="unit_id")
    cand = cand[(cand["ms"] >= cand["start"]) & (cand["ms"] <= cand["end"])]
    cand = cand.drop_duplicates("idx")
    rows = rows.copy()
    rows.loc[cand["idx"].to_numpy(), "shift_id"] = cand["shift_id"].to_numpy()
    return rows


def import_frame(engine: sa.Engine, kind_name: str, raw: pd.DataFrame, *, file_name: str,
                 file_sha256: str = "", crs: str = "wgs84", first_row: int = 2,
                 geometry: Any = None, mapping: Mapping[str, str] | None = None,
                 settings: Settings | None = None, user: str | None = None) -> ImportSummary:
    """Validate and store raw rows of one kind, in one transaction. See :func:`import_file`."""
    settings = settings or get_settings()
    kind = schema.kind(kind_name)
    headers = [str(c) for c in raw.columns if c != "geometry" or geometry is None]
    raw = raw.copy()
    raw.columns = [str(c) for c in raw.columns]
    col_map = map_headers(kind, headers, file_name=file_name, overrides=mapping,
                          has_geometry=geometry is not None)
    summary = ImportSummary(kind=kind_name, file=file_name, read=len(raw), crs=crs,
                            mapping=dict(col_map))
    good, rejects = validate(kind, raw, col_map, crs=crs, settings=settings, first_row=first_row,
                             geometry=geometry)
    try:
        return _store_rows(engine, kind, good, rejects, summary, col_map, file_name=file_name,
                           file_sha256=file_sha256, crs=crs, user=user)
    except sa.exc.OperationalError as e:
        if not store.is_locked(e):
            raise
        wait_s = store._BUSY_TIMEOUT_MS / 1000
        msg = (f"{file_name}: another import is being stored and did not end within "
               f"{wait_s:g} s; nothing of this file was stored: import it again when that one "
               "has ended")
        raise StoreBusy(msg) from e


def _store_rows(engine: sa.Engine, kind: schema.Kind, good: pd.DataFrame,
                rejects: pd.DataFrame, summary: ImportSummary, col_map: Mapping[str, str], *,
                file_name: str, file_sha256: str, crs: str, user: str | None) -> ImportSummary:
    """Store the validated rows of one file in one transaction (see :func:`import_frame`)."""
    kind_name = kind.name
    with engine.begin() as conn:
        result = conn.execute(store.imports.insert().values(
            kind=kind_name, file_name=file_name, file_sha256=file_sha256, crs=crs,
            started_ms=int(time.time() * 1000), user_name=user))
        key = result.inserted_primary_key
        assert key is not None  # an INSERT of one row has its primary key
        import_id = int(key[0])
        if kind_name == "pings":
            good = _resolve_ping_shifts(conn, good)
            unresolved = good["shift_id"].isna()
            if unresolved.any():
                col = col_map.get("unit_id", "unit_id")
                rejects = pd.concat([rejects, _reject_frame(
                    good.loc[unresolved, "source_row"], col, good.loc[unresolved, "unit_id"],
                    why("no_shift"))], ignore_index=True)
                good = good.loc[~unresolved]
        res = store.write_records(conn, kind_name, good, import_id=import_id,
                                  source_file=file_name)
        for r in res.rejected.itertuples(index=False):  # a few rows at most per check
            reason = why("no_place", columns=r.other) if r.column == "lat" else \
                why("reference", column=r.column, other=r.other)
            rejects = pd.concat([rejects, _reject_frame(
                pd.Series([r.source_row]), col_map.get(r.column, r.column), pd.Series([r.value]),
                reason)], ignore_index=True)
        if len(res.conflicts):
            key_col = col_map.get(kind.key[0], "") if kind.key else ""
            for code in res.conflicts["code"].unique():
                part = res.conflicts[res.conflicts["code"] == code]
                rejects = pd.concat([rejects, _reject_frame(
                    part["source_row"], key_col, part["key"], why(code))], ignore_index=True)
        summary.accepted = res.accepted
        summary.duplicates = res.duplicates
        summary.conflicts = len(res.conflicts)
        summary.rejected = len(rejects) - len(res.conflicts)
        summary.import_id = import_id
        conn.execute(store.imports.update().where(store.imports.c.import_id == import_id).values(
            read=summary.read, accepted=summary.accepted, duplicates=summary.duplicates,
            conflicts=summary.conflicts, rejected=summary.rejected))
    rejects.insert(0, "file", file_name)
    summary.rejects = rejects.sort_values("row", kind="stable").reset_index(drop=True)
    return summary


def import_file(engine: sa.Engine, kind_name: str, path: str | Path, *, crs: str = "wgs84",
                sheet: str | None = None, encoding: str | None = None,
                mapping: Mapping[str, str] | None = None, settings: Settings | None = None,
                name: str | None = None, user: str | None = None) -> ImportSummary:
    """Import one file of a record kind into the store, all or nothing.

    Parameters
    ----------
    kind_name
        A record kind of :mod:`geo.schema` (units, shifts, pings, ...).
    crs
        Coordinates of the file: ``wgs84``, ``gcj02``, ``bd09`` or an EPSG code. A vector file's
        own non-WGS-84 CRS wins.
    sheet, encoding
        XLSX sheet name; CSV encoding (default: UTF-8, UTF-8 with BOM, then GB18030).
    mapping
        Canonical column -> file header, for headers the alias table does not know.

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
    raw, declared, first_row = read_table(path, sheet=sheet, encoding=encoding, name=name)
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
    return import_frame(engine, kind_name, raw, file_name=name, file_sha256=digest, crs=file_crs,
                        first_row=first_row, geometry=geometry, mapping=mapping,
                        settings=settings, user=user)


_FORMULA = re.compile(r"^(?:\s*[=+\-@]|[\t\r\n])")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def formula_safe(value: object) -> object:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula
    (=, +, -, @ at the start, also after spaces, or a leading tab or line break); plain
    numbers such as ``-3.5`` stay as they are."""
    if not isinstance(value, str) or not _FORMULA.match(value) or _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and headers cannot run as spreadsheet formulas.

    Risky cells (see :func:`formula_safe`) get a leading apostrophe, as OWASP advises for CSV
    exports opened in Excel or WPS. Numeric columns are left alone.
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(formula_safe)
    out.columns = [formula_safe(c) for c in out.columns]
    return out


def rejects_csv(rejects: pd.DataFrame) -> str:
    """The rejected rows as CSV text (file, row, column, value, reason), formula-safe."""
    cols = ["file", "row", "column", "value", "reason"]
    return neutralise_formulas(rejects[cols]).to_csv(index=False)

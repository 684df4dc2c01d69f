"""Reading files as users bring them: CSV, XLSX, GeoJSON, GeoPackage, Shapefile and Parquet.

CSV (UTF-8, BOM, GBK/GB18030 or a named encoding), XLSX (a chosen sheet), GeoJSON, GeoPackage,
Shapefile (zipped or not) and Parquet (plain or GeoParquet).

Zip containers (XLSX, zipped Shapefiles) are checked before anything unpacks them: a zip bomb
declares a huge unpacked size, or packs a member far tighter than real data ever packs.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq

from geo.ingest.report import FileError

__all__ = [
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_UNPACKED",
    "TABLE_SUFFIXES",
    "VECTOR_SUFFIXES",
    "read_table",
    "sheet_names",
]

VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip"}


TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq"}


# Zip containers (XLSX, zipped Shapefiles) are checked before anything unpacks them: a zip bomb
# declares a huge unpacked size, or packs a member far tighter than real data ever packs.
MAX_UNPACKED = 1024**3  # bytes all members may unpack to together


MAX_RATIO = 200  # unpacked / packed size of a member over 1 MiB (real sheets pack 5-30 times)


MAX_MEMBERS = 10_000


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
    """Member names of a zip container, after checking it is no zip bomb.

    The check reads the container's directory, before anything is unpacked. Raises FileError
    naming the file.
    """
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
        msg = (
            f"{name}: the {what} file unpacks to {total / 1024**2:,.0f} MiB, more than "
            f"{MAX_UNPACKED / 1024**2:,.0f} MiB; refused (a zip bomb?)"
        )
        raise FileError(msg)
    for i in infos:
        if i.file_size > 1024**2 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            msg = (
                f"{name}: part {i.filename[:80]!r} of the {what} file unpacks "
                f"{i.file_size / max(i.compress_size, 1):,.0f} times its packed size; "
                "refused (a zip bomb?)"
            )
            raise FileError(msg)
    return [i.filename for i in infos]


def _read_vector(path: Path, name: str) -> tuple[pd.DataFrame, Any]:
    # pyogrio loads GDAL: only when a vector file (GeoJSON, GeoPackage, Shapefile) comes in
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


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    name: str | None = None,
) -> tuple[pd.DataFrame, Any, int]:
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
            meta = pq.read_schema(path).metadata or {}
            if b"geo" in meta:
                gdf = gpd.read_parquet(path)
                return gdf, gdf.crs, 1
            return pd.read_parquet(path), None, 1
        except Exception as e:
            msg = f"{name}: not a readable Parquet file: {str(e).splitlines()[0]}"
            raise FileError(msg) from None
    if suffix in VECTOR_SUFFIXES:
        gdf, crs = _read_vector(path, name)
        return gdf, crs, 1
    msg = (
        f"{name}: unsupported file type {suffix!r}; use CSV, XLSX, GeoJSON, GeoPackage, "
        "zipped Shapefile or Parquet"
    )
    raise FileError(msg)


def _parse_csv(text: str, name: str, *, sniff: bool) -> pd.DataFrame:
    """CSV text -> frame of strings.

    A row with more values than the header is an error: pandas would otherwise take the extra
    leading values of a first such row as an index and shift every value of the file one column
    over, silently.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                skipinitialspace=True,
                index_col=False,
                sep=None if sniff else ",",
                engine="python" if sniff else "c",
            )
    except pd.errors.ParserWarning:
        msg = (
            f"{name}: not a consistent table: the first data row has more values than the "
            "header has columns"
        )
        raise FileError(msg) from None
    except (
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        csv.Error,
        ValueError,
        OverflowError,
    ) as e:
        detail = (str(e).splitlines() or [type(e).__name__])[0]
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
        if m:
            detail = (
                f"line {m.group(2)} has {m.group(3)} values but the header has {m.group(1)} columns"
            )
        msg = f"{name}: not a readable CSV file: {detail[:200]}"
        raise FileError(msg) from None


def sheet_names(path: str | Path, *, name: str | None = None) -> list[str]:
    """Sheet names of an XLSX workbook, after the zip-bomb check. Raises FileError."""
    # openpyxl loads only when a workbook comes in
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
    # openpyxl loads only when a workbook comes in
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

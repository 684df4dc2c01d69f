"""Reading files as users bring them: CSV, XLSX, GeoJSON, GeoPackage, Shapefile and Parquet.

CSV (UTF-8, BOM, GBK/GB18030 or a named encoding), XLSX (a chosen sheet), GeoJSON, GeoPackage,
Shapefile (zipped or not) and Parquet (plain or GeoParquet).

Zip containers (XLSX, zipped Shapefiles) are checked before anything unpacks them: a zip bomb
declares a huge unpacked size, or packs a member far tighter than real data ever packs.
"""

from __future__ import annotations

import copy
import csv
import io
import itertools
import re
import warnings
import zipfile
from collections.abc import Generator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq

from geo.config import Settings
from geo.i18n import t
from geo.ingest.report import FileError

__all__ = [
    "DUPLICATES",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_SHEET_UNPACKED",
    "MAX_UNPACKED",
    "TABLE_SUFFIXES",
    "VECTOR_SUFFIXES",
    "check_limits",
    "check_zip",
    "detect_wide",
    "duplicate_headers",
    "read_table",
    "sheet_head",
    "sheet_names",
    "vector_layers",
]

VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip"}


TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq"}


# Zip containers (XLSX, zipped Shapefiles) are checked before anything unpacks them: a zip bomb
# declares a huge unpacked size, packs a member far tighter than real data ever packs, or
# declares a small size and holds a huge one (every member is inflated once, in bounded chunks,
# counting what it really holds, before openpyxl or GDAL opens the container).
MAX_UNPACKED = 1024**3  # bytes all members may unpack to together


MAX_SHEET_UNPACKED = 256 * 1024**2
"""Bytes an XLSX workbook may unpack to together: openpyxl holds some 6-7 bytes of memory per
byte of sheet XML it reads (a sheet of 1 GiB took 6.7 GB and 13 minutes)."""


MAX_RATIO = 100  # unpacked / packed size of a member over 1 MiB (real sheets pack 5-30 times)


MAX_MEMBERS = 10_000


_CHUNK = 1024**2  # bytes inflated at a time by the zip check


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def detect_wide(raw: bytes) -> tuple[str, int] | None:
    """The UTF-16 or UTF-32 encoding of text, and the length of its byte-order mark.

    By the mark when there is one (Excel's "Unicode text" is UTF-16 LE with one), else by the
    NUL bytes of mostly ASCII text: every other byte (UTF-16) or three bytes of four (UTF-32)
    are NUL, on the side that says the byte order.

    Parameters
    ----------
    raw
        The file's bytes (the first 64 KiB are looked at).

    Returns
    -------
    tuple of (str, int) or None
        ``(codec, BOM length)``, or None for text of no wide encoding (or binary data).
    """
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return codec, len(bom)
    head = raw[: 64 * 1024]
    if len(head) < 4:
        return None
    for width, codec_le, codec_be in ((4, "utf-32-le", "utf-32-be"), (2, "utf-16-le", "utf-16-be")):
        n = len(head) // width * width
        if n < width:
            continue
        cols = [head[i:n:width] for i in range(width)]
        nul = [c.count(0) / len(c) for c in cols]
        # mostly ASCII text: the high bytes are NUL, the low bytes seldom
        if min(nul[1:]) > 0.9 and nul[0] < 0.1:
            return codec_le, 0
        if min(nul[:-1]) > 0.9 and nul[-1] < 0.1:
            return codec_be, 0
    return None


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
        return text.removeprefix("\ufeff")
    wide = detect_wide(raw)
    if wide is not None:
        codec, bom = wide
        try:
            text = raw[bom:].decode(codec)
        except UnicodeDecodeError:
            msg = f"{name}: looks like {codec.upper()} text but cannot be decoded as it"
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


DUPLICATES = "duplicate_headers"
"""The key of ``frame.attrs`` under which :func:`read_table` leaves :func:`duplicate_headers`."""


def duplicate_headers(header: list[object]) -> dict[str, list[int]]:
    """Headers written more than once in a file's header row, with their positions.

    A reader renames the second ``lat`` to ``lat.1`` and an import would silently take the
    first; the import refuses such a header when it maps it (:func:`geo.ingest.load`).

    Parameters
    ----------
    header
        The header row as written (None or empty for a cell without a name).

    Returns
    -------
    dict
        Header -> its 1-based column positions, for each non-empty header written twice or more.

    >>> duplicate_headers(["id", "lat", "lng", "lat", None, None])
    {'lat': [2, 4]}
    """
    names = pd.Series([None if h is None else str(h) for h in header], dtype=object)
    names = names[names.notna() & names.str.strip().ne("")]
    repeated = names[names.duplicated(keep=False)]
    groups = repeated.groupby(repeated).groups
    return {str(h): [int(i) + 1 for i in idx] for h, idx in groups.items()}


def _refuse(key: str, **params: object) -> FileError:
    """A FileError worded by ``file.<key>`` of the strings, in English and the user's language."""

    def render(lang: str) -> str:
        return t(f"file.{key}", lang, **params)

    return FileError(render("en"), render)


def _mib(n: int) -> str:
    mib = n / 1024**2
    return f"{mib:,.0f}" if mib >= 10 else f"{mib:,.2g}"


def check_zip(path: str | Path, name: str, what: str, *, limit: int | None = None) -> list[str]:
    """Member names of a zip container (XLSX, DOCX, a zipped Shapefile), after the bomb checks.

    Checked before anything else unpacks it: the number of members, every member's declared
    unpacked size and their total (:data:`MAX_UNPACKED`; an XLSX or other office file at most
    :data:`MAX_SHEET_UNPACKED`), the ratio of unpacked to packed size of every member over
    1 MiB (:data:`MAX_RATIO`); then every member is inflated once in chunks of 1 MiB, counting
    what it really holds, so a member whose header lies about its size is stopped as soon as it
    passes the size it declares (or the limits), in bounded memory.

    Parameters
    ----------
    path
        The container.
    name
        The file's name, for messages.
    what
        The file's type as messages name it: ``XLSX``, ``DOCX``, ``zip``.
    limit
        Bytes all members may unpack to together, counted while inflating (a streamed import:
        ``Settings.max_unpacked_mb``); default the limits above.

    Returns
    -------
    list of str
        The members' names.

    Raises
    ------
    FileError
        Naming the file and the reason, in English and the user's language (:meth:`FileError.text`).
    """
    if limit is None:
        limit = MAX_UNPACKED if what == "zip" else min(MAX_UNPACKED, MAX_SHEET_UNPACKED)
    mib = 1024**2
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise _refuse("zip_unreadable", file=name, what=what) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _refuse("zip_members", file=name, what=what, n=f"{len(infos):,}")
        total = sum(i.file_size for i in infos)
        big = max(infos, key=lambda i: i.file_size, default=None)
        if big is not None and big.file_size > limit:
            raise _refuse(
                "zip_member",
                file=name,
                what=what,
                part=big.filename[:80],
                size=_mib(big.file_size),
                limit=_mib(limit),
            )
        if total > limit:
            raise _refuse(
                "zip_total",
                file=name,
                what=what,
                size=_mib(total),
                limit=_mib(limit),
            )
        for i in infos:
            if i.file_size > mib and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                raise _refuse(
                    "zip_ratio",
                    file=name,
                    what=what,
                    part=i.filename[:80],
                    ratio=f"{i.file_size / max(i.compress_size, 1):,.0f}",
                )
        _inflate_all(zf, infos, limit, name, what)
    return [i.filename for i in infos]


def _inflate_all(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limit: int, name: str, what: str
) -> None:
    """Inflate every member in chunks, stopping one that holds more than its header declares."""
    mib = 1024**2
    done = 0
    for info in infos:
        if info.is_dir():
            continue
        probe = copy.copy(info)
        probe.file_size = limit + 1  # read on past a lying size, never past the limit
        n = 0
        try:
            with zf.open(probe) as member:
                while chunk := member.read(_CHUNK):
                    n += len(chunk)
                    if n > info.file_size:
                        raise _refuse(
                            "zip_lying",
                            file=name,
                            what=what,
                            part=info.filename[:80],
                            size=f"{info.file_size:,}",
                        )
                    if n > mib and n > MAX_RATIO * max(info.compress_size, 1):
                        raise _refuse(
                            "zip_ratio",
                            file=name,
                            what=what,
                            part=info.filename[:80],
                            ratio=f"{n / max(info.compress_size, 1):,.0f}",
                        )
                    if done + n > limit:
                        raise _refuse(
                            "zip_total",
                            file=name,
                            what=what,
                            size=_mib(done + n),
                            limit=_mib(limit),
                        )
        except FileError:
            raise
        except Exception:
            # a damaged member (bad CRC, cut off, zlib.error), an encrypted one (RuntimeError),
            # an unknown compression (NotImplementedError)
            raise _refuse("zip_unreadable", file=name, what=what) from None
        done += n


def check_limits(rows: int, cells: int, name: str, settings: Settings) -> None:
    """Refuse a file once the rows or cells (rows x columns) read pass the configured limits.

    Called as a file is read (``QY_MAX_IMPORT_ROWS``, ``QY_MAX_IMPORT_CELLS``): ``rows`` and
    ``cells`` are the counts read so far. Raises FileError naming the file and the limit, in
    English and the user's language.
    """
    if rows > settings.max_import_rows:
        raise _refuse(
            "too_many_rows", file=name, n=f"{rows:,}", limit=f"{settings.max_import_rows:,}"
        )
    if cells > settings.max_import_cells:
        raise _refuse(
            "too_many_cells", file=name, n=f"{cells:,}", limit=f"{settings.max_import_cells:,}"
        )


def _read_vector(path: Path, name: str, layer: str | None = None) -> tuple[pd.DataFrame, Any]:
    # pyogrio loads GDAL: only when a vector file (GeoJSON, GeoPackage, Shapefile) comes in
    import pyogrio

    target = str(path)
    if path.suffix.lower() == ".zip":
        shp = [n for n in check_zip(path, name, "zip") if n.lower().endswith(".shp")]
        if not shp:
            msg = f"{name}: the zip holds no .shp file"
            raise FileError(msg)
        target = f"/vsizip/{path}/{shp[0]}"
    try:
        layers = [str(n) for n in pyogrio.list_layers(target)[:, 0]]
        if layer is not None and layer not in layers:
            raise _refuse("layer_unknown", file=name, layer=layer, layers=", ".join(layers))
        if layer is None and len(layers) > 1:  # a GeoPackage of several layers: which one?
            raise _refuse("layers", file=name, layers=", ".join(layers))
        gdf = pyogrio.read_dataframe(target, layer=layer)
    except FileError:
        raise
    except Exception as e:  # pyogrio raises its own DataSourceError family
        msg = f"{name}: cannot read as a vector file: {str(e).splitlines()[0]}"
        raise FileError(msg) from None
    return gdf, gdf.crs


def vector_layers(path: str | Path, *, name: str | None = None) -> list[str]:
    """The layer names of a GeoPackage (the import reads one: ``layer``), else [].

    Raises FileError when the GeoPackage cannot be read.
    """
    # pyogrio loads GDAL: only when a GeoPackage comes in
    import pyogrio

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        return []
    try:
        return [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception as e:  # pyogrio raises its own DataSourceError family
        msg = f"{name or path.name}: cannot read as a vector file: {str(e).splitlines()[0]}"
        raise FileError(msg) from None


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    name: str | None = None,
    layer: str | None = None,
) -> tuple[pd.DataFrame, Any, int]:
    """Read a file into a frame of raw values.

    ``layer`` names the layer of a vector file of several (a GeoPackage); without it such a
    file is refused naming its layers.

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
        end = text.find("\n")
        first_line = text[:end] if end >= 0 else text  # no copy of the rest
        tabbed = "\t" in first_line and "," not in first_line  # Excel's "Unicode text"
        return _parse_csv(text, name, sniff=suffix == ".txt" or tabbed), None, 2
    if suffix in (".xlsx", ".xlsm"):
        frame, first = _read_xlsx(path, sheet, name)
        return frame, None, first
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
        gdf, crs = _read_vector(path, name, layer)
        return gdf, crs, 1
    msg = (
        f"{name}: unsupported file type {suffix!r}; use CSV, XLSX, GeoJSON, GeoPackage, "
        "zipped Shapefile or Parquet"
    )
    raise FileError(msg)


_QUOTED_AFTER_SPACE = re.compile(r'(?:^|[,;\t|])[ ]+"', re.MULTILINE)


def _parse_csv(text: str, name: str, *, sniff: bool) -> pd.DataFrame:
    """CSV text -> frame of strings.

    A row with more values than the header is an error: pandas would otherwise take the extra
    leading values of a first such row as an index and shift every value of the file one column
    over, silently.
    """
    options: dict[str, Any] = {
        "dtype": str,
        "keep_default_na": False,
        # spaces after a separator are data (an id's leading spaces are counted and said in the
        # summary), unless they stand before a quote: a, "b" is how some writers quote
        "skipinitialspace": _QUOTED_AFTER_SPACE.search(text) is not None,
        "index_col": False,
        "sep": None if sniff else ",",
        "engine": "python" if sniff else "c",
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), **options)
            if frame.columns.size > 1:  # the header as written: pandas renames a repeated one
                header = pd.read_csv(io.StringIO(text), header=None, nrows=1, **options)
                frame.attrs[DUPLICATES] = duplicate_headers(list(header.iloc[0]))
            return frame
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
    check_zip(path, name, "XLSX")
    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken workbook
        msg = f"{name}: not a readable XLSX file: {(str(e).splitlines() or [''])[0][:200]}"
        raise FileError(msg) from None
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _blank(v: object) -> bool:
    return v is None or str(v).strip() == ""


def _words(v: object) -> bool:
    """A cell a header row holds: text that is no number and no date."""
    if _blank(v) or not isinstance(v, str):
        return False
    try:
        float(v.replace(",", ""))
    except ValueError:
        return not re.match(r"^\s*\d{4}\s*[-/.年]\s*\d{1,2}", v)
    return False


def sheet_head(
    wb: Any, sheet: str | None, name: str
) -> tuple[Any, Generator[tuple[Any, ...], None, None], list[Any]]:
    """A read-only workbook's sheet (``sheet``, or the first), its rows' iterator and first rows.

    The first 12 rows are read off the iterator: enough for a title and a header of one or two
    rows (:func:`header_rows`). FileError naming the file for an unknown or empty sheet.
    """
    if sheet is None:
        ws = wb.worksheets[0]
    elif sheet in wb.sheetnames:
        ws = wb[sheet]
    else:
        msg = f"{name}: no sheet {sheet!r}; sheets are: {', '.join(wb.sheetnames)}"
        raise FileError(msg)
    rows = ws.iter_rows(values_only=True)
    head = list(itertools.islice(rows, 12))  # a title, a header of one or two rows
    if not head:
        msg = f"{name}: sheet {ws.title!r} is empty"
        raise FileError(msg)
    return ws, rows, head


def header_rows(rows: list[tuple[object, ...]]) -> tuple[int, list[str | None] | None]:
    """Where a sheet's header is: its row index and, for a header of two rows, the lower names.

    Rows above the header holding one cell at most (a merged title such as 青山湖分局安全隐患台账
    (2024年3月), a blank row) are skipped. A header of two rows has cells merged across columns
    in its upper row (位置 over 经度 and 纬度; openpyxl reads the cells a merge covers as empty):
    the row below it is the lower header when every cell it fills is text under an empty cell of
    the upper row or under the cell a merge starts from.

    >>> rows = [("台账",), ("编号", "名称", "位置", None), (None, None, "经度", "纬度"), (1, "a")]
    >>> header_rows(rows)
    (1, [None, None, '经度', '纬度'])
    >>> header_rows([("编号", "经度"), ("A1", "115.9")])
    (0, None)
    """
    top = 0
    while top < len(rows) - 1 and sum(not _blank(v) for v in rows[top]) <= 1:
        top += 1
    head = rows[top] if rows else ()
    if top + 1 >= len(rows):
        return top, None
    below = rows[top + 1]
    empty_above = [i for i, v in enumerate(head) if _blank(v)]
    if not empty_above:
        return top, None
    anchors = {i - 1 for i in empty_above if i > 0 and not _blank(head[i - 1])}
    filled = [i for i, v in enumerate(below) if not _blank(v)]
    if not filled or not all(_words(below[i]) for i in filled):
        return top, None
    if not all(i in anchors or (i < len(head) and _blank(head[i])) for i in filled):
        return top, None
    if not any(i < len(head) and _blank(head[i]) for i in filled):
        return top, None  # a merge has cells under its empty part too
    return top, [str(below[i]).strip() if i in filled else None for i in range(len(below))]


def _read_xlsx(path: Path, sheet: str | None, name: str) -> tuple[pd.DataFrame, int]:
    # openpyxl loads only when a workbook comes in
    import openpyxl

    check_zip(path, name, "XLSX")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:
        msg = f"{name}: not a readable XLSX file: {(str(e).splitlines() or [''])[0][:200]}"
        raise FileError(msg) from None
    try:
        _ws, rows, head = sheet_head(wb, sheet, name)
        top, lower = header_rows(head)
        header = head[top]
        if lower is not None:  # 位置 over 经度, 纬度: the lower name where there is one
            header = tuple(
                lower[i] if i < len(lower) and lower[i] else v for i, v in enumerate(header)
            ) + tuple(lower[len(header) :])
        skip = top + 1 + (lower is not None)
        data = head[skip:] + list(rows)
    except FileError:
        raise
    except Exception as e:  # a malformed sheet part: XML errors, bad cell types, ...
        msg = f"{name}: not a readable XLSX file: {(str(e).splitlines() or [''])[0][:200]}"
        raise FileError(msg) from None
    finally:
        wb.close()
    width = len(header)
    cols = [str(h) if h is not None else f"column{i + 1}" for i, h in enumerate(header)]
    dups = duplicate_headers(list(header))
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
    frame = pd.DataFrame(data, columns=cols, dtype=object)
    frame.attrs[DUPLICATES] = dups
    return frame, skip + 1

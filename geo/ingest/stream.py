"""Importing a file in chunks, in memory bounded independently of the file, all or nothing.

CSV (and TSV/TXT), XLSX and Parquet are read a chunk of rows at a time (``Settings.
import_chunk_rows``, 100,000): the encoding, the separator and the header mapping are decided
once, from the file's start; every chunk is validated and written inside the one transaction of
the file (a reject-everything file or a failure in its last chunk leaves nothing), its keys
checked against the store and against the keys of the file's earlier chunks
(:class:`geo.store.write.SeenKeys`), so that a key repeated across chunks is a duplicate or a
conflict exactly as in one frame. The coverage rollups of the touched shifts are computed once, at
the end, from the stored pings, a batch of shifts at a time.

A time column's day/month rule is the whole column's (:func:`geo.ingest.values.date_order`): the
chunks are read by the rule of the first; when the whole column's rule reads differently, the
transaction is rolled back and the file read again by it; a column whose dates contradict each
other refuses the file at the end, naming the rows (all or nothing allows refusing late).

Limits count what is read: rows (``QY_MAX_IMPORT_ROWS``), cells (rows x columns,
``QY_MAX_IMPORT_CELLS``) and the bytes a container unpacks to (``QY_MAX_UNPACKED_MB``, counted
while inflating, :func:`geo.ingest.files.check_zip`), each refused with a message naming the file
and the limit. GPS files (GPX, KML, KMZ), vector files and pings cut into shifts by a gap are
read whole (:func:`geo.ingest.load.import_file`), bounded by the same limits.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import sqlalchemy as sa

from geo.config import Settings, get_settings
from geo.domain import categories, schema
from geo.i18n import t
from geo.ingest import gps, load
from geo.ingest.columns import header_zones, map_headers, refuse_duplicates, with_pairs
from geo.ingest.files import (
    DUPLICATES,
    check_limits,
    check_zip,
    detect_wide,
    duplicate_headers,
    header_rows,
    sheet_head,
)
from geo.ingest.mapping import ImportMapping, check, choose_profile, prepare, used_columns
from geo.ingest.report import (
    REJECT_COLUMNS,
    FileError,
    ImportSummary,
    StoreBusy,
    reject_frame,
    why,
)
from geo.ingest.validate import projected_hint, validate
from geo.ingest.values import date_heads, date_order_rows, order_of_heads
from geo.store import engine as store_engine
from geo.store import rollups
from geo.store import write as store_write
from geo.store.info import get_meta
from geo.store.tables import RECORD_TABLES

__all__ = [
    "STREAMED",
    "Progress",
    "import_file",
    "read_chunks",
]

STREAMED = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet", ".pq"}
"""Suffixes read in chunks; every other file is read whole."""

Progress = Callable[[int, int | None, str], None]
"""``progress(done, total, unit)``: ``unit`` is ``bytes`` (of the file, while reading a CSV),
``rows`` (a workbook or Parquet file: ``total`` its rows when known) or ``shifts`` (the coverage
rollups at the end)."""

_BLOCK = 1024**2  # bytes decoded at a time by the encoding scan
_SHIFT_BATCH = 400  # shifts rolled up at a time at the end
_PING_BATCH = 250_000  # stored pings rolled up at a time at the end
_QUOTED_AFTER_SPACE = re.compile(r'(?:^|[,;\t|])[ ]+"', re.MULTILINE)  # as files.read_table


def _refuse(key: str, **params: object) -> FileError:
    def render(lang: str) -> str:
        return t(f"file.{key}", lang, **params)

    return FileError(render("en"), render)


# ---------------------------------------------------------------------------------- reading


@dataclass
class Chunks:
    """A file opened for reading in chunks.

    ``frames`` yields frames of raw values (the first carries ``attrs[DUPLICATES]``) whose rows
    are the file's rows from ``first_row`` on, in order; ``crs`` is the file's declared CRS.
    """

    frames: Iterator[pd.DataFrame]
    first_row: int
    crs: Any = None
    total_rows: int | None = None


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read from it (the CSV progress bar)."""

    def __init__(self, fh: Any) -> None:
        self._fh = fh
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self._fh.readinto(b)
        self.done += n or 0
        return n or 0

    def close(self) -> None:
        self._fh.close()
        super().close()


def _scan_text(path: Path, encoding: str | None, name: str) -> tuple[str, int, bool]:
    """The codec of a CSV file, the length of its byte-order mark, and ``skipinitialspace``.

    The same rules as :func:`geo.ingest.files.read_table` (UTF-16/32 by their mark or NUL bytes,
    UTF-8 with or without BOM, then GB18030; NUL bytes in text are binary data), decided by one
    pass over the file in blocks of 1 MiB, never holding the file.
    """
    binary = f"{name}: this is not a text CSV file (it holds binary data)"
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as e:
            msg = f"{name}: cannot decode as {encoding}: {e}"
            raise FileError(msg) from None
        candidates = [(encoding, 0, True)]
    else:
        wide = detect_wide(head)
        if wide is not None:
            candidates = [(wide[0], wide[1], True)]
        else:
            if b"\x00" in head:
                raise FileError(binary)
            candidates = [("utf-8-sig", 0, False), ("gb18030", 0, False)]
    for codec, bom, strict in candidates:
        dec = codecs.getincrementaldecoder(codec)()
        skip_space = False
        tail = ""
        try:
            with open(path, "rb") as fh:
                fh.read(bom)
                while block := fh.read(_BLOCK):
                    if not strict and b"\x00" in block:
                        raise FileError(binary)
                    text = dec.decode(block)
                    if strict and "\x00" in text:
                        raise FileError(binary)
                    if not skip_space and '"' in text:
                        skip_space = _QUOTED_AFTER_SPACE.search(tail + text) is not None
                    tail = text[-256:]
                dec.decode(b"", final=True)
        except UnicodeDecodeError as e:
            if encoding:
                msg = f"{name}: cannot decode as {encoding}: {e}"
                raise FileError(msg) from None
            if bom or codec.startswith("utf-16") or codec.startswith("utf-32"):
                msg = f"{name}: looks like {codec.upper()} text but cannot be decoded as it"
                raise FileError(msg) from None
            continue
        return codec, bom, skip_space
    msg = f"{name}: cannot decode as UTF-8 or GBK/GB18030; name the encoding with --encoding"
    raise FileError(msg)


def _csv_error(name: str, e: Exception) -> FileError:
    if isinstance(e, pd.errors.ParserWarning):
        msg = (
            f"{name}: not a consistent table: the first data row has more values than the "
            "header has columns"
        )
        return FileError(msg)
    detail = (str(e).splitlines() or [type(e).__name__])[0]
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
    if m:
        detail = (
            f"line {m.group(2)} has {m.group(3)} values but the header has {m.group(1)} columns"
        )
    return FileError(f"{name}: not a readable CSV file: {detail[:200]}")


_CSV_ERRORS = (
    pd.errors.ParserWarning,
    pd.errors.ParserError,
    pd.errors.EmptyDataError,
    csv.Error,
    ValueError,
    OverflowError,
)


def _csv_chunks(
    path: Path,
    *,
    encoding: str | None,
    name: str,
    chunk_rows: int,
    progress: Progress | None,
) -> Chunks:
    codec, bom, skip_space = _scan_text(path, encoding, name)
    size = path.stat().st_size

    def text_handle() -> tuple[io.TextIOWrapper, _Counting]:
        counting = _Counting(open(path, "rb"))
        counting.read(bom)
        return io.TextIOWrapper(io.BufferedReader(counting), encoding=codec, newline=""), counting

    first_line = ""
    fh, _ = text_handle()
    with fh:
        head = fh.read(_BLOCK)
        end = head.find("\n")
        first_line = head[:end] if end >= 0 else head
    tabbed = "\t" in first_line and "," not in first_line  # Excel's "Unicode text"
    sniff = path.suffix.lower() in (".txt", ".tsv") or tabbed
    options: dict[str, Any] = {
        "dtype": str,
        "keep_default_na": False,
        "skipinitialspace": skip_space,
        "index_col": False,
        "sep": None if sniff else ",",
        "engine": "python" if sniff else "c",
    }

    def frames() -> Iterator[pd.DataFrame]:
        fh, counting = text_handle()
        with fh, warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            try:
                reader = pd.read_csv(fh, chunksize=chunk_rows, **options)
                done = 0
                for i, frame in enumerate(reader):
                    if i == 0 and frame.columns.size > 1:  # the header as written
                        header = pd.read_csv(io.StringIO(head), header=None, nrows=1, **options)
                        frame.attrs[DUPLICATES] = duplicate_headers(list(header.iloc[0]))
                    frame.index = pd.RangeIndex(done, done + len(frame))
                    done += len(frame)
                    if progress is not None:
                        progress(counting.done, size, "bytes")
                    yield frame
                if done == 0:  # a header and no rows: one empty frame of its columns
                    empty = pd.read_csv(io.StringIO(head), nrows=0, **options)
                    yield empty
            except _CSV_ERRORS as e:
                raise _csv_error(name, e) from None

    return Chunks(frames(), 2)


def _xlsx_chunks(
    path: Path,
    *,
    sheet: str | None,
    name: str,
    chunk_rows: int,
    settings: Settings,
    progress: Progress | None,
) -> Chunks:
    # openpyxl loads only when a workbook comes in
    import openpyxl

    check_zip(path, name, "XLSX", limit=settings.max_unpacked_mb * 1024**2)

    def unreadable(e: Exception) -> FileError:
        msg = f"{name}: not a readable XLSX file: {(str(e).splitlines() or [''])[0][:200]}"
        return FileError(msg)

    fh = open(path, "rb")
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception as e:
        fh.close()
        raise unreadable(e) from None

    def close() -> None:
        wb.close()
        fh.close()

    try:
        ws, rows, head = sheet_head(wb, sheet, name)
        top, lower = header_rows(head)
    except FileError:
        close()
        raise
    except Exception as e:  # a malformed sheet part: XML errors, bad cell types, ...
        close()
        raise unreadable(e) from None
    header = head[top]
    if lower is not None:  # 位置 over 经度, 纬度: the lower name where there is one
        header = tuple(
            lower[i] if i < len(lower) and lower[i] else v for i, v in enumerate(header)
        ) + tuple(lower[len(header) :])
    skip = top + 1 + (lower is not None)
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
    total = ws.max_row - skip if isinstance(ws.max_row, int) and ws.max_row > skip else None

    def blank(r: tuple[Any, ...]) -> bool:
        return all(v is None or str(v).strip() == "" for v in r)

    def frames() -> Iterator[pd.DataFrame]:
        data: list[tuple[Any, ...]] = []
        # blank rows, kept unless they end the sheet: a run of empty rows as its count
        pending: list[tuple[Any, ...] | int] = []
        empty = (None,) * width
        done = 0
        read = 0
        first = True

        def emit() -> pd.DataFrame:
            nonlocal done, first, data
            frame = pd.DataFrame(data, columns=cols, dtype=object)
            if not data:
                frame = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
            frame.index = pd.RangeIndex(done, done + len(frame))
            if first:
                frame.attrs[DUPLICATES] = dups
                first = False
            done += len(frame)
            data = []
            if progress is not None:
                progress(done, total, "rows")
            return frame

        try:
            for r in itertools.chain(head[skip:], rows):
                read += 1  # counted as read, blank or not: a sheet of empty rows is no escape
                check_limits(read, read * max(width, 1), name, settings)
                row = tuple(r[:width]) + (None,) * (width - len(r))
                if blank(row):
                    if row == empty and pending and isinstance(pending[-1], int):
                        pending[-1] += 1
                    else:
                        pending.append(1 if row == empty else row)
                    continue
                for p in pending:
                    for q in [empty] * p if isinstance(p, int) else [p]:
                        data.append(q)
                        if len(data) >= chunk_rows:
                            yield emit()
                pending = []
                data.append(row)
                if len(data) >= chunk_rows:
                    yield emit()
            if data or first:
                yield emit()
        except FileError:
            raise
        except Exception as e:
            raise unreadable(e) from None
        finally:
            rows.close()
            close()

    return Chunks(frames(), skip + 1, total_rows=total)


def _parquet_chunks(
    path: Path, *, name: str, chunk_rows: int, settings: Settings, progress: Progress | None
) -> Chunks | None:
    """Chunks of a plain Parquet file (None for GeoParquet, read whole)."""
    try:
        pf = pq.ParquetFile(path)
        meta = pf.schema_arrow.metadata or {}
    except Exception as e:
        msg = f"{name}: not a readable Parquet file: {str(e).splitlines()[0]}"
        raise FileError(msg) from None
    if b"geo" in meta:
        return None
    total = pf.metadata.num_rows
    # its size is written in it: refused before a row is read
    check_limits(total, total * max(len(pf.schema_arrow.names), 1), name, settings)

    def frames() -> Iterator[pd.DataFrame]:
        done = 0
        try:
            for batch in pf.iter_batches(batch_size=chunk_rows):
                frame = batch.to_pandas()
                frame.index = pd.RangeIndex(done, done + len(frame))
                done += len(frame)
                if progress is not None:
                    progress(done, total, "rows")
                yield frame
            if done == 0:
                yield pf.schema_arrow.empty_table().to_pandas()
        except Exception as e:
            msg = f"{name}: not a readable Parquet file: {str(e).splitlines()[0]}"
            raise FileError(msg) from None

    return Chunks(frames(), 1, total_rows=total)


def _limited(
    chunks: Iterator[pd.DataFrame], name: str, settings: Settings
) -> Iterator[pd.DataFrame]:
    """The chunks, counting rows and cells as they are read; past a limit a FileError."""
    rows = cells = 0
    try:
        for frame in chunks:
            rows += len(frame)
            cells += len(frame) * max(frame.shape[1], 1)
            check_limits(rows, cells, name, settings)
            yield frame
    finally:  # the reader's file closed now, not when the collector finds it
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def read_chunks(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    name: str | None = None,
    settings: Settings | None = None,
    chunk_rows: int | None = None,
    progress: Progress | None = None,
) -> Chunks | None:
    """Open a CSV/TSV/TXT, XLSX or plain Parquet file for reading in chunks (None: read whole).

    The chunks are bounded by the limits of ``settings`` (rows and cells counted while
    reading; a workbook's unpacked bytes while inflating it). Raises FileError.
    """
    settings = settings or get_settings()
    path = Path(path)
    name = name or path.name
    size = chunk_rows or settings.import_chunk_rows
    suffix = path.suffix.lower()
    if not path.exists():
        msg = f"{name}: no such file"
        raise FileError(msg)
    chunks: Chunks | None
    if suffix in (".csv", ".txt", ".tsv"):
        chunks = _csv_chunks(path, encoding=encoding, name=name, chunk_rows=size, progress=progress)
    elif suffix in (".xlsx", ".xlsm"):
        chunks = _xlsx_chunks(
            path, sheet=sheet, name=name, chunk_rows=size, settings=settings, progress=progress
        )
    elif suffix in (".parquet", ".pq"):
        chunks = _parquet_chunks(
            path, name=name, chunk_rows=size, settings=settings, progress=progress
        )
    else:
        return None
    if chunks is not None:
        chunks.frames = _limited(chunks.frames, name, settings)
    return chunks


# ---------------------------------------------------------------------------------- import


class _Reread(Exception):
    """A time column's whole-file rule reads dates otherwise than the rule the chunks used."""

    def __init__(self, orders: dict[str, str | None]) -> None:
        super().__init__("reread")
        self.orders = orders


def _parse_order(rule: str) -> str | None:
    """The order :func:`geo.ingest.values.parse_ts` reads by under a column's rule."""
    if rule.startswith("day_first"):
        return "dmy"
    if rule.startswith("month_first"):
        return "mdy"
    if rule.startswith("year_first"):
        return "ymd"
    return None


@dataclass
class _Dates:
    """Per time header: the heads of its values with their counts, and the rows naming a reading."""

    heads: dict[str, pd.Series] = field(default_factory=dict)
    day_rows: dict[str, list[int]] = field(default_factory=dict)
    month_rows: dict[str, list[int]] = field(default_factory=dict)

    def add(self, header: str, s: pd.Series, first_row: int) -> None:
        h = date_heads(s)
        if h is None or h.empty:
            return
        old = self.heads.get(header)
        self.heads[header] = h if old is None else old.add(h, fill_value=0)
        rule = order_of_heads(h)
        if rule.startswith(("day_first", "month_first")) and rule != "month_first_assumed":
            only_day, only_month = date_order_rows(s)
            for rows, mask in ((self.day_rows, only_day), (self.month_rows, only_month)):
                got = rows.setdefault(header, [])
                if len(got) <= 10:
                    got.extend((np.flatnonzero(mask.to_numpy()) + first_row)[: 11 - len(got)])

    def rules(self, chosen: str | None) -> dict[str, str]:
        out = {}
        for header, heads in self.heads.items():
            rule = order_of_heads(heads.astype("int64"), chosen)
            if rule:
                out[header] = rule
        return out


def _rows_text(rows: list[int], most: int = 10) -> str:
    got = [str(int(r)) for r in rows]
    return ", ".join(got[:most]) + (" …" if len(got) > most else "")


@dataclass
class _Totals:
    rejects: list[pd.DataFrame] = field(default_factory=list)
    outside: list[pd.DataFrame] = field(default_factory=list)
    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    outside_n: int = 0
    stripped: dict[str, int] = field(default_factory=dict)
    unmapped: dict[str, int] = field(default_factory=dict)
    shifts: set[str] = field(default_factory=set)


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
    progress: Progress | None = None,
    chunk_rows: int | None = None,
) -> ImportSummary:
    """Import one file of a record kind into the store, all or nothing, in chunks.

    The parameters and the result are those of :func:`geo.ingest.load.import_file`; CSV, XLSX
    and plain Parquet files are read, checked and written ``chunk_rows`` rows at a time
    (default ``Settings.import_chunk_rows``), every other file whole. ``progress`` is called as
    the file is read and as the rollups are computed (:data:`Progress`).

    Raises
    ------
    FileError
        When the file cannot be read at all, lacks required columns or passes a limit; nothing
        is stored.
    """
    settings = settings or get_settings()
    path = Path(path)
    name = name or path.name
    schema.kind(kind_name)
    size_mb = path.stat().st_size / 1024**2 if path.exists() else 0
    whole: dict[str, Any] = {
        "crs": crs,
        "sheet": sheet,
        "encoding": encoding,
        "mapping": mapping,
        "settings": settings,
        "name": name,
        "user": user,
        "rules": rules,
        "profile": profile,
        "profiles": profiles,
        "layer": layer,
        "unit": unit,
        "gap_min": gap_min,
        "date_order": date_order,
    }
    if path.suffix.lower() not in STREAMED or size_mb > settings.max_upload_mb:
        return _whole_file(engine, kind_name, path, **whole)

    def open_chunks() -> Chunks:
        got = read_chunks(
            path,
            sheet=sheet,
            encoding=encoding,
            name=name,
            settings=settings,
            chunk_rows=chunk_rows,
            progress=progress,
        )
        if got is None:
            raise _WholeFile
        return got

    try:
        orders: dict[str, str | None] | None = None
        for _attempt in range(2):
            try:
                return _import_chunks(
                    engine,
                    kind_name,
                    open_chunks,
                    path=path,
                    name=name,
                    crs=crs,
                    mapping=mapping,
                    settings=settings,
                    user=user,
                    rules=rules,
                    profile=profile,
                    profiles=profiles,
                    gap_min=gap_min,
                    date_order=date_order,
                    orders=orders,
                    progress=progress,
                )
            except _Reread as e:  # read again by the whole column's rule (rolled back)
                orders = e.orders
        msg = f"{name}: the order of its dates could not be decided"
        raise FileError(msg)
    except _WholeFile:
        return _whole_file(engine, kind_name, path, **whole)


class _WholeFile(Exception):
    """The file is read whole (GeoParquet, pings cut into shifts by a gap)."""


def _whole_file(engine: sa.Engine, kind_name: str, path: Path, **kw: Any) -> ImportSummary:
    """:func:`geo.ingest.load.import_file`: the file read whole, bounded by the same limits."""
    return load.import_file(engine, kind_name, path, **kw)


def _import_chunks(
    engine: sa.Engine, kind_name: str, open_chunks: Callable[[], Chunks], **kw: Any
) -> ImportSummary:
    """Map the headers from the first chunk, then validate and write chunk by chunk."""
    chunks = open_chunks()
    try:
        return _import_open(engine, kind_name, chunks, **kw)
    finally:
        close = getattr(chunks.frames, "close", None)
        if close is not None:
            close()


def _import_open(
    engine: sa.Engine,
    kind_name: str,
    chunks: Chunks,
    *,
    path: Path,
    name: str,
    crs: str,
    mapping: Mapping[str, str] | None,
    settings: Settings,
    user: str | None,
    rules: ImportMapping | None,
    profile: str | None,
    profiles: Mapping[str, ImportMapping] | None,
    gap_min: float | None,
    date_order: str | None,
    orders: dict[str, str | None] | None,
    progress: Progress | None,
) -> ImportSummary:
    """:func:`_import_chunks` on the opened file."""
    kind = schema.kind(kind_name)
    frames = iter(chunks.frames)
    first = next(frames)
    headers = [str(c) for c in first.columns]
    duplicates = first.attrs.get(DUPLICATES) or {}
    auto = rules is None and bool(profiles)
    if auto and profiles:  # the profile whose columns this file has, if one
        profile = choose_profile(profiles, headers)
        rules = None if profile is None else profiles[profile]
    head = first.copy()
    head.columns = headers
    if rules:
        rules = check(kind, rules, tz=settings.tz)
        head, mapping = prepare(kind, head, rules, file_name=name, overrides=mapping)
        headers += [c for c in head.columns if c not in headers and c != "geometry"]
    mapping = gps.with_device(kind, headers, mapping)  # IMEI, 终端号: the unit of a GPS export
    col_map = map_headers(kind, headers, file_name=name, overrides=mapping, pairs=True)
    refuse_duplicates(kind, col_map, duplicates, file_name=name)  # lat, lat: which one?
    if gps.track_gap(None, with_pairs(head, col_map), col_map, gap_min) is not None:
        raise _WholeFile  # fixes cut into shifts: the whole track set at once
    summary = ImportSummary(
        kind=kind_name,
        file=name,
        crs=crs,
        mapping=dict(col_map),
        naive_times=settings.tz,
        header_zones=header_zones(kind, col_map),
    )
    summary.profile, summary.profile_auto = profile, auto and profile is not None
    summary.mapping_used = {
        "columns": used_columns(col_map),
        "values": dict(rules.values) if rules else {},
        "defaults": dict(rules.defaults) if rules else {},
    }
    time_headers = [col_map[c.name] for c in kind.columns if c.type == "ts" and c.name in col_map]
    if orders is None:  # the rule of the first chunk (or the user's order) for every chunk
        dates0 = _Dates()
        paired0 = with_pairs(head, col_map)
        for h in time_headers:
            if h in paired0:
                dates0.add(h, paired0[h], chunks.first_row)
        orders = {h: _parse_order(r) for h, r in dates0.rules(date_order).items()}
        if date_order is not None:
            orders = dict.fromkeys(time_headers, date_order)
    category_table = get_meta(engine, categories.meta_name(kind_name), {})
    digest = hashlib.sha256()
    with open(path, "rb") as fh:  # the file's hash, read in blocks
        while block := fh.read(_BLOCK):
            digest.update(block)
    totals = _Totals()
    dates = _Dates()
    try:
        with engine.begin() as conn:
            import_id = store_write.begin_import(
                conn,
                kind=kind_name,
                file_name=name,
                file_sha256=digest.hexdigest(),
                crs=crs,
                user=user,
                now_ms=int(time.time() * 1000),
            )
            seen = store_write.SeenKeys()
            for raw in itertools.chain([first], frames):
                _store_chunk(
                    conn,
                    kind,
                    raw,
                    first_row=chunks.first_row + int(raw.index[0] if len(raw) else 0),
                    col_map=col_map,
                    rules=rules,
                    mapping=mapping,
                    name=name,
                    crs=crs,
                    settings=settings,
                    orders=orders,
                    import_id=import_id,
                    seen=seen,
                    dates=dates,
                    totals=totals,
                    category_table=category_table,
                )
            summary.date_order = dates.rules(date_order)
            if date_order is None:
                _refuse_conflicts(summary.date_order, dates, name)
                final = {h: _parse_order(r) for h, r in summary.date_order.items()}
                if any(final.get(h) != orders.get(h) for h in set(final) | set(orders)):
                    raise _Reread(final)
            _refresh(conn, sorted(totals.shifts), progress)
            _finish(conn, import_id, summary, totals)
    except sa.exc.OperationalError as e:
        if not store_engine.is_locked(e):
            raise
        wait_s = store_engine.BUSY_TIMEOUT_MS / 1000
        msg = (
            f"{name}: another import is being stored and did not end within "
            f"{wait_s:g} s; nothing of this file was stored: import it again when that one "
            "has ended"
        )
        raise StoreBusy(msg) from e
    return summary


def _refuse_conflicts(rules: Mapping[str, str], dates: _Dates, name: str) -> None:
    """As :func:`geo.ingest.load.refuse_conflicting_dates`, from the rows the chunks named."""
    for header, rule in rules.items():
        if not rule.endswith("_conflict"):
            continue
        params = {
            "file": name,
            "column": header,
            "day_rows": _rows_text(dates.day_rows.get(header, [])),
            "month_rows": _rows_text(dates.month_rows.get(header, [])),
        }

        def conflict(lang: str, params: dict[str, str] = params) -> str:
            return t("file.date_conflict", lang, **params)

        raise FileError(conflict("en"), conflict)


def _store_chunk(
    conn: sa.Connection,
    kind: schema.Kind,
    raw: pd.DataFrame,
    *,
    first_row: int,
    col_map: Mapping[str, str],
    rules: ImportMapping | None,
    mapping: Mapping[str, str] | None,
    name: str,
    crs: str,
    settings: Settings,
    orders: Mapping[str, str | None],
    import_id: int,
    seen: store_write.SeenKeys,
    dates: _Dates,
    totals: _Totals,
    category_table: Mapping[str, str],
) -> None:
    """Validate one chunk and write it (see :func:`geo.ingest.load.import_frame`)."""
    kind_name = kind.name
    raw = raw.reset_index(drop=True)
    raw.columns = [str(c) for c in raw.columns]
    if rules:
        raw, _ = prepare(kind, raw, rules, file_name=name, overrides=mapping)
    raw = with_pairs(raw, col_map)
    totals.read += len(raw)
    for c in kind.columns:
        header = col_map.get(c.name)
        if c.type == "ts" and header is not None and header in raw:
            dates.add(header, raw[header], first_row)
    sources = categories.file_sources(kind_name, raw, col_map)
    good, rejects, stripped = validate(
        kind,
        raw,
        col_map,
        crs=crs,
        settings=settings,
        first_row=first_row,
        values=rules.values if rules else None,
        date_order=dict(orders),
    )
    for k, v in stripped.items():
        totals.stripped[k] = totals.stripped.get(k, 0) + v
    hint = projected_hint(kind, raw, col_map, rejects, crs=crs, settings=settings)
    if hint is not None:  # metres read as degrees: no row can land, say which CRS to give
        params = {"file": name, **hint}

        def projected(lang: str) -> str:
            likely = t("file.projected_likely", lang, codes=hint["codes"])
            return t("file.projected", lang, **params, likely=likely)

        raise FileError(projected("en"), projected)
    good, unmapped = categories.grouped(kind_name, good, sources, category_table)
    for k, v in unmapped.items():
        totals.unmapped[k] = totals.unmapped.get(k, 0) + v
    parts = [rejects]
    if kind_name == "pings":
        good = store_write.resolve_ping_shifts(conn, good)
        unresolved = good["shift_id"].isna()
        if unresolved.any():
            col = col_map.get("unit_id", "unit_id")
            parts.append(
                reject_frame(
                    good.loc[unresolved, "source_row"],
                    col,
                    good.loc[unresolved, "unit_id"],
                    why("no_shift"),
                )
            )
            good = good.loc[~unresolved]
    res = store_write.write_records(
        conn, kind_name, good, import_id=import_id, source_file=name, seen=seen, refresh=False
    )
    for (column, other), part in res.rejected.groupby(["column", "other"], sort=False):
        reason = (
            why("no_place", columns=other)
            if column == "lat"
            else why("reference", column=column, other=other)
        )
        parts.append(
            reject_frame(part["source_row"], col_map.get(column, column), part["value"], reason)
        )
    if len(res.conflicts):
        key_col = col_map.get(kind.key[0], "") if kind.key else ""
        for code in res.conflicts["code"].unique():
            part = res.conflicts[res.conflicts["code"] == code]
            parts.append(reject_frame(part["source_row"], key_col, part["key"], why(code)))
    totals.rejects.append(pd.concat(parts, ignore_index=True))
    totals.accepted += res.accepted
    totals.duplicates += res.duplicates
    totals.conflicts += len(res.conflicts)
    totals.outside_n += len(res.outside)
    if len(res.outside):
        by_row = raw.set_axis(np.arange(len(raw)) + first_row)
        totals.outside.append(load._outside_rows(res.outside, by_row, col_map))
    totals.shifts.update(res.shifts)


def _refresh(conn: sa.Connection, shift_ids: list[str], progress: Progress | None) -> None:
    """The coverage rollups of the touched shifts, a batch at a time, from the stored pings.

    A batch holds at most :data:`_SHIFT_BATCH` shifts and :data:`_PING_BATCH` stored pings
    (a shift of more is a batch of its own), shifts close in time together, so the memory of
    the rollup is bounded by the batch, not the file.
    """
    if not shift_ids:
        return
    sh, p = RECORD_TABLES["shifts"], RECORD_TABLES["pings"]
    parts = []
    for i in range(0, len(shift_ids), 5000):
        ids = shift_ids[i : i + 5000]
        n = (
            sa.select(p.c.shift_id, sa.func.count().label("n"))
            .where(p.c.shift_id.in_(ids))
            .group_by(p.c.shift_id)
            .subquery()
        )
        stmt = sa.select(sh.c.shift_id, sh.c.start, n.c.n).join(n, n.c.shift_id == sh.c.shift_id)
        parts.append(pd.DataFrame(conn.execute(stmt).all(), columns=["shift_id", "start", "n"]))
    info = pd.concat(parts, ignore_index=True).sort_values(["start", "shift_id"])
    missing = sorted(set(shift_ids) - set(info["shift_id"]))  # no pings left: rows go
    batch: list[str] = list(missing)
    pings = 0
    done = 0
    for shift_id, n in zip(info["shift_id"], info["n"].astype(int), strict=True):
        if batch and (len(batch) >= _SHIFT_BATCH or pings + n > _PING_BATCH):
            rollups.refresh_coverage(conn, batch)
            done += len(batch)
            batch, pings = [], 0
            if progress is not None:
                progress(done, len(shift_ids), "shifts")
        batch.append(str(shift_id))
        pings += n
    if batch:
        rollups.refresh_coverage(conn, batch)
        if progress is not None:
            progress(len(shift_ids), len(shift_ids), "shifts")


def _finish(conn: sa.Connection, import_id: int, summary: ImportSummary, totals: _Totals) -> None:
    """The summary of the file from its chunks' totals; the import's history row."""
    rejects = (
        pd.concat(totals.rejects, ignore_index=True)
        if totals.rejects
        else pd.DataFrame(columns=REJECT_COLUMNS)
    )
    summary.read = totals.read
    summary.accepted = totals.accepted
    summary.duplicates = totals.duplicates
    summary.conflicts = totals.conflicts
    conflict = rejects["code"].isin(["conflict_in_file", "conflict_in_store"])
    summary.rejected = int(rejects.loc[~conflict, "row"].nunique())  # rows, not problems
    summary.outside = totals.outside_n
    summary.stripped = totals.stripped
    summary.unmapped = dict(sorted(totals.unmapped.items(), key=lambda kv: -kv[1]))
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
    rejects.insert(0, "file", summary.file)
    summary.rejects = rejects.sort_values("row", kind="stable").reset_index(drop=True)
    outside = (
        pd.concat(totals.outside, ignore_index=True)
        if totals.outside
        else pd.DataFrame(columns=REJECT_COLUMNS)
    )
    outside.insert(0, "file", summary.file)
    summary.outside_rows = outside

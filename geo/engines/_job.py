"""The work both engines share: plan a job, split input files into key buckets, roll a bucket up.

A rollup job runs in two passes over task functions that know nothing of the engine running them:

1. :func:`split_file`, one task per input file: read the file in chunks of :data:`CHUNK_ROWS`
   rows, map its headers (zh/en aliases of the pings kind), normalise times to UTC and coordinates
   to WGS-84, give every fix its *track key* (its shift), and write each chunk's rows to the
   bucket ``hash(track key) % n_buckets`` of a spill folder (Arrow IPC files, LZ4).
2. :func:`roll_bucket`, one task per bucket: read the bucket's spill files, sort them by track and
   time (and position, so that fixes with equal times come in one order whatever the file order),
   cut the tracks into batches of whole tracks (at most :data:`BATCH_MAX_PINGS` fixes unless one
   track is longer) and run :func:`geo.domain.coverage.rollup` on each batch.

Every fix of a track lands in one bucket, so a track that crosses a partition boundary (a night
patrol in the files of two days, a unit in two dumps) is stitched whole before it is rolled up: no
track is ever cut, so no overlap between partitions is needed. The buckets and batches depend only
on the input (its fixes and its estimated size), never on the engine, the number of workers or the
order in which tasks finish, and a batch stays below the size at which
:func:`geo.domain.coverage.rollup` splits its per-fix work over threads; so both engines compute
every batch the same way and write bit-for-bit the same rows.

Memory per task is bounded by the chunk size (pass 1) and the bucket size (pass 2), whatever the
size of the whole input: the number of buckets grows with the input.
"""

from __future__ import annotations

import datetime as dt
import glob
import math
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

from geo import ingest
from geo.config import get_settings
from geo.domain import coords, schema
from geo.domain import coverage as cov
from geo.domain.period import RESOLUTIONS, ROLLUP_RES, parse_night
from geo.ingest.columns import time_pairs
from geo.ingest.values import combine_date_time, header_zone
from geo.store import records as store_records
from geo.store import rollups

__all__ = [
    "BATCH_MAX_PINGS",
    "BUCKET_PINGS",
    "CHUNK_ROWS",
    "InputFile",
    "Job",
    "plan_job",
    "roll_bucket",
    "split_file",
]

CHUNK_ROWS = 1_000_000  # rows read from an input file at a time
BUCKET_PINGS = 1_500_000  # target fixes per bucket (one pass-2 task)
BATCH_MAX_PINGS = 450_000  # fixes per rollup call; below coverage's per-fix threading threshold
_NS_MIN = np.iinfo(np.int64).min
_MS = 1_000_000
_ZONED = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")
_CSV_SUFFIXES = (".csv", ".txt", ".csv.gz", ".csv.bz2", ".csv.zst")
_PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class InputFile:
    """One input file: its format, its header per canonical column and its (estimated) rows."""

    path: str
    fmt: str  # "parquet" or "csv"
    columns: dict[str, str]
    encoding: str | None
    rows: int
    exact_rows: bool
    # the date and the time header when the file writes a fix's time in two columns
    ts_pair: tuple[str, str] | None = None
    # the zone the time header names, 定位时间(UTC); None: the store's zone
    ts_zone: dt.tzinfo | None = None


@dataclass
class Job:
    """Everything a task needs; sent once to each worker."""

    files: tuple[InputFile, ...]
    spill_dir: str
    n_buckets: int
    tz: str
    crs: str
    region: tuple[float, float, float, float]
    night_end_hour: int
    shifts: pd.DataFrame = field(repr=False)  # shift_id, unit_id, start_ns, end_ns, unit_kind
    units: pd.DataFrame = field(repr=False)  # unit_id, unit_kind


# --------------------------------------------------------------------------------------------
# planning (in the client)


def _fmt(path: str) -> str:
    low = path.lower()
    if low.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if low.endswith(_CSV_SUFFIXES):
        return "csv"
    msg = f"{os.path.basename(path)}: unsupported ping file type; use Parquet or CSV"
    raise ValueError(msg)


def _csv_encoding(path: str, encoding: str | None) -> str:
    if encoding:
        return encoding
    with open(path, "rb") as fh:  # compressed CSV: let pandas decode it as UTF-8
        head = fh.read(1 << 16)
    if path.lower().endswith((".gz", ".bz2", ".zst")):
        return "utf-8"
    try:
        head.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError as e:
        if e.start > len(head) - 4:  # a character cut by the end of the sample
            return "utf-8-sig"
        return "gb18030"


def _describe(path: str, encoding: str | None) -> InputFile:
    name = os.path.basename(path)
    fmt = _fmt(path)
    if fmt == "parquet":
        try:
            meta = pq.ParquetFile(path).metadata
        except Exception as e:
            msg = f"{name}: not a readable Parquet file: {str(e).splitlines()[0]}"
            raise ValueError(msg) from None
        headers = [meta.schema.column(i).name for i in range(meta.num_columns)]
        rows, exact, enc = int(meta.num_rows), True, None
    else:
        enc = _csv_encoding(path, encoding)
        try:
            headers = [str(h) for h in pd.read_csv(path, nrows=0, encoding=enc).columns]
            size = os.path.getsize(path)
            with open(path, "rb") as fh:
                sample = fh.read(1 << 18)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
            msg = f"{name}: not a readable CSV file: {str(e).splitlines()[0]}"
            raise ValueError(msg) from None
        lines = max(sample.count(b"\n"), 1)
        rows = max(int(size / (len(sample) / lines)), 1) if sample else 0
        exact = False
    mapping = ingest.map_headers(schema.kind("pings"), headers, file_name=name, pairs=True)
    wanted = ("shift_id", "unit_id", "ts", "lat", "lng")
    pair = time_pairs(headers).get(mapping["ts"])  # 定位日期 + 定位时间: read as one time
    return InputFile(
        path=path,
        fmt=fmt,
        columns={c: mapping[c] for c in wanted if c in mapping},
        encoding=enc,
        rows=rows,
        exact_rows=exact,
        ts_pair=pair,
        ts_zone=header_zone(mapping["ts"]),
    )


def expand(pattern: str) -> list[str]:
    """Files matching a glob (``**`` allowed), sorted; a folder means every ping file in it."""
    folder = os.path.isdir(pattern)
    search = os.path.join(pattern, "**", "*") if folder else pattern
    files = sorted(p for p in glob.glob(search, recursive=True) if os.path.isfile(p))
    if folder:
        files = [p for p in files if p.lower().endswith(_PARQUET_SUFFIXES + _CSV_SUFFIXES)]
    if not files:
        msg = f"no files match {pattern!r}"
        raise ValueError(msg)
    return files


def _read_shift_file(path: str) -> pd.DataFrame:
    """A shifts file: shift_id, and any of unit_id, unit_kind (or kind), start, end."""
    raw, _, _ = ingest.read_table(path)
    mapping = ingest.suggest_mapping(schema.kind("shifts"), [str(c) for c in raw.columns])
    if "shift_id" not in mapping and "unit_id" not in mapping:
        msg = f"{os.path.basename(path)}: a shifts file needs a shift_id or unit_id column"
        raise ValueError(msg)
    kind_col = next(
        (
            c
            for c in raw.columns
            if ingest.norm_header(c) in ("unitkind", "kind", "单元类型", "类型")
        ),
        None,
    )
    out = pd.DataFrame(index=raw.index)
    for c in ("shift_id", "unit_id"):
        out[c] = raw[mapping[c]].astype("string").str.strip() if c in mapping else pd.NA
    for c in ("start", "end"):
        if c in mapping:
            out[f"{c}_ns"] = _ts_ns(raw[mapping[c]].replace("", None), get_tz())[0]
        else:
            out[f"{c}_ns"] = _NS_MIN
    out["unit_kind"] = raw[kind_col].astype("string") if kind_col is not None else pd.NA
    return out


def get_tz() -> str:
    return get_settings().tz


def _store_shifts(engine: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    sh, un = store_records.shift_kinds(engine)
    sh["start_ns"] = pd.to_numeric(sh.pop("start_ms")).astype("int64") * _MS
    sh["end_ns"] = pd.to_numeric(sh.pop("end_ms")).astype("int64") * _MS
    return sh[["shift_id", "unit_id", "unit_kind", "start_ns", "end_ns"]], un


def _stack(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``a`` then ``b`` (either may be empty)."""
    if len(a) == 0:
        return b.reset_index(drop=True)
    if len(b) == 0:
        return a.reset_index(drop=True)
    return pd.concat([a.astype(object), b.astype(object)], ignore_index=True)


def plan_job(
    pattern: str,
    *,
    engine: Any = None,
    shifts_file: str | None = None,
    spill_dir: str | None = None,
    crs: str = "wgs84",
    encoding: str | None = None,
    bucket_pings: int = BUCKET_PINGS,
) -> Job:
    """Describe the input files and decide the buckets; raises ValueError on bad input.

    Unit kinds and the shifts of unit-only fixes come from the store (``engine``: shifts joined
    to units) and from ``shifts_file``, which wins where both name a shift.
    """
    settings = get_settings()
    files = tuple(_describe(p, encoding) for p in expand(pattern))
    total = sum(f.rows for f in files)
    n_buckets = max(1, math.ceil(total / bucket_pings))
    cols = ["shift_id", "unit_id", "start_ns", "end_ns", "unit_kind"]
    shifts = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    units = pd.DataFrame({"unit_id": pd.Series(dtype=object), "unit_kind": pd.Series(dtype=object)})
    if engine is not None:
        shifts, units = _store_shifts(engine)
    if shifts_file:
        extra = _read_shift_file(shifts_file)
        with_id = extra.loc[extra["shift_id"].notna(), cols]
        shifts = _stack(shifts[~shifts["shift_id"].isin(with_id["shift_id"])], with_id)
        unit_rows = extra.loc[
            extra["shift_id"].isna() & extra["unit_kind"].notna(), ["unit_id", "unit_kind"]
        ]
        units = _stack(units[~units["unit_id"].isin(unit_rows["unit_id"])], unit_rows)
    shifts = shifts[cols].astype({"start_ns": "int64", "end_ns": "int64"}).reset_index(drop=True)
    shifts["unit_kind"] = (
        shifts["unit_kind"].astype(object).where(shifts["unit_kind"].notna(), None)
    )
    # a folder of its own inside the one given: the job deletes it when it ends
    spill = os.path.join(spill_dir or tempfile.gettempdir(), f"qy-rollup-{uuid.uuid4().hex[:12]}")
    return Job(
        files=files,
        spill_dir=str(spill),
        n_buckets=n_buckets,
        tz=settings.tz,
        crs=coords.normalise_crs_name(crs),
        region=settings.region,
        night_end_hour=parse_night(settings.night)[1],
        shifts=shifts,
        units=units,
    )


# --------------------------------------------------------------------------------------------
# pass 1: split a file into buckets


def _chunks(f: InputFile) -> Any:
    named = [h for c, h in f.columns.items() if not (c == "ts" and f.ts_pair)]
    headers = list(dict.fromkeys([*named, *(f.ts_pair or ())]))
    if f.fmt == "parquet":
        pf = pq.ParquetFile(f.path)
        for batch in pf.iter_batches(batch_size=CHUNK_ROWS, columns=headers):
            yield batch.to_pandas()
        return
    ids = [f.columns[c] for c in ("shift_id", "unit_id") if c in f.columns]
    dtype = dict.fromkeys(ids, str)
    yield from pd.read_csv(
        f.path,
        usecols=headers,
        dtype=dtype,
        encoding=f.encoding,
        chunksize=CHUNK_ROWS,
        skipinitialspace=True,
        float_precision="round_trip",
    )  # the exact double a file spells


def _ts_ns(s: pd.Series, tz: str | dt.tzinfo) -> tuple[np.ndarray, np.ndarray]:
    """Times (aware, naive local, epoch seconds/ms or text) -> UTC ns; NaT -> int64 min.

    Returns ``(ns, bad)``: ``bad`` marks values given but not understood.
    """
    s = s.reset_index(drop=True)
    given = s.notna().to_numpy()
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        d = s.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_dtype(s):
        d = s.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert("UTC")
    elif pd.api.types.is_numeric_dtype(s):
        v = s.astype(float).to_numpy()
        ok = np.isfinite(v) & (v >= 6.3e8) & (v <= 4.1e12)
        ms = np.where(v > 1e11, v, v * 1000.0)
        ns = np.where(ok, np.rint(np.where(ok, ms, 0.0) * _MS), 0).astype(np.int64)
        ns[~ok] = _NS_MIN
        return ns, given & ~ok
    else:
        text = s.astype("string").str.strip()
        given = (text.notna() & (text != "")).to_numpy()
        first = text[given].iloc[0] if given.any() else ""
        try:
            if _ZONED.search(str(first)):
                d = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
            else:
                d = pd.to_datetime(text, format="ISO8601", errors="coerce")
                d = d.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
                d = d.dt.tz_convert("UTC")
        except (ValueError, TypeError):
            d = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
        miss = d.isna().to_numpy() & given
        if miss.any():  # other spellings (Chinese dates, Excel serials): the import parser
            parsed, _ = ingest.parse_ts(text[miss].astype(object), tz)
            d = d.copy()
            d[miss] = parsed.to_numpy()
    ns = np.asarray(d.dt.as_unit("ns").array.asi8, dtype=np.int64).copy()
    return ns, given & (ns == _NS_MIN)


def _track_keys(frame: pd.DataFrame, ts_ns: np.ndarray, job: Job) -> tuple[np.ndarray, np.ndarray]:
    """Track key (shift id) and unit kind of every fix.

    A fix with a shift id is that shift's. A fix with only a unit id belongs to the unit's shift
    running at its time (the latest start at or before it, if it has not ended), as import does;
    with no such shift, to the unit's duty day ``UNIT@YYYY-MM-DD`` (local date of the fix minus
    the night's end hour, so that a whole night patrol is one track).
    """
    n = len(frame)
    key = np.full(n, None, dtype=object)
    if "shift_id" in frame:
        sid = _clean_ids(frame["shift_id"])
        has = ~pd.isna(sid)
        key[has] = sid[has]
    need = pd.isna(key)
    if "unit_id" in frame and need.any():
        uid = _clean_ids(frame["unit_id"])
        want = need & ~pd.isna(uid) & (ts_ns != _NS_MIN)
        idx = np.flatnonzero(want)
        if idx.size:
            sh = job.shifts[job.shifts["unit_id"].notna() & (job.shifts["start_ns"] != _NS_MIN)]
            found = np.full(idx.size, None, dtype=object)
            if len(sh):
                left = pd.DataFrame(
                    {"i": np.arange(idx.size), "unit_id": uid[idx].astype(str), "ts": ts_ns[idx]}
                ).sort_values("ts", kind="stable")
                right = (
                    sh[["unit_id", "start_ns", "end_ns", "shift_id"]]
                    .astype({"unit_id": str})
                    .sort_values(["start_ns", "shift_id"], kind="stable")
                )
                m = pd.merge_asof(
                    left,
                    right,
                    left_on="ts",
                    right_on="start_ns",
                    by="unit_id",
                    direction="backward",
                )
                ok = m["shift_id"].notna() & ((m["end_ns"] == _NS_MIN) | (m["ts"] <= m["end_ns"]))
                found[m.loc[ok, "i"].to_numpy()] = m.loc[ok, "shift_id"].to_numpy(dtype=object)
            rest = pd.isna(found)
            if rest.any():
                local = (
                    pd.DatetimeIndex(ts_ns[idx][rest].view("datetime64[ns]"))
                    .tz_localize("UTC")
                    .tz_convert(job.tz)
                    .tz_localize(None)
                )
                day = (local - pd.Timedelta(hours=job.night_end_hour)).strftime("%Y-%m-%d")
                found[rest] = np.char.add(
                    np.char.add(uid[idx][rest].astype(str), "@"), np.asarray(day, dtype=str)
                ).astype(object)
            key[idx] = found
    # unit kinds: by shift, else by unit
    kinds = pd.Series(job.shifts["unit_kind"].to_numpy(), index=job.shifts["shift_id"].to_numpy())
    kinds = kinds[~kinds.index.duplicated(keep="last")]
    kind = (
        pd.Index(key).map(kinds).to_numpy(dtype=object) if len(kinds) else np.full(n, None, object)
    )
    if "unit_id" in frame:
        by_unit = pd.Series(
            job.units["unit_kind"].to_numpy(), index=job.units["unit_id"].astype(str).to_numpy()
        )
        by_unit = by_unit[~by_unit.index.duplicated(keep="last")]
        miss = pd.isna(kind)
        if miss.any() and len(by_unit):
            uid = _clean_ids(frame["unit_id"])[miss]
            kind[miss] = pd.Index(uid).map(by_unit).to_numpy(dtype=object)
    kind = np.where(pd.isna(kind), "unknown", kind).astype(object)
    return key, kind


def _clean_ids(col: pd.Series) -> np.ndarray:
    """Ids as stripped strings (None when blank), cleaning each distinct value once."""
    codes, uniq = pd.factorize(col)
    clean = pd.Series(uniq, dtype=object).astype("string").str.strip()
    clean = clean.where(clean.notna() & (clean != ""), None).to_numpy(dtype=object)
    out = np.full(codes.size, None, dtype=object)
    ok = codes >= 0
    out[ok] = clean[codes[ok]]
    return out


def _normalise(raw: pd.DataFrame, f: InputFile, job: Job) -> tuple[pd.DataFrame, int]:
    """Canonical fixes of one chunk (key, kind, ts ns, lat, lng) and the number rejected."""
    if f.ts_pair is not None:  # the date and the time column as one text, as import reads them
        raw = raw.assign(**{f.columns["ts"]: combine_date_time(*(raw[h] for h in f.ts_pair))})
    frame = pd.DataFrame({c: raw[h].reset_index(drop=True) for c, h in f.columns.items()})
    ts, _ = _ts_ns(frame["ts"], f.ts_zone or job.tz)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=np.float64)
    lng = pd.to_numeric(frame["lng"], errors="coerce").to_numpy(dtype=np.float64)
    if job.crs != "wgs84":
        lng, lat = coords.to_wgs84(lng, lat, job.crs)
        lng, lat = np.asarray(lng, np.float64), np.asarray(lat, np.float64)
    key, kind = _track_keys(frame, ts, job)
    x0, y0, x1, y1 = job.region
    ok = (
        (ts != _NS_MIN)
        & np.isfinite(lat)
        & np.isfinite(lng)
        & ~pd.isna(key)
        & (lng >= x0)
        & (lng <= x1)
        & (lat >= y0)
        & (lat <= y1)
    )
    out = pd.DataFrame(
        {"key": key[ok], "kind": kind[ok], "ts": ts[ok], "lat": lat[ok], "lng": lng[ok]}
    )
    return out, int((~ok).sum())


def bucket_of(keys: np.ndarray, n_buckets: int) -> np.ndarray:
    """Bucket of each track key: a stable hash of the key (the same in every process)."""
    codes, uniques = pd.factorize(keys)
    h = pd.util.hash_array(np.asarray(uniques, dtype=object).astype(str).astype(object))
    return (h % np.uint64(n_buckets)).astype(np.int64)[codes]


def bucket_dir(job: Job, bucket: int) -> str:
    return os.path.join(job.spill_dir, f"b{bucket:05d}")


def split_file(job: Job, index: int) -> dict[str, Any]:
    """Pass 1: read input file ``index`` chunk by chunk and write its fixes to their buckets.

    Returns ``{"file", "read", "kept", "rejected", "spill": {bucket: [paths]}}``.
    """
    f = job.files[index]
    spill: dict[int, list[str]] = {}
    read = kept = rejected = 0
    try:
        for c, raw in enumerate(_chunks(f)):
            read += len(raw)
            norm, bad = _normalise(raw, f, job)
            del raw
            rejected += bad
            kept += len(norm)
            if norm.empty:
                continue
            b = bucket_of(norm["key"].to_numpy(dtype=object), job.n_buckets)
            order = np.argsort(b, kind="stable")
            bs = b[order]
            cuts = np.flatnonzero(np.diff(bs)) + 1
            starts = np.concatenate(([0], cuts))
            ends = np.concatenate((cuts, [bs.size]))
            table = pa.table(
                {
                    "key": pa.array(norm["key"].to_numpy(dtype=object)[order], pa.string()),
                    "kind": pa.array(norm["kind"].to_numpy(dtype=object)[order], pa.string()),
                    "ts": pa.array(norm["ts"].to_numpy()[order], pa.int64()),
                    "lat": pa.array(norm["lat"].to_numpy()[order], pa.float64()),
                    "lng": pa.array(norm["lng"].to_numpy()[order], pa.float64()),
                }
            )
            del norm
            for s, e in zip(starts, ends, strict=True):
                bucket = int(bs[s])
                folder = bucket_dir(job, bucket)
                os.makedirs(folder, exist_ok=True)
                path = os.path.join(folder, f"f{index:06d}-c{c:05d}.arrow")
                feather.write_feather(table.slice(int(s), int(e - s)), path, compression="lz4")
                spill.setdefault(bucket, []).append(path)
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, pa.ArrowException) as e:
        msg = f"{os.path.basename(f.path)}: cannot read: {str(e).splitlines()[0]}"
        raise ValueError(msg) from None
    return {"file": f.path, "read": read, "kept": kept, "rejected": rejected, "spill": spill}


# --------------------------------------------------------------------------------------------
# pass 2: roll a bucket up

TABLES = rollups.TABLES


def _read_bucket(paths: list[str]) -> pa.Table:
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        msg = (
            f"spill file {missing[0]} is not visible here: give --spill a folder that the "
            "client and every worker share"
        )
        raise FileNotFoundError(msg)
    return pa.concat_tables([feather.read_table(p, memory_map=False) for p in sorted(paths)])


def batches(
    counts: np.ndarray, first_ts: np.ndarray, limit: int = BATCH_MAX_PINGS
) -> list[np.ndarray]:
    """Tracks (by code, sorted by key) in batches of whole tracks, ordered by first fix, then key.

    A batch holds at most ``limit`` fixes unless one track alone is longer.
    """
    order = np.lexsort((np.arange(counts.size), first_ts))
    out: list[np.ndarray] = []
    start = 0
    total = 0
    for i, code in enumerate(order):
        c = int(counts[code])
        if total and total + c > limit:
            out.append(order[start:i])
            start, total = i, 0
        total += c
    if start < order.size:
        out.append(order[start:])
    return out


def roll_bucket(job: Job, bucket: int, paths: list[str], summarise: bool = False) -> dict[str, Any]:
    """Pass 2: stitch the bucket's tracks (sort by key, time, position) and roll them up.

    Returns the store rows (``coverage``, ``stops``, ``track_quality`` frames), or with
    ``summarise`` only their fingerprints (``digests``), plus counts (``counts`` rows per table,
    ``dwell_s``, ``pings``, ``shifts``, ``batches``).
    """
    table = _read_bucket(paths)
    codes, uniq = _codes(table.column("key"))
    kind_codes, kind_names = _codes(table.column("kind"))
    ts = table.column("ts").to_numpy()
    lat = table.column("lat").to_numpy()
    lng = table.column("lng").to_numpy()
    del table
    order = np.lexsort((ts, codes))
    tied = (codes[order][1:] == codes[order][:-1]) & (ts[order][1:] == ts[order][:-1])
    if tied.any():  # fixes of a track at one time: order them by position, not by file order
        order = np.lexsort((lng, lat, ts, codes))
    del tied
    codes, ts, lat, lng = codes[order], ts[order], lat[order], lng[order]
    kinds = kind_names[kind_codes[order]]
    del order, kind_codes
    first = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    counts = np.diff(np.append(first, codes.size))
    shift_ids = np.asarray(uniq, dtype=object)
    parts: list[dict[str, pd.DataFrame]] = []
    groups = batches(counts, ts[first])
    for batch in groups:
        # the batch's tracks, each one's fixes in order, tracks ordered by first fix then key
        lo = first[batch]
        n_each = counts[batch]
        rows = np.repeat(lo - np.concatenate(([0], np.cumsum(n_each)[:-1])), n_each)
        rows += np.arange(int(n_each.sum()))
        ids = shift_ids[codes[rows]]
        pings = pd.DataFrame(
            {
                "shift_id": ids,
                "ts": ts[rows].view("datetime64[ns]"),
                "lat": lat[rows],
                "lng": lng[rows],
            }
        )
        labels = rollups.rollup_labels(shift_ids[batch], kinds[lo])
        result = cov.rollup(pings, labels, tz=job.tz, resolutions=RESOLUTIONS)
        parts.append(rollups.rows_of(result, pd.Series(n_each, index=shift_ids[batch])))
        del pings, result
    out: dict[str, Any] = {
        name: (pd.concat([p[name] for p in parts], ignore_index=True) if parts else _empty(name))
        for name in TABLES
    }
    del parts
    info = {
        "bucket": bucket,
        "pings": int(codes.size),
        "shifts": int(counts.size),
        "batches": len(groups),
        "counts": {name: len(out[name]) for name in TABLES},
        "dwell_s": _dwell_s(out["coverage"]),
    }
    if summarise:
        return {**info, "digests": {name: digest(out[name]) for name in TABLES}}
    return {**out, **info}


def _dwell_s(coverage: pd.DataFrame) -> float:
    """Seconds of dwell in the rows (counted once: at res 10, each resolution holds them all)."""
    if len(coverage) == 0:
        return 0.0
    return float(coverage["dwell_s"].to_numpy()[coverage["res"].to_numpy() == ROLLUP_RES].sum())


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Strings -> (code per row, sorted distinct strings) without a Python string per row."""
    enc = pa.chunked_array(column).combine_chunks().dictionary_encode()
    values = np.asarray(enc.dictionary.to_pylist(), dtype=object)
    rank = np.argsort(values.astype(str), kind="stable")
    pos = np.empty(rank.size, np.int64)
    pos[rank] = np.arange(rank.size)
    return pos[enc.indices.to_numpy(zero_copy_only=False)], values[rank]


def _empty(name: str) -> pd.DataFrame:
    cols = {
        "coverage": rollups.COVERAGE_COLUMNS,
        "stops": rollups.STOPS_COLUMNS,
        "track_quality": rollups.QUALITY_COLUMNS,
    }[name]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def digest(frame: pd.DataFrame) -> int:
    """Order-free fingerprint of a frame's rows (sum of row hashes mod 2**64, exact floats)."""
    if len(frame) == 0:
        return 0
    h = pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)
    return int(h.sum(dtype=np.uint64))


def remove_spill(job: Job) -> None:
    """Delete the job's spill folder."""
    if Path(job.spill_dir).exists():
        shutil.rmtree(job.spill_dir, ignore_errors=True)

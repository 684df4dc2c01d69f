"""Conversions between canonical frames and stored values.

Times, content hashes, natural keys and cells. Times are stored as UTC epoch milliseconds
(BIGINT) on every backend and come back from reads as tz-aware pandas timestamps in the configured
zone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from geo.domain import hexes, schema
from geo.domain.period import ROLLUP_RES

__all__ = ["cells_of", "content_hashes", "ms_to_ts", "natural_keys", "ts_to_ms"]


def ts_to_ms(values: pd.Series) -> pd.Series:
    """tz-aware timestamps (any unit) -> UTC epoch milliseconds (nullable Int64)."""
    s = pd.Series(pd.to_datetime(values, utc=True)).dt.as_unit("ns")
    ns = s.astype("int64", copy=False) if s.notna().all() else None
    if ns is not None:
        return (ns // 1_000_000).astype("Int64")
    out = pd.Series(pd.NA, index=s.index, dtype="Int64")
    ok = s.notna()
    out[ok] = s[ok].astype("int64") // 1_000_000
    return out


def ms_to_ts(values: pd.Series, tz: str) -> pd.Series:
    """UTC epoch milliseconds -> tz-aware timestamps in ``tz``; a missing value becomes NaT.

    The milliseconds go through numpy's integer cast, not pandas' float path: a column with a
    NULL arrives as float64 with NaN, and pandas 2's ``to_datetime(float, unit=...)`` rounds an
    ``np.empty`` buffer whose NaN slots it never fills, so whatever memory held before could
    raise ``FloatingPointError: overflow`` now and then (pandas-dev/pandas#58419, fixed in 3.0).

    >>> ms_to_ts(pd.Series([1717250400000, None]), "Asia/Shanghai").tolist()
    [Timestamp('2024-06-01 22:00:00+0800', tz='Asia/Shanghai'), NaT]
    """
    num = pd.to_numeric(values)
    if num.dtype.kind in "iu" and not num.hasnans:
        ms = num.to_numpy(dtype="int64").astype("datetime64[ms]")
    else:
        f = num.to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(f)
        ms = np.rint(np.where(missing, 0.0, f)).astype("int64").astype("datetime64[ms]")
        ms[missing] = np.datetime64("NaT")
    idx = pd.DatetimeIndex(ms.astype("datetime64[ns]")).tz_localize("UTC").tz_convert(tz)
    return pd.Series(idx, index=values.index, name=values.name)


def content_hashes(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """A 16-hex-digit hash of each row's canonical values (stable across runs)."""
    sub = frame[list(columns)].copy()
    for c in sub.columns:
        if sub[c].dtype.kind == "f":
            sub[c] = sub[c].round(7)
        sub[c] = sub[c].astype("string").fillna("\x00")
    h = pd.util.hash_pandas_object(sub, index=False).to_numpy(dtype=np.uint64)
    return np.char.mod("%016x", h.astype(np.uint64)) if len(h) else np.array([], dtype=str)


def natural_keys(kind: schema.Kind, db: pd.DataFrame, hashes: np.ndarray) -> np.ndarray:
    """The natural key of each row: its key columns joined by ``|``, or ``h:`` + content hash.

    ``db`` holds stored values (times as epoch milliseconds), so keys do not depend on how a file
    spelled a time. An inspection is keyed by its inspection_id where it has one.
    """
    by_hash = pd.Series(["h:" + h for h in hashes], index=db.index, dtype=object)
    if kind.name == "inspections":
        ids = db["inspection_id"].astype("string")
        return ("i:" + ids).where(ids.notna(), by_hash).to_numpy(dtype=object)
    if not kind.key:
        return by_hash.to_numpy(dtype=object)
    parts = [db[c].astype("string").fillna("") for c in kind.key]
    key = parts[0]
    for p in parts[1:]:
        key = key + "|" + p
    return key.to_numpy(dtype=object)


def cells_of(lat: np.ndarray, lng: np.ndarray, res: int = ROLLUP_RES) -> np.ndarray:
    """H3 cells (int64) of WGS-84 points (degrees) at ``res``."""
    return np.asarray(
        hexes.latlng_to_cells(np.asarray(lat, float), np.asarray(lng, float), res), dtype=np.uint64
    ).astype(np.int64)

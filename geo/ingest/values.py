"""Parsing a column's text into values, vectorised.

Each parser returns the parsed values and a mask of the non-empty values it could not read.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from geo.domain import schema

__all__ = [
    "EARLIEST",
    "LATEST",
    "MAX_TEXT",
    "has_control",
    "is_blank",
    "parse_enum",
    "parse_float",
    "parse_id",
    "parse_int",
    "parse_text",
    "parse_ts",
]

EARLIEST = pd.Timestamp("1990-01-01", tz="UTC")


LATEST = pd.Timestamp("2100-01-01", tz="UTC")


MAX_TEXT = 2000  # characters kept in a free-text field


# Characters that XML 1.0 (DOCX, GPX, KML), PostgreSQL text (NUL) and PDFs cannot hold: a text
# field holding one is rejected on import, so every export can carry what the store holds.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


_CN_DATE = [
    (re.compile(r"[年/.]"), "-"),
    (re.compile(r"月"), "-"),
    (re.compile(r"日"), " "),
    (re.compile(r"[时點点]"), ":"),
    (re.compile(r"分"), ":"),
    (re.compile(r"秒"), ""),
    (re.compile(r"T"), " "),
]


def is_blank(s: pd.Series) -> pd.Series:
    """Boolean Series: the value is missing (None, NaN) or only whitespace."""
    return s.isna() | s.astype("string").str.strip().fillna("").eq("")


def parse_ts(s: pd.Series, tz: str) -> tuple[pd.Series, pd.Series]:
    """Parse times (ISO, Chinese formats, Excel serials, datetime objects) to tz-aware UTC."""
    if pd.api.types.is_datetime64_any_dtype(s):
        conv = _localise(pd.Series(pd.to_datetime(s), index=s.index), tz)
        bad = conv.notna() & ((conv < EARLIEST) | (conv >= LATEST))
        return conv.where(~bad, pd.NaT), bad
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    blank = is_blank(s)
    todo = ~blank
    # datetime objects straight from Excel
    is_dt = (
        s.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat"))
        & todo
    )
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


def parse_float(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse numbers; thousands separators (``,``) and degree signs (``°``) are dropped.

    Returns
    -------
    values : pandas.Series
        Floats; NaN where blank, unreadable or not finite.
    bad : pandas.Series
        The non-blank values that are unreadable or not finite (``inf``).

    >>> parse_float(pd.Series(["1,234.5", "31°", "x"]))[0].tolist()
    [1234.5, 31.0, nan]
    """
    blank = is_blank(s)
    text = (
        s.astype("string")
        .str.strip()
        .str.replace(",", "", regex=False)
        .str.replace("°", "", regex=False)
    )
    v = pd.to_numeric(text, errors="coerce").astype(float)
    bad = ~blank & (v.isna() | ~np.isfinite(v.fillna(0.0)))
    v[~np.isfinite(v.fillna(np.nan))] = np.nan
    return v, bad


def parse_int(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse whole numbers (as :func:`parse_float` reads numbers) into an ``Int64`` Series.

    Returns
    -------
    values : pandas.Series
        ``Int64``; missing where blank or bad.
    bad : pandas.Series
        The non-blank values that are unreadable, fractional, negative or over 10**12.
    """
    v, bad = parse_float(s)
    frac = v.notna() & ((v % 1) != 0)
    neg = v.notna() & (v < 0)
    huge = v.notna() & (v.abs() > 1e12)
    bad = bad | frac | neg | huge
    v[bad] = np.nan
    return v.round().astype("Int64"), bad


def parse_id(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ids as stripped text; a whole float (``12.0``, as Excel gives it) becomes ``"12"``.

    Returns
    -------
    values : pandas.Series
        Object Series of str; None where blank or longer than 200 characters.
    bad : pandas.Series
        The ids longer than 200 characters.
    """

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


def parse_text(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse free text: stripped, None where blank.

    Returns
    -------
    values : pandas.Series
        Object Series of str or None (long texts are kept whole).
    bad : pandas.Series
        The texts longer than :data:`MAX_TEXT` characters.
    """
    out = s.map(
        lambda v: (
            None
            if v is None or (isinstance(v, float) and np.isnan(v))
            else (str(v).strip() or None)
        )
    ).astype(object)
    too_long = out.map(lambda v: v is not None and len(v) > MAX_TEXT)
    return out, too_long


def has_control(v: pd.Series) -> pd.Series:
    """Text values holding a control character (NUL, ESC, ...) that XML and PostgreSQL refuse."""
    return v.map(lambda x: isinstance(x, str) and _CONTROL.search(x) is not None).astype(bool)


def parse_enum(s: pd.Series, choices: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """Parse category values into one of ``choices``.

    Case is ignored, ``-`` or a space reads as ``_``, and the zh/en synonyms in
    :data:`geo.domain.schema.ENUM_ALIASES` are accepted too.

    Returns
    -------
    values : pandas.Series
        Object Series of the choices; None where blank or unknown.
    bad : pandas.Series
        The non-blank values that are no known choice.

    >>> parse_enum(pd.Series(["High", "zz"]), ("low", "medium", "high"))[0].tolist()
    ['high', None]
    """
    blank = is_blank(s)
    text = s.astype("string").str.strip().str.lower().str.replace("-", "_", regex=False)
    lookup = {c: c for c in choices}
    lookup.update({c.replace("_", " "): c for c in choices})
    lookup.update({k.lower(): v for k, v in schema.ENUM_ALIASES.items() if v in choices})
    out = text.map(lookup).astype(object)
    bad = ~blank & out.isna()
    return out.where(out.notna(), None), bad

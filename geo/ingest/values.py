"""Parsing a column's text into values, vectorised.

Each parser returns the parsed values and a mask of the non-empty values it could not read.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from geo.domain import schema

__all__ = [
    "DATE_ORDERS",
    "EARLIEST",
    "LATEST",
    "MAX_TEXT",
    "ORDER_CHOICES",
    "combine_date_time",
    "date_heads",
    "date_order",
    "date_order_rows",
    "has_control",
    "header_zone",
    "is_blank",
    "order_of_heads",
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


# Canonical ISO text: pandas' own parser reads these at C speed; the rest goes through _TEXT.
_ISO = re.compile(r"^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)?$")
_ISO_ZONED = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)$")
# Morning/afternoon words and a.m./p.m., made AM/PM before _TEXT reads them.
_AM = r"(?:上午|凌晨|早上|早晨|清晨|(?<![a-z])a\.?\s?m\.?(?![a-z]))"
_PM = r"(?:下午|中午|傍晚|晚上|夜晚|夜里|深夜|(?<![a-z])p\.?\s?m\.?(?![a-z]))"
_MIDNIGHT = r"(?:晚上|夜晚|夜里|深夜)\s*12\s*[点點时時:：]"
# A date (year first, or day and month before a four-digit year), then an optional time of day
# (21:30, 21:30:07.5, 21时30分07秒, 9:30 PM, PM 9:30) and zone (Z, +08:00, UTC+8).
_TEXT = (
    r"^(?:(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
    r"|(?P<a>\d{1,2})\s*[-/.]\s*(?P<b>\d{1,2})\s*[-/.]\s*(?P<y2>\d{4}))"
    r"(?:\s*(?:t|\s)?\s*(?P<p1>AM|PM)?\s*(?P<H>\d{1,2})\s*"
    r"(?:[:：]\s*(?P<M>\d{1,2})(?:\s*[:：]\s*(?P<S>\d{1,2}(?:\.\d+)?))?"
    r"|[时時点點]\s*(?:(?P<M2>\d{1,2})\s*分?\s*(?:(?P<S2>\d{1,2}(?:\.\d+)?)\s*秒)?)?)"
    r"\s*(?P<p2>AM|PM)?"
    r"\s*(?P<z>z|(?:utc|gmt)?\s*[+-]\d{1,2}(?::?\d{2})?|utc|gmt)?)?\s*$"
)
# Day and month before a four-digit year: 15/07/2022, 07.08.2022 (the column decides the order).
_DMY = r"^\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*\d{4}(?!\d)"
# A time column's value that holds a whole date too (it stands alone: combine_date_time).
_HAS_DATE = r"\d{4}\s*[-/.年]\s*\d{1,2}|\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{4}"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Common shapes read by pandas' C parser before _TEXT, those a sample of the column shows:
# year first, then day or month first by the column's rule
_TIMES = (" %H:%M:%S", " %H:%M", "")
_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    *(
        f"%Y{a}%m{b}%d{c}{t}"
        for a, b, c in (("/", "/", ""), (".", ".", ""), ("-", "-", ""), ("年", "月", "日"))
        for t in _TIMES
    ),
    "%Y年%m月%d日 %H时%M分",
    "%Y年%m月%d日%H时%M分",
    "%Y年%m月%d日 %H时%M分%S秒",
    "%Y-%m-%d %I:%M %p",
    "%Y-%m-%d %I:%M:%S %p",
    "%Y/%m/%d %I:%M %p",
    "%Y/%m/%d %I:%M:%S %p",
)
_DAY_FIRST = tuple(f"%d{s}%m{s}%Y{t}" for s in "/.-" for t in _TIMES)
_MONTH_FIRST = tuple(f"%m{s}%d{s}%Y{t}" for s in "/.-" for t in _TIMES)
_SAMPLE = 50

DATE_ORDERS = (
    "day_first",
    "month_first",
    "month_first_assumed",
    "day_first_conflict",
    "month_first_conflict",
    "day_first_chosen",
    "month_first_chosen",
    "year_first_chosen",
)
"""How a column's dates such as 07/08/2022 are read, as :func:`date_order` names it (or, with
the order the user chose, ``*_chosen``)."""

ORDER_CHOICES = ("dmy", "mdy", "ymd")
"""Date orders a user may choose for a file: day/month/year, month/day/year, year first only."""
_CHOSEN = {"dmy": "day_first_chosen", "mdy": "month_first_chosen", "ymd": "year_first_chosen"}


def is_blank(s: pd.Series) -> pd.Series:
    """Boolean Series: the value is missing (None, NaN) or only whitespace."""
    return s.isna() | s.astype("string").str.strip().fillna("").eq("")


def date_order_rows(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Which values of ``s`` fit only day-first (15/07/2022) and which only month-first.

    >>> d, m = date_order_rows(pd.Series(["15/07/2022", "07/15/2022", "07/08/2022", "2022-07-15"]))
    >>> d.tolist(), m.tolist()
    ([True, False, False, False], [False, True, False, False])
    """
    text = s.astype("string").str.slice(0, 10).str.normalize("NFKC")
    parts = text.str.extract(_DMY).astype(float)
    first, second = parts[0], parts[1]
    only_day = ((first > 12) & (second <= 12)).fillna(False).astype(bool)
    only_month = ((second > 12) & (first <= 12)).fillna(False).astype(bool)
    return only_day, only_month


def date_order(s: pd.Series, chosen: str | None = None) -> str:
    """How the column ``s`` reads dates written day and month before the year (07/08/2022).

    One rule for the whole column, never a guess per value: day-first when some values fit only
    day-first (a first number over 12) and none only month-first; month-first in the reverse
    case; month-first, said as assumed, when every value reads both ways; when values of both
    kinds are there, the rule of the most and the others are rejected.

    Parameters
    ----------
    s
        A column of times as the file holds them.

    With ``chosen`` (one of :data:`ORDER_CHOICES`, the user's word for the file) the rule is
    that one, said as chosen; the values it cannot read are rejected.

    Returns
    -------
    str
        One of :data:`DATE_ORDERS`, or ``""`` when no value is written that way.

    >>> date_order(pd.Series(["15/07/2022", "07/08/2022"]))
    'day_first'
    >>> date_order(pd.Series(["07/08/2022 21:30"]))
    'month_first_assumed'
    """
    heads = date_heads(s)
    return "" if heads is None else order_of_heads(heads, chosen)


def date_heads(s: pd.Series) -> pd.Series | None:
    """The starts of the values of ``s`` (10 characters), each once, with their counts.

    None for a column that holds no written dates (empty, datetime or numeric). Counts of the
    chunks of one column add up (a streamed import decides the column's rule from their sum).
    """
    if s.empty or pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_numeric_dtype(s):
        return None
    # the starts of the values, each once (a column holds few dates), weighted by their counts
    return s.astype("string").str.slice(0, 10).value_counts()


def order_of_heads(heads: pd.Series, chosen: str | None = None) -> str:
    """The rule of :func:`date_order` from a column's :func:`date_heads` (head -> count)."""
    if heads.empty:
        return ""
    parts = heads.index.to_series().str.normalize("NFKC").str.extract(_DMY).astype(float)
    first, second, n = parts[0].to_numpy(), parts[1].to_numpy(), heads.to_numpy()
    if not np.isfinite(first).any():
        return ""
    if chosen is not None:
        return _CHOSEN[chosen]
    only_day = int(n[(first > 12) & (second <= 12)].sum())
    only_month = int(n[(second > 12) & (first <= 12)].sum())
    if only_day and only_month:
        return "day_first_conflict" if only_day >= only_month else "month_first_conflict"
    if only_day:
        return "day_first"
    if only_month:
        return "month_first"
    return "month_first_assumed"


def parse_ts(
    s: pd.Series, tz: str | dt.tzinfo, order: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """Parse a column of times as people write them into tz-aware UTC.

    Read: ISO 8601 (with ``+08:00`` or ``Z``), 2014年9月18日 21时30分, 2014/9/18 21:30, 2014.9.18,
    15/07/2022 (day and month ordered by :func:`date_order`, one rule for the column), times of
    day as 13:53, 13:53:07, 1:53 p.m. or 下午1:53, Excel serial numbers (1990-2099), Unix seconds
    or milliseconds, and datetime cells. A time without a zone is local time of ``tz``.

    Parameters
    ----------
    s
        The column as read from the file.
    tz
        The zone of naive times: the store's (``Settings.tz``), or the one the column's header
        names (:func:`header_zone`).
    order
        The date order the user chose for the file (:data:`ORDER_CHOICES`); None: the column's
        own rule (:func:`date_order`). ``ymd`` reads no date with the year last.

    Returns
    -------
    values : pandas.Series
        ``datetime64[ns, UTC]``; NaT where blank, unreadable or outside 1990-2099.
    bad : pandas.Series
        The non-blank values that are unreadable or outside 1990-2099.
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        conv = _localise(pd.Series(pd.to_datetime(s), index=s.index), tz)
        bad = conv.notna() & ((conv < EARLIEST) | (conv >= LATEST))
        return conv.where(~bad, pd.NaT), bad
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    blank = is_blank(s)
    todo = ~blank
    is_dt = _is_datetime_object(s) & todo
    if is_dt.any():  # datetime cells straight from Excel
        dt = pd.to_datetime(s[is_dt].astype(object), errors="coerce")
        out[is_dt] = _localise(pd.Series(dt, index=s[is_dt].index), tz)
        todo &= ~is_dt
    text = s[todo].astype(str).str.strip()
    num = pd.to_numeric(text, errors="coerce")
    serial = num.notna() & num.between(20000, 80000)
    if serial.any():
        naive = _EXCEL_EPOCH + pd.to_timedelta(num[serial], unit="D")
        out[serial[serial].index] = _localise(naive.dt.round("s"), tz)
    epoch = num.notna() & ~serial & num.between(6.3e8, 4.1e12)
    if epoch.any():  # unix seconds or milliseconds
        v = num[epoch]
        ms = np.where(v > 1e11, v, v * 1000)
        out[epoch[epoch].index] = pd.to_datetime(ms, unit="ms", utc=True)
    rest = text[num.isna()]
    if len(rest):
        parsed = _parse_text(rest, tz, order)
        out[parsed.index] = parsed
    bad = ~blank & out.isna()
    out_of_range = out.notna() & ((out < EARLIEST) | (out >= LATEST))
    out[out_of_range] = pd.NaT
    return out, bad | out_of_range


_HEADER_ZONE = re.compile(
    r"[(\[{【（〔]\s*(?:(?P<cn>北京时间|东八区)|(?:utc|gmt)\s*(?:(?P<sign>[+-])\s*(?P<h>\d{1,2})"
    r"(?::?(?P<m>\d{2}))?)?|(?P<z>z))\s*[)\]}】）〕]",
    re.IGNORECASE,
)


def header_zone(header: str) -> dt.tzinfo | None:
    """The time zone a column's header gives its times in, or None when it names none.

    Exports often say it in brackets after the name: 定位时间(UTC), 报警时间（UTC+8）,
    fix_time [GMT-05:00], 时间(北京时间). Times of such a column written without a zone are read
    in that zone, not in the store's.

    >>> header_zone("定位时间(UTC)"), header_zone("时间（UTC+8）"), header_zone("时间")
    (datetime.timezone.utc, datetime.timezone(datetime.timedelta(seconds=28800)), None)
    """
    m = _HEADER_ZONE.search(str(header))
    if m is None:
        return None
    if m["cn"]:
        return dt.timezone(dt.timedelta(hours=8))
    if m["h"] is None:
        return dt.UTC
    minutes = int(m["h"]) * 60 + int(m["m"] or 0)
    if minutes > 14 * 60:
        return None
    return dt.timezone(dt.timedelta(minutes=-minutes if m["sign"] == "-" else minutes))


def _is_datetime_object(s: pd.Series) -> pd.Series:
    """Which values of an object column are date or datetime objects (by their types)."""
    if s.dtype != object:
        return pd.Series(False, index=s.index)
    types = s.map(type)
    dt_types = [t for t in types.unique() if issubclass(t, (dt.date, np.datetime64))]
    return types.isin(dt_types)


def _localise(naive: pd.Series, tz: str | dt.tzinfo) -> pd.Series:
    if getattr(naive.dt, "tz", None) is not None:
        return naive.dt.tz_convert("UTC")
    local = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    return local.dt.tz_convert("UTC")


def _parse_text(text: pd.Series, tz: str | dt.tzinfo, order: str | None = None) -> pd.Series:
    """Parse written times (see :func:`parse_ts`); NaT where unreadable."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    rest = _by_formats(text, _FORMATS, tz, out)
    zoned = rest.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).fillna(False).astype(bool)
    if zoned.any():  # ISO 8601 with its zone, at C speed
        hit = pd.to_datetime(rest[zoned], format="ISO8601", errors="coerce", utc=True)
        ok = pd.Series(hit, index=rest[zoned].index).notna()
        out[ok[ok].index] = hit[ok.to_numpy()]
        rest = rest.drop(ok[ok].index)
    # one day/month rule for the column (year-first values, read above, never take part in it)
    day_first = order == "dmy" if order else date_order(rest).startswith("day_first")
    if order != "ymd":
        rest = _by_formats(rest, _DAY_FIRST if day_first else _MONTH_FIRST, tz, out)
    if rest.empty:
        return out
    rest = rest.str.normalize("NFKC").str.strip()
    iso = rest.str.match(_ISO)
    if iso.any():
        naive = pd.to_datetime(rest[iso], format="ISO8601", errors="coerce")
        out[iso[iso].index] = _localise(pd.Series(naive, index=rest[iso].index), tz)
    zoned = ~iso & rest.str.match(_ISO_ZONED)
    if zoned.any():
        aware = pd.to_datetime(rest[zoned], format="ISO8601", errors="coerce", utc=True)
        out[zoned[zoned].index] = aware
    rest = rest[~iso & ~zoned]
    if rest.empty:
        return out
    # 晚上12点 is the midnight that ends the day (the next day's 0:00), 中午12点 is noon
    midnight = rest.str.contains(_MIDNIGHT, regex=True).fillna(False).astype(bool)
    rest = rest.str.replace(_AM, "AM", regex=True, flags=re.IGNORECASE)
    rest = rest.str.replace(_PM, "PM", regex=True, flags=re.IGNORECASE)
    g = rest.str.extract(_TEXT, flags=re.IGNORECASE).astype("string")
    num = g[["y", "m", "d", "a", "b", "y2", "H", "M", "M2"]].astype(float)
    year = num["y"].fillna(num["y2"])
    month = num["m"].fillna(num["b"] if day_first else num["a"])
    day = num["d"].fillna(num["a"] if day_first else num["b"])
    hour = num["H"].fillna(0)
    ampm = g["p1"].fillna(g["p2"]).str.upper()
    hour = hour.where(~(ampm.eq("PM").fillna(False) & (hour < 12)), hour + 12)
    hour = hour.where(~(ampm.eq("AM").fillna(False) & (hour == 12)), 0)
    night_end = midnight & ampm.eq("PM").fillna(False) & (hour == 12)
    hour = hour.where(~night_end, 0)
    minute = num["M"].fillna(num["M2"]).fillna(0)
    sec = g["S"].fillna(g["S2"]).astype(float).fillna(0)
    ok = year.notna() & month.notna() & day.notna()
    if order == "ymd":  # the user said the year comes first: 07/08/2022 is no date of the file
        ok &= num["y"].notna()
    parts = pd.DataFrame(
        {
            "year": year,
            "month": month,
            "day": day,
            "hour": hour,
            "minute": minute,
            "second": np.floor(sec),
            "microsecond": ((sec % 1) * 1e6).round(),
        }
    )[ok]
    # a value out of its range (month 13, 25 o'clock, 31 June) is unreadable, not rolled over
    sane = (
        parts["month"].between(1, 12)
        & parts["day"].between(1, 31)
        & parts["hour"].between(0, 23)
        & parts["minute"].between(0, 59)
        & parts["second"].between(0, 60)
    )
    parts = parts[sane]
    if parts.empty:
        return out
    naive = pd.to_datetime(parts, errors="coerce")
    naive = naive + pd.to_timedelta(night_end[parts.index].astype(int), unit="D")
    zone = g.loc[parts.index, "z"]
    offset = _zone_minutes(zone)
    local = naive[offset.isna()]
    if len(local):
        out[local.index] = _localise(local, tz)
    aware = naive[offset.notna()]
    if len(aware):
        shifted = aware - pd.to_timedelta(offset[offset.notna()], unit="m")
        out[aware.index] = shifted.dt.tz_localize("UTC")
    return out


def _by_formats(
    text: pd.Series, formats: tuple[str, ...], tz: str | dt.tzinfo, out: pd.Series
) -> pd.Series:
    """Read into ``out`` the values of ``text`` that one of ``formats`` fits; return the rest.

    A format is tried on the whole column only when it fits a value of the first few left.
    """
    rest = text
    for fmt in formats:
        if rest.empty:
            break
        if pd.to_datetime(rest.head(_SAMPLE), format=fmt, errors="coerce").isna().all():
            continue
        hit = pd.Series(pd.to_datetime(rest, format=fmt, errors="coerce"), index=rest.index)
        ok = hit.notna()
        out[ok[ok].index] = _localise(hit[ok], tz)
        rest = rest[~ok]
    return rest


def _zone_minutes(zone: pd.Series) -> pd.Series:
    """Minutes east of UTC of written zones (Z, UTC, +08:00, +0800, UTC+8); NaN where none."""
    z = zone.str.upper().str.replace(r"UTC|GMT|\s", "", regex=True)
    parts = z.str.extract(r"^([+-])(\d{1,2}):?(\d{2})?$").astype({1: float, 2: float})
    sign = parts[0].map({"+": 1.0, "-": -1.0})
    minutes = sign * (parts[1] * 60 + parts[2].fillna(0))
    utc = (zone.notna() & z.isin(["Z", ""])).fillna(False).astype(bool)
    return minutes.where(~utc, 0.0)


def combine_date_time(date: pd.Series, time: pd.Series) -> pd.Series:
    """One column of times from a date column and a time-of-day column, as text.

    The date as ``YYYY-MM-DD`` where it is a datetime cell or an Excel serial, else as written;
    the time as ``HH:MM:SS`` where it is a time cell or an Excel fraction of a day, else as
    written; joined by a space for :func:`parse_ts`. A time value that holds a whole date stands
    alone; a date without its time reads ``--:--`` after the date, which :func:`parse_ts` rejects
    (a missing time is not midnight).

    Parameters
    ----------
    date, time
        The two columns as read from the file.

    Returns
    -------
    pandas.Series
        Object Series of text; None where both are blank.

    >>> combine_date_time(pd.Series(["2014/9/18", "44743"]), pd.Series(["21:30", "0.5"])).tolist()
    ['2014/9/18 21:30', '2022-07-01 12:00:00']
    """
    d = _date_text(date)
    t, full = _time_text(time)
    out = (d + " " + t).where(~full, t)
    out = out.where(~(t.eq("") & d.ne("")), d + " --:--")
    out = out.where(~(d.eq("") & ~full), t)
    given = out.fillna("").str.strip().ne("").to_numpy(bool)
    return pd.Series(np.where(given, out.astype(object), None), index=out.index, dtype=object)


def _date_text(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return pd.Series(pd.to_datetime(s).dt.strftime("%Y-%m-%d"), index=s.index).fillna("")
    out = s.astype("string").str.strip().fillna("")
    is_dt = _is_datetime_object(s)
    if is_dt.any():
        days = pd.to_datetime(s[is_dt].astype(object), errors="coerce")
        out[is_dt] = pd.Series(days, index=s[is_dt].index).dt.strftime("%Y-%m-%d").fillna("")
    num = pd.to_numeric(out.where(~is_dt), errors="coerce")
    serial = num.between(20000, 80000)
    if serial.any():
        days = _EXCEL_EPOCH + pd.to_timedelta(np.floor(num[serial]), unit="D")
        out[serial] = days.dt.strftime("%Y-%m-%d")
    # a date cell written with its midnight (2022-07-01 00:00:00) is the date
    return out.str.replace(r"\s+0?0:00(?::00)?$", "", regex=True)


def _time_text(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Time-of-day text of a time column, and where a value holds a whole date too."""
    if pd.api.types.is_datetime64_any_dtype(s):
        s = s.astype(object)
    out = s.astype("string").str.strip().fillna("").astype(object)
    full = np.zeros(len(s), dtype=bool)
    is_dt = _is_datetime_object(s).to_numpy(bool)
    if is_dt.any():  # Excel keeps a time cell as a datetime of 1899-12-30 (or 31)
        when = pd.Series(pd.to_datetime(s[is_dt].astype(object), errors="coerce"))
        day_only = when.dt.year.lt(1901).to_numpy(bool)
        shown = when.dt.strftime("%H:%M:%S").where(day_only, when.dt.strftime("%Y-%m-%d %H:%M:%S"))
        out[is_dt] = shown.fillna("").to_numpy(object)
        full[is_dt] = ~day_only
    num = pd.to_numeric(out.where(~is_dt), errors="coerce")
    fraction = num.between(0, 1, inclusive="left").to_numpy(bool)
    if fraction.any():
        secs = pd.to_timedelta((num[fraction] * 86400).round(), unit="s")
        out[fraction] = (pd.Timestamp("2000-01-01") + secs).dt.strftime("%H:%M:%S").to_numpy(object)
    serial = num.between(20000, 80000).to_numpy(bool)
    if serial.any():
        when = (_EXCEL_EPOCH + pd.to_timedelta(num[serial], unit="D")).dt.round("s")
        out[serial] = when.dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(object)
    text = out.astype("string").str.normalize("NFKC")
    written = text.str.contains(_HAS_DATE, regex=True).fillna(False).to_numpy(bool)
    full |= serial | (~is_dt & ~fraction & written)
    return out.astype(str), pd.Series(full, index=s.index)


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

"""Mapping a file's headers onto a record kind's canonical columns.

Headers are matched by the English and Chinese aliases of :mod:`geo.domain.schema` (in tiers:
a kind's own names before generic ones such as 编号 or 时间) and by the user's own choices. The
match forgives what exports do to a name: case, full-width characters, spaces, underscores,
hyphens, brackets and the units they hold ("速度（公里/时）" is 速度), and the 10 characters a
Shapefile's DBF keeps of a field name (``incident_i``). A date column and a time column of one
name (报警日期 + 报警时间, date + time, call_date + call_time) are paired into one time.

Two headers of one tier for one column are an error naming both, never a silent pick; a
required column still missing is an error naming the closest headers found.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from geo.domain import schema
from geo.i18n import t
from geo.ingest.report import FileError
from geo.ingest.values import combine_date_time, date_order, header_zone

__all__ = [
    "PAIR",
    "HeaderMatch",
    "date_orders",
    "header_zones",
    "map_headers",
    "match_headers",
    "norm_header",
    "refuse_duplicates",
    "suggest_mapping",
    "time_pairs",
    "with_pairs",
]

PAIR = " + "
"""Joins a date header and a time header into the name of their combined column."""

DBF_NAME = 10
"""Characters (bytes) a Shapefile's DBF keeps of a field name."""

_BRACKETS = re.compile(r"[(\[{【〔][^()\[\]{}【】〔〕]*[)\]}】〕]")
_SEPARATORS = re.compile(r"[\s_\-:/\\.·,;'\"#*]+")
_DATE_ENDS = ("日期", "date")
_TIME_ENDS = ("时间", "time")
_MISS = 99.0  # the score of a header that does not match a column
_CLOSE_CHARS = 64  # characters of a header compared when naming the closest columns


def norm_header(text: object) -> str:
    """A header in the form headers and aliases are compared in.

    Unicode NFKC (full-width letters, digits and brackets made ASCII), lower case, brackets and
    what they hold dropped (units, coordinate systems), then spaces, underscores, hyphens,
    colons, slashes, backslashes, dots and middle dots dropped. A header that is nothing but a
    bracket keeps what the bracket holds.

    >>> norm_header(" Shift_ID ")
    'shiftid'
    >>> norm_header("开始时间（北京）")
    '开始时间'
    >>> norm_header("速度（公里/时）"), norm_header("Speed (km/h)"), norm_header("ＬＡＴ")
    ('速度', 'speed', 'lat')
    """
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    bare = _BRACKETS.sub("", s)
    if not _SEPARATORS.sub("", bare):
        bare = re.sub(r"[()\[\]{}【】〔〕]", "", s)
    return _SEPARATORS.sub("", bare)


def _truncated(header: str) -> bool:
    """Whether ``header`` may be a name cut to a DBF field's 10 bytes."""
    h = header.strip()
    if h.isascii():
        return len(h) == DBF_NAME
    return any(
        DBF_NAME - 3 < len(h.encode(enc, errors="replace")) <= DBF_NAME
        for enc in ("utf-8", "gb18030")
    )


@dataclass
class HeaderMatch:
    """What :func:`match_headers` found.

    ``mapping`` canonical column -> header (a pair's header is ``date + time``); ``ambiguous``
    column -> the headers of one tier that could each be it; ``pairs`` pair header -> (date
    header, time header).
    """

    mapping: dict[str, str] = field(default_factory=dict)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    pairs: dict[str, tuple[str, str]] = field(default_factory=dict)


def time_pairs(headers: list[str]) -> dict[str, tuple[str, str]]:
    """Date and time columns of one name, to be read as one time.

    A header ending in 日期 or ``date`` and one ending in 时间 or ``time`` with the same start
    (after :func:`norm_header`): 报警日期 + 报警时间, 日期 + 时间, Date + Time,
    call_date + call_time. A start shared by several date or time headers pairs none of them.

    Returns
    -------
    dict
        ``"date + time"`` -> (date header, time header).

    >>> list(time_pairs(["序号", "报警日期", "报警时间", "call_date", "call_time"]))
    ['报警日期 + 报警时间', 'call_date + call_time']
    """
    dates: dict[str, list[str]] = {}
    times: dict[str, list[str]] = {}
    for h in headers:
        n = norm_header(h)
        if n.endswith(("datetime", "日期时间")):
            continue
        for ends, into in ((_DATE_ENDS, dates), (_TIME_ENDS, times)):
            end = next((e for e in ends if n.endswith(e)), None)
            if end is not None:
                into.setdefault(n[: -len(end)], []).append(h)
    out = {}
    for stem, ds in dates.items():
        ts = times.get(stem, [])
        if len(ds) == 1 and len(ts) == 1:
            out[f"{ds[0]}{PAIR}{ts[0]}"] = (ds[0], ts[0])
    return out


def _names_of(headers: list[str], pairs: Mapping[str, tuple[str, str]]) -> dict[str, set[str]]:
    """The normalised names each header (or pair of headers) answers to."""
    names = {h: {norm_header(h)} for h in headers}
    for name, (d, tm) in pairs.items():
        stem = norm_header(tm)
        stem = stem[: -len(next(e for e in _TIME_ENDS if stem.endswith(e)))]
        # a pair is a date and a time: at least a time of no system in particular (datetime)
        names[name] = {norm_header(d), norm_header(tm), stem + "时间", stem + "time", "datetime"}
    return names


def _score(col: schema.Column, names: set[str], dbf: bool, prefixes: dict[str, int]) -> float:
    """How well a header answers to ``col``: its tier (0 best), +0.5 for a DBF-cut name."""
    for tier, aliases in enumerate(col.tiers):
        wanted = {norm_header(a) for a in aliases}
        if names & wanted:
            return float(tier)
    if dbf:
        for tier, aliases in enumerate(col.tiers):
            for a in aliases:
                w = norm_header(a)
                if any(len(n) >= 3 and w.startswith(n) and prefixes.get(n) == 1 for n in names):
                    return tier + 0.5
    return _MISS


def match_headers(
    kind: schema.Kind,
    headers: list[str],
    *,
    overrides: Mapping[str, str] | None = None,
    pairs: bool = False,
) -> HeaderMatch:
    """Match a file's headers to the columns of ``kind``; never raises.

    ``overrides`` (column -> header, the user's choices) win. The other columns take the
    headers of their strongest tier (:attr:`geo.domain.schema.Column.tiers`); a DBF-cut header
    (10 characters, the start of the names of exactly one column) counts just after its tier.
    With ``pairs``, a date and a time column of one name (:func:`time_pairs`) stand for a time
    column as one header ``date + time``.
    """
    found = HeaderMatch()
    used: set[str] = set()
    for canon, header in (overrides or {}).items():
        if header in headers and header not in used:
            found.mapping[canon] = header
            used.add(header)
    paired = time_pairs([h for h in headers if h not in used]) if pairs else {}
    names = _names_of(headers, paired)
    in_pairs = {h for d_t in paired.values() for h in d_t}
    # how many columns a cut name starts the names of: a DBF name maps only when that is one
    prefixes: dict[str, int] = {}
    for h in headers:
        n = norm_header(h)
        if _truncated(h) and len(n) >= 3:
            prefixes[n] = sum(
                any(norm_header(a).startswith(n) for tier in c.tiers for a in tier)
                for c in kind.columns
            )
    scores: dict[str, dict[str, float]] = {}
    for col in kind.columns:
        if col.name in found.mapping:
            continue
        pool = [h for h in headers if h not in used]
        if col.type == "ts":  # a time column takes a pair in place of its two headers
            pool = [h for h in pool if h not in in_pairs] + list(paired)
        scores[col.name] = {
            h: _score(col, names[h], h not in paired and _truncated(h), prefixes) for h in pool
        }
    for level in sorted({v for sc in scores.values() for v in sc.values() if v < _MISS}):
        for col in kind.columns:
            name = col.name
            if name in found.mapping or name in found.ambiguous or name not in scores:
                continue
            free = [
                h
                for h, v in scores[name].items()
                if v == level and h not in used and not (set(paired.get(h, ())) & used)
            ]
            if len(free) > 1:
                found.ambiguous[name] = free
            elif free:
                found.mapping[name] = free[0]
                used.add(free[0])
                used.update(paired.get(free[0], ()))
    found.pairs = {p: paired[p] for p in found.mapping.values() if p in paired}
    return found


def suggest_mapping(
    kind: schema.Kind, headers: list[str], *, overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Canonical column -> file header, from ``overrides`` and the alias table; never raises.

    Columns that cannot be matched, or that two headers could each be, are absent;
    :func:`map_headers` checks the result. Every value is one of ``headers``: a column read from
    a date + time pair is absent too (not its time-of-day header), and the import, given no
    header for it, pairs them itself.
    """
    found = match_headers(kind, headers, overrides=overrides, pairs=True)
    return {c: h for c, h in found.mapping.items() if h not in found.pairs}


def map_headers(
    kind: schema.Kind,
    headers: list[str],
    *,
    file_name: str = "",
    overrides: Mapping[str, str] | None = None,
    has_geometry: bool = False,
    pairs: bool = False,
) -> dict[str, str]:
    """Map canonical column -> file header, or raise a FileError that says why not.

    Parameters
    ----------
    kind
        The record kind.
    headers
        The file's headers.
    file_name
        The file's name, for messages.
    overrides
        Canonical column -> header; wins over the alias table (the app's manual column mapping).
    has_geometry
        The file carries geometries (a vector file): lat/lng are not needed.
    pairs
        Pair date and time columns into one time (:func:`time_pairs`); the mapping then holds
        ``date + time`` headers, which :func:`with_pairs` adds to the frame.

    Returns
    -------
    dict
        Canonical column -> header.

    Raises
    ------
    FileError
        Two headers of one tier could each be a column (naming both), or a required column is
        missing (naming it, every header found and the closest ones); :meth:`FileError.text`
        gives the message in the user's language.
    """
    found = match_headers(kind, headers, overrides=overrides, pairs=pairs)
    if found.ambiguous:
        name, cands = next(iter(found.ambiguous.items()))
        col = kind.column(name)

        def ambiguous(lang: str) -> str:
            return t(
                "file.ambiguous",
                lang,
                file=file_name,
                field=_label(col, lang),
                columns=", ".join(f"“{c}”" if lang != "en" else f"'{c}'" for c in cands),
            )

        raise FileError(ambiguous("en"), ambiguous)
    mapping = found.mapping
    missing = [c for c in kind.columns if c.required and c.name not in mapping]
    if has_geometry:
        missing = [m for m in missing if m.name not in ("lat", "lng", "geometry")]
    groups = [g for g in kind.one_of if not any(n in mapping for n in g)]
    if not missing and not groups:
        return mapping
    free = [h for h in headers if h not in mapping.values()]
    near = {c.name: _closest(c, free) for c in missing}

    def missing_text(lang: str) -> str:
        labels = [_label(c, lang) for c in missing]
        labels += [t("file.one_of", lang, columns=" / ".join(g)) for g in groups]
        shown = [h if len(h) <= 30 else h[:30] + "…" for h in map(str, headers[:12])]
        if len(headers) > 12:
            shown.append(t("file.more", lang, n=len(headers) - 12))
        text = t(
            "file.missing",
            lang,
            file=file_name,
            kind=kind.name if lang == "en" else t(f"kind.{kind.name}", lang),
            missing=", ".join(labels),
            found=", ".join(shown) or t("file.no_columns", lang),
        )
        for c in missing:
            if near[c.name]:
                cols = ", ".join(near[c.name])
                text += t("file.closest", lang, field=_label(c, lang), columns=cols)
        return text

    raise FileError(missing_text("en"), missing_text)


def refuse_duplicates(
    kind: schema.Kind,
    mapping: Mapping[str, str],
    duplicates: Mapping[str, list[int]],
    *,
    file_name: str = "",
) -> None:
    """Refuse a file whose header row repeats a header the import maps (``lat``, ``lat``).

    Parameters
    ----------
    kind
        The record kind.
    mapping
        Canonical column -> header (:func:`map_headers`); a date + time pair counts by its parts.
    duplicates
        Header -> its 1-based positions (:func:`geo.ingest.files.duplicate_headers`).
    file_name
        The file's name, for messages.

    Raises
    ------
    FileError
        Naming the header, its positions and the column it stands for, in both languages.
    """
    for canon, header in mapping.items():
        parts = header.split(PAIR) if PAIR in header else [header]
        for part in parts:
            if part not in duplicates:
                continue
            col = kind.column(canon)
            where = duplicates[part]

            def text(
                lang: str, col: schema.Column = col, part: str = part, where: list[int] = where
            ) -> str:
                sep, last = (", ", " and ") if lang == "en" else ("、", "、")
                shown = sep.join(map(str, where[:-1])) + last + str(where[-1])
                return t(
                    "file.duplicate",
                    lang,
                    file=file_name,
                    column=part,
                    positions=shown,
                    field=_label(col, lang),
                )

            raise FileError(text("en"), text)


def _label(col: schema.Column, lang: str) -> str:
    """A column as a message names it: ``severity (隐患等级)`` or ``隐患等级（severity）``."""
    zh = next((a for tier in col.tiers for a in tier if re.search(r"[\u4e00-\u9fff]", a)), "")
    if not zh:
        return col.name
    return f"{col.name} ({zh})" if lang == "en" else f"{zh}（{col.name}）"


def _closest(col: schema.Column, headers: list[str], n: int = 3) -> list[str]:
    """The headers most like the names of ``col`` (difflib ratio 0.5 or more), best first."""
    wanted = {norm_header(a) for tier in col.tiers for a in tier}
    scored: list[tuple[float, int, str]] = []
    for h in headers:
        nh = norm_header(h)[:_CLOSE_CHARS]  # difflib is quadratic: a hostile header is long
        if not nh:
            continue
        best = max(difflib.SequenceMatcher(None, nh, w).ratio() for w in wanted)
        if best >= 0.5:
            scored.append((-best, len(scored), h))
    return [h for _, _, h in sorted(scored)[:n]]


def with_pairs(raw: pd.DataFrame, mapping: Mapping[str, str]) -> pd.DataFrame:
    """``raw`` with a column for every date + time pair that ``mapping`` names.

    The new column holds each row's date and time as one text (:func:`combine_date_time`), so a
    rejected row shows both as the file wrote them.
    """
    named = set(mapping.values())
    pairs = {h: d_t for h, d_t in time_pairs([str(c) for c in raw.columns]).items() if h in named}
    if not pairs:
        return raw
    raw = raw.copy()
    for h, (d, tm) in pairs.items():
        raw[h] = combine_date_time(raw[d], raw[tm])
    return raw


def header_zones(kind: schema.Kind, mapping: Mapping[str, str]) -> dict[str, str]:
    """The time columns of ``kind`` whose header names their zone, and that zone.

    >>> header_zones(schema.kind("pings"), {"ts": "定位时间(UTC)", "unit_id": "设备号"})
    {'定位时间(UTC)': 'UTC'}
    """
    out: dict[str, str] = {}
    for col in kind.columns:
        header = mapping.get(col.name)
        if col.type != "ts" or header is None:
            continue
        zone = header_zone(header)
        if zone is not None:
            off = zone.utcoffset(None) or dt.timedelta(0)
            minutes = int(off.total_seconds() // 60)
            sign = "-" if minutes < 0 else "+"
            hhmm = f"{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
            out[header] = f"UTC{sign}{hhmm}" if minutes else "UTC"
    return out


def date_orders(
    kind: schema.Kind, raw: pd.DataFrame, mapping: Mapping[str, str], chosen: str | None = None
) -> dict[str, str]:
    """How each time column of ``kind`` in ``raw`` reads dates such as 07/08/2022.

    Parameters
    ----------
    kind, raw, mapping
        The record kind, the file's rows (with their date + time pairs, :func:`with_pairs`) and
        canonical column -> header.
    chosen
        The date order the user chose for the file (``dmy``, ``mdy``, ``ymd``), or None.

    Returns
    -------
    dict
        Header -> a code of :data:`geo.ingest.values.DATE_ORDERS`, for the columns that hold
        such dates (the rule :func:`geo.ingest.values.parse_ts` applies to them).
    """
    out = {}
    for col in kind.columns:
        header = mapping.get(col.name)
        if col.type == "ts" and header is not None and header in raw:
            order = date_order(raw[header], chosen)
            if order:
                out[header] = order
    return out

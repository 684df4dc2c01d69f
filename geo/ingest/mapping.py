"""A mapping for one import: columns to fields, file values to field values, defaults.

Which file column is which field, what the file's values mean, what fills a field the file lacks.
The same mapping comes from the command line (``--map 'col=field,...'``,
``--values 'field:src=value,...'``, ``--default 'field=value'``), from the Data page's editor or
from a named profile (stored by :mod:`geo.services.profiles`). :func:`prepare` applies it to a
file's rows before validation:

- ``columns`` (file column -> field) override the automatic header matching of
  :mod:`geo.ingest.columns` (a header is found forgiving case, full-width forms and spaces);
- ``values`` (field -> file value -> field value) map a field's values after normalisation
  (Unicode NFKC, case, spaces at the ends and inside) before the field is read
  (:func:`map_values`; :func:`geo.ingest.validate.validate` calls it); the file's own text stays
  as it was for the reject report and for the source category;
- ``defaults`` (field -> value) fill a field the file lacks, and the blank cells of one it has.

Every mistake is a :class:`MappingError` naming the option or file, the item or column and the
reason, in both languages (:meth:`~geo.ingest.report.FileError.text`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.domain import schema
from geo.i18n import t
from geo.ingest.columns import PAIR, match_headers, norm_header
from geo.ingest.report import FileError
from geo.ingest.values import (
    MAX_TEXT,
    has_control,
    is_blank,
    parse_enum,
    parse_float,
    parse_id,
    parse_int,
    parse_text,
    parse_ts,
)

__all__ = [
    "DEFAULT_COLUMN",
    "ImportMapping",
    "MappingError",
    "check",
    "choose_profile",
    "default_fields",
    "file_values",
    "find_header",
    "map_values",
    "norm_value",
    "parse_columns",
    "parse_defaults",
    "parse_values",
    "prepare",
    "used_columns",
    "value_fields",
]

DEFAULT_COLUMN = "default:{field}"
"""The name of the column :func:`prepare` adds for a field the file lacks but has a default."""

_FIELD = re.compile(r"^[a-z][a-z_]*$")
_SPACES = re.compile(r"\s+")


class MappingError(FileError):
    """A mapping that cannot be used.

    A malformed option, an unknown field or value, a column the file does not have. ``str()``
    is English; :meth:`text` gives the user's language.
    """


@dataclass
class ImportMapping:
    """What one import is told about its file.

    ``columns``: file column -> field (a canonical column of the record kind); ``values``:
    field -> {file value -> field value}; ``defaults``: field -> value (as a file would write
    it; stored as the field reads it).
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.columns or any(self.values.values()) or self.defaults)

    def as_dict(self) -> dict[str, Any]:
        """The mapping as plain JSON-ready dicts (how profiles are stored)."""
        return {
            "columns": dict(self.columns),
            "values": {f: dict(m) for f, m in self.values.items() if m},
            "defaults": dict(self.defaults),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> ImportMapping:
        """The mapping of :meth:`as_dict` (missing parts are empty)."""
        d = d or {}
        return cls(
            columns={str(k): str(v) for k, v in (d.get("columns") or {}).items()},
            values={
                str(f): {str(k): str(v) for k, v in (m or {}).items()}
                for f, m in (d.get("values") or {}).items()
            },
            defaults={str(k): str(v) for k, v in (d.get("defaults") or {}).items()},
        )

    def merged(self, other: ImportMapping) -> ImportMapping:
        """The mapping with ``other`` over it.

        ``other``'s column for a field replaces this one's; its value maps and defaults add to
        or replace this one's per value and field.
        """
        taken = set(other.columns.values())
        columns = {
            h: f for h, f in self.columns.items() if f not in taken and h not in other.columns
        }
        values = {f: dict(m) for f, m in self.values.items()}
        for f, m in other.values.items():
            values.setdefault(f, {}).update(m)
        return ImportMapping(
            columns={**columns, **other.columns},
            values=values,
            defaults={**self.defaults, **other.defaults},
        )


# --------------------------------------------------------------------------------------------
# Messages


def _error(key: str, **params: object) -> MappingError:
    def render(lang: str) -> str:
        shown = {k: (v(lang) if callable(v) else v) for k, v in params.items()}
        return t(key, lang, **shown)

    return MappingError(render("en"), render)


def _kind_name(kind: schema.Kind) -> Callable[[str], str]:
    return lambda lang: kind.name if lang == "en" else t(f"kind.{kind.name}", lang)


def _field_list(names: list[str]) -> str:
    return ", ".join(names)


# --------------------------------------------------------------------------------------------
# Which fields take what


def value_fields(kind: schema.Kind) -> list[str]:
    """The fields of ``kind`` with fixed values (statuses, severities, kinds, categories)."""
    return [c.name for c in kind.columns if c.choices]


def default_fields(kind: schema.Kind) -> list[str]:
    """The fields of ``kind`` that may take a default: not the key, coordinates or geometry."""
    return [
        c.name
        for c in kind.columns
        if c.name not in kind.key and c.type not in ("lat", "lng", "geometry")
    ]


def norm_value(text: object) -> str:
    """A value in the form value maps compare it: NFKC, lower case, spaces squeezed.

    >>> norm_value("  Ｈｉｇｈ  Risk ")
    'high risk'
    """
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(text)).strip().lower())


def _norm_series(s: pd.Series) -> pd.Series:
    text = s.astype("string").str.normalize("NFKC").str.strip().str.lower()
    return text.str.replace(_SPACES, " ", regex=True)


def map_values(s: pd.Series, table: Mapping[str, str] | None) -> pd.Series:
    """``s`` with the values of ``table`` (file value -> field value) replaced, the others kept.

    Values are compared after :func:`norm_value`, so 已整改, ``已整改 `` and ``已整改`` in
    full-width spaces are one.

    >>> map_values(pd.Series(["已整改 ", "x", None]), {"已整改": "rectified"}).tolist()
    ['rectified', 'x', None]
    """
    if not table:
        return s
    lookup = {norm_value(k): v for k, v in table.items()}
    mapped = _norm_series(s).map(lookup)
    return s.astype(object).where(mapped.isna(), mapped.astype(object))


def _field_value(kind: schema.Kind, name: str, value: str, tz: str) -> str | None:
    """``value`` as field ``name`` reads it (text), or None when it cannot be read."""
    col = kind.column(name)
    one = pd.Series([value], dtype=object)
    if is_blank(one).iloc[0]:
        return None
    if col.choices:
        v, bad = parse_enum(one, col.choices)
    elif col.type == "ts":
        v, bad = parse_ts(one, tz)
        return None if bad.iloc[0] else value.strip()
    elif col.type == "int":
        v, bad = parse_int(one)
    elif col.type == "float":
        v, bad = parse_float(one)
    elif col.type == "id":
        v, bad = parse_id(one)
        bad = bad | has_control(v)
    else:
        v, bad = parse_text(one)
        bad = bad | has_control(v)
    if bad.iloc[0] or pd.isna(v.iloc[0]):
        return None
    got = v.iloc[0]
    return str(int(got)) if col.type == "int" else str(got)


def _reason(kind: schema.Kind, name: str) -> str:
    col = kind.column(name)
    if col.choices:
        return ", ".join(col.choices)
    return {
        "ts": "YYYY-MM-DD HH:MM",
        "int": "0, 1, 2, ...",
        "float": "1.5",
    }.get(col.type, f"<= {MAX_TEXT}")


# --------------------------------------------------------------------------------------------
# The command line's strings


def _items(text: str) -> list[str]:
    """The comma-separated items of an option (an ASCII or a full-width comma)."""
    return [i.strip() for i in re.split(r"[,，]", text) if i.strip()]


def _known_field(kind: schema.Kind, name: str, option: str, allowed: list[str]) -> str:
    if name not in kind.names:
        raise _error(
            "map.err.field",
            option=option,
            kind=_kind_name(kind),
            field=name,
            fields=_field_list(allowed),
        )
    if name not in allowed:
        key = "map.err.no_values" if option == "--values" else "map.err.no_default"
        raise _error(key, option=option, field=name, fields=_field_list(allowed))
    return name


def parse_columns(kind: schema.Kind, text: str, *, option: str = "--map") -> dict[str, str]:
    """``'col=field,...'`` as file column -> field.

    Raises
    ------
    MappingError
        An item without ``=`` or with an empty side, a field ``kind`` does not have, a column
        or a field named twice.

    >>> parse_columns(schema.kind("units"), "单元编号=unit_id, 呼号=name")
    {'单元编号': 'unit_id', '呼号': 'name'}
    """
    out: dict[str, str] = {}
    for item in _items(text):
        column, eq, name = item.rpartition("=")
        column, name = column.strip(), name.strip()
        if not eq or not column or not name:
            raise _error("map.err.item", option=option, item=item, form="column=field")
        _known_field(kind, name, option, kind.names)
        if column in out:
            raise _error("map.err.column_twice", option=option, column=column)
        if name in out.values():
            raise _error("map.err.field_twice", option=option, field=name)
        out[column] = name
    return out


def parse_values(
    kind: schema.Kind, text: str, *, option: str = "--values"
) -> dict[str, dict[str, str]]:
    """``'field:src=value,...'`` as field -> {file value -> field value}.

    An item without ``field:`` maps a value of the field of the item before it
    (``status:已整改=rectified,整改中=rectifying``). The field value may be written as the file
    writes it when the app knows the word (高 for high).

    Raises
    ------
    MappingError
        An item without ``=``, a first item without a field, a field without fixed values, a
        value the field does not have, a file value mapped twice.

    >>> parse_values(schema.kind("hazards"), "status:已整改=rectified,整改中=rectifying")
    {'status': {'已整改': 'rectified', '整改中': 'rectifying'}}
    """
    out: dict[str, dict[str, str]] = {}
    current: str | None = None
    allowed = value_fields(kind)
    for item in _items(text):
        left, eq, target = item.rpartition("=")
        left, target = left.strip(), target.strip()
        head, colon, rest = left.partition(":")
        if colon and _FIELD.match(head.strip()):
            current = _known_field(kind, head.strip(), option, allowed)
            left = rest.strip()
        if not eq or not left or not target or current is None:
            raise _error("map.err.item", option=option, item=item, form="field:value=value")
        got = _field_value(kind, current, target, "UTC")
        if got is None:
            raise _error(
                "map.err.value",
                option=option,
                value=target,
                field=current,
                choices=_reason(kind, current),
            )
        table = out.setdefault(current, {})
        if norm_value(left) in {norm_value(k) for k in table}:
            raise _error("map.err.value_twice", option=option, value=left, field=current)
        table[left] = got
    return out


def parse_defaults(
    kind: schema.Kind, text: str, *, tz: str = "Asia/Shanghai", option: str = "--default"
) -> dict[str, str]:
    """``'field=value,...'`` as field -> value, each value read as the field reads it.

    Raises
    ------
    MappingError
        An item without ``=``, a field that takes no default (the key, coordinates, geometry),
        a value the field cannot read, a field given twice.

    >>> parse_defaults(schema.kind("hazards"), "severity=中, status=open")
    {'severity': 'medium', 'status': 'open'}
    """
    out: dict[str, str] = {}
    allowed = default_fields(kind)
    for item in _items(text):
        name, eq, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not name or not value:
            raise _error("map.err.item", option=option, item=item, form="field=value")
        _known_field(kind, name, option, allowed)
        if name in out:
            raise _error("map.err.field_twice", option=option, field=name)
        got = _field_value(kind, name, value, tz)
        if got is None:
            raise _error(
                "map.err.value", option=option, value=value, field=name, choices=_reason(kind, name)
            )
        out[name] = got
    return out


def check(kind: schema.Kind, mapping: ImportMapping, *, tz: str = "Asia/Shanghai") -> ImportMapping:
    """``mapping`` with its values and defaults as the fields read them, or a MappingError.

    The checks of :func:`parse_columns`, :func:`parse_values` and :func:`parse_defaults`, for a
    mapping made elsewhere (a stored profile, the Data page's editor).
    """
    fields = list(mapping.columns.values())
    for name in fields:
        _known_field(kind, name, "columns", kind.names)
        if fields.count(name) > 1:
            raise _error("map.err.field_twice", option="columns", field=name)
    values: dict[str, dict[str, str]] = {}
    for name, table in mapping.values.items():
        _known_field(kind, name, "--values", value_fields(kind))
        for src, target in table.items():
            got = _field_value(kind, name, target, tz)
            if got is None:
                raise _error(
                    "map.err.value",
                    option="values",
                    value=target,
                    field=name,
                    choices=_reason(kind, name),
                )
            values.setdefault(name, {})[src] = got
    defaults: dict[str, str] = {}
    for name, value in mapping.defaults.items():
        _known_field(kind, name, "--default", default_fields(kind))
        got = _field_value(kind, name, value, tz)
        if got is None:
            raise _error(
                "map.err.value",
                option="defaults",
                value=value,
                field=name,
                choices=_reason(kind, name),
            )
        defaults[name] = got
    return ImportMapping(columns=dict(mapping.columns), values=values, defaults=defaults)


# --------------------------------------------------------------------------------------------
# A file's rows


def find_header(header: str, headers: list[str]) -> str | None:
    """The file's header that ``header`` names (itself, else the one equal in normal form)."""
    if header in headers:
        return header
    n = norm_header(header)
    hits = [h for h in headers if norm_header(h) == n]
    return hits[0] if len(hits) == 1 else None


def choose_profile(profiles: Mapping[str, ImportMapping], headers: list[str]) -> str | None:
    """The profile whose columns the file's ``headers`` all have, or None.

    Of several, the one naming the most columns (by name among equals). A profile naming no
    column is never chosen.

    >>> p = {"a": ImportMapping(columns={"编号": "hazard_id"}),
    ...      "b": ImportMapping(columns={"编号": "hazard_id", "状态": "status"})}
    >>> choose_profile(p, ["编号", "状态"]), choose_profile(p, ["编号"]), choose_profile(p, ["x"])
    ('b', 'a', None)
    """
    fits = [
        (-len(m.columns), name)
        for name, m in profiles.items()
        if m.columns and all(find_header(h, headers) is not None for h in m.columns)
    ]
    return min(fits)[1] if fits else None


def prepare(
    kind: schema.Kind,
    raw: pd.DataFrame,
    mapping: ImportMapping,
    *,
    file_name: str,
    overrides: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Apply a mapping's columns and defaults to a file's rows (before header matching).

    Parameters
    ----------
    kind
        The record kind.
    raw
        The file's rows (headers as text).
    mapping
        The mapping (checked by :func:`check`).
    file_name
        The file's name, for messages.
    overrides
        Field -> header chosen elsewhere (the import's ``mapping``); the mapping's columns
        win over them.

    Returns
    -------
    raw : pandas.DataFrame
        The rows, with a column :data:`DEFAULT_COLUMN` for each default of a field no header
        stands for, and the blank cells of a defaulted field's own column filled.
    overrides : dict
        Field -> header for :func:`geo.ingest.columns.map_headers` (the mapping's columns and
        the default columns).

    Raises
    ------
    MappingError
        A column of the mapping that the file does not have (naming the file, the column and
        the field).
    """
    headers = [str(c) for c in raw.columns]
    chosen = dict(overrides or {})
    for header, name in mapping.columns.items():
        found = find_header(header, headers)
        if found is None:
            shown = ", ".join(headers[:12]) + (" …" if len(headers) > 12 else "")
            raise _error(
                "map.err.no_column", file=file_name, column=header, field=name, found=shown
            )
        chosen = {f: h for f, h in chosen.items() if h != found}
        chosen[name] = found
    if not mapping.defaults:
        return raw, chosen
    matched = match_headers(kind, headers, overrides=chosen, pairs=True).mapping
    raw = raw.copy()
    for name, value in mapping.defaults.items():
        has = matched.get(name)
        if has is not None and PAIR not in has:
            raw[has] = raw[has].astype(object).where(~is_blank(raw[has]), value)
            chosen[name] = has
        elif has is None:
            column = DEFAULT_COLUMN.format(field=name)
            raw[column] = value
            chosen[name] = column
    return raw, chosen


def used_columns(col_map: Mapping[str, str]) -> dict[str, str]:
    """File column -> field of an import's mapping (field -> header), as a profile keeps it.

    The columns made for defaults and date + time pairs are left out (found again by any file
    that has them).
    """
    defaults = {DEFAULT_COLUMN.format(field=f) for f in col_map}
    return {h: f for f, h in col_map.items() if h not in defaults and PAIR not in h}


def file_values(raw: pd.DataFrame, headers: list[str], *, limit: int = 50) -> dict[str, list[str]]:
    """The distinct values of each of ``headers`` (text, ends stripped), for a value map.

    A column of more than ``limit`` distinct values (ids, times, names) gets none.

    >>> file_values(pd.DataFrame({"状态": ["已整改", " 未整改", "已整改", None]}), ["状态"])
    {'状态': ['已整改', '未整改']}
    """
    out = {}
    for h in headers:
        if h not in raw:
            continue
        text = raw[h].dropna().astype("string").str.strip()
        found = text[text.ne("")].unique()
        if 0 < len(found) <= limit:
            out[h] = [str(v) for v in found]
    return out

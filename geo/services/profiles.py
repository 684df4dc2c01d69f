"""Named import profiles: a mapping of columns, values and defaults saved for one record kind.

A profile ("110 export, Qingshanhu", "vendor GPS") is an :class:`ImportMapping` of
:mod:`geo.ingest.mapping` with a name and a record kind, kept in the store's small values
(``meta`` under :data:`META_KEY`). An import given no mapping uses the saved profile of its kind
whose columns the file's headers all have (:func:`geo.ingest.mapping.choose_profile`); the Data
page edits them and the command line lists, shows and deletes them. Saving, renaming and
deleting are audited (action ``settings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.config import get_settings
from geo.domain import schema
from geo.i18n import t
from geo.ingest import mapping as _mapping
from geo.ingest.mapping import (
    ImportMapping,
    MappingError,
    default_fields,
    value_fields,
)
from geo.ingest.values import parse_enum
from geo.services import access

__all__ = [
    "MAX_NAME",
    "META_KEY",
    "ImportMapping",
    "MappingError",
    "Profile",
    "choose",
    "default_fields",
    "delete",
    "given",
    "located",
    "of_kind",
    "profile",
    "profiles",
    "readings",
    "readings_of",
    "rename",
    "resolve",
    "save",
    "used",
    "value_fields",
]

META_KEY = "import_profiles"
"""The ``meta`` entry holding every profile: name -> {kind, columns, values, defaults, ...}."""
MAX_NAME = 60
"""Characters a profile's name may have."""


@dataclass(frozen=True)
class Profile:
    """A saved mapping.

    Its ``name``, record ``kind``, the ``rules`` and who saved it when (``saved_by``,
    ``saved_ms``: epoch milliseconds).
    """

    name: str
    kind: str
    rules: ImportMapping
    saved_by: str | None = None
    saved_ms: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The profile as the command line shows it."""
        return {
            "name": self.name,
            "kind": self.kind,
            **self.rules.as_dict(),
            "saved_by": self.saved_by,
            "saved_ms": self.saved_ms,
        }


def _all(conn: sa.Engine | sa.Connection) -> dict[str, dict[str, Any]]:
    got = store.get_meta(conn, META_KEY, {})
    return dict(got) if isinstance(got, dict) else {}


def _of(name: str, d: dict[str, Any]) -> Profile:
    return Profile(
        name=name,
        kind=str(d.get("kind", "")),
        rules=ImportMapping.from_dict(d),
        saved_by=d.get("saved_by"),
        saved_ms=d.get("saved_ms"),
    )


def profiles(engine: sa.Engine, kind: str | None = None) -> list[Profile]:
    """The saved profiles (of record kind ``kind``, or all), by name."""
    return [
        _of(name, d)
        for name, d in sorted(_all(engine).items())
        if kind is None or d.get("kind") == kind
    ]


def of_kind(engine: sa.Engine, kind: str) -> dict[str, ImportMapping]:
    """Name -> mapping of the profiles of record kind ``kind`` (an import's candidates)."""
    return {p.name: p.rules for p in profiles(engine, kind)}


def _kind_text(name: str) -> Any:
    return lambda lang: name if lang == "en" else t(f"kind.{name}", lang)


def _err(key: str, **params: object) -> MappingError:
    def render(lang: str) -> str:
        return t(key, lang, **{k: v(lang) if callable(v) else v for k, v in params.items()})

    return MappingError(render("en"), render)


def profile(engine: sa.Engine, name: str, kind: str | None = None) -> Profile:
    """The profile called ``name``.

    A MappingError when there is none, or it is for another record kind than ``kind``.
    """
    saved = _all(engine)
    if name not in saved:
        names = ", ".join(sorted(saved)) or (lambda lang: t("map.none", lang))
        raise _err("map.err.profile_unknown", name=name, names=names)
    found = _of(name, saved[name])
    if kind is not None and found.kind != kind:
        raise _err(
            "map.err.profile_kind",
            name=name,
            kind=_kind_text(found.kind),
            wanted=_kind_text(kind),
        )
    return found


def choose(engine: sa.Engine, kind: str, headers: list[str]) -> str | None:
    """The name of the profile of ``kind`` whose columns ``headers`` all have, or None."""
    return _mapping.choose_profile(of_kind(engine, kind), headers)


def given(
    kind: str,
    *,
    columns: str | None = None,
    values: str | None = None,
    defaults: str | None = None,
) -> ImportMapping | None:
    """The mapping of the command line's ``--map``, ``--values`` and ``--default`` strings.

    None when none is given; a MappingError naming the option, the item and the reason.
    """
    k = schema.kind(kind)
    out = ImportMapping(
        columns=_mapping.parse_columns(k, columns) if columns else {},
        values=_mapping.parse_values(k, values) if values else {},
        defaults=_mapping.parse_defaults(k, defaults, tz=get_settings().tz) if defaults else {},
    )
    return out or None


def resolve(
    engine: sa.Engine, kind: str, *, name: str | None, rules: ImportMapping | None
) -> ImportMapping | None:
    """The mapping of profile ``name`` with ``rules`` over it, or ``rules`` alone."""
    if name is None:
        return rules
    base = profile(engine, name, kind).rules
    return base.merged(rules) if rules else base


def used(summary_mapping: dict[str, Any]) -> ImportMapping:
    """The mapping an import applied (its summary's ``mapping_used``), as a profile keeps it.

    Every column it read (given or matched), its value maps and defaults.
    """
    return ImportMapping.from_dict(summary_mapping)


def readings(kind: str, field: str, values: list[str]) -> dict[str, str | None]:
    """What each of a file's ``values`` of ``field`` is read as without a value map.

    The field's value (its known Chinese and English words included), or None for a value the
    field does not know.
    """
    col = schema.kind(kind).column(field)
    got, _bad = parse_enum(pd.Series(values, dtype=object), col.choices)
    return {v: (None if g is None else str(g)) for v, g in zip(values, got, strict=True)}


def readings_of(table: dict[str, str], values: list[str]) -> dict[str, str | None]:
    """What a value map (file value -> field value) makes of each of ``values``.

    None where it does not name the value; values compared as
    :func:`geo.ingest.mapping.norm_value` does.
    """
    lookup = {_mapping.norm_value(k): v for k, v in table.items()}
    return {v: lookup.get(_mapping.norm_value(v)) for v in values}


def located(columns: dict[str, str], headers: list[str]) -> dict[str, str]:
    """Field -> the file's header, for the columns of a profile that the file has.

    ``columns`` is file column -> field; headers are found as the import finds them (case,
    width and spaces forgiven).
    """
    return {f: found for h, f in columns.items() if (found := _mapping.find_header(h, headers))}


def _name(name: str) -> str:
    text = str(name).strip()
    if not text or len(text) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise _err("map.err.profile_name", n=MAX_NAME)
    return text


def save(
    engine: sa.Engine,
    name: str,
    kind: str,
    rules: ImportMapping,
    *,
    user: str | None,
    via: str = "app",
) -> Profile:
    """Save ``rules`` as the profile ``name`` of record kind ``kind``; audited.

    A profile of that name and kind is replaced. A MappingError for a bad name, a name taken by
    another kind's profile or a mapping :func:`geo.ingest.mapping.check` refuses.
    """
    name = _name(name)
    checked = _mapping.check(schema.kind(kind), rules, tz=get_settings().tz)
    now = access.now_ms()
    with engine.begin() as conn:
        saved = _all(conn)
        if name in saved and saved[name].get("kind") != kind:
            raise _err("map.err.profile_taken", name=name)
        saved[name] = {"kind": kind, **checked.as_dict(), "saved_by": user, "saved_ms": now}
        store.set_meta(conn, META_KEY, saved)
    access.audit(
        engine, user, "settings", f"import profile {name}", op="profile_save", kind=kind, via=via
    )
    return _of(name, saved[name])


def rename(engine: sa.Engine, old: str, new: str, *, user: str | None, via: str = "app") -> str:
    """Rename the profile ``old`` to ``new`` (audited); the new name.

    A MappingError when ``old`` does not exist, or ``new`` is taken or no name.
    """
    new = _name(new)
    with engine.begin() as conn:
        saved = _all(conn)
        if old not in saved:
            raise _err("map.err.profile_unknown", name=old, names=", ".join(sorted(saved)))
        if new != old and new in saved:
            raise _err("map.err.profile_taken", name=new)
        saved[new] = saved.pop(old)
        store.set_meta(conn, META_KEY, saved)
    access.audit(
        engine, user, "settings", f"import profile {old} -> {new}", op="profile_rename", via=via
    )
    return new


def delete(engine: sa.Engine, name: str, *, user: str | None, via: str = "app") -> bool:
    """Delete the profile ``name`` (audited); whether there was one."""
    with engine.begin() as conn:
        saved = _all(conn)
        gone = saved.pop(name, None)
        if gone is not None:
            store.set_meta(conn, META_KEY, saved)
    if gone is not None:
        access.audit(
            engine,
            user,
            "settings",
            f"import profile {name}",
            op="profile_delete",
            kind=gone.get("kind"),
            via=via,
        )
    return gone is not None

"""The Data page's import profile editor: which column is which field, what the file's values
mean, defaults for what the file lacks; save, rename and delete profiles (geo.services.profiles).

Fields and values are named in the user's words and language (``field.*``, the pages' value
labels), never by their database names; the file's headers and values are shown as text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import streamlit as st

from geo.domain import schema
from geo.escape import md_escape
from geo.i18n import STRINGS, t
from geo.services import data, profiles
from views import _common as ui

__all__ = ["VALUE_LABELS", "field_label", "form", "value_label"]

VALUE_LABELS: dict[tuple[str, str], str] = {
    ("units", "kind"): "v.unit.",
    ("sites", "category"): "v.site.",
    ("venues", "category"): "v.venue.",
    ("venues", "risk_level"): "v.risk.",
    ("inspections", "result"): "v.result.",
    ("hazards", "category"): "v.hazard.",
    ("hazards", "severity"): "v.severity.",
    ("hazards", "status"): "v.hstatus.",
    ("incidents", "category"): "v.incident.",
    ("areas", "level"): "maps.level.",
    ("disputes", "category"): "v.dcat.",
    ("disputes", "status"): "v.dstatus.",
    ("leads", "channel"): "v.channel.",
    ("leads", "topic"): "v.topic.",
    ("leads", "status"): "v.lstatus.",
}
"""(record kind, field) -> the string prefix of its values' labels."""


def field_label(kind: str, name: str, lang: str) -> str:
    """A field as users name it (``field.<kind>.<name>``, else ``field.<name>``)."""
    key = f"field.{kind}.{name}"
    return t(key if key in STRINGS else f"field.{name}", lang)


def value_label(kind: str, name: str, lang: str) -> Callable[[str], str]:
    """A format function naming the values of field ``name`` in ``lang``."""
    prefix = VALUE_LABELS.get((kind, name), "")

    def fmt(v: str) -> str:
        return t(f"{prefix}{v}", lang) if f"{prefix}{v}" in STRINGS else v

    return fmt


def _or(fmt: Callable[[str], str], empty: str) -> Callable[[str], str]:
    """``fmt``, with ``empty`` for the empty option."""
    return lambda v: fmt(v) if v else empty


def form(
    kind_name: str, pre: data.FilePreview, file_name: str
) -> tuple[profiles.ImportMapping, str | None]:
    """The profile editor of an uploaded file; the mapping to import with and its profile's name.

    The saved profile whose columns the file has is chosen (and said so); any other may be
    picked. Widgets start from the picked profile (or from the headers the app knows).
    """
    eng, lang = ui.engine(), ui.lang()
    kind = schema.kind(kind_name)
    saved = {p.name: p.rules for p in profiles.profiles(eng, kind_name)}
    auto = profiles.choose(eng, kind_name, pre.headers)
    ident = hashlib.sha1(f"{kind_name}/{file_name}".encode()).hexdigest()[:10]
    pick_key = ui.relabelled(f"prof_pick_{ident}", auto or "")
    if st.session_state.get(pick_key) not in ("", *saved):  # deleted or renamed meanwhile
        st.session_state[pick_key] = ""
    with st.expander(ui.tr("prof.title"), expanded=True):
        st.caption(ui.tr("prof.help"))
        picked = st.selectbox(
            ui.tr("prof.pick"),
            ["", *saved],
            key=pick_key,
            format_func=lambda n: n or t("prof.none", lang),
        )
        if picked and picked == auto:
            st.info(ui.tr("prof.auto", name=md_escape(picked)))
        base = saved.get(picked, profiles.ImportMapping())
        tag = hashlib.sha1(f"{ident}/{picked}".encode()).hexdigest()[:10]
        columns = _columns(kind, pre, base, tag, lang)
        values = _values(kind, pre, columns, base, tag, lang)
        defaults = _defaults(kind, base, tag, lang)
        rules = profiles.ImportMapping(columns=columns, values=values, defaults=defaults)
        _manage(kind_name, picked, rules, pick_key)
    return rules, picked or None


def _columns(
    kind: schema.Kind, pre: data.FilePreview, base: profiles.ImportMapping, tag: str, lang: str
) -> dict[str, str]:
    """File column -> field, from the profile's columns, then the headers the app knows."""
    st.markdown(f"**{ui.tr('prof.columns')}**")
    st.caption(ui.tr("prof.columns_help"))
    given = profiles.located(base.columns, pre.headers)
    start = {f: h for f, h in pre.suggested.items() if h not in given.values()} | given
    options = ["", *pre.headers]
    chosen: dict[str, str] = {}
    cols = st.columns(3)
    for i, col in enumerate(kind.columns):
        key = ui.relabelled(f"prof_col_{tag}_{col.name}", start.get(col.name, ""))
        header = cols[i % 3].selectbox(
            field_label(kind.name, col.name, lang) + (" *" if col.required else ""),
            options,
            key=key,
            format_func=lambda h: h or t("prof.unmapped", lang),
        )
        if header:
            chosen[header] = col.name
    return chosen


def _values(
    kind: schema.Kind,
    pre: data.FilePreview,
    columns: dict[str, str],
    base: profiles.ImportMapping,
    tag: str,
    lang: str,
) -> dict[str, dict[str, str]]:
    """Field -> {file value -> field value}: the values of each mapped column with fixed values
    whose reading the user changed (or the profile had changed)."""
    st.markdown(f"**{ui.tr('prof.values')}**")
    out: dict[str, dict[str, str]] = {}
    by_field = {f: h for h, f in columns.items()}
    shown = [f for f in profiles.value_fields(kind) if pre.values.get(by_field.get(f, ""))]
    if not shown:
        st.caption(ui.tr("prof.no_values"))
    for name in shown:
        header = by_field[name]
        found = pre.values[header]
        st.caption(
            ui.tr(
                "prof.values_help",
                column=md_escape(header),
                field=field_label(kind.name, name, lang),
            )
        )
        auto = profiles.readings(kind.name, name, found)
        mapped = profiles.readings_of(base.values.get(name, {}), found)
        options: list[str] = ["", *kind.column(name).choices]
        fmt = value_label(kind.name, name, lang)
        cols = st.columns(3)
        for i, value in enumerate(found):
            start = mapped.get(value) or auto.get(value) or ""
            key = ui.relabelled(f"prof_val_{tag}_{name}_{i}", start)
            got = cols[i % 3].selectbox(
                md_escape(value),
                options,
                key=key,
                format_func=_or(fmt, t("prof.as_read", lang)),
            )
            if got and got != auto.get(value):
                out.setdefault(name, {})[value] = got
    return out


def _defaults(
    kind: schema.Kind, base: profiles.ImportMapping, tag: str, lang: str
) -> dict[str, str]:
    """Field -> default value, for fields the file lacks or leaves blank."""
    st.markdown(f"**{ui.tr('prof.defaults')}**")
    st.caption(ui.tr("prof.defaults_help"))
    out: dict[str, str] = {}
    cols = st.columns(3)
    for i, name in enumerate(profiles.default_fields(kind)):
        col = kind.column(name)
        label = field_label(kind.name, name, lang)
        start = base.defaults.get(name, "")
        key = f"prof_def_{tag}_{name}"
        if col.choices:
            fmt = value_label(kind.name, name, lang)
            choices: list[str] = ["", *col.choices]
            got = cols[i % 3].selectbox(
                label,
                choices,
                key=ui.relabelled(key, start if start in col.choices else ""),
                format_func=_or(fmt, t("prof.no_default", lang)),
            )
        else:
            got = cols[i % 3].text_input(label, value=start, key=key).strip()
        if got:
            out[name] = got
    return out


def _manage(kind_name: str, picked: str, rules: profiles.ImportMapping, pick_key: str) -> None:
    """Save the editor's mapping as a profile; rename or delete the picked one."""
    c1, c2, c3 = st.columns(3)
    name = c1.text_input(ui.tr("prof.name"), value=picked, key=f"prof_name_{pick_key}")
    c1.button(
        ui.tr("prof.save"),
        key=f"prof_save_{pick_key}",
        on_click=_save,
        args=(kind_name, name, rules, pick_key),
        disabled=not name.strip(),
    )
    if picked:
        new = c2.text_input(ui.tr("prof.new_name"), key=f"prof_new_{pick_key}")
        c2.button(
            ui.tr("prof.rename"),
            key=f"prof_rename_{pick_key}",
            on_click=_rename,
            args=(picked, new, pick_key),
            disabled=not new.strip(),
        )
        c3.button(
            ui.tr("prof.delete"), key=f"prof_delete_{pick_key}", on_click=_delete, args=(picked,)
        )
    said = st.session_state.pop("prof_said", None)
    if said:
        (st.error if said[0] == "error" else st.success)(said[1])


def _say(kind: str, text: str) -> None:
    st.session_state["prof_said"] = (kind, text)


def _save(kind_name: str, name: str, rules: profiles.ImportMapping, pick_key: str) -> None:
    try:
        saved = profiles.save(ui.engine(), name, kind_name, rules, user=ui.user() or None)
    except profiles.MappingError as e:
        _say("error", md_escape(e.text(ui.lang())))
        return
    st.session_state[pick_key] = saved.name
    _say("ok", ui.tr("prof.saved", name=md_escape(saved.name)))


def _rename(old: str, new: str, pick_key: str) -> None:
    try:
        name = profiles.rename(ui.engine(), old, new, user=ui.user() or None)
    except profiles.MappingError as e:
        _say("error", md_escape(e.text(ui.lang())))
        return
    st.session_state[pick_key] = name
    _say("ok", ui.tr("prof.renamed", name=md_escape(name)))


def _delete(name: str) -> None:
    profiles.delete(ui.engine(), name, user=ui.user() or None)
    _say("ok", ui.tr("prof.deleted", name=md_escape(name)))

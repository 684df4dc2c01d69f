"""Drawing pieces of the Admin page: the role and area pickers, the new-password box, a form's
submit that applies a user change (the changes themselves are geo.services.access) and the audit
log's filter row."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from geo.i18n import STRINGS
from geo.services import access
from views import _common as ui
from views import _map

__all__ = [
    "area_picker",
    "detail_words",
    "filtered_log",
    "new_password",
    "role_picker",
    "submit",
]


def role_picker(key: str) -> str:
    """Pick a role (labelled in the user's language); ``key`` comes from ``ui.relabelled``."""
    return st.selectbox(
        ui.tr("admin.role"), access.ROLES, key=key, format_func=_map.formatter(prefix="auth.role.")
    )


def area_picker(
    choices: dict[str, str], *, key: str, default: list[str] | None = None
) -> list[str]:
    """Pick areas among ``choices`` (area_id -> label, in picker order)."""
    return st.multiselect(
        ui.tr("admin.areas"),
        list(choices),
        default=default,
        key=key,
        format_func=choices.__getitem__,
        help=ui.tr("admin.areas_help"),
        placeholder=ui.tr("pg.choose"),
    )


def new_password(*, key: str) -> str:
    """A new password (masked; the browser may suggest one)."""
    return st.text_input(
        ui.tr("admin.new_password"), type="password", key=key, autocomplete="new-password"
    )


def submit(
    label: str,
    change: Callable[[], object],
    done: str,
    *,
    rerun: bool = True,
    kind: Literal["primary", "secondary"] = "secondary",
) -> None:
    """A form's submit button: apply ``change``; show its ValueError (a bad name, role, area or
    password) or ``done``, then run the page again when ``rerun`` (the tables show the change)."""
    if st.form_submit_button(label, type=kind):
        try:
            change()
        except ValueError as e:
            st.error(str(e))
        else:
            st.success(done)
            if rerun:
                st.rerun()


def filtered_log(engine: sa.Engine, names: list[str]) -> pd.DataFrame:
    """The audit log's filter row (user among ``names``, actions, text, dates: the last 30 days
    by default) and the log it selects."""
    c1, c2, c3, c4, c5 = st.columns([2, 3, 2, 2, 2])
    user = c1.selectbox(
        ui.tr("admin.f_user"),
        ["", *names],
        key=ui.relabelled("audit_user"),
        format_func=lambda u: u or ui.tr("pg.all"),
    )
    actions = c2.multiselect(
        ui.tr("admin.f_actions"),
        access.ACTIONS,
        key=ui.relabelled("audit_actions"),
        format_func=_map.formatter(prefix="audit."),
        placeholder=ui.tr("pg.all"),
    )
    text = c3.text_input(ui.tr("admin.f_text"), key="audit_text", max_chars=100)
    first, today = access.audit_filter_dates()
    start = c4.date_input(ui.tr("admin.f_from"), value=first, key="audit_from")
    end = c5.date_input(ui.tr("admin.f_to"), value=today, key="audit_to")
    return access.audit_log(
        engine,
        user=user or None,
        actions=actions or None,
        start=start.isoformat() if start else None,
        end=end.isoformat() if end else None,
        text=text.strip() or None,
    )


def _value_words(key: str, value: Any) -> str:
    """One value of an audit detail in the user's words (codes by their labels)."""
    if isinstance(value, bool):
        return ui.tr("pg.yes" if value else "pg.no")
    if isinstance(value, list | tuple):
        return ", ".join(_value_words(key, v) for v in value) or "—"
    if value is None or value == "":
        return "—"
    prefixes = {
        "role": ("auth.role.",),
        "kind": ("kind.", "audit.kind."),
        "change": ("audit.change.",),
    }
    for prefix in prefixes.get(key, ()):
        if f"{prefix}{value}" in STRINGS:
            return ui.tr(f"{prefix}{value}")
    if key == "format":
        return str(value).upper()
    return str(value)


def detail_words(text: object) -> str:
    """An audit event's detail (JSON) as "label: value" pairs in the user's language; keys
    without a label stay as they are."""
    try:
        detail = json.loads(str(text)) if text else {}
    except ValueError:
        return str(text)
    if not isinstance(detail, dict) or not detail:
        return "—"
    parts = []
    for key, value in detail.items():
        label = ui.tr(f"audit.key.{key}") if f"audit.key.{key}" in STRINGS else key
        parts.append(f"{label}: {_value_words(key, value)}")
    return ui.tr("app.list_sep").join(parts)

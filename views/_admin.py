"""Drawing pieces the Admin page repeats: the area picker, the new-password box and a form's
submit that applies a user change (the changes themselves are geo.services.access)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import streamlit as st

from views import _common as ui

__all__ = ["area_picker", "new_password", "submit"]


def area_picker(choices: dict[str, str], *, key: str, default: list[str] | None = None
                ) -> list[str]:
    """Pick areas among ``choices`` (area_id -> label, in picker order)."""
    return st.multiselect(ui.tr("admin.areas"), list(choices), default=default, key=key,
                          format_func=choices.__getitem__, help=ui.tr("admin.areas_help"),
                          placeholder=ui.tr("pg.choose"))


def new_password(*, key: str) -> str:
    """A new password (masked; the browser may suggest one)."""
    return st.text_input(ui.tr("admin.new_password"), type="password", key=key,
                         autocomplete="new-password")


def submit(label: str, change: Callable[[], object], done: str, *, rerun: bool = True,
           kind: Literal["primary", "secondary"] = "secondary") -> None:
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

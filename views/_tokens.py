"""The Admin page's section on the machine API's tokens: create a device token for a patrol unit
or a user token for a user (the token shown once), list the tokens, revoke one.

The tokens themselves are :mod:`geo.services.tokens` (stored hashed, audited with the admin's
name); this module only draws.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from geo.escape import md_escape
from geo.services import access, tokens
from views import _common as ui
from views import _map

__all__ = ["section"]

NEW_KEY = "tok_new"  # (token_id, token) of the token just made: shown on the next run only
DONE_KEY = "tok_done"  # the token_id just revoked


def section(engine: sa.Engine, me: str) -> None:
    """Draw the section: what was just done, the create and revoke forms, the tokens' table."""
    st.subheader(ui.tr("tok.title"))
    st.caption(ui.tr("tok.help"))
    _just_done()
    table = tokens.list_tokens(engine)
    units = tokens.unit_choices(engine)
    left, right = st.columns(2)
    with left:
        _create(engine, me, units)
    with right:
        _revoke(engine, me, table, units)
    shown = table.assign(
        status=table["revoked"].isna().map({True: "active", False: "revoked"}),
        unit=table["unit_id"].map(lambda u: units.get(u, u) if isinstance(u, str) else None),
    )
    cols = _map.columns(
        "token_id=id kind status unit user_name=user label created created_by revoked last_used",
        prefix="tok.col.",
    )
    enums = {"kind": "token_kind", "status": "token_status"}
    _map.table_or(shown, cols, "tok.none", enums=enums, key="tok_table")


def _just_done() -> None:
    """The token made on the previous run, shown this once, or the revoke just done."""
    new = st.session_state.pop(NEW_KEY, None)
    if new is not None:
        token_id, token = new
        st.warning(ui.tr("tok.made", token_id=token_id))
        st.code(token, language=None)
    done = st.session_state.pop(DONE_KEY, None)
    if done is not None:
        st.success(ui.tr("tok.revoked", token_id=done))


def _create(engine: sa.Engine, me: str, units: dict[str, str]) -> None:
    """Pick a kind, then a unit or a user, a label; create."""
    st.markdown("**" + ui.tr("tok.create") + "**")
    kind = st.radio(
        ui.tr("tok.kind"),
        tokens.KINDS,
        key=ui.relabelled("tok_kind"),
        format_func=_map.formatter("token_kind"),
        horizontal=True,
    )
    people = access.users(engine)
    names = list(people.loc[~people["disabled"], "user_name"])
    with st.form("tok_form", clear_on_submit=True):
        target: str | None = None
        if kind == "device":
            if units:
                target = st.selectbox(
                    ui.tr("tok.unit"), list(units), key="tok_unit", format_func=units.__getitem__
                )
            else:
                st.caption(ui.tr("tok.no_units"))
        elif names:
            target = st.selectbox(ui.tr("tok.user"), names, key="tok_user")
        else:
            st.caption(ui.tr("tok.no_users"))
        label = st.text_input(
            ui.tr("tok.label"),
            key="tok_label",
            max_chars=tokens.MAX_LABEL,
            help=ui.tr("tok.label_help"),
        )
        go = st.form_submit_button(
            ui.tr("tok.go"), type="primary", key="tok_go", disabled=target is None
        )
    if go and target is not None:
        make = tokens.create_device_token if kind == "device" else tokens.create_user_token
        try:
            made = make(engine, target, label=label, by=me)
        except ValueError as e:
            st.error(md_escape(str(e)))
        else:
            st.session_state[NEW_KEY] = made
            st.rerun()


def _revoke(engine: sa.Engine, me: str, table: pd.DataFrame, units: dict[str, str]) -> None:
    """Pick an active token (by id, kind, unit or user, label); revoke."""
    st.markdown("**" + ui.tr("tok.revoke") + "**")
    active = table.loc[table["revoked"].isna()]
    if active.empty:
        st.caption(ui.tr("tok.none_active"))
        return
    kind_words = _map.formatter("token_kind")
    words = {
        r.token_id: " · ".join(
            x
            for x in (
                r.token_id,
                kind_words(r.kind),
                units.get(r.unit_id, r.unit_id) if r.kind == "device" else r.user_name,
                r.label,
            )
            if x
        )
        for r in active.itertuples(index=False)
    }
    picked = st.selectbox(
        ui.tr("tok.pick"), list(words), key="tok_pick", format_func=words.__getitem__
    )
    if st.button(ui.tr("tok.revoke_go"), key="tok_revoke") and picked is not None:
        try:
            tokens.revoke_token(engine, picked, by=me)
        except ValueError as e:
            st.error(md_escape(str(e)))
        else:
            st.session_state[DONE_KEY] = picked
            st.rerun()

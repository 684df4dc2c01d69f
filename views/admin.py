"""Admin: users (add, role and areas, password, disable), the machine API's tokens
(views/_tokens.py) and the audit log with its filters.

Admins only (app.py offers the page to admins; :func:`views._common.require` guards it too).
Every change is audited by geo/services/access.py with the admin's name; no password is ever shown.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from geo.escape import md_escape
from geo.services import access, areas
from views import _admin, _map, _tokens
from views import _common as ui

ui.require("admin")
ui.demo_banner()
st.title(ui.tr("page.admin"))
engine = ui.engine()
st.caption(ui.tr("admin.store", url=md_escape(engine.url.render_as_string(hide_password=True))))
me = ui.user()

# ---------------------------------------------------------------------------- users
st.subheader(ui.tr("admin.users"))
people = access.users(engine)
choices = areas.area_choices(engine, ui.scope())  # area_id -> "name (id)", stations first
shown = people.assign(
    role=people["role"].map(_map.formatter(prefix="auth.role.")),
    areas=people["areas"].map(lambda xs: ", ".join(xs) or "—"),
)
cols = _map.columns("user_name=user role areas disabled locked demo=demo_user created")
_map.table(shown, cols, key="admin_users")

left, right = st.columns(2)
with left, st.form("admin_add_form", clear_on_submit=True):
    st.markdown("**" + ui.tr("admin.add") + "**")
    new_name = st.text_input(ui.tr("auth.user"), key="admin_new_name", max_chars=64)
    new_role = _admin.role_picker(ui.relabelled("admin_new_role"))
    new_areas = _admin.area_picker(choices, key="admin_new_areas")
    new_pw = _admin.new_password(key="admin_new_pw")
    _admin.submit(
        ui.tr("admin.create"),
        partial(access.add_user, engine, new_name, new_pw, new_role, new_areas, by=me),
        ui.tr("admin.created", user=md_escape(new_name.strip())),
        kind="primary",
    )

with right:
    st.markdown("**" + ui.tr("admin.change") + "**")
    names = list(people["user_name"])
    who = st.selectbox(ui.tr("admin.pick_user"), names, key="admin_pick") if names else None
    if who is not None:
        row = people.loc[people["user_name"] == who].iloc[0]
        done = ui.tr("admin.done", user=md_escape(who))
        with st.form(f"admin_role_form_{who}"):
            role = _admin.role_picker(ui.relabelled(f"admin_role_{who}", row["role"]))
            chosen = _admin.area_picker(
                choices, key=f"admin_areas_{who}", default=[a for a in row["areas"] if a in choices]
            )
            change = partial(access.set_role, engine, who, role, chosen, by=me)
            _admin.submit(ui.tr("admin.save_role"), change, done)
        with st.form(f"admin_pw_form_{who}", clear_on_submit=True):
            pw = _admin.new_password(key=f"admin_pw_{who}")
            change = partial(access.set_password, engine, who, pw, by=me)
            _admin.submit(ui.tr("admin.set_password"), change, done, rerun=False)
        off = "enable" if row["disabled"] else "disable"  # what the button does to the user
        if st.button(ui.tr(f"admin.{off}"), key=f"admin_{off}"):
            if off == "disable" and not access.may_disable(who, me):
                st.error(ui.tr("admin.not_self"))
            else:
                access.set_disabled(engine, who, off == "disable", by=me)
                st.rerun()

# ---------------------------------------------------------------------------- API tokens
st.divider()
_tokens.section(engine, me)

# ---------------------------------------------------------------------------- audit log
st.divider()
st.subheader(ui.tr("admin.audit"))
st.caption(ui.tr("admin.audit_help"))
log = _admin.filtered_log(engine, names)
st.caption(ui.tr("admin.n_events", n=len(log)))
log = log.assign(
    action=log["action"].map(lambda a: ui.tr(f"audit.{a}") if a in access.ACTIONS else a),
    detail=log["detail"].map(_admin.detail_words),
)
cols = _map.columns("ts=when user_name=user action what rows detail")
_map.table(log, cols, height=420, key="admin_audit")

"""Admin: users (add, role and areas, password, disable) and the audit log with its filters.

Admins only (app.py offers the page to admins; :func:`views._common.require` guards it too).
Every change is audited by geo/services/access.py with the admin's name; no password is ever shown.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from geo.escape import md_escape
from geo.services import access, areas
from views import _admin, _map
from views import _common as ui

ui.require("admin")
ui.demo_banner()
st.title(ui.tr("page.admin"))
engine = ui.engine()
me = ui.user()
role_label = _map.formatter(prefix="auth.role.")

# ---------------------------------------------------------------------------- users
st.subheader(ui.tr("admin.users"))
people = access.users(engine)
choices = areas.area_choices(engine, ui.scope())  # area_id -> "name (id)", stations first
shown = people.assign(role=people["role"].map(role_label),
                      areas=people["areas"].map(lambda xs: ", ".join(xs) or "—"))
_map.table(shown, {"user_name": "col.user", "role": "col.role", "areas": "col.areas",
                   "disabled": "col.disabled", "locked": "col.locked", "demo": "col.demo_user",
                   "created": "col.created"}, key="admin_users")

left, right = st.columns(2)
with left, st.form("admin_add_form", clear_on_submit=True):
    st.markdown("**" + ui.tr("admin.add") + "**")
    new_name = st.text_input(ui.tr("auth.user"), key="admin_new_name", max_chars=64)
    new_role = st.selectbox(ui.tr("admin.role"), access.ROLES, key=ui.relabelled("admin_new_role"),
                            format_func=role_label)
    new_areas = _admin.area_picker(choices, key="admin_new_areas")
    new_pw = _admin.new_password(key="admin_new_pw")
    _admin.submit(ui.tr("admin.create"), partial(access.add_user, engine, new_name, new_pw,
                                                  new_role, new_areas, by=me),
                  ui.tr("admin.created", user=md_escape(new_name.strip())), kind="primary")

with right:
    st.markdown("**" + ui.tr("admin.change") + "**")
    names = list(people["user_name"])
    who = st.selectbox(ui.tr("admin.pick_user"), names, key="admin_pick") if names else None
    if who is not None:
        row = people.loc[people["user_name"] == who].iloc[0]
        done = ui.tr("admin.done", user=md_escape(who))
        with st.form(f"admin_role_form_{who}"):
            role = st.selectbox(ui.tr("admin.role"), access.ROLES, format_func=role_label,
                                key=ui.relabelled(f"admin_role_{who}", row["role"]))
            chosen = _admin.area_picker(choices, key=f"admin_areas_{who}",
                                        default=[a for a in row["areas"] if a in choices])
            _admin.submit(ui.tr("admin.save_role"),
                          partial(access.set_role, engine, who, role, chosen, by=me), done)
        with st.form(f"admin_pw_form_{who}", clear_on_submit=True):
            pw = _admin.new_password(key=f"admin_pw_{who}")
            _admin.submit(ui.tr("admin.set_password"),
                          partial(access.set_password, engine, who, pw, by=me), done, rerun=False)
        off = "enable" if row["disabled"] else "disable"  # what the button does to the user
        if st.button(ui.tr(f"admin.{off}"), key=f"admin_{off}"):
            if off == "disable" and not access.may_disable(who, me):
                st.error(ui.tr("admin.not_self"))
            else:
                access.set_disabled(engine, who, off == "disable", by=me)
                st.rerun()

# ---------------------------------------------------------------------------- audit log
st.divider()
st.subheader(ui.tr("admin.audit"))
st.caption(ui.tr("admin.audit_help"))
c1, c2, c3, c4, c5 = st.columns([2, 3, 2, 2, 2])
f_user = c1.selectbox(ui.tr("admin.f_user"), ["", *names], key=ui.relabelled("audit_user"),
                      format_func=lambda u: u or ui.tr("pg.all"))
f_actions = c2.multiselect(ui.tr("admin.f_actions"), access.ACTIONS,
                           key=ui.relabelled("audit_actions"),
                           format_func=_map.formatter(prefix="audit."),
                           placeholder=ui.tr("pg.all"))
f_text = c3.text_input(ui.tr("admin.f_text"), key="audit_text", max_chars=100)
first, today = access.audit_filter_dates()  # the last 30 days
f_from = c4.date_input(ui.tr("admin.f_from"), value=first, key="audit_from")
f_to = c5.date_input(ui.tr("admin.f_to"), value=today, key="audit_to")
log = access.audit_log(engine, user=f_user or None, actions=f_actions or None,
                       start=f_from.isoformat() if f_from else None,
                       end=f_to.isoformat() if f_to else None, text=f_text.strip() or None)
st.caption(ui.tr("admin.n_events", n=len(log)))
log = log.assign(action=log["action"].map(lambda a: ui.tr(f"audit.{a}")
                                          if a in access.ACTIONS else a))
_map.table(log, {"ts": "col.when", "user_name": "col.user", "action": "col.action",
                 "what": "col.what", "rows": "col.rows", "detail": "col.detail"}, height=420,
           key="admin_audit")

"""Admin: users (add, role and areas, password, disable) and the audit log with its filters.

Admins only (app.py offers the page to admins; :func:`views._common.require` guards it too).
Every change is audited by geo/access.py with the admin's name; no password is ever shown.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo import access, store
from geo.briefing import md_escape
from geo.config import get_settings
from views import _common as ui
from views import _map

ui.require("admin")
ui.demo_banner()
st.title(ui.tr("page.admin"))
engine = ui.engine()
me = ui.user()
role_label = _map.formatter(prefix="auth.role.")

# ---------------------------------------------------------------------------- users
st.subheader(ui.tr("admin.users"))
people = access.users(engine)
areas = store.read(engine, "areas", ui.scope(), columns=["area_id", "name", "level"])
area_names = dict(zip(areas["area_id"], areas["name"], strict=True))
area_ids = list(areas.sort_values(["level", "area_id"], ascending=[False, True])["area_id"])


def area_label(a: str) -> str:
    return f"{area_names.get(a, a)} ({a})"


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
    new_areas = st.multiselect(ui.tr("admin.areas"), area_ids, key="admin_new_areas",
                               format_func=area_label, help=ui.tr("admin.areas_help"),
                               placeholder=ui.tr("pg.choose"))
    new_pw = st.text_input(ui.tr("admin.new_password"), type="password", key="admin_new_pw",
                           autocomplete="new-password")
    if st.form_submit_button(ui.tr("admin.create"), type="primary"):
        try:
            access.add_user(engine, new_name, new_pw, new_role, new_areas, by=me)
        except ValueError as e:
            st.error(str(e))
        else:
            st.success(ui.tr("admin.created", user=md_escape(new_name.strip())))
            st.rerun()

with right:
    st.markdown("**" + ui.tr("admin.change") + "**")
    names = list(people["user_name"])
    who = st.selectbox(ui.tr("admin.pick_user"), names, key="admin_pick") if names else None
    if who is not None:
        row = people.loc[people["user_name"] == who].iloc[0]
        with st.form(f"admin_role_form_{who}"):
            role = st.selectbox(ui.tr("admin.role"), access.ROLES, format_func=role_label,
                                key=ui.relabelled(f"admin_role_{who}", row["role"]))
            chosen = st.multiselect(ui.tr("admin.areas"), area_ids, format_func=area_label,
                                    default=[a for a in row["areas"] if a in area_ids],
                                    key=f"admin_areas_{who}", help=ui.tr("admin.areas_help"),
                                    placeholder=ui.tr("pg.choose"))
            if st.form_submit_button(ui.tr("admin.save_role")):
                try:
                    access.set_role(engine, who, role, chosen, by=me)
                except ValueError as e:
                    st.error(str(e))
                else:
                    st.success(ui.tr("admin.done", user=md_escape(who)))
                    st.rerun()
        with st.form(f"admin_pw_form_{who}", clear_on_submit=True):
            pw = st.text_input(ui.tr("admin.new_password"), type="password",
                               key=f"admin_pw_{who}", autocomplete="new-password")
            if st.form_submit_button(ui.tr("admin.set_password")):
                try:
                    access.set_password(engine, who, pw, by=me)
                except ValueError as e:
                    st.error(str(e))
                else:
                    st.success(ui.tr("admin.done", user=md_escape(who)))
        if bool(row["disabled"]):
            if st.button(ui.tr("admin.enable"), key="admin_enable"):
                access.set_disabled(engine, who, False, by=me)
                st.rerun()
        elif st.button(ui.tr("admin.disable"), key="admin_disable"):
            if who == me:
                st.error(ui.tr("admin.not_self"))
            else:
                access.set_disabled(engine, who, True, by=me)
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
today = pd.Timestamp(access.now_ms(), unit="ms", tz="UTC").tz_convert(get_settings().tz).date()
f_from = c4.date_input(ui.tr("admin.f_from"), value=today - dt.timedelta(days=30),
                       key="audit_from")
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

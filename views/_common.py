"""The shared frame of every page: engine, language, sidebar filters, scope, demo banner.

app.py calls :func:`sidebar` once per run before the page; pages call :func:`filters`, :func:`tr`,
:func:`engine` and :func:`scope`. No domain logic lives here.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from geo import services
from geo.config import get_settings
from geo.domain.period import parse_night
from geo.i18n import LANGS, t
from geo.services import access, areas, settings
from geo.services.demo import is_demo

__all__ = [
    "Filters",
    "audit",
    "demo_banner",
    "engine",
    "filters",
    "follows_period",
    "lang",
    "language_picker",
    "login_gate",
    "require",
    "scope",
    "sidebar",
    "streamlit_words",
    "tr",
    "ui_settings",
    "user",
]

SESSION_KEY = "qy_session"  # the access.Session of this browser session (set by login only)
PRINCIPAL_KEY = "qy_principal"  # the logged-in user's access.Principal, set by login_gate()
NOBODY = access.Principal("", "viewer", frozenset())  # no login: no area, no row


@dataclass(frozen=True)
class Filters:
    """The sidebar's shared filters. Dates are local dates (YYYY-MM-DD), inclusive."""

    start: str
    end: str
    night: str
    area: str | None
    res: int


@st.cache_resource
def _engine(url: str) -> sa.Engine:
    return services.connect(url)


def engine() -> sa.Engine:
    """The store engine (migrated, cached for the server's life)."""
    return _engine(get_settings().database_url)


def lang() -> str:
    """The language chosen in the sidebar (zh-CN or en)."""
    chosen = st.session_state.get("lang")  # the session's choice first: no settings read
    return str(chosen) if chosen else get_settings().lang


def tr(key: str, **values: object) -> str:
    """The string ``key`` in the current language."""
    return t(key, lang(), **values)


def scope() -> access.Principal:
    """The logged-in user (role and areas); every read of a page goes through it.

    Without a login (a page run outside app.py) it is nobody: no area, no row.
    """
    value = st.session_state.get(PRINCIPAL_KEY)
    return value if isinstance(value, access.Principal) else NOBODY


def user() -> str:
    """The logged-in user's name ("" without a login)."""
    return scope().user


def audit(action: str, what: object = "", *, rows: int | None = None, **detail: Any) -> None:
    """Record an event of the logged-in user in the audit log."""
    access.audit(engine(), user() or None, action, what, rows=rows, **detail)


def require(page: str) -> None:
    """Stop the page unless the logged-in user's role may open ``page`` (app.py's navigation
    already offers only those; this guards a page run any other way)."""
    if not scope().may(page):
        st.error(tr("auth.forbidden"))
        st.stop()


RELABEL_KEY = "qy_relabel"  # keys of the widgets whose option labels are in the user's language
_NO_DEFAULT = object()


def relabelled(key: str, default: object = _NO_DEFAULT) -> str:
    """Register the widget ``key`` as one whose option labels are in the user's language, and
    return ``key``; ``default`` (when given) is its first value, set through session state.

    Streamlit 1.67 keeps showing a keyed selectbox's or multiselect's labels of the previous
    run, and a radio shows no choice at all, once ``format_func`` returns other labels for the
    same values (streamlit/streamlit#13788): after a language switch the sidebar's area box
    still read 全部辖区 in English. The language switch sets these widgets' values again through
    session state, which makes the browser redraw them in the new language. A registered
    widget takes its default here, not through ``index``/``default`` (Streamlit warns when a
    widget has both).
    """
    st.session_state.setdefault(RELABEL_KEY, set()).add(key)
    if default is not _NO_DEFAULT and key not in st.session_state:
        st.session_state[key] = default
    return key


def _relabel() -> None:
    """On a language switch: give the registered widgets their values again (see
    :func:`relabelled`)."""
    for key in sorted(st.session_state.get(RELABEL_KEY, ())):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def follows_period(key: str, end: str) -> str:
    """Register the page's own date widget ``key`` as one that follows the period's last day
    ``end`` (YYYY-MM-DD) until the user sets it, and return ``key``.

    The date goes through session state (the widget takes no ``value``): the period's end when
    the widget is new or still holds the date put there last; a date the user chose stays.
    """
    auto = f"{key}_auto"  # the date this function put in the widget last
    if key not in st.session_state or st.session_state[key] == st.session_state.get(auto):
        st.session_state[key] = st.session_state[auto] = dt.date.fromisoformat(end)
    return key


def language_picker() -> None:
    """The language switch (sidebar; shown on the login form too)."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = get_settings().lang
    st.sidebar.radio(
        t("app.language", lang()),
        LANGS,
        key="lang",
        horizontal=True,
        format_func=lambda code: "中文" if code == "zh-CN" else "English",
        on_change=_relabel,
    )


def _css_text(value: str) -> str:
    """``value`` as a CSS string literal (JSON's quoting is valid CSS; ``<`` escaped so that the
    text cannot close the style element)."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\3c ")


# Streamlit's own English texts (it has no API for them) hidden, and ours shown in their place
# by ::after. The selectors are Streamlit 1.67's test ids; the drop overlay has only its emotion
# label class (euud7oh2). A selector that stops matching after an upgrade shows Streamlit's
# text again, nothing worse.
_WORDS_CSS = """
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] > p,
[data-testid="stFileUploaderDropzoneInstructions"] > div > span,
[data-testid="InputInstructions"] > *,
[data-testid="stStatusWidget"] button [data-testid="stMarkdownContainer"] > p {
  display: none;
}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {
  content: %(upload)s;
}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
  content: %(limit)s;
  font-size: 0.875rem;
  opacity: 0.6;
}
[data-testid="stFileUploaderDropzone"] span.euud7oh2 { font-size: 0; }
[data-testid="stFileUploaderDropzone"] span.euud7oh2::after {
  content: %(drop)s;
  font-size: 0.875rem;
}
[data-testid="InputInstructions"]::after { content: %(enter)s; }
.stTextArea [data-testid="InputInstructions"]::after { content: %(ctrl_enter)s; }
[data-testid="stStatusWidget"] button [data-testid="stMarkdownContainer"]::after {
  content: %(stop)s;
}
"""


def streamlit_words() -> None:
    """Streamlit's own widget texts in the user's language, as CSS (once per run, before the
    page): the file uploader's button, its size limit (``QY_MAX_UPLOAD_MB``, the limit the
    uploaders pass to Streamlit) and drop text, the "Press Enter" hint of text and number
    inputs, the status widget's Stop button."""
    words = {
        "upload": tr("st.upload"),
        "limit": tr("st.upload_limit", mb=get_settings().max_upload_mb),
        "drop": tr("st.drop"),
        "enter": tr("st.enter"),
        "ctrl_enter": tr("st.ctrl_enter"),
        "stop": tr("st.stop"),
    }
    css = _WORDS_CSS % {k: _css_text(v) for k, v in words.items()}
    st.html(f"<style>{css}</style>")


def _do_login() -> None:
    name = str(st.session_state.get("login_user", ""))
    password = str(st.session_state.get("login_password", ""))
    st.session_state["login_password"] = ""  # the password does not stay in the session
    try:
        st.session_state[SESSION_KEY] = access.login(engine(), name, password)
    except access.LoginError as e:
        st.session_state["login_error"] = e.code
    else:
        st.session_state.pop("login_error", None)


def _do_logout() -> None:
    access.logout(engine(), st.session_state.get(SESSION_KEY))
    for key in list(st.session_state):
        if key != "lang":
            del st.session_state[key]
    st.cache_data.clear()


def _no_page() -> None:
    """The only page of the navigation before a login (the form is drawn by login_gate)."""


def login_gate(paths: list[str] | None = None) -> access.Principal:
    """The logged-in user, or the login form and a stop (``paths``: the app's page addresses).

    A session ends after ``QY_SESSION_MINUTES`` without activity (see :func:`access.resume`),
    or when the user is disabled or their password changes; the form then says so.
    """
    live = access.resume(engine(), st.session_state.get(SESSION_KEY))
    if live is not None:
        principal, session = live
        st.session_state[SESSION_KEY] = session
        if st.session_state.get(PRINCIPAL_KEY) != principal:  # role or areas changed
            for key in ("area", "filters"):
                st.session_state.pop(key, None)
        st.session_state[PRINCIPAL_KEY] = principal
        st.sidebar.caption(
            tr("auth.signed_in", user=principal.user, role=tr(f"auth.role.{principal.role}"))
        )
        st.sidebar.button(
            tr("auth.logout"), key="logout", on_click=_do_logout, icon=":material/logout:"
        )
        return principal
    ended = SESSION_KEY in st.session_state
    for key in (SESSION_KEY, PRINCIPAL_KEY):
        st.session_state.pop(key, None)
    # no page links before a login (and none left over from a session that ended); a page's
    # address opens the form, and after the login that page
    st.navigation(
        [
            st.Page(_no_page, title=tr("auth.login"), url_path=path, default=i == 0)
            for i, path in enumerate(paths or ["login"])
        ],
        position="hidden",
    )
    st.title(tr("app.title"))
    if ended:
        st.info(tr("auth.session_ended"))
    if access.users(engine()).empty:
        st.warning(tr("auth.no_users"))
    with st.form("login_form"):
        st.subheader(tr("auth.login"))
        st.text_input(tr("auth.user"), key="login_user", max_chars=64, autocomplete="username")
        st.text_input(
            tr("auth.password"),
            key="login_password",
            type="password",
            max_chars=1024,
            autocomplete="current-password",
        )
        st.form_submit_button(tr("auth.submit"), type="primary", on_click=_do_login)
    error = st.session_state.get("login_error")
    if error:
        st.error(tr(f"auth.error.{error}"))
    if get_settings().demo and is_demo(engine()):  # the demo users, listed in demo mode only
        users = (
            tr("auth.demo_user", user=n, password=p, role=tr(f"auth.role.{r}"))
            for n, p, r, _areas in access.DEMO_USERS
        )
        st.info("\n".join([tr("auth.demo_hint"), "", *(f"- {u}" for u in users)]))
    st.stop()
    raise AssertionError  # st.stop() does not return


def ui_settings() -> dict[str, object]:
    """Settings users change on the Settings page (night window, basemap), with defaults."""
    return settings.ui_settings(engine())


@st.cache_data(ttl=60)
def _period_choice(url: str) -> areas.PeriodChoice:
    """The period filter's bounds and default: the dates of the incidents and shifts stored."""
    return areas.period_choice(_engine(url))


def area_labels(areas_frame: pd.DataFrame) -> dict[str, str]:
    """The area picker's words: area_id -> the area's name alone.

    Areas that share a name (一网格 under two stations) add their parent's name
    ("一网格 · 罗家派出所"); those still alike (no parent listed, or parents of one name) add
    their id, the only thing left that tells them apart.
    """
    ids = areas_frame["area_id"].astype(str).tolist()
    names = [
        str(n) if isinstance(n, str) and n else a
        for a, n in zip(ids, areas_frame["name"], strict=True)
    ]
    by_id = dict(zip(ids, names, strict=True))
    parents = areas_frame["parent_id"].tolist() if "parent_id" in areas_frame else [None] * len(ids)
    seen = pd.Series(names).value_counts()
    labels = [
        f"{n} · {by_id[p]}" if seen[n] > 1 and isinstance(p, str) and p in by_id else n
        for n, p in zip(names, parents, strict=True)
    ]
    again = pd.Series(labels).value_counts()
    return {
        a: f"{lab} ({a})" if again[lab] > 1 else lab for a, lab in zip(ids, labels, strict=True)
    }


@st.cache_data(ttl=60)
def _areas(url: str, principal: access.Principal) -> pd.DataFrame:
    """The areas ``principal`` may see (the sidebar offers only these)."""
    return areas.visible_areas(_engine(url), principal)


def sidebar() -> Filters:
    """Draw the shared filters in the sidebar and remember them for the pages."""
    url = get_settings().database_url
    if "lang" not in st.session_state:
        st.session_state["lang"] = get_settings().lang
    choice = _period_choice(url)
    default_start = choice.default_start
    if "period" not in st.session_state:
        st.session_state["period"] = (default_start, choice.last)
    period = st.sidebar.date_input(
        tr("filter.period"), key="period", min_value=choice.first, max_value=choice.latest
    )
    if isinstance(period, (tuple, list)) and len(period) == 2:
        start, end = period
    else:  # the user is mid-way through picking a range
        start = end = period[0] if isinstance(period, (tuple, list)) and period else default_start
    night_default = str(ui_settings()["night"])
    h0, h1 = parse_night(night_default)
    hours = list(range(24))
    c1, c2 = st.sidebar.columns(2)
    n0 = c1.selectbox(
        tr("filter.night_from"),
        hours,
        index=h0,
        key="night_from",
        format_func=lambda h: f"{h:02d}:00",
    )
    n1 = c2.selectbox(
        tr("filter.night_to"), hours, index=h1, key="night_to", format_func=lambda h: f"{h:02d}:00"
    )
    mine = _areas(url, scope())
    if st.session_state.get("area") not in {None, *mine["area_id"]}:
        st.session_state.pop("area")  # an area of another user of this browser session
    options: list[str | None] = [None, *mine["area_id"]]
    names = area_labels(mine)
    all_areas = tr("filter.all_areas")  # bound now: a language switch keeps the widget's state
    area = st.sidebar.selectbox(
        tr("filter.area"),
        options,
        key=relabelled("area"),
        placeholder=all_areas,  # shown for None after a rerun
        format_func=lambda a: all_areas if a is None else names.get(a, a),
    )
    res = st.sidebar.select_slider(
        tr("filter.res"), options=[7, 8, 9, 10], value=9, key="res", help=tr("filter.res_help")
    )
    f = Filters(
        start=start.isoformat(),
        end=end.isoformat(),
        night=f"{n0:02d}:00-{n1:02d}:00",
        area=area,
        res=int(res),
    )
    st.session_state["filters"] = f
    return f


def filters() -> Filters:
    """The filters the sidebar set in this run."""
    f = st.session_state.get("filters")
    return f if isinstance(f, Filters) else sidebar()


def demo_banner() -> None:
    """Say so while the demo city is loaded (every page calls this)."""
    if is_demo(engine()):
        st.info(tr("app.demo_banner"), icon="ℹ️")

"""The shared frame of every page: engine, language, sidebar filters, scope, demo banner.

app.py calls :func:`sidebar` once per run before the page; pages call :func:`filters`, :func:`tr`,
:func:`engine` and :func:`scope`. No domain logic lives here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from geo import store
from geo.config import get_settings
from geo.demo import is_demo
from geo.i18n import LANGS, t

__all__ = ["Filters", "demo_banner", "engine", "filters", "lang", "scope", "sidebar", "tr",
           "ui_settings"]


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
    return store.connect(url)


def engine() -> sa.Engine:
    """The store engine (migrated, cached for the server's life)."""
    return _engine(get_settings().database_url)


def lang() -> str:
    """The language chosen in the sidebar (zh-CN or en)."""
    return str(st.session_state.get("lang", get_settings().lang))


def tr(key: str, **values: object) -> str:
    """The string ``key`` in the current language."""
    return t(key, lang(), **values)


def scope() -> store.Scope:
    """The areas the current user may see ("all" until logins exist)."""
    value: store.Scope = st.session_state.get("scope", "all")
    return value


def ui_settings() -> dict[str, object]:
    """Settings users change on the Settings page (night window, basemap), with defaults.

    ``tiles`` is what a map builder takes: none, osm, amap, tianditu or a URL template
    (``tiles_choice`` is the option chosen on the Settings page, "custom" for a URL).
    """
    settings = get_settings()
    stored = store.get_meta(engine(), "ui_settings", {}) or {}
    choice = stored.get("tiles", settings.tiles)
    url = stored.get("tiles_url", "")
    if choice not in ("none", "osm", "amap", "tianditu", "custom"):
        choice, url = "custom", choice  # QY_TILES may be a URL template
    return {"night": stored.get("night", settings.night),
            "tiles": url if choice == "custom" else choice, "tiles_choice": choice,
            "tiles_url": url, "tianditu_token": stored.get("tianditu_token", "")}


@st.cache_data(ttl=60)
def _data_period(url: str) -> tuple[str, str]:
    """First and last local dates of the incidents and shifts in the store."""
    eng = _engine(url)
    tz = get_settings().tz
    lo, hi = [], []
    for kind, col in (("incidents", "ts"), ("shifts", "start")):
        c = store.RECORD_TABLES[kind].c[col]
        with eng.connect() as conn:
            row = conn.execute(sa.select(sa.func.min(c), sa.func.max(c))).first()
        if row and row[0] is not None:
            lo.append(row[0])
            hi.append(row[1])
    if not lo:
        today = dt.date.today()
        return (today - dt.timedelta(days=30)).isoformat(), today.isoformat()
    first = pd.Timestamp(min(lo), unit="ms", tz="UTC").tz_convert(tz).date()
    last = pd.Timestamp(max(hi), unit="ms", tz="UTC").tz_convert(tz).date()
    return first.isoformat(), last.isoformat()


@st.cache_data(ttl=60)
def _areas(url: str) -> pd.DataFrame:
    return store.read(_engine(url), "areas", "all", columns=["area_id", "name", "level",
                                                             "parent_id"])


def sidebar() -> Filters:
    """Draw the shared filters in the sidebar and remember them for the pages."""
    url = get_settings().database_url
    if "lang" not in st.session_state:
        st.session_state["lang"] = get_settings().lang
    st.sidebar.radio(t("app.language", lang()), LANGS, key="lang", horizontal=True,
                     format_func=lambda code: "中文" if code == "zh-CN" else "English")
    first, last = _data_period(url)
    first_d, last_d = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    default_start = max(first_d, last_d - dt.timedelta(days=29))
    if "period" not in st.session_state:
        st.session_state["period"] = (default_start, last_d)
    period = st.sidebar.date_input(tr("filter.period"), key="period", min_value=first_d,
                                   max_value=max(last_d, dt.date.today()))
    if isinstance(period, (tuple, list)) and len(period) == 2:
        start, end = period
    else:  # the user is mid-way through picking a range
        start = end = period[0] if isinstance(period, (tuple, list)) and period else default_start
    night_default = str(ui_settings()["night"])
    h0, h1 = (int(x.split(":")[0]) for x in night_default.split("-"))
    hours = list(range(24))
    c1, c2 = st.sidebar.columns(2)
    n0 = c1.selectbox(tr("filter.night_from"), hours, index=h0, key="night_from",
                      format_func=lambda h: f"{h:02d}:00")
    n1 = c2.selectbox(tr("filter.night_to"), hours, index=h1, key="night_to",
                      format_func=lambda h: f"{h:02d}:00")
    areas = _areas(url)
    options: list[str | None] = [None, *areas.sort_values(["level", "area_id"],
                                                          ascending=[False, True])["area_id"]]
    names = dict(zip(areas["area_id"], areas["name"], strict=True))
    all_areas = tr("filter.all_areas")  # bound now: a language switch keeps the widget's state
    area = st.sidebar.selectbox(tr("filter.area"), options, key="area",
                                format_func=lambda a: all_areas if a is None
                                else f"{names.get(a, a)} ({a})")
    res = st.sidebar.select_slider(tr("filter.res"), options=[7, 8, 9, 10], value=9, key="res",
                                   help=tr("filter.res_help"))
    f = Filters(start=start.isoformat(), end=end.isoformat(), night=f"{n0:02d}:00-{n1:02d}:00",
                area=area, res=int(res))
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

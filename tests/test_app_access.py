"""The login gate and roles in AppTest on the demo city: the login form, lockout and session
timeout (injected clock), every page a grid manager of one grid may open shows no record of
another grid, every page a viewer may open shows no track, officer or incident row, admin-only
pages stay closed, and the Admin page manages users and filters the audit log."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import shapely
from shapely import wkt as shapely_wkt
from streamlit.testing.v1 import AppTest

from geo import store
from geo.i18n import t
from geo.services import access

ROOT = Path(__file__).resolve().parent.parent
GRID = "ST01-G03"
ALL_PAGES = [
    Path(path).stem
    for path, _key, _icon in ast.literal_eval(
        re.search(
            r"PAGES = (\[.*?\])\n", (ROOT / "app.py").read_text(encoding="utf-8"), re.S
        ).group(1)
    )
]
pytestmark = pytest.mark.slow


@pytest.fixture
def app(new_app: Callable[..., AppTest]) -> AppTest:
    """The app at the login form."""
    return new_app(None)


def _password(user: str) -> str:
    return {n: p for n, p, _r, _a in access.DEMO_USERS}[user]


def _log_in(at: AppTest, user: str, password: str | None = None) -> AppTest:
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(password or _password(user))
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def _blob(at: AppTest) -> str:
    """Everything the run shows: every element's message and every table's cells."""
    parts: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    parts += [df.value.to_csv() for df in at.dataframe]
    return "\n".join(parts)


def _titles(at: AppTest) -> list[str]:
    return [h.value for h in at.title]


def test_login_form_before_anything(app: AppTest, demo_db_url: str) -> None:
    assert t("auth.login", "zh-CN") in _blob(app)
    assert not app.metric and not app.dataframe
    assert t("page.overview", "zh-CN") not in _titles(app)
    _log_in(app, "grid03", "wrong-password")
    assert app.error and app.error[0].value == t("auth.error.bad", "zh-CN")
    assert app.text_input(key="login_password").value == ""  # not kept in the session
    _log_in(app, "grid03")
    assert t("page.overview", "zh-CN") in _titles(app)
    assert "grid03" in "\n".join(c.value for c in app.sidebar.caption)
    app.sidebar.button(key="logout").click().run()
    assert t("page.overview", "zh-CN") not in _titles(app)
    assert app.text_input(key="login_user")  # the form again
    log = access.audit_log(store.connect(demo_db_url))
    assert {"login", "login_failed", "logout"} <= set(log["action"])


def test_lockout_and_session_timeout(demo_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QY_DATABASE_URL", demo_db_url)
    monkeypatch.setenv("QY_LOGIN_ATTEMPTS", "2")
    monkeypatch.setenv("QY_SESSION_MINUTES", "30")
    monkeypatch.chdir(ROOT)
    now = [1_800_000_000.0]
    monkeypatch.setattr(access, "clock", lambda: now[0])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    for _ in range(2):
        _log_in(at, "commander", "not-the-password")
    _log_in(at, "commander")  # the right password, but locked now
    assert at.error[0].value == t("auth.error.locked", "zh-CN")
    now[0] += 16 * 60  # the lockout (15 minutes by default) is over
    _log_in(at, "commander")
    assert t("page.overview", "zh-CN") in _titles(at)
    now[0] += 29 * 60
    at.run()
    assert t("page.overview", "zh-CN") in _titles(at)  # still active
    now[0] += 31 * 60
    at.run()
    assert t("page.overview", "zh-CN") not in _titles(at)
    assert at.info[0].value == t("auth.session_ended", "zh-CN")
    actions = access.audit_log(store.connect(demo_db_url))["action"].tolist()
    assert "lockout" in actions and "session_timeout" in actions
    store.forget(demo_db_url)


def _open_every_page(at: AppTest) -> dict[str, str]:
    """Each page's blob, for the pages the navigation offers; closed pages are None."""
    shown: dict[str, str] = {}
    for page in ALL_PAGES:
        try:
            at.switch_page(f"views/{page}.py")
        except ValueError:  # not in this user's navigation: it cannot be opened
            shown[page] = None
            continue
        at.run()
        assert not at.exception, (page, at.exception)
        shown[page] = _blob(at)
        assert t(f"page.{page}", "zh-CN") in _titles(at), page
    return shown


def test_grid_manager_sees_no_record_of_another_grid(app: AppTest, demo_db_url: str) -> None:
    eng = store.connect(demo_db_url)
    _log_in(app, "grid03")
    # the sidebar's area filter offers the grid only
    assert app.selectbox(key="area").options[1:] == [_name(eng, GRID)]  # by name, no id
    pages = _open_every_page(app)
    assert {p for p, b in pages.items() if b is None} == {"data", "settings", "admin"}
    assert set(pages) >= {"overview", "venues", "disputes", "plan", "briefing"}
    foreign = _foreign(eng)
    for page, blob in pages.items():
        if blob is None:
            continue
        hits = _whole_words_in(foreign, blob)
        assert not hits, (page, hits[:5])
    # a clicked cell of another grid: nothing of it
    app.switch_page("views/hotspots.py").run()
    assert not app.exception


_WORD = re.compile(r"[\w-]+")


def _whole_words_in(strings: set[str], blob: str) -> list[str]:
    """The strings that occur in ``blob`` as a whole, not inside a longer id or word (between
    characters other than letters, digits, ``_`` and ``-``).

    A string made of those characters only occurs so exactly when it is one of the blob's runs
    of them, so a set lookup finds it (one regex per id over every page took most of a minute);
    the few others (names with spaces or brackets) are searched one by one.
    """
    runs = set(_WORD.findall(blob))
    plain = {s for s in strings if _WORD.fullmatch(s)}
    hits = plain & runs
    hits |= {s for s in strings - plain if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", blob)}
    return sorted(hits)


def _name(eng: object, area: str) -> str:
    areas = store.read(eng, "areas", "all")
    return str(areas.set_index("area_id").at[area, "name"])


def _foreign(eng: object) -> set[str]:
    """Ids and names of records outside the grid (incidents, venues, hazards, disputes,
    leads, sites), and of shifts and units that never drove in it."""
    areas = store.read(eng, "areas", "all")
    poly = shapely_wkt.loads(areas.set_index("area_id").at[GRID, "geometry"])
    out: set[str] = set()
    for kind, cols in (
        ("incidents", ["incident_id"]),
        ("venues", ["venue_id", "name"]),
        ("hazards", ["hazard_id"]),
        ("disputes", ["dispute_id"]),
        ("leads", ["lead_id"]),
        ("sites", ["site_id", "name"]),
    ):
        f = store.read(eng, kind, "all").dropna(subset=["lat"])
        inside = shapely.contains_xy(poly, f["lng"].to_numpy(float), f["lat"].to_numpy(float))
        mine = set().union(*(set(f.loc[inside, c].astype(str)) for c in cols))
        for c in cols:
            out |= set(f.loc[~inside, c].astype(str)) - mine
    p = store.read(eng, "pings", "all", columns=["shift_id", "lat", "lng"])
    inside = shapely.contains_xy(poly, p["lng"].to_numpy(float), p["lat"].to_numpy(float))
    out |= set(p["shift_id"]) - set(p.loc[inside, "shift_id"])
    grids = areas.loc[(areas["level"] == "grid") & (areas["area_id"] != GRID)]
    out |= set(grids["area_id"]) | set(grids["name"])
    return {s for s in out if s and s != "nan"}


def test_viewer_sees_no_track_officer_or_incident_row(app: AppTest, demo_db_url: str) -> None:
    eng = store.connect(demo_db_url)
    _log_in(app, "viewer")
    pages = _open_every_page(app)
    assert {p for p, b in pages.items() if b is not None} == {
        "overview",
        "coverage",
        "hotspots",
        "hazards",
        "briefing",
    }
    units = store.read(eng, "units", "all")
    shifts = store.read(eng, "shifts", "all", columns=["shift_id"])
    incidents = store.read(eng, "incidents", "all", columns=["incident_id"])
    disputes = store.read(eng, "disputes", "all", columns=["mediator"])
    areas = store.read(eng, "areas", "all")
    people = set(units["name"]) | set(areas["owner"].dropna()) | set(disputes["mediator"].dropna())
    ids = set(units["unit_id"]) | set(shifts["shift_id"]) | set(incidents["incident_id"])
    for page, blob in pages.items():
        if blob is None:
            continue
        assert not [p for p in people if p and p in blob], page
        assert not _whole_words_in(ids, blob), page
    app.switch_page("views/coverage.py").run()
    assert t("auth.viewer_no_tracks", "zh-CN") in _blob(app)
    assert t("cov.breaks", "zh-CN") not in [s.value for s in app.subheader]
    assert not [m for m in app.multiselect if str(m.key).startswith("cov_units")]  # no tracks


def test_admin_page_manages_users_and_filters_the_audit_log(app: AppTest, demo_db_url: str) -> None:
    eng = store.connect(demo_db_url)
    _log_in(app, "admin")
    app.switch_page("views/admin.py").run()
    assert not app.exception, app.exception
    assert t("page.admin", "zh-CN") in _titles(app)
    users = next(df.value for df in app.dataframe if "grid03" in df.value.to_csv())
    assert len(users) == len(access.DEMO_USERS)
    app.text_input(key="admin_new_name").input("g05")
    app.selectbox(key="admin_new_role").set_value("grid_manager")
    app.multiselect(key="admin_new_areas").set_value(["ST01-G05"])
    app.text_input(key="admin_new_pw").input("g05-password")
    next(b for b in app.button if b.label == t("admin.create", "zh-CN")).click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert access.principal_of(eng, "g05").areas == {"ST01-G05"}
    app.multiselect(key="audit_actions").set_value(["user_add"]).run()
    log = app.dataframe[-1].value
    assert "g05" in log.to_csv() and len(log) == len(access.DEMO_USERS) + 1
    assert "g05-password" not in _blob(app)
    app.multiselect(key="audit_actions").set_value(["login"]).run()
    assert set(app.dataframe[-1].value.iloc[:, 1]) == {"admin"}
    # settings changes are audited; the tianditu token is not stored in the log
    app.switch_page("views/settings.py").run()
    app.radio(key="set_tiles").set_value("tianditu").run()
    app.text_input(key="set_token").input("token-secret-123").run()
    app.button(key="set_save").click().run()
    log = access.audit_log(eng, actions=["settings"])
    log = log.loc[log["what"] != "road_network"]  # the demo's streets, imported by its build
    assert list(log["user_name"]) == ["admin"]
    assert "token-secret-123" not in log.to_csv()
    assert isinstance(log, pd.DataFrame)

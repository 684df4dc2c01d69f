"""Users, roles and scopes (geo/services/access.py, geo/store/scope.py) and their enforcement in
the store, on SQLite and PostgreSQL: argon2 hashes, lockout and session timeout on an injected
clock, no default password outside demo mode, store.read refusing a viewer's forbidden kinds, the
audit log; then the demo city read as a grid manager of one grid and as a viewer through every
geo read a page, export, map or CLI command makes."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
import sqlalchemy as sa
from shapely import wkt as shapely_wkt

from cli import main
from geo import store
from geo.config import get_settings
from geo.domain import hexes
from geo.services import access, briefing, cells, overview
from geo.services import coverage as coverage_svc
from geo.services import hotspots as hotspots_svc
from geo.services import plan as plan_svc
from geo.services import risk as risk_svc
from geo.store import engine as store_engine
from tests import tiny

MIN = 60_000
T0 = 1_700_000_000_000  # an injected clock (epoch ms): no sleeps


@pytest.fixture
def tiny_engine(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    tiny.load(engine, tmp_path)
    return engine


def _settings(**changes: object) -> object:
    return get_settings().with_(**changes)


def _audit_rows(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(sa.select(store.audit)).mappings().all())


# --------------------------------------------------------------------------------------------
# Users, passwords, login, lockout, sessions


def test_passwords_are_argon2_hashes_and_never_stored_or_logged(tiny_engine: sa.Engine) -> None:
    access.add_user(tiny_engine, "chief", "s3cret-pass-1", "commander", ["ST"], by="root", now=T0)
    with tiny_engine.connect() as conn:
        row = conn.execute(sa.select(store.users)).mappings().one()
    assert row["password_hash"].startswith("$argon2id$")
    assert "s3cret-pass-1" not in json.dumps({k: str(v) for k, v in row.items()})
    access.set_password(tiny_engine, "chief", "an0ther-pass", by="root", now=T0 + 1)
    access.login(tiny_engine, "chief", "an0ther-pass", now=T0 + 2)
    with pytest.raises(access.LoginError):
        access.login(tiny_engine, "chief", "s3cret-pass-1", now=T0 + 3)
    log = _audit_rows(tiny_engine).to_json(force_ascii=False)
    for secret in ("s3cret-pass-1", "an0ther-pass", "$argon2"):
        assert secret not in log
    assert "password_hash" not in access.users(tiny_engine).columns


def test_lockout_after_repeated_failures_and_unlock_after_the_minutes(
    tiny_engine: sa.Engine,
) -> None:
    s = _settings(login_attempts=3, lockout_minutes=10)
    access.add_user(tiny_engine, "g1", "grid-one-pass", "grid_manager", ["G1"], now=T0)
    for i in range(2):
        with pytest.raises(access.LoginError) as e:
            access.login(tiny_engine, "g1", "wrong", now=T0 + i, settings=s)
        assert e.value.code == "bad"
    access.login(tiny_engine, "g1", "grid-one-pass", now=T0 + 5, settings=s)  # resets the count
    for i in range(3):
        with pytest.raises(access.LoginError) as e:
            access.login(tiny_engine, "g1", "wrong", now=T0 + 10 + i, settings=s)
        assert e.value.code == "bad"
    with pytest.raises(access.LoginError) as e:  # the right password, but locked
        access.login(tiny_engine, "g1", "grid-one-pass", now=T0 + 9 * MIN, settings=s)
    assert e.value.code == "locked"
    assert access.users(tiny_engine)["locked"].tolist() == [False]  # the real clock: long ago
    session = access.login(tiny_engine, "g1", "grid-one-pass", now=T0 + 11 * MIN, settings=s)
    assert session.user == "g1"
    actions = _audit_rows(tiny_engine)["action"].tolist()
    assert actions.count("lockout") == 1 and actions.count("login") == 2
    assert actions.count("login_failed") == 6  # 5 wrong passwords and 1 while locked


@contextlib.contextmanager
def _write_lock_held(engine: sa.Engine) -> Iterator[None]:
    """Another connection holds the SQLite store's write lock, as an import does while it
    stores its file."""
    holder = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_login_during_a_long_import_on_sqlite_does_not_wait_and_loses_nothing(
    sqlite_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 8's gap: a login writes (counters, audit rows), and SQLite's single write lock is
    the import's until its file is stored. The login now answers at once; its writes follow
    when the lock frees, in order, and the lockout holds meanwhile."""
    eng = sqlite_engine
    monkeypatch.setattr(store_engine, "QUICK_WAIT_S", 0.05)
    s = _settings(login_attempts=3, lockout_minutes=10)
    access.add_user(eng, "g1", "grid-one-pass", "grid_manager", now=T0, areas=["G1"])
    access.add_user(eng, "g2", "grid-two-pass", "grid_manager", now=T0, areas=["G2"])
    with _write_lock_held(eng):
        session = access.login(eng, "g1", "grid-one-pass", now=T0 + 1, settings=s)
        assert session.user == "g1"
        for i in range(3):  # three wrong passwords lock g2 out, though nothing is stored yet
            with pytest.raises(access.LoginError) as e:
                access.login(eng, "g2", "wrong", now=T0 + 2 + i, settings=s)
            assert e.value.code == "bad"
        with pytest.raises(access.LoginError) as e:
            access.login(eng, "g2", "grid-two-pass", now=T0 + 9, settings=s)
        assert e.value.code == "locked"
        access.audit(eng, "g1", "export", "brief.pdf", rows=1, now=T0 + 10)
        assert store.writes_waiting(eng) == 6
        assert _audit_rows(eng)["action"].tolist() == ["user_add", "user_add"]
        assert access.resume(eng, session, now=T0 + 11, settings=s) is not None  # reads only
    assert store.writes_waiting(eng, wait=60) == 0
    log = _audit_rows(eng)
    assert log["action"].tolist() == [
        "user_add",
        "user_add",
        "login",
        "login_failed",
        "login_failed",
        "login_failed",
        "lockout",
        "login_failed",
        "export",
    ]
    assert log["ts_ms"].tolist()[2:] == [T0 + 1, T0 + 2, T0 + 3, T0 + 4, T0 + 4, T0 + 9, T0 + 10]
    with eng.connect() as conn:
        row = conn.execute(sa.select(store.users).where(store.users.c.user_name == "g2")).one()
    assert row.locked_until_ms == T0 + 4 + 10 * MIN and row.failed == 3  # counted, not reset
    with pytest.raises(access.LoginError, match="too many"):  # now from the store itself
        access.login(eng, "g2", "grid-two-pass", now=T0 + 5 * MIN, settings=s)
    access.login(eng, "g2", "grid-two-pass", now=T0 + 11 * MIN, settings=s)
    assert store.writes_waiting(eng) == 0  # the lock is free: written at once


def test_unknown_disabled_and_wrong_password_look_alike(tiny_engine: sa.Engine) -> None:
    access.add_user(tiny_engine, "v", "viewer-pass", "viewer", ["G2"], now=T0)
    access.set_disabled(tiny_engine, "v", now=T0)
    codes = set()
    for name, pw in (("nobody", "viewer-pass"), ("v", "viewer-pass"), ("v", "nope"), ("", "")):
        with pytest.raises(access.LoginError) as e:
            access.login(tiny_engine, name, pw, now=T0 + 1)
        codes.add((e.value.code, str(e.value)))
    assert len(codes) == 1
    with pytest.raises(ValueError, match="no enabled user"):
        access.principal_of(tiny_engine, "v")


def test_session_times_out_and_ends_on_disable_or_new_password(tiny_engine: sa.Engine) -> None:
    s = _settings(session_minutes=30)
    access.add_user(tiny_engine, "g2", "grid-two-pass", "grid_manager", ["G2"], now=T0)
    session = access.login(tiny_engine, "g2", "grid-two-pass", now=T0, settings=s)
    principal, session = access.resume(tiny_engine, session, now=T0 + 29 * MIN, settings=s)
    assert principal == access.Principal("g2", "grid_manager", frozenset({"G2"}))
    assert session.last_ms == T0 + 29 * MIN  # activity keeps it alive
    assert access.resume(tiny_engine, session, now=T0 + 58 * MIN, settings=s) is not None
    assert access.resume(tiny_engine, session, now=T0 + 29 * MIN + 31 * MIN, settings=s) is None
    assert "session_timeout" in _audit_rows(tiny_engine)["action"].tolist()
    session = access.login(tiny_engine, "g2", "grid-two-pass", now=T0 + 100 * MIN, settings=s)
    access.set_role(tiny_engine, "g2", "viewer", ["ST"], now=T0 + 101 * MIN)
    principal, session = access.resume(tiny_engine, session, now=T0 + 102 * MIN, settings=s)
    assert principal.role == "viewer" and principal.areas == {"ST"}  # read again at every step
    access.set_password(tiny_engine, "g2", "grid-two-new", now=T0 + 103 * MIN)
    assert access.resume(tiny_engine, session, now=T0 + 104 * MIN, settings=s) is None
    session = access.login(tiny_engine, "g2", "grid-two-new", now=T0 + 105 * MIN, settings=s)
    access.set_disabled(tiny_engine, "g2", now=T0 + 106 * MIN)
    assert access.resume(tiny_engine, session, now=T0 + 107 * MIN, settings=s) is None


def test_no_default_password_outside_demo_mode(engine: sa.Engine) -> None:
    tiny_engine = engine  # no areas: the demo users' areas are not checked
    off = _settings(demo=False, admin_user=None, admin_password=None)
    with tiny_engine.begin() as conn:
        store.set_meta(conn, "demo", {"seed": 7})  # even a store holding the demo city
    assert access.bootstrap(tiny_engine, off) == []
    assert access.users(tiny_engine).empty
    for name, password, _role, _areas in access.DEMO_USERS:
        with pytest.raises(access.LoginError):
            access.login(tiny_engine, name, password, settings=off)
    # demo users made in demo mode do not log in once demo mode is off
    on = _settings(demo=True, admin_user=None, admin_password=None)
    assert sorted(access.bootstrap(tiny_engine, on)) == sorted(u[0] for u in access.DEMO_USERS)
    name, password = access.DEMO_USERS[0][:2]
    access.login(tiny_engine, name, password, settings=on)
    with pytest.raises(access.LoginError):
        access.login(tiny_engine, name, password, settings=off)
    with pytest.raises(ValueError):
        access.principal_of(tiny_engine, name, settings=off)


def test_first_admin_from_the_environment(tiny_engine: sa.Engine) -> None:
    s = get_settings(
        {
            "QY_DATABASE_URL": "postgresql+psycopg://h/db",
            "QY_ADMIN_USER": "root",
            "QY_ADMIN_PASSWORD": "from-the-env-1",
            "QY_SESSION_MINUTES": "5",
            "QY_LOGIN_ATTEMPTS": "4",
            "QY_LOCKOUT_MINUTES": "2",
        }
    )
    assert (s.demo, s.session_minutes, s.login_attempts, s.lockout_minutes) == (False, 5, 4, 2)
    assert "from-the-env-1" not in repr(s)
    assert access.bootstrap(tiny_engine, s) == ["root"]
    assert access.bootstrap(tiny_engine, s) == []  # only on first start
    assert access.login(tiny_engine, "root", "from-the-env-1", settings=s).user == "root"
    assert access.principal_of(tiny_engine, "root", settings=s).areas is None
    with pytest.raises(ValueError, match="QY_SESSION_MINUTES"):
        get_settings({"QY_SESSION_MINUTES": "0"})


@pytest.mark.parametrize(
    ("name", "password", "role", "areas", "match"),
    [
        ("<b>x</b>", "long-enough", "viewer", ["G1"], "user name"),
        ("ok", "short", "viewer", ["G1"], "8 characters"),
        ("ok", "long-enough", "chief", ["G1"], "unknown role"),
        ("ok", "long-enough", "admin", ["G1"], "every area"),
        ("ok", "long-enough", "viewer", [], "at least one area"),
        ("ok", "long-enough", "viewer", ["NOPE"], "unknown area"),
        ("ok", "long-enough", "commander", ["G1"], "station"),
        ("ok", "long-enough", "grid_manager", ["ST"], "grid"),
    ],
)
def test_bad_users_are_refused(
    tiny_engine: sa.Engine, name: str, password: str, role: str, areas: list[str], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        access.add_user(tiny_engine, name, password, role, areas)
    assert access.users(tiny_engine).empty


# --------------------------------------------------------------------------------------------
# The store enforces the principal


def test_store_read_keeps_a_grid_manager_inside_and_refuses_a_viewer(
    tiny_engine: sa.Engine,
) -> None:
    g1 = access.Principal("g1", "grid_manager", frozenset({"G1"}))
    viewer = access.Principal("v", "viewer", frozenset({"ST"}))
    for kind in tiny.ORDER:
        plain = store.read(tiny_engine, kind, ["G1"])
        mine = store.read(tiny_engine, kind, g1)
        pd.testing.assert_frame_equal(mine, plain)  # the existing Scope keeps working
        if kind in access.VIEWER_ROW_KINDS:
            assert len(store.read(tiny_engine, kind, viewer)) > 0
        else:
            with pytest.raises(PermissionError):
                store.read(tiny_engine, kind, viewer)
            assert not store.may_read(viewer, kind)
    assert (store.read(tiny_engine, "pings", g1)["lng"] < 115.980).all()
    assert "owner" not in store.read(tiny_engine, "areas", viewer).columns
    assert "owner" not in store.read(tiny_engine, "areas", viewer, columns=["area_id", "owner"])
    with pytest.raises(PermissionError):
        store.read(tiny_engine, "areas", viewer, where={"owner": ["网格员甲"]})
    assert store.figures_scope(viewer) == frozenset({"ST"})
    assert store.resolve_scope(tiny_engine, viewer) == {"ST", "G1", "G2"}
    admin = access.Principal("a", "admin", None)
    assert len(store.read(tiny_engine, "pings", admin)) == len(
        store.read(tiny_engine, "pings", "all")
    )
    with pytest.raises(ValueError):
        access.Principal("x", "grid_manager", None)  # only an admin has every area


def test_viewer_figures_without_rows(tiny_engine: sa.Engine) -> None:
    viewer = access.Principal("v", "viewer", frozenset({"ST"}))
    figs = overview.compare(tiny_engine, viewer, "2022-07-01", "2022-07-03")
    assert figs.equals(overview.compare(tiny_engine, ["ST"], "2022-07-01", "2022-07-03"))
    cov = coverage_svc.coverage_cells(tiny_engine, viewer, start="2022-07-01", end="2022-07-03")
    plain = coverage_svc.coverage_cells(tiny_engine, ["ST"], start="2022-07-01", end="2022-07-03")
    # every cell of the tiny store was patrolled by fewer than 3 shifts: a viewer sees none of
    # them (aggregate privacy, tests/test_privacy.py), the figures above count them all
    assert len(plain) > 0 and cov.empty
    for fn, args in (
        (coverage_svc.shifts_of_night, ("2022-07-01",)),
        (coverage_svc.night_tracks, (["S1"],)),
        (coverage_svc.track_breaks, ("2022-07-01", "2022-07-03")),
    ):
        with pytest.raises(PermissionError):
            fn(tiny_engine, viewer, *args)
    inc = store.read(tiny_engine, "incidents", "all")
    cell = int(hexes.latlng_to_cells(inc["lat"].to_numpy()[:1], inc["lng"].to_numpy()[:1], 9)[0])
    d = cells.cell_details(tiny_engine, viewer, cell, 9, "2022-06-01", "2022-08-01")
    admin_d = cells.cell_details(tiny_engine, "all", cell, 9, "2022-06-01", "2022-08-01")
    assert d["incidents"].empty and len(admin_d["incidents"]) > 0
    assert d["by_category"].equals(admin_d["by_category"])  # the counts stay


def test_plans_are_seen_by_their_areas(tiny_engine: sa.Engine) -> None:
    g1 = access.Principal("g1", "grid_manager", frozenset({"G1"}))
    g2 = access.Principal("g2", "grid_manager", frozenset({"G2"}))
    doc = {
        "plan_id": "P1",
        "date": "2022-07-01",
        "risk_covered": 1.0,
        "risk_total": 2.0,
        "area": None,
        "units": [],
    }
    plan_svc.save_plan(tiny_engine, doc, user="g1", scope=g1)
    assert list(plan_svc.list_plans(tiny_engine, g1)["plan_id"]) == ["P1"]
    assert plan_svc.list_plans(tiny_engine, g2).empty
    assert list(plan_svc.list_plans(tiny_engine, ["ST"])["plan_id"]) == ["P1"]
    with pytest.raises(ValueError):
        plan_svc.load_plan(tiny_engine, "P1", g2)


def test_audit_log_filters(tiny_engine: sa.Engine) -> None:
    access.audit(tiny_engine, "a", "export", "plan_100%.pdf", rows=3, now=T0)
    access.audit(tiny_engine, "b", "download", "briefing_x.pdf", now=T0 + MIN)
    access.audit(tiny_engine, "b", "import", "venues.csv", rows=12, now=T0 + 2 * MIN)
    with pytest.raises(ValueError):
        access.audit(tiny_engine, "b", "no_such_action")
    log = access.audit_log(tiny_engine)
    assert log["what"].tolist() == ["venues.csv", "briefing_x.pdf", "plan_100%.pdf"]
    assert access.audit_log(tiny_engine, user="b")["action"].tolist() == ["import", "download"]
    assert access.audit_log(tiny_engine, actions=["export"])["rows"].tolist() == [3]
    assert access.audit_log(tiny_engine, text="100%")["user_name"].tolist() == ["a"]
    assert access.audit_log(tiny_engine, text="_x")["what"].tolist() == ["briefing_x.pdf"]
    day = pd.Timestamp(T0, unit="ms", tz="UTC").tz_convert(get_settings().tz).date()
    assert len(access.audit_log(tiny_engine, start=str(day), end=str(day))) == 3
    assert access.audit_log(tiny_engine, end=str(day - pd.Timedelta(days=1))).empty


def test_cli_users_add_list_disable_passwd(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("cli-password-1\n"))
    assert (
        main(["users", "add", "boss", "--role", "admin", "--password-stdin", "--db", db_url]) == 0
    )
    assert main(["users", "add", "dup", "--role", "admin", "--db", db_url]) == 2  # no tty
    assert "password-stdin" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("cli-password-2\n"))
    assert main(["users", "passwd", "boss", "--password-stdin", "--db", db_url]) == 0
    assert main(["users", "disable", "boss", "--db", db_url]) == 0
    assert main(["users", "list", "--db", db_url]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert json.loads(out[-1])["users"] == [
        {
            "name": "boss",
            "role": "admin",
            "areas": [],
            "disabled": True,
            "locked": False,
            "demo": False,
        }
    ]
    assert "cli-password" not in "\n".join(out)
    engine = store.connect(db_url)
    assert access.audit_log(engine)["action"].tolist() == [
        "user_disable",
        "user_password",
        "user_add",
    ]
    assert main(["users", "enable", "boss", "--db", db_url]) == 0
    assert access.login(engine, "boss", "cli-password-2").user == "boss"


# --------------------------------------------------------------------------------------------
# The demo city as a grid manager of one grid and as a viewer: every geo read of the app,
# its exports, maps and CLI commands

GRID = "ST01-G03"
PERIOD = ("2022-07-01", "2022-07-31")


@pytest.fixture(scope="module")
def demo(demo_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    import shutil

    copy = tmp_path_factory.mktemp("access-demo") / "demo.db"
    shutil.copyfile(demo_db_file, copy)
    url = f"sqlite:///{copy}"
    engine = store.connect(url)
    access.bootstrap(engine, _settings(demo=True))
    areas = store.read(engine, "areas", "all")
    poly = shapely_wkt.loads(areas.set_index("area_id").at[GRID, "geometry"])
    everything = {k: store.read(engine, k, "all") for k in store.RECORD_TABLES}
    yield {"url": url, "engine": engine, "poly": poly, "all": everything}
    store.forget(url)
    engine.dispose()


def _outside(demo: dict) -> dict[str, set[str]]:
    """Ids of records of other grids, per id column (points outside the grid's polygon)."""
    poly, rows = demo["poly"], demo["all"]
    out: dict[str, set[str]] = {}
    for kind, col in (
        ("incidents", "incident_id"),
        ("venues", "venue_id"),
        ("hazards", "hazard_id"),
        ("sites", "site_id"),
        ("disputes", "dispute_id"),
        ("leads", "lead_id"),
    ):
        f = rows[kind].dropna(subset=["lat"])
        inside = shapely.contains_xy(poly, f["lng"].to_numpy(float), f["lat"].to_numpy(float))
        out[col] = set(f.loc[~inside, col].astype(str))
    p = rows["pings"]
    inside = shapely.contains_xy(poly, p["lng"].to_numpy(float), p["lat"].to_numpy(float))
    out["shift_id"] = set(p["shift_id"]) - set(p.loc[inside, "shift_id"])
    return out


def _cells_inside(demo: dict, frame: pd.DataFrame) -> bool:
    if frame.empty:
        return True
    lat, lng = hexes.cell_centres(frame["cell"].to_numpy().astype(np.uint64))
    return bool(shapely.contains_xy(demo["poly"].buffer(1e-9), lng, lat).all())


def _points_inside(demo: dict, frame: pd.DataFrame) -> bool:
    f = frame.dropna(subset=["lat"]) if "lat" in frame else frame.iloc[0:0]
    return bool(
        shapely.contains_xy(demo["poly"], f["lng"].to_numpy(float), f["lat"].to_numpy(float)).all()
    )


@pytest.mark.slow
def test_grid_manager_reads_nothing_of_another_grid(demo: dict) -> None:
    eng = demo["engine"]
    g = access.principal_of(eng, "grid03")
    assert g == access.Principal("grid03", "grid_manager", frozenset({GRID}))
    foreign = _outside(demo)
    assert all(foreign.values())  # the demo city has records in other grids to leak
    start, end = PERIOD
    # rows: every kind the pages and exports read (Venues, Hazards, Disputes, maps, popups)
    for kind in store.RECORD_TABLES:
        rows = store.read(eng, kind, g)
        assert len(rows) > 0, kind
        for col, ids in foreign.items():
            if col in rows:
                assert not set(rows[col].astype(str)) & ids, (kind, col)
        if "lat" in rows and kind != "areas":
            assert _points_inside(demo, rows), kind
    assert set(store.read(eng, "areas", g)["area_id"]) == {GRID}
    with pytest.raises(ValueError):  # another grid cannot be asked for
        store.narrowed(eng, g, "ST01-G01")
    with pytest.raises(ValueError):
        overview.compare(eng, g, start, end, "ST01")
    # cells: overview, coverage, hotspots, risk (their exports and standalone maps too)
    # (coverage at res 10: dwell is kept in the res-10 cells whose centre lies in the grid;
    # a coarser cell is the parent of such cells and may stick out of the grid)
    for fn, kw in (
        (coverage_svc.coverage_cells, {"res": 10}),
        (hotspots_svc.hotspot_cells, {}),
        (risk_svc.risk_cells, {}),
    ):
        assert _cells_inside(demo, fn(eng, g, start=start, end=end, **kw)), fn.__name__
    # the figures are the grid's figures
    pd.testing.assert_frame_equal(
        overview.compare(eng, g, start, end), overview.compare(eng, "all", start, end, GRID)
    )
    # tracks of a night: only the grid's part of each track
    shifts = coverage_svc.shifts_of_night(eng, g, "2022-07-15")
    assert len(shifts) > 0 and not set(shifts["shift_id"]) & foreign["shift_id"]
    pings = coverage_svc.night_tracks(eng, g, demo["all"]["shifts"]["shift_id"].tolist()[:400])
    assert len(pings) > 0 and _points_inside(demo, pings)
    assert (
        not set(coverage_svc.track_breaks(eng, g, start, end, only_breaks=False)["shift_id"])
        & foreign["shift_id"]
    )
    # a clicked cell of another grid shows nothing; one of the grid shows only the grid's rows
    inc = demo["all"]["incidents"]
    away = inc.loc[inc["incident_id"].isin(foreign["incident_id"])].iloc[0]
    d = cells.cell_details(
        eng,
        g,
        int(hexes.latlng_to_cells(np.array([away["lat"]]), np.array([away["lng"]]), 9)[0]),
        9,
        "2022-04-01",
        "2022-10-31",
    )
    for key in ("incidents", "venues", "hazards", "sites", "disputes", "leads"):
        frame = d[key]
        for col, ids in foreign.items():
            if col in frame:
                assert not set(frame[col].astype(str)) & ids, key
    # the briefing (page and downloads) is the grid's briefing
    mine = briefing.figures(eng, g, start, end)
    assert mine["key"] == briefing.figures(eng, "all", start, end, GRID)["key"]
    b = briefing.build(eng, g, start, end, formats=("html", "md"))
    text = (
        b.files["html"].decode("utf-8") if isinstance(b.files["html"], bytes) else b.files["html"]
    )
    names = dict(zip(demo["all"]["areas"]["area_id"], demo["all"]["areas"]["name"], strict=True))
    assert names[GRID] in text
    assert not [a for a, n in names.items() if a not in (GRID, "ST01") and n in text]
    # plans: units on duty, candidate cells and the saved plan stay in the grid
    plan = plan_svc.make_plan(eng, g, night="2022-07-15", n_units=2, time_limit_s=2)
    assert plan["units"]
    stops = pd.DataFrame([s for u in plan["units"] for s in u["stops"]])
    if len(stops):
        assert _points_inside(demo, stops)
    plan_svc.save_plan(eng, plan, user="grid03", scope=g)
    assert plan["plan_id"] in set(plan_svc.list_plans(eng, g)["plan_id"])
    other = access.Principal("x", "grid_manager", frozenset({"ST01-G01"}))
    assert plan["plan_id"] not in set(plan_svc.list_plans(eng, other)["plan_id"])
    assert plan_svc.actual(eng, g, plan["plan_id"])["plan_id"] == plan["plan_id"]


_FORBIDDEN_VIEWER = (
    "pings",
    "shifts",
    "units",
    "incidents",
    "inspections",
    "site_checks",
    "disputes",
    "leads",
)


@pytest.mark.slow
def test_viewer_gets_figures_but_no_track_officer_or_incident_row(demo: dict) -> None:
    eng = demo["engine"]
    v = access.principal_of(eng, "viewer")
    start, end = PERIOD
    for kind in _FORBIDDEN_VIEWER:
        with pytest.raises(PermissionError):
            store.read(eng, kind, v)
    for kind in access.VIEWER_ROW_KINDS:
        rows = store.read(eng, kind, v)
        assert len(rows) > 0 and "owner" not in rows and "unit_id" not in rows
    for fn, args in (
        (coverage_svc.shifts_of_night, ("2022-07-15",)),
        (coverage_svc.night_tracks, (["x"],)),
        (coverage_svc.track_breaks, (start, end)),
        (plan_svc.units_on_duty, ()),
    ):
        with pytest.raises(PermissionError):
            fn(eng, v, *args)
    with pytest.raises(PermissionError):
        plan_svc.make_plan(eng, v, night="2022-07-15", n_units=1, time_limit_s=1)
    # figures and briefings are there, equal to the station's
    assert overview.compare(eng, v, start, end).equals(overview.compare(eng, ["ST01"], start, end))
    b = briefing.build(eng, v, start, end, formats=("html",))
    html = (
        b.files["html"].decode("utf-8") if isinstance(b.files["html"], bytes) else b.files["html"]
    )
    units = demo["all"]["units"]
    people = (
        set(demo["all"]["areas"]["owner"].dropna())
        | set(units["name"])
        | set(demo["all"]["disputes"]["mediator"].dropna())
    )
    assert not [p for p in people if p and p in html]
    assert not [i for i in demo["all"]["incidents"]["incident_id"].head(500) if i in html]


@pytest.mark.slow
@pytest.mark.parametrize("user", ["grid03", "viewer"])
def test_cli_reads_as_a_user(
    demo: dict, user: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, eng = demo["url"], demo["engine"]
    foreign = _outside(demo)
    base = ["--db", url, "--as", user, "--from", PERIOD[0], "--to", PERIOD[1]]
    for command in ("coverage", "hotspots", "risk"):
        out = tmp_path / f"{command}.csv"
        assert main([command, *base, "--out", str(out)]) == 0, capsys.readouterr().err
        cellsf = pd.read_csv(out)
        cellsf["cell"] = hexes.str_to_cells(cellsf["h3"])
        if user == "grid03" and command != "coverage":  # coverage: see the test above
            assert _cells_inside(demo, cellsf), command
    for layer in ("venues", "hazards", "coverage"):
        out = tmp_path / f"{layer}.html"
        assert main(["map", *base, "--layer", layer, "--out", str(out)]) == 0
        html = out.read_text(encoding="utf-8")
        if user == "grid03":
            ids = foreign["venue_id"] | foreign["hazard_id"]
            assert not [i for i in ids if re.search(rf"\b{re.escape(i)}\b", html)], layer
            others = demo["all"]["venues"]
            names = set(others.loc[others["venue_id"].isin(foreign["venue_id"]), "name"])
            assert not [n for n in names if n in html]
        owners = set(demo["all"]["areas"]["owner"].dropna())
        assert user == "grid03" or not [o for o in owners if o in html]
    out = tmp_path / "brief.md"
    assert main(["brief", *base, "--out", str(out)]) == 0
    assert main(["status", "--db", url, "--as", user]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    status = json.loads(lines[-1])["counts"]
    if user == "viewer":
        assert set(status) == set(access.VIEWER_ROW_KINDS)
        code = main(
            [
                "plan",
                "--db",
                url,
                "--as",
                user,
                "--date",
                "2022-07-15",
                "--units",
                "1",
                "--time-limit",
                "1",
                "--out",
                str(tmp_path / "p.json"),
            ]
        )
        assert code == 2 and "may not read" in capsys.readouterr().err
    else:
        assert status["incidents"] == len(store.read(eng, "incidents", [GRID]))
    assert main(["coverage", "--db", url, "--as", "nobody", "--out", str(tmp_path / "x.csv")]) == 2
    assert main(["import", "areas", str(out), "--db", url, "--as", user]) == 2
    log = access.audit_log(eng, user=user, actions=["export"])
    assert {"coverage.csv", "venues.html", "brief.md"} <= set(log["what"])

"""Shared fixtures: a fresh store per test on SQLite and, when QY_TEST_PG_URL is set, PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from geo import store

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("QY_TEST_PG_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _pg_database() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("QY_TEST_PG_URL is not set")
    name = f"qy_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        store.forget(url)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _real_main_module() -> Iterator[None]:
    """Put the real ``__main__`` back after every test.

    AppTest runs each script as a module it installs as ``sys.modules["__main__"]`` and leaves
    there; worker processes started with spawn (Dask's LocalCluster) then re-ran app.py on start
    (two workers migrating the default store at once: "Nanny failed to start").
    """
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """URL of an empty store on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        yield url
        store.forget(url)
    else:
        yield from _pg_database()


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    """A migrated, empty store on each backend."""
    return store.connect(db_url)


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[sa.Engine]:
    """A migrated, empty SQLite store (for tests that need only one backend)."""
    url = f"sqlite:///{tmp_path / 'one.db'}"
    yield store.connect(url)
    store.forget(url)


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store holding the demo city, built once per test session (about 20 s)."""
    from geo.services.demo import load_demo

    path = tmp_path_factory.mktemp("demo-city") / "demo.db"
    url = f"sqlite:///{path}"
    engine = store.connect(url)
    load_demo(engine)
    store.forget(url)
    engine.dispose()
    return path


def log_in(at: object, url: str, user: str = "admin") -> object:
    """Log an AppTest in as a demo user (geo.services.access.DEMO_USERS) before its first run.

    It calls geo.services.access.login with the user's demo password, as the login form does, and
    puts the session where the form puts it; the app then checks it at every run like any session.
    Nothing here works without the password, and demo users log in only in demo mode.
    """
    from geo.services import access

    eng = store.connect(url)
    access.bootstrap(eng)  # the demo users (demo mode, demo city loaded)
    password = {name: pw for name, pw, _role, _areas in access.DEMO_USERS}[user]
    at.session_state["qy_session"] = access.login(eng, user, password)  # type: ignore[attr-defined]
    return at


@pytest.fixture
def new_app(demo_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """Make AppTests of app.py on a private copy of the demo store.

    ``new_app()`` starts logged in as the demo admin, ``new_app("grid03")`` as another demo
    user, ``new_app(None)`` at the login form; each has run once without an exception.
    """
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("QY_DATABASE_URL", demo_db_url)
    monkeypatch.chdir(ROOT)

    def make(user: str | None = "admin") -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
        if user is not None:
            log_in(at, demo_db_url, user)
        at.run()
        assert not at.exception, at.exception
        return at

    yield make
    store.forget(demo_db_url)


@pytest.fixture
def app(new_app: Callable[..., Any]) -> Any:
    """The app logged in as the demo admin, on its first page."""
    return new_app()


@pytest.fixture
def demo_db_url(demo_db_file: Path, tmp_path: Path) -> str:
    """URL of a private copy of the demo store (tests may write to it)."""
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_db_file, copy)
    return f"sqlite:///{copy}"


@pytest.fixture(scope="module")
def demo_copy(demo_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """A store on a copy of the session's demo store, shared by one test module (its tests may
    write to it)."""
    copy = tmp_path_factory.mktemp("demo-copy") / "demo.db"
    shutil.copyfile(demo_db_file, copy)
    url = f"sqlite:///{copy}"
    eng = store.connect(url)
    yield eng
    store.forget(url)
    eng.dispose()

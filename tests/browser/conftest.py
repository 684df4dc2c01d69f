"""Browser tests: the real app on the demo city, driven in Debian's Chromium, offline.

Every request to a host other than localhost/127.0.0.1 is aborted and recorded; tests assert none
was needed. Screenshots go to tests/artifacts/ (kept out of git) for people to look at.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.bench import _browser
from tests.bench._browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", ""}
wait_for_run = _browser.wait_for_run  # the browser tests import it from here


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the session."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def healthy(url: str) -> bool:
    """True when the Streamlit server at ``url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except OSError:
        return False


@contextlib.contextmanager
def serve_app(db: Path, log_dir: Path, **env: str) -> Iterator[str]:
    """Serve app.py with Streamlit on the store file ``db`` (extra environment ``env``) and
    yield its URL; the server log goes to ``log_dir``."""
    port = _free_port()
    full_env = {**os.environ, "QY_DATABASE_URL": f"sqlite:///{db}", "PYTHONPATH": str(ROOT), **env}
    with open(log_dir / "server.log", "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        try:
            while not healthy(url):
                if time.monotonic() > deadline:
                    pytest.fail("the app did not start within 90 s")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def app_store(demo_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store file :func:`app_url` serves: a private copy of the demo store."""
    db = tmp_path_factory.mktemp("browser-store") / "demo.db"
    shutil.copyfile(demo_db_file, db)
    return db


@pytest.fixture(scope="session")
def app_url(app_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app served by Streamlit on :func:`app_store`."""
    with serve_app(app_store, tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.fixture
def offline_page(browser: object) -> Iterator[object]:
    """A page whose requests to non-local hosts are aborted; ``page.blocked`` lists them."""
    context = browser.new_context(viewport={"width": 1400, "height": 950}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    blocked: list[str] = []

    def route(r: object) -> None:
        url = r.request.url  # type: ignore[attr-defined]
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:", "file:")) or host in LOCAL_HOSTS:
            r.continue_()  # type: ignore[attr-defined]
        else:
            blocked.append(url)
            r.abort()  # type: ignore[attr-defined]

    context.route("**/*", route)
    page.blocked = blocked  # type: ignore[attr-defined]
    page.goto_login = page.goto  # type: ignore[attr-defined]  # the login form itself
    page.goto = lambda url, **kw: log_in(page, url, **kw)  # type: ignore[method-assign]
    yield page
    context.close()


def log_in(page: object, url: str, *, user: str = "admin", **goto: object) -> object:
    """Open ``url`` and log in through the login form as a demo user (each new page load is a
    new Streamlit session, which starts at the form); a saved file (a briefing, a map) just
    opens. Returns goto's response."""
    if not url.startswith(("http://", "https://")):
        return page.goto_login(url, **goto)  # type: ignore[attr-defined]
    return _browser.log_in(page, url, user=user, **goto)


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path

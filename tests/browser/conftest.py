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

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", ""}


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
    new Streamlit session, which starts at the form). Returns goto's response."""
    from geo.services.access import DEMO_USERS

    password = {n: p for n, p, _r, _a in DEMO_USERS}[user]
    response = page.goto_login(url, **goto)  # type: ignore[attr-defined]
    if not url.startswith(("http://", "https://")):  # a saved file (a briefing, a map)
        return response
    form = page.locator('[data-testid="stForm"]')  # type: ignore[attr-defined]
    form.wait_for(timeout=90_000)
    form.locator('input[type="text"]').fill(user)
    form.locator('input[type="password"]').fill(password)
    form.locator(
        '[data-testid="stBaseButton-secondaryFormSubmit"], '
        '[data-testid="stBaseButton-primaryFormSubmit"]'
    ).first.click()
    page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=90_000)  # type: ignore[attr-defined]
    return response


# true once the app's script has not been running for ``quiet`` ms in a row. Streamlit marks its
# root with data-test-script-state (what Streamlit's own end-to-end tests wait on); the running-man
# status widget, by contrast, only shows after a run has lasted 500 ms, so its absence right after
# a heading appears does not mean the run ended. The quiet spell covers the rerun that a component
# (st_folium) asks for once it has drawn.
_IDLE = """(quiet) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && !document.querySelector('[data-testid="stStatusWidget"]');
  const now = performance.now();
  if (!idle) { window.__qyIdleSince = null; return false; }
  if (window.__qyIdleSince == null) { window.__qyIdleSince = now; }
  return now - window.__qyIdleSince >= quiet;
}"""


def wait_for_run(page: object, *, timeout: float = 180_000, quiet: float = 1_000) -> None:
    """Wait until the Streamlit script run has ended and stayed ended for ``quiet`` ms."""
    page.evaluate("() => { window.__qyIdleSince = null; }")  # type: ignore[attr-defined]
    page.wait_for_function(_IDLE, arg=quiet, timeout=timeout, polling=100)  # type: ignore[attr-defined]


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path

"""Driving the real app in Chromium without pytest: the helpers the app and map benchmarks share.

``python -m geo bench`` runs in the environment ``scripts/setup-and-run.sh`` installs
(requirements.txt), where pytest is absent; so the benchmarks take these helpers from here and not
from tests/browser/conftest.py (which holds the same login and wait for the browser tests, as
fixtures). Playwright and Debian's Chromium come with ``scripts/setup-and-test.sh`` only:
:func:`browser_missing` says when they are not there, and the benchmarks that need them report
that instead of a figure.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

__all__ = [
    "ARTIFACTS",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "browser_missing",
    "log_in",
    "wait_for_run",
]

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


def browser_missing() -> str | None:
    """Why Chromium cannot be driven here (Playwright or Debian's chromium absent), or None."""
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (scripts/setup-and-test.sh installs it)"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found (apt-get install -y chromium)"
    return None


def log_in(page: Any, url: str, *, user: str = "admin", **goto: Any) -> Any:
    """Open ``url`` and log in through the login form as a demo user; returns goto's response.

    ``page.goto_login`` opens a URL (the page's own ``goto``); each new page load is a new
    Streamlit session, which starts at the form.
    """
    from geo.services.access import DEMO_USERS

    password = {n: p for n, p, _r, _a in DEMO_USERS}[user]
    response = page.goto_login(url, **goto)
    form = page.locator('[data-testid="stForm"]')
    form.wait_for(timeout=90_000)
    form.locator('input[type="text"]').fill(user)
    form.locator('input[type="password"]').fill(password)
    form.locator(
        '[data-testid="stBaseButton-secondaryFormSubmit"], '
        '[data-testid="stBaseButton-primaryFormSubmit"]'
    ).first.click()
    page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=90_000)
    return response


# true once the app's script has not been running for ``quiet`` ms in a row (Streamlit's
# data-test-script-state on its root, what its own end-to-end tests wait on)
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


def wait_for_run(page: Any, *, timeout: float = 180_000, quiet: float = 1_000) -> None:
    """Wait until the Streamlit script run has ended and stayed ended for ``quiet`` ms."""
    page.evaluate("() => { window.__qyIdleSince = null; }")
    page.wait_for_function(_IDLE, arg=quiet, timeout=timeout, polling=100)

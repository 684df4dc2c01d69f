"""App responsiveness on the demo city: seconds from a filter change to the redrawn map (Chromium).

The real app runs on a copy of the demo store; headless Chromium logs in as the demo admin, changes
the sidebar's night window on the Coverage page and waits until the page's run has ended
(Streamlit's run state, as the browser tests wait for it, quiet for 0.3 s, which the figures
include) and the map layer has drawn again. Cold is the first time a setting is shown; warm is the
same setting shown again (cached results).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.browser.conftest import wait_for_run

ROOT = Path(__file__).resolve().parents[2]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _serve(url_db: str) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "QY_DATABASE_URL": url_db}
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
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(180):
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                return proc, base
        except OSError:
            time.sleep(0.5)
    proc.kill()
    msg = "the app did not start"
    raise RuntimeError(msg)


def _choose_night_from(page: Any, hour: int) -> float:
    """Pick the night start hour in the sidebar; seconds until the map has drawn again."""
    from geo.i18n import t

    page.wait_for_timeout(1500)  # let the widgets settle after the previous run
    page.get_by_label(t("filter.night_from", "zh-CN")).first.click(timeout=60_000)
    page.keyboard.type(f"{hour:02d}:00")
    t0 = time.perf_counter()
    page.keyboard.press("Enter")
    wait_for_run(page, timeout=120_000, quiet=300)
    _wait_drawn(page)
    return time.perf_counter() - t0


def _wait_drawn(page: Any) -> None:
    """Wait until the map iframe (re-created when the map changes) has drawn its cells."""
    for _ in range(50):
        try:
            frame = page.locator("iframe[title='streamlit_folium.st_folium']").first
            inner = frame.element_handle(timeout=60_000).content_frame()
            if inner is None:  # between two iframes
                page.wait_for_timeout(50)
                continue
            inner.wait_for_function("window.__qy && window.__qy.drawn >= 1", timeout=60_000)
            return
        except Exception as e:  # the frame was replaced while we waited: look again
            if "detached" not in str(e) and "closed" not in str(e):
                raise
    msg = "the map never settled"
    raise RuntimeError(msg)


def run(quick: bool = False) -> dict[str, Any]:
    """Figures: cold and warm seconds from a night-window change to the redrawn Coverage map."""
    from playwright.sync_api import sync_playwright

    from geo import store
    from geo.services.demo import load_demo
    from tests.browser.conftest import ARTIFACTS, log_in

    folder = Path(tempfile.mkdtemp(prefix="qy-bench-app-"))
    url = f"sqlite:///{folder / 'demo.db'}"
    load_demo(store.connect(url))
    proc, base = _serve(url)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 950})
            page.goto_login = page.goto  # the app opens at its login form
            log_in(page, f"{base}/coverage")
            page.locator("iframe[title='streamlit_folium.st_folium']").first.wait_for(
                timeout=120_000
            )
            wait_for_run(page, timeout=120_000)
            try:
                cold = [_choose_night_from(page, h) for h in (19, 21)]
            except Exception:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "bench-app-failed.png"))
                raise
            warm = [_choose_night_from(page, h) for h in (19, 21)] if not quick else []
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    figures = {"filter_change_cold_s": round(max(cold), 3)}
    if warm:
        figures["filter_change_warm_s"] = round(max(warm), 3)
    return {"ratios": {}, "figures": figures}


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))

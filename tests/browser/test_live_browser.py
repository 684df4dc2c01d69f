"""The Live page in Chromium, offline, while fixes come in: the real app on a copy of the demo
city refreshing every 3 seconds. Fixes come in two ways: posted to its store through the service
the server calls (geo.services.live.accept_fixes with a device token), where the unit's marker
moves and a new unit appears on the map without a reload of the page or of the map; and sent by
``python -m geo replay`` to a ``python -m geo serve`` on the same store, where the replayed units
move on the map as the night plays. Screenshots in both languages for the admin and the grid
manager go to /tmp/shots_live/ for people to look at."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import shapely

from geo import store
from geo.i18n import t
from geo.services import live, tokens
from tests.browser.conftest import ROOT, _free_port, serve_app, wait_for_run
from tests.test_app_live import _plan_tonight

SHOTS = Path("/tmp/shots_live")
GRID = "ST01-G03"  # the demo grid manager's grid
OTHER = "ST01-G11"
MAP = "iframe[title='streamlit_folium.st_folium']"
# the unit markers (layers/live.py: radius 8, filled by the state of the last fix) as lat, lng
UNITS_JS = """() => {
  const out = [];
  if (!window.map) { return out; }
  window.map.eachLayer((l) => {
    if (l instanceof L.CircleMarker && l.options.radius === 8 && l.options.color === '#ffffff') {
      const p = l.getLatLng(); out.push([p.lat, p.lng]);
    }
  });
  return out;
}"""


@pytest.fixture(scope="module")
def live_store(demo_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("live-store") / "demo.db"
    shutil.copyfile(demo_db_file, db)
    return db


@pytest.fixture(scope="module")
def live_url(live_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on :func:`live_store`, its live part refreshed every 3 seconds."""
    with serve_app(live_store, tmp_path_factory.mktemp("live-app"), QY_LIVE_REFRESH_S="3") as url:
        yield url


def _inside(engine: Any, area: str) -> tuple[float, float]:
    areas = store.read(engine, "areas", "all", columns=["area_id", "geometry"])
    p = shapely.from_wkt(areas.loc[areas["area_id"] == area, "geometry"].iloc[0])
    q = p.representative_point()
    return float(q.y), float(q.x)


class Devices:
    """Device tokens of the demo units and their fixes, posted as the server would store them."""

    def __init__(self, db: Path) -> None:
        self.engine = store.connect(f"sqlite:///{db}")
        self.tokens: dict[str, Any] = {}

    def post(self, unit: str, lat: float, lng: float, *, n: int = 4, age_s: float = 0) -> None:
        """``n`` fixes of ``unit`` arriving at (lat, lng) ``age_s`` seconds ago, 10 s apart, from
        the south-west."""
        if unit not in self.tokens:
            _id, secret = tokens.create_device_token(self.engine, unit, label="test", by="test")
            self.tokens[unit] = tokens.verify_token(self.engine, secret, kind="device")
        now = pd.Timestamp.now(tz="UTC") - pd.Timedelta(seconds=age_s)
        fixes = [
            {
                "time": (now - pd.Timedelta(seconds=10 * (n - 1 - k))).isoformat(),
                "lat": lat - 0.0004 * (n - 1 - k),
                "lng": lng - 0.0004 * (n - 1 - k),
                "speed": 28.0,
            }
            for k in range(n)
        ]
        got = live.accept_fixes(self.engine, self.tokens[unit], fixes)
        assert got.accepted == n and not got.rejected, got


def _open_live(page: Any, url: str, lang: str, *, user: str = "admin") -> Any:
    """The Live page, logged in as ``user``, in ``lang``; the map's frame once units are
    drawn."""
    page.goto(f"{url}/live", user=user)
    if lang == "en":
        page.get_by_text("English", exact=True).first.click()
    page.get_by_role("heading", name=t("page.live", lang)).first.wait_for(timeout=90_000)
    page.locator(MAP).first.wait_for(timeout=90_000)
    _settle(page)
    inner = page.locator(MAP).first.element_handle().content_frame()
    inner.wait_for_function(f"({UNITS_JS})().length > 0", timeout=60_000)
    return inner


def _settle(page: Any) -> None:
    """Wait for a quiet moment between two refreshes of the live part (they come every 3 s:
    the page is never idle for long)."""
    wait_for_run(page, timeout=120_000, quiet=300)


def _near(points: list[list[float]], lat: float, lng: float) -> bool:
    return any(abs(a - lat) < 2e-5 and abs(b - lng) < 2e-5 for a, b in points)


def _wait_for(inner: Any, lat: float, lng: float, timeout_s: float = 40.0) -> list[list[float]]:
    deadline = time.monotonic() + timeout_s
    while True:
        points = inner.evaluate(UNITS_JS)
        if _near(points, lat, lng) or time.monotonic() > deadline:
            return points
        time.sleep(0.5)


def _shot(page: Any, name: str) -> Path:
    """The whole page (a tall window: Streamlit scrolls inside its own container)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    size = page.viewport_size
    page.set_viewport_size({"width": 1400, "height": 2300})
    _settle(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def test_the_live_page_moves_while_fixes_come_in(
    offline_page: Any, live_url: str, live_store: Path
) -> None:
    page = offline_page
    devices = Devices(live_store)
    eng = devices.engine
    a, b = _inside(eng, GRID), _inside(eng, OTHER)
    devices.post("U01", *a)
    inner = _open_live(page, live_url, "zh-CN")
    assert _near(inner.evaluate(UNITS_JS), *a)
    caption = page.get_by_text(t("lv.updated", "zh-CN", time="", live=1, silent=0)[:3]).first
    first_caption = caption.inner_text()
    # marks that a reload of the page or of the map would wipe
    page.evaluate("() => { window.__qyLiveMark = 1; }")
    inner.evaluate("() => { window.__qyMapMark = 1; }")
    moved = (a[0] + 0.002, a[1] + 0.0015)  # about 250 m north-east
    devices.post("U01", *moved)
    devices.post("U02", *b)
    points = _wait_for(inner, *moved)
    assert _near(points, *moved), points  # the unit moved on the map
    points = _wait_for(inner, *b)
    assert _near(points, *b), points  # and the new unit appeared
    assert not _near(points, *a)  # U01 is drawn once, where it is now
    assert page.evaluate("() => window.__qyLiveMark") == 1  # no reload of the page
    assert inner.evaluate("() => window.__qyMapMark") == 1  # the map was updated in place
    assert caption.inner_text() != first_caption  # "updated at" moved on
    assert page.locator("[data-testid='stException']").count() == 0
    body = page.inner_text("body")
    assert t("app.error", "zh-CN") not in body and "Traceback" not in body
    assert t("lv.units", "zh-CN") in body and t("lv.alerts", "zh-CN") in body
    _shot(page, "live-admin-zh")
    page.locator(MAP).first.screenshot(path=str(SHOTS / "live-admin-zh-map.png"))
    assert page.blocked == []


@pytest.mark.parametrize(("user", "lang"), [("admin", "en"), ("grid03", "zh-CN"), ("grid03", "en")])
def test_live_page_screenshots(
    offline_page: Any, live_url: str, live_store: Path, user: str, lang: str
) -> None:
    """The page as each of them sees it (the grid manager: the units in its grid only)."""
    page = offline_page
    devices = Devices(live_store)
    a, b = _inside(devices.engine, GRID), _inside(devices.engine, OTHER)
    devices.post("U01", a[0] + 0.002, a[1] + 0.0015)
    devices.post("U02", *b)
    devices.post("U07", a[0] - 0.002, a[1] + 0.001, age_s=15 * 60)  # silent: 15 min
    # tonight's plan for U01: the first stop done, the next drawn as a dashed line to it
    _plan_tonight(devices.engine, "U01", [a, (a[0] - 0.006, a[1] - 0.004), b])
    inner = _open_live(page, live_url, lang, user=user)
    points = inner.evaluate(UNITS_JS)
    assert _near(points, a[0] + 0.002, a[1] + 0.0015)
    assert _near(points, *b) == (user == "admin")  # U02 is in another grid than grid03's
    body = page.inner_text("body")
    assert t("lv.units", lang) in body and t("app.error", lang) not in body
    if user == "admin":  # a call typed in: the nearest units ranked for it
        page.get_by_label(t("lv.lat", lang)).fill(f"{b[0] + 0.0005:.6f}")
        page.get_by_label(t("lv.lng", lang)).fill(f"{b[1]:.6f}")
        page.get_by_role("button", name=t("lv.find", lang)).click()
        page.get_by_text(t("lv.call_at", lang, lat="", lng="", crs="")[:8]).first.wait_for(
            timeout=30_000
        )
    else:  # a call picked on the map: the click survives the refreshes that follow
        page.locator(MAP).first.click(position={"x": 200, "y": 150})
        page.get_by_text(t("lv.call_map", lang)).first.wait_for(timeout=30_000)
        time.sleep(5)  # two refreshes
        assert t("lv.call_map", lang) in page.inner_text("body")
        inner.wait_for_function(
            "() => document.querySelectorAll('.qy-call').length === 1", timeout=30_000
        )
    _settle(page)
    _shot(page, f"live-{user}-{'en' if lang == 'en' else 'zh'}")
    assert page.blocked == []


REPLAY_NIGHT = "2022-10-31"  # the demo's duty night
REPLAY_UNITS = "U12,U19"  # its units whose shifts start inside the night window (20:40, 21:00)


def _api_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v1/openapi.json", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def test_the_live_page_moves_during_a_replay(
    offline_page: Any, live_url: str, live_store: Path, tmp_path: Path
) -> None:
    """``geo replay`` sends the demo night's fixes (moved to the present, 300 times real time)
    to ``geo serve`` on the app's store: the replayed units' markers move between two reads."""
    port = _free_port()
    api = f"http://127.0.0.1:{port}"
    env = {**os.environ, "QY_DATABASE_URL": f"sqlite:///{live_store}", "PYTHONPATH": str(ROOT)}
    geo = [sys.executable, "-m", "geo"]
    with open(tmp_path / "serve.log", "wb") as log:
        server = subprocess.Popen(
            [*geo, "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        replay = None
        try:
            deadline = time.monotonic() + 60
            while not _api_up(api):
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.5)
            replay = subprocess.Popen(
                [
                    *[*geo, "replay", "--db", f"sqlite:///{live_store}", "--url", api],
                    *["--night", REPLAY_NIGHT, "--speed", "300", "--units", REPLAY_UNITS],
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            page = offline_page
            inner = _open_live(page, live_url, "zh-CN")
            page.evaluate("() => { window.__qyLiveMark = 1; }")
            first = sorted(map(tuple, inner.evaluate(UNITS_JS)))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                time.sleep(1)
                now = sorted(map(tuple, inner.evaluate(UNITS_JS)))
                if now != first:
                    break
            assert now != first, "the replayed units did not move on the map"
            assert page.evaluate("() => window.__qyLiveMark") == 1  # no reload of the page
            out, _ = replay.communicate(timeout=180)
            assert replay.returncode == 0, out.decode(errors="replace")[-2000:]
            time.sleep(4)  # a refresh after the night's last fixes
            _shot(page, "live-replay-admin-zh")
            assert page.evaluate("() => window.__qyLiveMark") == 1
            assert page.blocked == []
        finally:
            for proc in (replay, server):
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        proc.kill()

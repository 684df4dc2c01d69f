"""Every page of the app in Chromium, in both languages, as the users see it: the commander on each
page a commander has, the admin on Data, Settings and Admin, the grid manager and the viewer on the
Overview. Each page is saved as tests/artifacts/pages/<lang>-<role>-<page>.png (the whole page,
maps drawn; CI keeps tests/artifacts/) for people to look at, and its visible text (the sidebar,
the main area and the maps' and documents' frames; Streamlit draws tables on a canvas, their cells
are tests/test_words.py's) is held to tests/test_words.py's rules: no canonical code, field name,
None/NaN, store address, file path or stack trace, no word of the other language outside data;
and here also: no cell id outside a table, no map scale in feet or miles, no blank map, no page
that failed.

One browser, one server on a copy of the demo city with a few live fixes and tonight's plan (so
the Live page shows units), one login per role; the pages are opened from the sidebar's links,
as a user does."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo import store
from geo.i18n import t
from geo.services import access
from tests.bench._browser import ARTIFACTS
from tests.browser.conftest import log_in, serve_app, wait_for_run
from tests.test_app_live import GRID, OTHER, _inside, _plan_tonight, _post, _track
from tests.test_words import PAGES, Data, _data, problems

SHOTS = ARTIFACTS / "pages"
LANGS = ("zh-CN", "en")
# who opens which pages: the commander every page of its role, the admin the pages only it has,
# the grid manager and the viewer the Overview
VISITS = {
    "commander": [p for p in PAGES if p in access.PAGES["commander"]],
    "admin": [p for p in PAGES if p not in access.PAGES["commander"]],
    "grid_manager": ["overview"],
    "viewer": ["overview"],
}
USERS = {"admin": "admin", "commander": "commander", "grid_manager": "grid03", "viewer": "viewer"}
MAP = "iframe[title='streamlit_folium.st_folium']"
# the names of the map library in its attribution: a name, in every language
NAMES = {"Leaflet"}
H3_CELL = re.compile(r"\b8[0-9a-f]{14}\b")
IMPERIAL = re.compile(r"^\d[\d,.]* ?(ft|mi)$")

# the visible text under ``sel`` as its text nodes (icons' ligature names left out: Streamlit's
# material icons are words such as "local_police" drawn by a font)
VISIBLE_TEXT = """(sel) => {
  const root = document.querySelector(sel);
  const out = [];
  if (!root) { return out; }
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const e = n.parentElement;
    const s = n.textContent.trim();
    if (!s || !e || e.closest('[data-testid="stIconMaterial"]') || !e.checkVisibility()) continue;
    out.push(s);
  }
  return out;
}"""
# what a map has drawn: vector paths, canvases and markers
DRAWN = """() => document.querySelectorAll(
  '.leaflet-overlay-pane path, .leaflet-overlay-pane canvas, .leaflet-marker-pane > *').length"""
PAGE_HEIGHT = """() => Math.max(...[...document.querySelectorAll(
  '[data-testid="stMain"], [data-testid="stMainBlockContainer"], [data-testid="stSidebarContent"]'
)].map((e) => e.scrollHeight))"""


@pytest.fixture(scope="module")
def pages_store(demo_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the demo city with three units' fixes of the last minutes (one of them silent)
    and tonight's plan for one of them."""
    db = tmp_path_factory.mktemp("every-page") / "demo.db"
    shutil.copyfile(demo_db_file, db)
    url = f"sqlite:///{db}"
    eng = store.connect(url)
    a, b = _inside(eng, GRID), _inside(eng, OTHER)
    _post(eng, _track("U01", *a, last_age_s=20) + _track("U02", *b, last_age_s=40))
    _post(eng, _track("U07", a[0] + 0.002, a[1] - 0.002, last_age_s=15.5 * 60))
    _plan_tonight(eng, "U01", [a, b, (b[0] - 0.004, b[1])])
    store.forget(url)
    eng.dispose()
    yield db


@pytest.fixture(scope="module")
def pages_data(pages_store: Path) -> Data:
    """The store's data words (names of places and people, ids): they may show in any language."""
    url = f"sqlite:///{pages_store}"
    eng = store.connect(url)
    try:
        return _data(eng)
    finally:
        store.forget(url)
        eng.dispose()


@pytest.fixture(scope="module")
def pages_url(pages_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_app(pages_store, tmp_path_factory.mktemp("every-page-app"), QY_DEMO="1") as url:
        yield url


def _choose_language(page: Any, lang: str) -> None:
    label = "中文" if lang == "zh-CN" else "English"
    page.locator('[data-testid="stSidebar"] label').filter(has_text=label).first.click()
    wait_for_run(page)


def _open(page: Any, base: str, name: str) -> None:
    """Open the page ``name`` by its sidebar link (behind "View N more" when Streamlit folds it)."""
    link = page.locator(
        f'[data-testid="stSidebarNavLink"][href="{base}/{"" if name == "overview" else name}"]'
    )
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if link.count() == 0 and more.count():
        more.click()
    link.first.click()
    wait_for_run(page)


def _maps(page: Any, wait_ms: float = 30_000) -> list[str]:
    """Wait for every map of the page to draw; what is wrong with them (blank, in feet)."""
    found: list[str] = []
    for i in range(page.locator(MAP).count()):
        frame = page.locator(MAP).nth(i).element_handle().content_frame()
        frame.wait_for_selector(".leaflet-container", timeout=60_000)
        try:
            frame.wait_for_function(f"({DRAWN})() > 0", timeout=wait_ms)
        except Exception:  # a map that drew nothing in time
            found.append(f"map {i + 1}: blank")
        scale = frame.evaluate(VISIBLE_TEXT, ".leaflet-control-scale")
        found += [f"map {i + 1}: scale {s!r}" for s in scale if IMPERIAL.match(s)]
    return found


def _texts(page: Any) -> list[tuple[str, str]]:
    """The visible text of the sidebar, the main area and every frame (maps, documents)."""
    items = [("sidebar", s) for s in page.evaluate(VISIBLE_TEXT, '[data-testid="stSidebar"]')]
    items += [("main", s) for s in page.evaluate(VISIBLE_TEXT, '[data-testid="stMain"]')]
    for frame in page.frames[1:]:
        try:
            items += [("frame", s) for s in frame.evaluate(VISIBLE_TEXT, "body")]
        except Exception:  # a frame that went away while reading
            continue
    return [(k, s) for k, s in items if s not in NAMES]


def _shoot(page: Any, name: str) -> Path:
    """The whole page (Streamlit scrolls inside its main area: the window is made as tall as
    the page for the picture)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    height = int(page.evaluate(PAGE_HEIGHT))
    page.set_viewport_size({"width": 1400, "height": min(max(950, height + 40), 12_000)})
    page.wait_for_timeout(700)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1400, "height": 950})
    return path


def check_page(
    page: Any, lang: str, role: str, name: str, data: Data, *, wait_ms: float = 30_000
) -> list[str]:
    """What is wrong on the page shown (an empty list when nothing); a map has ``wait_ms`` to
    draw."""
    found = _maps(page, wait_ms)
    items = _texts(page)
    found += problems(items, lang, data, internal_ok=role == "admin" and name == "admin")
    found += [f"cell id {s[:80]!r} ({k})" for k, s in items if H3_CELL.search(s)]
    if page.locator('[data-testid="stException"]').count():
        found.append("an exception on screen")
    if any(t("app.error", lang) in s for _k, s in items):
        found.append("the page failed (see the server log)")
    return list(dict.fromkeys(found))


@pytest.mark.slow
@pytest.mark.parametrize("role", list(VISITS))
def test_every_page_in_both_languages(
    browser: Any, pages_url: str, pages_data: Data, role: str
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 950}, locale="zh-CN")
    page = context.new_page()
    page.goto_login = page.goto
    try:
        log_in(page, pages_url, user=USERS[role])
        wait_for_run(page)
        found: list[str] = []
        for lang in LANGS:
            _choose_language(page, lang)
            for name in VISITS[role]:
                _open(page, pages_url, name)
                bad = check_page(page, lang, role, name, pages_data)
                _shoot(page, f"{lang}-{role}-{name}")
                found += [f"{lang} {name}: {b}" for b in bad]
    finally:
        context.close()
    assert not found, f"{len(found)} problems:\n" + "\n".join(found)


def test_the_checks_catch_a_page_in_the_wrong_words(browser: Any) -> None:
    """The page checks on a hand-made page: codes, None, a store address, a cell id, English
    in Chinese, a map scale in feet and a blank map are found; data and the map library's name
    pass."""
    page = browser.new_page()
    try:
        page.set_content(
            """<section data-testid="stSidebar"><p>当前用户：commander（指挥员）</p>
            <span data-testid="stIconMaterial">local_police</span></section>
            <section data-testid="stMain"><p>罗家第3网格</p><p>police_car</p><p>None</p>
            <p>sqlite:////srv/qy.db</p><p>格网 89418328d03ffff</p><p>View 3 more</p>
            <p style="display:none">hidden_field</p></section>"""
        )
        data = Data({"罗家第3网格", "commander"}, "罗家第3网格")
        found = check_page(page, "zh-CN", "commander", "overview", data)
        assert any("police_car" in f for f in found)
        assert any("'None'" in f for f in found)
        assert any("internal" in f for f in found)
        assert any("cell id" in f for f in found)
        assert any("'View'" in f for f in found)
        assert not any("罗家" in f or "local_police" in f or "hidden_field" in f for f in found)
        page.set_content(
            """<iframe title="streamlit_folium.st_folium" srcdoc="<div class='leaflet-container'>
            <div class='leaflet-control-scale'><div>1000 ft</div></div>
            <div class='leaflet-overlay-pane'></div></div><p>Leaflet</p>"></iframe>
            <section data-testid="stSidebar"></section><section data-testid="stMain"></section>"""
        )
        page.locator(MAP).element_handle().content_frame().wait_for_selector(".leaflet-container")
        found = check_page(page, "zh-CN", "commander", "overview", Data(set(), ""), wait_ms=500)
        assert "map 1: blank" in found and "map 1: scale '1000 ft'" in found
        assert not any("Leaflet" in f for f in found)
    finally:
        page.close()

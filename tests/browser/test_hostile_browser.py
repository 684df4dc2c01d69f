"""Hostile input in the real app and in a standalone map, in Chromium (issue 8, parts 4 and 5).

A venue, hazard, key site and grid named with markup and a JS template-literal breaker are
imported into a private copy of the demo store; the pages and a standalone map are opened, the
popups and tooltips opened by real clicks and hovers, and no script of ours may run
(``window.__pwned`` stays undefined) while the text shows literally. The same app refuses an
upload over QY_MAX_UPLOAD_MB in the user's language, and keeps serving another user while a long
import runs in one session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from shapely import wkt as shapely_wkt
from shapely.geometry import box

from geo import ingest, store
from geo.i18n import t
from geo.services import access
from tests.browser.conftest import ROOT, healthy, log_in, screenshot, serve_app, wait_for_run

XSS = '<img src=x onerror="window.__pwned=1">'
TPL = "`${window.__pwned=1}`"
NAME = f"{XSS}{TPL}星光"
LIMIT_MB = 1


@pytest.fixture(scope="module")
def hostile_db(demo_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store with hostile names at a point inside its station."""
    folder = tmp_path_factory.mktemp("hostile-store")
    db = folder / "demo.db"
    shutil.copyfile(demo_db_file, db)
    engine = store.connect(f"sqlite:///{db}")
    areas = store.read(engine, "areas", "all")
    grid = areas[areas["level"] == "grid"].iloc[0]
    p = shapely_wkt.loads(grid["geometry"]).representative_point()
    files = {
        "venues": pd.DataFrame(
            {
                "venue_id": ["HX1"],
                "name": [NAME],
                "category": ["ktv"],
                "lat": [p.y],
                "lng": [p.x],
                "licence": [XSS],
                "risk_level": ["high"],
            }
        ),
        "hazards": pd.DataFrame(
            {
                "hazard_id": [f"HZ{XSS}"],
                "category": ["fire"],
                "severity": ["high"],
                "lat": [p.y + 0.002],
                "lng": [p.x],
                "found_at": ["2022-07-01 21:00"],
                "status": ["open"],
                "deadline": ["2022-07-20"],
            }
        ),
        "sites": pd.DataFrame(
            {
                "site_id": ["SX1"],
                "name": [NAME],
                "category": ["school"],
                "lat": [p.y - 0.002],
                "lng": [p.x],
            }
        ),
    }
    for kind, frame in files.items():
        path = folder / f"{kind}.csv"
        frame.to_csv(path, index=False)
        s = ingest.import_file(engine, kind, path)
        assert s.accepted == 1, s.rejects
    with engine.begin() as conn:  # the grid's name as a user typed it
        t_areas = store.RECORD_TABLES["areas"]
        conn.execute(t_areas.update().where(t_areas.c.area_id == grid["area_id"]).values(name=NAME))
    store.forget(f"sqlite:///{db}")
    engine.dispose()
    return db


@pytest.fixture(scope="module")
def hostile_app(hostile_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_app(
        hostile_db, tmp_path_factory.mktemp("hostile-app"), QY_MAX_UPLOAD_MB=str(LIMIT_MB)
    ) as url:
        yield url


def _open(page: object, url: str, title: str) -> None:
    """Go to a page, logging in as the demo admin (the offline page's goto does it itself)."""
    if hasattr(page, "goto_login"):
        page.goto(url)  # type: ignore[attr-defined]
    else:
        page.goto_login = page.goto  # type: ignore[attr-defined]
        log_in(page, url)
    page.get_by_role("heading", name=title).first.wait_for(timeout=120_000)  # type: ignore[attr-defined]
    wait_for_run(page, timeout=120_000)


# JS run inside a map document: the container position of every point whose popup or tooltip,
# or area label, carries our marker text (found through Leaflet's own layer objects)
_FIND = """() => {
  const maps = Object.values(window).filter(v => { try { return v instanceof L.Map; }
                                                   catch (e) { return false; } });
  const out = [];
  for (const m of maps) {
    m.eachLayer(l => {
      let html = '';
      const p = l.getPopup && l.getPopup();
      if (p) { const c = p.getContent(); html = typeof c === 'function' ? c(l) : String(c); }
      const tt = l.getTooltip && l.getTooltip();
      if (tt) { html += String(tt.getContent()); }
      if (l.options && l.options.icon && l.options.icon.options.html) {
        html += String(l.options.icon.options.html); }
      if (html.includes('__pwned') && l.getLatLng) {
        const pt = m.latLngToContainerPoint(l.getLatLng());
        out.push({x: pt.x, y: pt.y, popup: !!p, tooltip: !!tt});
      }
    });
  }
  return out;
}"""


def _pwned(page: object) -> list[object]:
    return [f.evaluate("() => window.__pwned") for f in page.frames]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "kind"), [("venues", "venues"), ("hazards", "hazards")])
def test_pages_show_hostile_names_as_text(
    offline_page: object, hostile_app: str, name: str, kind: str
) -> None:
    page = offline_page
    _open(page, f"{hostile_app}/{name}", t(f"page.{name}", "zh-CN"))
    frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']").first  # type: ignore[attr-defined]
    frame.locator(".leaflet-container").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]
    inner = next(
        f
        for f in page.frames  # type: ignore[attr-defined]
        if f != page.main_frame and f.evaluate("() => !!window.L && !!window.L.Map")
    )  # type: ignore[attr-defined]
    points = inner.evaluate(_FIND)
    assert points, "the hostile record is not on the map"
    container = frame.locator(".leaflet-container").first
    shown = []
    for pt in points:
        container.hover(position={"x": pt["x"], "y": pt["y"]})
        container.click(position={"x": pt["x"], "y": pt["y"]})
        page.wait_for_timeout(500)  # type: ignore[attr-defined]
        shown += inner.evaluate(
            "() => [...document.querySelectorAll('.leaflet-popup-content, .leaflet-tooltip,"
            " .qy-area-label')].map(e => e.innerText)"
        )
    body_map = " ".join(shown)
    if kind == "venues":  # the venue popup holds the name, literally
        assert NAME in body_map
    assert XSS in body_map  # grid label (and venue popup): the markup shown as text
    assert _pwned(page) == [None] * len(page.frames)  # type: ignore[attr-defined]
    assert inner.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
    screenshot(page, f"hostile-{name}")
    assert page.blocked == []  # type: ignore[attr-defined]


def test_standalone_map_shows_hostile_names_as_text(
    browser: object, hostile_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "venues.html"
    work = tmp_path / "store.db"
    shutil.copyfile(hostile_db, work)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "geo",
            "map",
            "--layer",
            "venues",
            "--db",
            f"sqlite:///{work}",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
    )
    context = browser.new_context(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(out.as_uri())
        page.locator(".leaflet-container").first.wait_for(timeout=30_000)
        # zoom onto the venue so that its cluster opens into single markers
        engine = store.connect(f"sqlite:///{work}", migrate_schema=False)
        venue = store.read(engine, "venues", "all", where={"venue_id": ["HX1"]}).iloc[0]
        store.forget(f"sqlite:///{work}")
        engine.dispose()
        page.evaluate(
            "([lat, lng]) => Object.values(window).find(v => { try { return v "
            "instanceof L.Map; } catch (e) { return false; } })"
            ".setView([lat, lng], 19, {animate: false})",
            [float(venue["lat"]), float(venue["lng"])],
        )
        page.wait_for_timeout(1000)
        points = page.evaluate(_FIND)
        assert [pt for pt in points if pt["popup"]], points  # the venue's own marker
        container = page.locator(".leaflet-container").first
        popups: list[str] = []
        for pt in points:
            container.hover(position={"x": pt["x"], "y": pt["y"]})
            container.click(position={"x": pt["x"], "y": pt["y"]})
            page.wait_for_timeout(400)
            popups += page.evaluate(
                "() => [...document.querySelectorAll("
                "'.leaflet-popup-content')].map(e => e.innerText)"
            )
        assert any(NAME in x for x in popups), popups
        assert page.evaluate("() => window.__pwned") is None
        assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
        screenshot(page, "hostile-standalone-map")
    finally:
        context.close()


def test_upload_over_the_limit_is_refused_at_the_limit_the_label_says(
    offline_page: object, hostile_app: str, tmp_path: Path
) -> None:
    page = offline_page
    _open(page, f"{hostile_app}/data", t("page.data", "zh-CN"))
    big = tmp_path / "大文件.csv"
    big.write_text("venue_id,name\n" + "V,x\n" * (LIMIT_MB * 1024**2 // 4 + 1000))
    # the import's uploader (the Data page's second is the road networks')
    page.locator("input[type=file]").first.set_input_files(str(big))  # type: ignore[attr-defined]
    # the uploader itself holds the limit the label says (Streamlit refuses the file in the
    # browser, in its own words: the app cannot translate them), so nothing reaches the import
    page.get_by_text(f"{LIMIT_MB:.1f}MB or smaller").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    assert page.get_by_text(t("data.file", "zh-CN", mb=LIMIT_MB)).count() == 1  # type: ignore[attr-defined]
    screenshot(page, "upload-over-limit")
    assert page.get_by_role("button", name=t("data.import", "zh-CN")).count() == 0  # type: ignore[attr-defined]


def _far_areas(path: Path, n: int) -> Path:
    """Grids far from the demo city whose res-10 cover takes the import a long while."""
    rows = [
        {
            "area_id": f"FAR{i}",
            "name": f"远端{i}",
            "level": "grid",
            "geometry": box(
                80 + (i % 10) * 0.4,
                40 + (i // 10) * 0.4,
                80.3 + (i % 10) * 0.4,
                40.3 + (i // 10) * 0.4,
            ).wkt,
        }
        for i in range(n)
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_app_keeps_serving_while_an_import_runs(
    browser: object, offline_page: object, hostile_app: str, hostile_db: Path, tmp_path: Path
) -> None:
    """Runs last in this module: the far-off grids it imports widen the maps' extent."""
    n = 40
    path = _far_areas(tmp_path / "far_areas.csv", n)
    ctx = browser.new_context(viewport={"width": 1400, "height": 950}, locale="zh-CN")  # type: ignore[attr-defined]
    importer = ctx.new_page()
    try:
        # one user is logged in already and moves between pages meanwhile; another logs in
        # while the import holds SQLite's write lock (the login's audit rows follow later)
        _open(offline_page, f"{hostile_app}/venues", t("page.venues", "zh-CN"))
        _open(importer, f"{hostile_app}/data", t("page.data", "zh-CN"))
        importer.get_by_label(t("data.kind", "zh-CN")).first.click()
        importer.get_by_role("option", name=t("kind.areas", "zh-CN")).click()
        importer.locator("input[type=file]").first.set_input_files(str(path))
        importer.get_by_role("button", name=t("data.import", "zh-CN")).click(timeout=60_000)
        importer.locator("[data-testid='stStatusWidget']").wait_for(timeout=30_000)
        engine = store.connect(f"sqlite:///{hostile_db}", migrate_schema=False)
        try:
            # another user, meanwhile: the health endpoint and a whole page answer
            assert healthy(hostile_app)
            offline_page.locator("[data-testid='stSidebarNav']").get_by_text(  # type: ignore[attr-defined]
                t("page.hazards", "zh-CN"), exact=True
            ).click()
            offline_page.get_by_role("heading", name=t("page.hazards", "zh-CN")).first.wait_for(  # type: ignore[attr-defined]
                timeout=120_000
            )
            offline_page.frame_locator(  # type: ignore[attr-defined]
                "iframe[title='streamlit_folium.st_folium']"
            ).first.locator(".leaflet-container").first.wait_for(timeout=60_000)
            assert healthy(hostile_app)
            newcomer = ctx.new_page()
            newcomer.goto_login = newcomer.goto  # type: ignore[attr-defined]
            log_in(newcomer, f"{hostile_app}/hazards", user="commander")
            newcomer.get_by_role("heading", name=t("page.hazards", "zh-CN")).first.wait_for(
                timeout=120_000
            )
            # ... all while the import had not ended (its rows are not committed yet)
            history = store.import_history(engine)
            assert "far_areas.csv" not in set(history["file_name"]), "the import ended first"
            report = t("data.report", "zh-CN", file="far_areas.csv")
            assert importer.get_by_text(report).count() == 0
            importer.get_by_text(report).wait_for(timeout=600_000)
            history = store.import_history(engine)
            mine = history[history["file_name"] == "far_areas.csv"]
            assert mine["accepted"].tolist() == [n]
            # the newcomer's login was audited once the lock freed
            for _ in range(120):
                if len(access.audit_log(engine, user="commander", actions=["login"])):
                    break
                time.sleep(0.5)
            assert len(access.audit_log(engine, user="commander", actions=["login"])) == 1
        finally:
            store.forget(f"sqlite:///{hostile_db}")
            engine.dispose()
    finally:
        ctx.close()

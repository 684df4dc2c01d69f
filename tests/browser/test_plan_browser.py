"""The Patrol plan page in Chromium, offline: a plan is made, its routes are drawn on the map, the
PDF sheet downloads, and the plan against actual section shows the night's compliance."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from geo import store
from geo.i18n import t
from geo.services import access
from tests.browser.conftest import screenshot, wait_for_run
from tests.browser.test_app_browser import _open


def test_plan_page_draws_routes_and_exports(
    offline_page: object, app_url: str, app_store: Path
) -> None:
    page = offline_page
    _open(page, f"{app_url}/plan", t("page.plan", "zh-CN"))
    page.get_by_role("button", name=t("plan.run", "zh-CN")).click()  # type: ignore[attr-defined]
    page.get_by_text(t("plan.m.covered", "zh-CN")).first.wait_for(timeout=120_000)  # type: ignore[attr-defined]
    wait_for_run(page, timeout=120_000)
    # the page's first map picks places (must-visit, avoid); the plan's routes are the second
    frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']").nth(1)  # type: ignore[attr-defined]
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    # numbered stop markers and route lines are on the map
    frame.locator(".qy-stop").first.wait_for(timeout=60_000)
    assert frame.locator(".qy-stop").count() > 10 and frame.locator(".qy-start").count() > 0
    # route lines: the map draws vectors on a canvas (prefer_canvas); Leaflet keeps the layers
    inner = (
        page.locator("iframe[title='streamlit_folium.st_folium']")
        .nth(1)
        .element_handle()
        .content_frame()
    )  # type: ignore[attr-defined]
    lines = inner.evaluate("""() => { let n = 0; for (const k in window) { const o = window[k];
        if (o && o instanceof L.Map) o.eachLayer(l => { if (l instanceof L.Polyline &&
            !(l instanceof L.Polygon)) n++; }); } return n; }""")
    assert lines > 0
    page.locator("iframe[title='streamlit_folium.st_folium']").nth(1).scroll_into_view_if_needed()  # type: ignore[attr-defined]
    screenshot(page, "plan-routes")
    with page.expect_download() as dl:  # type: ignore[attr-defined]
        page.get_by_role("button", name=t("plan.download", "zh-CN", fmt="PDF")).click()
    pdf = Path(dl.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    # the sheet is made on the click (not on every rerun), and the click is audited
    name = dl.value.suggested_filename
    exports = pd.DataFrame()
    for _ in range(100):
        exports = access.audit_log(store.connect(f"sqlite:///{app_store}"), actions=["export"])
        if (exports["what"] == name).any():
            break
        time.sleep(0.1)
    assert name.endswith(".pdf") and (exports["what"] == name).any()
    body = page.inner_text("body")  # type: ignore[attr-defined]
    assert t("plan.m.compliance", "zh-CN") in body and "Traceback" not in body
    assert page.locator("[data-testid='stException']").count() == 0  # type: ignore[attr-defined]
    page.get_by_text(t("plan.actual", "zh-CN")).first.scroll_into_view_if_needed()  # type: ignore[attr-defined]
    screenshot(page, "plan-actual")
    assert page.blocked == []  # type: ignore[attr-defined]

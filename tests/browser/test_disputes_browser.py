"""The Disputes & leads page in Chromium, offline: board, map with points, a click on a cell."""

from __future__ import annotations

import re

from geo.i18n import t
from tests.browser.conftest import screenshot, wait_for_run

CAMPAIGN_URL = "disputes"


def _open(page: object, url: str, title: str) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    page.get_by_role("heading", name=title).first.wait_for(timeout=90_000)  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    wait_for_run(page, timeout=90_000)


def _idle(page: object) -> None:
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    wait_for_run(page, timeout=90_000)


def test_disputes_page_draws_board_map_and_cell(offline_page: object, app_url: str) -> None:
    page = offline_page
    _open(page, f"{app_url}/{CAMPAIGN_URL}", t("page.disputes", "zh-CN"))
    body = page.inner_text("body")  # type: ignore[attr-defined]
    assert "Traceback" not in body
    assert page.locator("[data-testid='stException']").count() == 0  # type: ignore[attr-defined]
    for key in (
        "dsp.board",
        "dsp.discovered",
        "dsp.rate",
        "dsp.received",
        "dsp.by_grid",
        "dsp.places",
    ):
        assert t(key, "zh-CN") in body, key
    # the map: Leaflet in the component frame, dispute points drawn on its canvas
    handle = page.locator("iframe[title='streamlit_folium.st_folium']").first  # type: ignore[attr-defined]
    handle.wait_for(timeout=60_000)
    inner = handle.element_handle().content_frame()
    inner.wait_for_selector(".leaflet-container", timeout=60_000)
    inner.wait_for_function(
        "() => document.querySelectorAll('.leaflet-overlay-pane canvas, "
        ".leaflet-overlay-pane path').length > 0",
        timeout=60_000,
    )
    legend = inner.inner_text("body")
    assert t("v.dstatus.settled", "zh-CN") in legend  # the status legend
    screenshot(page, "page-disputes-zh")
    handle.scroll_into_view_if_needed()
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    page.screenshot(path=str(screenshot(page, "page-disputes-map-zh")))  # type: ignore[attr-defined]
    # a click in the middle of the jurisdiction opens the cell panel with its disputes
    box = handle.bounding_box()
    inner.locator(".leaflet-container").click(
        position={"x": box["width"] / 2, "y": box["height"] / 2}
    )
    period = t("cell.period", "zh-CN", start="@", end="@", night="@").split("@")[0]
    page.get_by_text(re.compile("^" + re.escape(period))).first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    assert t("cell.incidents", "zh-CN") in page.inner_text("body")  # type: ignore[attr-defined]
    page.get_by_text(t("cell.disputes", "zh-CN")).last.scroll_into_view_if_needed()  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    page.screenshot(path=str(screenshot(page, "click-disputes")))  # type: ignore[attr-defined]
    assert page.blocked == []  # type: ignore[attr-defined]


def test_disputes_hotspot_layer_in_english(offline_page: object, app_url: str) -> None:
    page = offline_page
    _open(page, f"{app_url}/{CAMPAIGN_URL}", t("page.disputes", "zh-CN"))
    page.get_by_text("English", exact=True).first.click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name=t("page.disputes", "en")).first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    page.get_by_text(t("dsp.layer.hot_disputes", "en"), exact=True).first.click()  # type: ignore[attr-defined]
    _idle(page)
    body = page.inner_text("body")  # type: ignore[attr-defined]
    assert t("dsp.board", "en") in body and "矛盾纠纷" not in body.split(t("dsp.board", "en"))[1]
    handle = page.locator("iframe[title='streamlit_folium.st_folium']").first  # type: ignore[attr-defined]
    handle.scroll_into_view_if_needed()
    summary = t("dsp.hot_summary", "en", n="@", hot="@").split("@")[1]
    if summary in body:  # significant cells: the hex layer draws them
        drawn = 0
        for _ in range(90):  # the component may swap its frame while it redraws
            inner = handle.element_handle().content_frame()
            try:
                drawn = inner.evaluate("window.__qy ? window.__qy.drawn && window.__qy.cells : 0")
            except Exception:  # a frame that navigated away under us
                drawn = 0
            if drawn:
                break
            page.wait_for_timeout(1000)  # type: ignore[attr-defined]
        assert drawn > 0
    else:
        assert t("dsp.no_hot", "en") in body
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    page.screenshot(path=str(screenshot(page, "page-disputes-hot-en")))  # type: ignore[attr-defined]
    assert page.blocked == []  # type: ignore[attr-defined]

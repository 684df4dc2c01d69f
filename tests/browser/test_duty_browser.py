"""The Duty & readiness page in Chromium, offline, on the demo city's duty night: the key-point
table, the response-circle map (cells drawn on canvas, key sites and posts as points) and the
optimiser; screenshots of the page and of the circles map."""

from __future__ import annotations

from geo.i18n import t
from tests.browser.conftest import screenshot, wait_for_run


def test_duty_page_draws_circles_offline(offline_page: object, app_url: str) -> None:
    page = offline_page
    page.goto(f"{app_url}/duty")  # type: ignore[attr-defined]  # logs in through the form first
    page.get_by_role("heading", name=t("page.duty", "zh-CN")).first.wait_for(timeout=90_000)  # type: ignore[attr-defined]
    # the page's last section is drawn once the night's duty, the circles and the schedule are
    page.get_by_role("heading", name=t("duty.grid", "zh-CN")).first.wait_for(timeout=180_000)  # type: ignore[attr-defined]
    wait_for_run(page, timeout=180_000)
    body = page.inner_text("body")  # type: ignore[attr-defined]
    assert "Traceback" not in body
    assert page.locator("[data-testid='stException']").count() == 0  # type: ignore[attr-defined]
    for key in ("duty.points", "duty.circles", "duty.schedule", "duty.grid"):
        assert t(key, "zh-CN") in body, key
    assert t("v.dstat.missed", "zh-CN") in body  # the demo night has missed points
    frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']").first  # type: ignore[attr-defined]
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    inner = (
        page.locator("iframe[title='streamlit_folium.st_folium']")
        .first.element_handle()
        .content_frame()
    )  # type: ignore[attr-defined]
    inner.wait_for_function("() => window.__qy && window.__qy.drawn > 0", timeout=60_000)
    assert inner.evaluate("() => window.__qy.cells") > 100  # the station's cells, by tier
    legend = inner.evaluate("() => document.body.innerText")
    assert t("duty.tier", "zh-CN", m="1") in legend and t("duty.beyond", "zh-CN") in legend
    page.locator("iframe[title='streamlit_folium.st_folium']").first.scroll_into_view_if_needed()  # type: ignore[attr-defined]
    shot = page.locator("iframe[title='streamlit_folium.st_folium']").first  # type: ignore[attr-defined]
    shot.screenshot(path=str(screenshot(page, "duty-page").with_name("duty-circles.png")))
    page.get_by_role("button", name=t("duty.optimise_run", "zh-CN")).click()  # type: ignore[attr-defined]
    page.get_by_text(
        t(
            "duty.optimise_result",
            "zh-CN",
            n=4,
            posts="",
            posts_sites="",
            covered="",
            total="",
            sites="",
        )[:4]
    ).first.wait_for(timeout=120_000)  # type: ignore[attr-defined]
    assert page.blocked == []  # type: ignore[attr-defined]

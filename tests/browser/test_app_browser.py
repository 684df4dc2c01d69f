"""The real app in Chromium, non-local requests blocked: pages load, maps draw, upload rejects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geo.i18n import t
from tests.browser.conftest import screenshot, wait_for_run

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["overview", "coverage", "hotspots", "venues", "hazards", "data", "settings"]


def _open(page: object, url: str, title: str) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    page.get_by_role("heading", name=title).first.wait_for(timeout=90_000)  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    # let Streamlit finish the run (the status widget disappears)
    wait_for_run(page, timeout=90_000)


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline(offline_page: object, app_url: str, name: str) -> None:
    path = "" if name == "overview" else name
    _open(offline_page, f"{app_url}/{path}", t(f"page.{name}", "zh-CN"))
    body = offline_page.inner_text("body")  # type: ignore[attr-defined]
    assert "Traceback" not in body and "Error" not in body.split(t("app.demo_banner"))[0]
    assert offline_page.locator("[data-testid='stException']").count() == 0  # type: ignore[attr-defined]
    assert t("app.demo_banner", "zh-CN")[:10] in body
    screenshot(offline_page, f"page-{name}-zh")
    assert offline_page.blocked == []  # type: ignore[attr-defined]


def test_upload_with_bad_rows_shows_reasons(offline_page: object, app_url: str) -> None:
    page = offline_page
    _open(page, f"{app_url}/data", t("page.data", "zh-CN"))
    page.get_by_label(t("data.kind", "zh-CN")).first.click()  # type: ignore[attr-defined]
    page.get_by_role("option", name=t("kind.hazards", "zh-CN")).click()  # type: ignore[attr-defined]
    # the import's uploader (the Data page's second is the road networks')
    page.locator("input[type=file]").first.set_input_files(  # type: ignore[attr-defined]
        str(ROOT / "data" / "samples" / "hazards_bad_rows.csv")
    )
    page.get_by_role("button", name=t("data.import", "zh-CN")).click(timeout=60_000)  # type: ignore[attr-defined]
    page.get_by_text(t("data.report", "zh-CN", file="hazards_bad_rows.csv")).wait_for(
        timeout=60_000
    )
    grid = page.locator("[data-testid='stDataFrame']").first  # type: ignore[attr-defined]
    grid.wait_for(timeout=30_000)
    screenshot(page, "data-upload-rejects")
    # Streamlit draws data frames on a canvas: read the rows through the download instead
    with page.expect_download() as dl:  # type: ignore[attr-defined]
        page.get_by_role("button", name=t("data.download_rejects", "zh-CN")).click()
    text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    # the reasons come in the user's language (Chinese here), with row numbers as users count
    # an unknown category (meteorite) is no reject: stored in "other", listed as unmapped
    assert t("reject.swapped", "zh-CN") in text and "meteorite" not in text
    assert t("reject.time", "zh-CN") in text and "hazards_bad_rows.csv,5," in text
    assert page.blocked == []  # type: ignore[attr-defined]


def _map_frame(page: object) -> object:
    frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']").first  # type: ignore[attr-defined]
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    return frame


@pytest.mark.parametrize("name", ["overview", "coverage", "hotspots"])
def test_maps_draw_cells_and_a_click_shows_the_cell(
    offline_page: object, app_url: str, name: str
) -> None:
    page = offline_page
    path = "" if name == "overview" else name
    _open(page, f"{app_url}/{path}", t(f"page.{name}", "zh-CN"))
    frame = _map_frame(page)
    handle = page.locator("iframe[title='streamlit_folium.st_folium']").first  # type: ignore[attr-defined]
    inner = handle.element_handle().content_frame()
    inner.wait_for_function("window.__qy && window.__qy.drawn >= 1", timeout=60_000)
    assert inner.evaluate("window.__qy.cells") > 0
    box = handle.bounding_box()
    # click the middle of the jurisdiction (the map is fitted to it)
    frame.locator(".leaflet-container").click(
        position={"x": box["width"] / 2, "y": box["height"] / 2}
    )
    period = t("cell.period", "zh-CN", start="@", end="@", night="@").split("@")[0]
    page.get_by_text(re.compile("^" + re.escape(period))).first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    wait_for_run(page, timeout=60_000)
    body = page.inner_text("body")  # type: ignore[attr-defined]
    assert t("cell.incidents", "zh-CN") in body
    page.get_by_text(t("cell.incidents", "zh-CN")).first.scroll_into_view_if_needed()  # type: ignore[attr-defined]
    screenshot(page, f"click-{name}")
    assert page.blocked == []  # type: ignore[attr-defined]


def test_sidebar_filter_change_keeps_the_frame(offline_page: object, app_url: str) -> None:
    """Regression: with the pages in a folder named pages/, Streamlit ran the page file alone after
    a sidebar change (the old automatic multipage mode) and the sidebar filters disappeared."""
    page = offline_page
    _open(page, f"{app_url}/coverage", t("page.coverage", "zh-CN"))
    for hour in ("19:00", "21:00"):
        page.wait_for_timeout(800)  # type: ignore[attr-defined]
        page.get_by_label(t("filter.night_from", "zh-CN")).first.click()  # type: ignore[attr-defined]
        page.keyboard.type(hour)  # type: ignore[attr-defined]
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
        wait_for_run(page, timeout=60_000)
        page.get_by_label(t("filter.night_from", "zh-CN")).first.wait_for(timeout=30_000)  # type: ignore[attr-defined]
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()  # type: ignore[attr-defined]
    assert "common" not in sidebar and t("page.hotspots", "zh-CN") in sidebar
    assert page.get_by_label(t("filter.night_from", "zh-CN")).first.input_value() == "21:00"  # type: ignore[attr-defined]
    assert page.blocked == []  # type: ignore[attr-defined]


# what a select box shows: its chosen option's text, or its placeholder
_SHOWN = """(label) => [...document.querySelectorAll('[data-testid=stSelectbox]')]
  .filter(e => e.textContent.startsWith(label))
  .map(e => e.textContent + ' ' + [...e.querySelectorAll('input')]
    .map(i => i.placeholder + ' ' + i.value).join(' ')).join('|')"""
_CHECKED = """() => [...document.querySelectorAll('[data-testid=stMain] input[type=radio]')]
  .filter(i => i.checked).map(i => i.closest('label').innerText)"""


def test_a_language_switch_relabels_chosen_options(offline_page: object, app_url: str) -> None:
    """Regression: Streamlit kept a keyed select box's labels of the previous language (the
    sidebar's area box read 全部辖区 in English) and a radio lost its visible choice."""
    page = offline_page
    _open(page, f"{app_url}/", t("page.overview", "zh-CN"))
    assert page.evaluate(_SHOWN, t("filter.area", "zh-CN")).count(t("filter.all_areas", "zh-CN"))  # type: ignore[attr-defined]
    assert page.evaluate(_CHECKED) == [t("ov.layer.risk", "zh-CN")]  # type: ignore[attr-defined]
    page.get_by_text("English", exact=True).first.click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name=t("page.overview", "en")).first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    wait_for_run(page, timeout=90_000)
    shown = page.evaluate(_SHOWN, t("filter.area", "en"))  # type: ignore[attr-defined]
    assert t("filter.all_areas", "en") in shown and t("filter.all_areas", "zh-CN") not in shown
    assert page.evaluate(_CHECKED) == [t("ov.layer.risk", "en")]  # type: ignore[attr-defined]
    assert page.blocked == []  # type: ignore[attr-defined]

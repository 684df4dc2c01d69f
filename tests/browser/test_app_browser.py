"""The real app in Chromium, every non-local request blocked: pages load, upload reports bad rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.i18n import t
from tests.browser.conftest import screenshot

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["overview", "coverage", "hotspots", "venues", "hazards", "data", "settings"]


def _open(page: object, url: str, title: str) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    page.get_by_role("heading", name=title).first.wait_for(timeout=90_000)  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    # let Streamlit finish the run (the status widget disappears)
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)


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
    page.locator("input[type=file]").set_input_files(  # type: ignore[attr-defined]
        str(ROOT / "data" / "samples" / "hazards_bad_rows.csv"))
    page.get_by_role("button", name=t("data.import", "zh-CN")).click(timeout=60_000)  # type: ignore[attr-defined]
    page.get_by_text(t("data.report", "zh-CN", file="hazards_bad_rows.csv")).wait_for(
        timeout=60_000)
    grid = page.locator("[data-testid='stDataFrame']").first  # type: ignore[attr-defined]
    grid.wait_for(timeout=30_000)
    screenshot(page, "data-upload-rejects")
    # Streamlit draws data frames on a canvas: read the rows through the download instead
    with page.expect_download() as dl:  # type: ignore[attr-defined]
        page.get_by_role("button", name=t("data.download_rejects", "zh-CN")).click()
    text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert "unknown category" in text and "swapped" in text and "date" in text
    assert page.blocked == []  # type: ignore[attr-defined]

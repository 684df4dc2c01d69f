"""The Briefing page in Chromium, offline: the briefing shows the figures of the sidebar's period,
the PDF download holds the lead sentence, and the HTML export opens on its own with its pictures."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from geo.i18n import t
from geo.reports import briefing
from geo.services import briefing as briefing_svc
from tests.browser.conftest import screenshot
from tests.browser.test_app_browser import _open


@pytest.fixture(scope="module")
def demo_engine(demo_copy):
    """The module's copy of the session's demo store."""
    return demo_copy


def test_briefing_page_and_downloads(
    offline_page: object, app_url: str, demo_engine, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    page = offline_page
    _open(page, f"{app_url}/briefing", t("page.briefing", "zh-CN"))
    page.get_by_text("共出动民警、辅警警力").first.wait_for(timeout=90_000)  # type: ignore[attr-defined]
    body = page.inner_text("body")  # type: ignore[attr-defined]
    assert page.locator("[data-testid='stException']").count() == 0  # type: ignore[attr-defined]
    # the period the sidebar chose, as the briefing states it
    start, end = re.search(r"统计时段：(\d{4}-\d\d-\d\d) 至 (\d{4}-\d\d-\d\d)", body).groups()
    want = briefing.compose(
        briefing_svc.figures(demo_engine, "all", start, end), "zh-CN", pictures=False
    )
    assert want.lead in body
    assert t("brief.demo", "zh-CN") in body
    assert page.locator("[data-testid='stImage'] img").count() == 3  # type: ignore[attr-defined]
    screenshot(page, "page-briefing-zh")

    with page.expect_download() as dl:  # type: ignore[attr-defined]
        page.get_by_role("button", name=t("brief.download", "zh-CN", fmt="PDF")).click()  # type: ignore[attr-defined]
    pdf = Path(dl.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert re.sub(r"\s+", "", want.lead) in re.sub(r"\s+", "", text)
    assert dl.value.suggested_filename == f"briefing_{start}_{end}.pdf"

    with page.expect_download() as dl:  # type: ignore[attr-defined]
        page.get_by_role("button", name=t("brief.download", "zh-CN", fmt="HTML")).click()  # type: ignore[attr-defined]
    html = tmp_path / "briefing.html"
    shutil.copyfile(dl.value.path(), html)
    page.goto(html.as_uri())  # type: ignore[attr-defined]
    page.wait_for_load_state("load")  # type: ignore[attr-defined]
    assert want.lead in page.inner_text("body")  # type: ignore[attr-defined]
    widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")  # type: ignore[attr-defined]
    assert len(widths) == 3 and min(widths) > 600  # the pictures load from the file itself
    screenshot(page, "briefing-export-html")
    assert page.blocked == []  # type: ignore[attr-defined]

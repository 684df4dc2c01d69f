"""Logging in through the form in Chromium: the form first, a wrong password refused, the pages
of the role after login, the Admin page for an admin, and logging out back to the form."""

from __future__ import annotations

from geo.i18n import t
from geo.services.access import DEMO_USERS
from tests.browser.conftest import screenshot

PASSWORDS = {n: p for n, p, _r, _a in DEMO_USERS}


def test_log_in_see_pages_log_out(offline_page: object, app_url: str) -> None:
    page = offline_page
    page.goto_login(app_url)  # type: ignore[attr-defined]
    form = page.locator('[data-testid="stForm"]')  # type: ignore[attr-defined]
    form.wait_for(timeout=90_000)
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0  # type: ignore[attr-defined]
    form.locator('input[type="text"]').fill("grid03")
    form.locator('input[type="password"]').fill("not-the-password")
    form.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    page.get_by_text(t("auth.error.bad", "zh-CN")).wait_for(timeout=60_000)  # type: ignore[attr-defined]
    screenshot(page, "login_form")
    form.locator('input[type="text"]').fill("grid03")
    form.locator('input[type="password"]').fill(PASSWORDS["grid03"])
    form.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    nav = page.locator('[data-testid="stSidebarNav"]')  # type: ignore[attr-defined]
    nav.wait_for(timeout=90_000)
    links = nav.locator("a").all_inner_texts()
    assert t("page.overview", "zh-CN") in "".join(links)
    for closed in ("page.data", "page.settings", "page.admin"):
        assert t(closed, "zh-CN") not in "".join(links)
    page.get_by_role("heading", name=t("page.overview", "zh-CN")).first.wait_for(  # type: ignore[attr-defined]
        timeout=90_000
    )
    page.get_by_role("button", name=t("auth.logout", "zh-CN")).click()  # type: ignore[attr-defined]
    page.locator('[data-testid="stForm"]').wait_for(timeout=60_000)  # type: ignore[attr-defined]
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0  # type: ignore[attr-defined]
    assert page.blocked == []  # type: ignore[attr-defined]


def test_admin_page_in_the_browser(offline_page: object, app_url: str) -> None:
    page = offline_page
    page.goto(f"{app_url}/admin")  # type: ignore[attr-defined]  # logs in as the demo admin
    page.get_by_role("heading", name=t("admin.audit", "zh-CN")).wait_for(timeout=90_000)  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    screenshot(page, "admin_page")
    assert page.blocked == []  # type: ignore[attr-defined]

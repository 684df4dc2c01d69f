"""A saved mapping profile in the real app (issue 18): the next month's hazard register, uploaded
in Chromium, is imported with the profile its headers match and stores exactly the rows the
command line stores from the same file with ``--profile``."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from cli import main
from geo import store
from geo.i18n import t
from tests.browser.conftest import screenshot, wait_for_run
from tests.test_profiles import NAME, REGISTER, SECOND, VALUES, _expected, _register, _same, _stored


def test_the_page_picks_the_profile_and_stores_what_the_cli_stores(
    offline_page: object,
    app_url: str,
    app_store: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = _register(tmp_path / "三月.csv", REGISTER)
    second = _register(tmp_path / "四月.csv", SECOND)
    cli_db = f"sqlite:///{tmp_path / 'cli.db'}"
    for db in (f"sqlite:///{app_store}", cli_db):  # the profile saved by March's import
        argv = ["import", "hazards", str(first), "--db", db, "--default", "severity=major"]
        assert main([*argv, "--values", VALUES, "--save-profile", NAME]) == 0
    capsys.readouterr()
    page = offline_page
    page.goto(f"{app_url}/data")  # type: ignore[attr-defined]
    page.get_by_role("heading", name=t("page.data", "zh-CN")).first.wait_for(timeout=90_000)  # type: ignore[attr-defined]
    wait_for_run(page, timeout=90_000)
    page.get_by_label(t("data.kind", "zh-CN")).first.click()  # type: ignore[attr-defined]
    page.get_by_role("option", name=t("kind.hazards", "zh-CN")).click()  # type: ignore[attr-defined]
    wait_for_run(page, timeout=90_000)
    # the import's uploader (the Data page's second is the road networks')
    page.locator("input[type=file]").first.set_input_files(str(second))  # type: ignore[attr-defined]
    page.get_by_text(t("prof.auto", "zh-CN", name=NAME)).first.wait_for(timeout=90_000)  # type: ignore[attr-defined]
    wait_for_run(page, timeout=90_000)
    page.get_by_role("button", name=t("data.import", "zh-CN")).click(timeout=60_000)  # type: ignore[attr-defined]
    page.get_by_text(t("data.report", "zh-CN", file="四月.csv")).wait_for(timeout=90_000)  # type: ignore[attr-defined]
    page.get_by_text(t("prof.used", "zh-CN", name=NAME)).first.wait_for(timeout=30_000)  # type: ignore[attr-defined]
    wait_for_run(page, timeout=90_000)
    screenshot(page, "data-profile-import")
    assert main(["import", "hazards", str(second), "--db", cli_db, "--profile", NAME]) == 0
    ids = [r[0] for r in SECOND]
    from_page = _stored(sa.create_engine(f"sqlite:///{app_store}"), ids)
    from_cli = _stored(store.connect(cli_db), ids)
    _same(from_page, from_cli)  # per row and column
    _same(from_cli, _expected(SECOND, "major"))
    assert page.blocked == []  # type: ignore[attr-defined]

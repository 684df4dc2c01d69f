"""The Briefing page in AppTest: the sidebar's period and area, the briefing shown, one download
per format, and a grid's briefing holding only that grid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from geo import escape, store
from geo.i18n import t
from geo.reports import briefing
from geo.services import briefing as briefing_svc

pytestmark = pytest.mark.slow
SENTENCE = (
    "开展百日行动以来，共出动民警、辅警警力1169人次，发动组织群防群治力量856人次，"
    "盘查人员521人，检查场所76个，巡查重点部位632处（次），排查整改各类安全隐患36处。"
)


@pytest.fixture
def app(new_app: Callable[..., AppTest]) -> AppTest:
    """The app on the Briefing page, logged in as the demo admin."""
    at = new_app()
    at.switch_page("views/briefing.py").run()
    assert not at.exception, at.exception
    return at


def _campaign_period(at: AppTest) -> AppTest:
    at.date_input(key="period").set_value((dt.date(2022, 6, 25), dt.date(2022, 10, 2))).run()
    at.text_input(key="brief_campaign").input("百日行动").run()
    assert not at.exception, at.exception
    return at


def test_page_shows_the_campaign_sentence_and_offers_every_format(app: AppTest) -> None:
    at = _campaign_period(app)
    texts = [m.value for m in at.markdown]
    assert f"**{briefing.md_escape(SENTENCE)}**" in texts
    assert t("page.briefing", "zh-CN") in [x.value for x in at.title]
    assert escape.md_escape(t("brief.demo", "zh-CN")) in [w.value for w in at.warning]
    assert at.info and t("app.demo_banner", "zh-CN") in at.info[0].value
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [t("brief.download", "zh-CN", fmt=f.upper()) for f in briefing.FORMATS]
    assert len(at.get("image")) == 3  # coverage and hot spot maps, weekly trend
    subheaders = [s.value for s in at.subheader]
    assert "一、巡防力量投入" in subheaders and "五、热点巡防" in subheaders


def test_page_in_english_for_one_grid(app: AppTest, demo_db_url: str) -> None:
    app.session_state["lang"] = "en"
    app.run()
    app.selectbox(key="area").set_value("ST01-G03").run()
    at = _campaign_period(app)
    lead = next(m.value for m in at.markdown if m.value.startswith("**Since the"))
    engine = store.connect(demo_db_url)
    figs = briefing_svc.figures(engine, "all", "2022-06-25", "2022-10-02", "ST01-G03")
    assert f"{figs['key']['police_aux']:,}" in lead and figs["key"]["police_aux"] < 1169
    assert any(
        h.value.startswith("## " + escape.md_escape("Patrol and public-safety briefing:"))
        and "罗家第3网格" in h.value
        for h in at.markdown
    )

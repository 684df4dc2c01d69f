"""The Disputes & leads page in AppTest on the demo city: both languages, board, tables, layers."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from data.demo_city import CAMPAIGN
from geo import store
from geo.i18n import t

pytestmark = pytest.mark.slow


def _texts(at: AppTest) -> str:
    parts = (
        [m.value for m in at.markdown]
        + [h.value for h in at.title]
        + [h.value for h in at.subheader]
        + [i.value for i in at.info]
        + [m.label for m in at.metric]
        + [c.value for c in at.caption]
    )
    return "\n".join(str(p) for p in parts)


def _metric(at: AppTest, key: str, lang: str) -> str:
    return next(str(m.value) for m in at.metric if m.label == t(key, lang))


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_page_shows_the_campaign_board(app: AppTest, lang: str) -> None:
    app.session_state["lang"] = lang
    app.session_state["period"] = (
        dt.date.fromisoformat(CAMPAIGN[0]),
        dt.date.fromisoformat(CAMPAIGN[1]),
    )
    app.switch_page("views/disputes.py").run()
    assert not app.exception, app.exception
    text = _texts(app)
    assert t("page.disputes", lang) in text
    assert t("app.demo_banner", lang) in text
    for key in ("dsp.board", "dsp.by_grid", "dsp.places", "dsp.leads_list"):
        assert t(key, lang) in text, key
    # the campaign figures as the report quotes them
    assert _metric(app, "dsp.discovered", lang) == "1007"
    assert _metric(app, "dsp.rate", lang) == "97.91%"
    assert _metric(app, "dsp.received", lang) == "17"
    assert _metric(app, "dsp.concluded", lang) == "10"
    assert _metric(app, "dsp.verifying", lang) == "7"
    sentence = t("dsp.sentence_disputes", lang, n=1007, rate="97.91%")
    assert sentence in text
    for stray in ("dsp.", "col.", "v.dcat", "v.dstatus"):
        assert stray not in text, stray
    # per-grid table: the twelve grids (and their names) with their rates
    frames = [df.value for df in app.dataframe]
    grid = next(f for f in frames if t("col.resolution_rate", lang) in f.columns)
    assert len(grid) == 12 and grid[t("col.discovered", lang)].astype(int).sum() == 1007


def test_overdue_days_and_hotspot_layer(app: AppTest) -> None:
    app.session_state["period"] = (dt.date(2022, 10, 1), dt.date(2022, 10, 31))
    app.switch_page("views/disputes.py").run()
    assert not app.exception, app.exception
    title = t("dsp.overdue_list", "zh-CN", days=30)
    assert title in _texts(app)
    overdue_30 = int(_metric(app, "dsp.overdue", "zh-CN"))
    app.number_input(key="dsp_days").set_value(90).run()
    assert not app.exception, app.exception
    assert t("dsp.overdue_list", "zh-CN", days=90) in _texts(app)
    assert int(_metric(app, "dsp.overdue", "zh-CN")) < overdue_30  # a longer grace, fewer late
    app.radio(key="dsp_layer").set_value("hot_disputes").run()
    assert not app.exception, app.exception
    text = _texts(app)
    assert (
        t("dsp.hot_summary", "zh-CN", n="@", hot="@").split("@")[0] in text
        or t("dsp.no_hot", "zh-CN") in text
    )


def test_page_in_a_grid_scope(app: AppTest) -> None:
    app.session_state["period"] = (
        dt.date.fromisoformat(CAMPAIGN[0]),
        dt.date.fromisoformat(CAMPAIGN[1]),
    )
    app.session_state["area"] = "ST01-G05"
    app.switch_page("views/disputes.py").run()
    assert not app.exception, app.exception
    grid = next(
        df.value for df in app.dataframe if t("col.resolution_rate", "zh-CN") in df.value.columns
    )
    assert list(grid[t("col.grid", "zh-CN")]) == ["罗家第5网格"]
    assert _metric(app, "dsp.discovered", "zh-CN") == str(
        int(grid[t("col.discovered", "zh-CN")].iloc[0])
    )


def test_settings_store_the_unsettled_days_that_risk_uses(app: AppTest, demo_db_url: str) -> None:
    from geo.services import risk

    app.switch_page("views/settings.py").run()
    assert not app.exception, app.exception
    assert app.number_input(key="set_dispute_days").value == 30  # the default
    app.number_input(key="set_dispute_days").set_value(7).run()
    app.button(key="set_save").click().run()
    assert not app.exception and app.success
    engine = store.connect(demo_db_url)
    assert store.get_meta(engine, "dispute_unsettled_days") == 7
    # risk now counts disputes unsettled for more than 7 days (the stored setting), not 30
    week = risk.risk_cells(engine, "all", start="2022-09-01", end="2022-09-30")
    month = risk.risk_cells(engine, "all", start="2022-09-01", end="2022-09-30", unsettled_days=30)
    week_risk = week.set_index("cell")["risk"]
    month_risk = month.set_index("cell")["risk"].reindex(week_risk.index)
    assert (week_risk - month_risk).abs().max() > 1e-6

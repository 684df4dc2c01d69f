"""The Duty & readiness page in AppTest on the demo city's duty night, in both languages: the
night's key points, the response circles, where to stand tonight, the venue schedule and the grid
assessment; the duty rules in Settings and the alerts on the Overview page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from data.demo_city import DUTY_NIGHT
from geo import store
from geo.domain import duty as duty_rules
from geo.i18n import t
from geo.services import duty

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_duty_page_on_the_demo_night(app: AppTest, demo_db_url: str, lang: str) -> None:
    app.radio(key="lang").set_value(lang).run()
    app.switch_page("views/duty.py").run()
    assert not app.exception, app.exception
    assert str(app.date_input(key="duty_night").value) == DUTY_NIGHT  # the last night
    expected = duty.night_duty(store.connect(demo_db_url), "all", DUTY_NIGHT)["summary"]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics[t("duty.m.missed", lang)] == str(expected["missed"])
    assert metrics[t("duty.m.done", lang)] == str(expected["done"])
    heads = [h.value for h in app.subheader]
    for key in ("duty.points", "duty.circles", "duty.schedule", "duty.grid"):
        assert t(key, lang) in heads, key
    app.button(key="duty_go").click().run()
    assert not app.exception, app.exception
    assert app.success and str(app.success[0].value).split()[0]


def test_settings_rules_and_overview_alerts(app: AppTest, demo_db_url: str) -> None:
    app.switch_page("views/settings.py").run()
    assert not app.exception, app.exception
    assert t("settings.duty", "zh-CN") in [h.value for h in app.subheader]
    app.button(key="set_duty_save").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert store.get_meta(store.connect(demo_db_url), duty.RULES_META) == duty_rules.validate_rules(
        duty_rules.DEFAULT_RULES
    )
    app.switch_page("views/overview.py").run()
    assert not app.exception, app.exception
    end = app.session_state["filters"].end
    assert t("alerts.title", "zh-CN", night=end) in [h.value for h in app.subheader]

"""The Patrol plan page in AppTest: a plan made from the roster of a demo night, its routes,
exports and the plan checked against the night's tracks, in both languages."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from geo import store
from geo.i18n import t
from geo.services import plan as plan_svc

pytestmark = pytest.mark.slow


def _texts(at: AppTest) -> str:
    parts = (
        [h.value for h in at.subheader]
        + [m.label for m in at.metric]
        + [i.value for i in at.info]
        + [c.value for c in at.caption]
        + [s.value for s in at.success]
    )
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_plan_page_makes_saves_and_checks_a_plan(app: AppTest, demo_db_url: str, lang: str) -> None:
    app.radio(key="lang").set_value(lang).run()
    app.switch_page("views/plan.py").run()
    assert not app.exception, app.exception
    assert t("plan.none_saved", lang) in _texts(app)  # nothing saved yet in this store
    night = app.date_input(key="plan_night").value
    app.slider(key="plan_limit").set_value(1)
    app.button(key="plan_go").click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    text = _texts(app)
    saved = plan_svc.list_plans(store.connect(demo_db_url), "all")
    assert len(saved) == 1 and saved["night"].iloc[0] == night
    pid = saved["plan_id"].iloc[0]
    assert t("plan.saved", lang, plan_id=pid) in text
    for key in (
        "plan.m.units",
        "plan.m.stops",
        "plan.m.covered",
        "plan.m.compliance",
        "plan.m.visited",
    ):
        assert t(key, lang) in text, key
    plan = plan_svc.load_plan(store.connect(demo_db_url), pid)
    rostered = {
        u.unit_id
        for u in plan_svc.units_on_duty(store.connect(demo_db_url), "all", night=night.isoformat())
    }
    assert {u["unit_id"] for u in plan["units"]} == rostered  # the roster of that night
    assert sum(len(u["stops"]) for u in plan["units"]) > 0
    units_metric = next(m for m in app.metric if m.label == t("plan.m.units", lang))
    assert units_metric.value == str(len(rostered))
    # plan against actual follows the plan just made, not the one picked before
    assert app.selectbox(key="plan_pick").value == pid
    app.button(key="plan_go").click().run()
    assert not app.exception, app.exception
    saved = plan_svc.list_plans(store.connect(demo_db_url), "all")
    newest = (set(saved["plan_id"]) - {pid}).pop()
    assert app.selectbox(key="plan_pick").value == newest
    assert t("plan.saved", lang, plan_id=newest) in _texts(app)

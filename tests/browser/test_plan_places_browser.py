"""The Patrol plan page in Chromium, offline: a key site is picked as a must-visit by a click on the
plan's map at its location, the plan is made, and the site's name is among the plan's stops
(on the page and in the saved plan), as the commander (in Chinese) and the grid manager
(in English).
Screenshots: tests/artifacts/plan-places-<user>-<lang>-{picked,made}.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo import store
from geo.i18n import t
from geo.services import plan as plan_svc
from tests.browser.conftest import log_in, screenshot, wait_for_run

GRID = "ST01-G03"  # the grid manager's grid, inside the commander's station

_POINT = """([lat, lng]) => { for (const k in window) { const o = window[k];
  if (o && o instanceof L.Map) { const p = o.latLngToContainerPoint([lat, lng]);
    return [p.x, p.y]; } } return null; }"""


def _site(db: Path) -> dict[str, object]:
    """A key site of the grid (not a police post: units start at those)."""
    sites = store.read(store.connect(f"sqlite:///{db}"), "sites", [GRID])
    sites = sites.loc[sites["category"] != "post"].sort_values("site_id")
    return sites.iloc[0].to_dict()


@pytest.mark.parametrize(
    ("user", "lang"),
    # each role once, each language once (a plan takes its full search time: the suite's budget)
    [("commander", "zh-CN"), ("grid03", "en")],
)
def test_a_site_clicked_on_the_map_is_visited_by_the_plan(
    offline_page: object, app_url: str, app_store: Path, user: str, lang: str
) -> None:
    page = offline_page
    site = _site(app_store)
    log_in(page, f"{app_url}/plan", user=user)
    page.get_by_role("heading", name=t("page.plan", "zh-CN")).first.wait_for(timeout=90_000)  # type: ignore[attr-defined]
    wait_for_run(page, timeout=120_000)
    if lang == "en":
        page.get_by_text("English", exact=True).first.click()  # type: ignore[attr-defined]
        page.get_by_role("heading", name=t("page.plan", "en")).first.wait_for(timeout=90_000)  # type: ignore[attr-defined]
        wait_for_run(page, timeout=120_000)
    # the night is tonight's by default, and the pick map is the page's first map
    iframe = page.locator("iframe[title='streamlit_folium.st_folium']").first  # type: ignore[attr-defined]
    iframe.scroll_into_view_if_needed()
    inner = iframe.element_handle().content_frame()
    inner.locator(".leaflet-container").wait_for(timeout=60_000)
    page.wait_for_timeout(800)  # the map fits its bounds
    xy = inner.evaluate(_POINT, [float(site["lat"]), float(site["lng"])])
    assert xy is not None
    box = iframe.bounding_box()
    assert 0 < xy[0] < box["width"] and 0 < xy[1] < box["height"], (xy, box)
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])  # type: ignore[attr-defined]
    label = t("plan.place.label", lang, name=site["name"], kind=t("plan.place.kind.site", lang))
    picked = t("plan.picked", lang, what=t("plan.pick_as.must", lang), place=label)
    page.get_by_text(picked).first.wait_for(timeout=90_000)  # type: ignore[attr-defined]
    wait_for_run(page, timeout=120_000)
    screenshot(page, f"plan-places-{user}-{lang}-picked")
    before = set(plan_svc.list_plans(store.connect(f"sqlite:///{app_store}"), "all")["plan_id"])
    page.get_by_role("button", name=t("plan.run", lang)).click()  # type: ignore[attr-defined]
    page.get_by_text(t("plan.m.covered", lang)).first.wait_for(timeout=180_000)  # type: ignore[attr-defined]
    wait_for_run(page, timeout=180_000)
    body = page.inner_text("body")  # type: ignore[attr-defined]
    assert "Traceback" not in body
    assert page.locator("[data-testid='stException']").count() == 0  # type: ignore[attr-defined]
    # the must-visit list of the plan names the site, the unit and its arrival
    arrives = t("plan.must_ok", lang, arrive="")
    line = next((x for x in body.splitlines() if str(site["name"]) in x and arrives in x), None)
    assert line is not None, body[-3000:]
    saved = plan_svc.list_plans(store.connect(f"sqlite:///{app_store}"), "all")
    (pid,) = set(saved["plan_id"]) - before
    plan = plan_svc.load_plan(store.connect(f"sqlite:///{app_store}"), pid)
    (must,) = plan["must"]
    assert must["place"] == site["name"] and must["unit_id"]
    stops = [s for u in plan["units"] for s in u["stops"] if s["h3"] == must["h3"]]
    assert len(stops) == 1 and str(site["name"]) in stops[0]["place"]
    screenshot(page, f"plan-places-{user}-{lang}-made")
    assert page.blocked == []  # type: ignore[attr-defined]

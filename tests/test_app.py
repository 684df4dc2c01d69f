"""The Streamlit app in AppTest: every page in both languages, no exception, key content shown."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from geo import store
from geo.i18n import t
from geo.store import engine as store_engine

PAGES = ["overview", "coverage", "hotspots", "venues", "hazards", "data", "settings"]
# what each page must show, as string keys (metric labels, subheaders, captions)
KEY_CONTENT = {
    "overview": [
        "fig.police_aux",
        "fig.volunteers",
        "fig.people_checked",
        "fig.venues_inspected",
        "fig.site_patrols",
        "fig.hazards_rectified",
    ],
    "venues": ["ven.n_total", "ven.n_overdue"],
    "hazards": ["haz.found", "haz.rectified", "haz.overdue"],
    "data": ["app.imports"],
    "settings": ["settings.night", "settings.basemap", "settings.weights"],
}
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


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_in_both_languages(app: AppTest, page: str, lang: str) -> None:
    if lang == "en":  # AppTest keeps session state across switch_page, not sidebar widgets
        app.session_state["lang"] = "en"
    app.switch_page(f"views/{page}.py").run()
    assert not app.exception, app.exception
    text = _texts(app)
    assert t(f"page.{page}", lang) in text
    assert t("app.demo_banner", lang) in text  # the demo city is loaded: every page says so
    for key in KEY_CONTENT.get(page, []):
        assert t(key, lang) in text, key
    for stray in ("page.", "data.", "settings.", "filter.", "fig.", "ven.", "haz."):
        assert f"{stray}{page}" not in text  # no untranslated key shown
    assert len(app.dataframe) + len(app.metric) > 0 or page in ("coverage", "hotspots")


def test_data_page_shows_every_rejected_row(app: AppTest) -> None:
    app.switch_page("views/data.py").run()
    assert not app.exception
    # AppTest cannot upload files; the browser tests drive the uploader. Here the history shows.
    assert any("demo:seed=7" in str(df.value.to_csv()) for df in app.dataframe)


def test_settings_are_validated_and_saved(app: AppTest, demo_db_url: str) -> None:
    app.switch_page("views/settings.py").run()
    app.radio(key="set_tiles").set_value("custom").run()
    app.text_input(key="set_tiles_url").input("not a url").run()
    app.button(key="set_save").click().run()
    assert app.error, "a bad tile URL must be refused"
    app.text_input(key="set_tiles_url").input("http://127.0.0.1:8080/{z}/{x}/{y}.png").run()
    app.selectbox(key="set_night_from").set_value(21).run()
    app.button(key="set_save").click().run()
    assert not app.exception and app.success
    saved = store.get_meta(store.connect(demo_db_url), "ui_settings")
    assert saved == {
        "night": "21:00-06:00",
        "tiles": "custom",
        "tiles_url": "http://127.0.0.1:8080/{z}/{x}/{y}.png",
        "tianditu_token": "",
    }


def test_a_save_during_a_long_import_says_the_store_is_busy(
    app: AppTest, demo_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: while an import holds the write lock past the wait, saving the settings shows a
    message in the user's language (no traceback) and changes nothing; afterwards it saves."""
    import sqlite3

    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 100)
    store.forget(demo_db_url)  # this store's new connections wait 0.1 s
    app.switch_page("views/settings.py").run()
    before = store.get_meta(store.connect(demo_db_url), "ui_settings")
    app.selectbox(key="set_night_from").set_value(22).run()
    holder = sqlite3.connect(
        demo_db_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None
    )
    holder.execute("BEGIN IMMEDIATE")
    try:
        app.button(key="set_save").click().run()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not app.exception
    assert t("app.store_busy", "zh-CN") in [w.value for w in app.warning]
    assert store.get_meta(store.connect(demo_db_url), "ui_settings") == before
    app.button(key="set_save").click().run()
    assert not app.exception and app.success
    assert store.get_meta(store.connect(demo_db_url), "ui_settings")["night"] == "22:00-06:00"


@pytest.mark.parametrize("page", ["settings", "overview", "admin"])
def test_a_language_switch_keeps_the_choices_of_relabelled_widgets(
    app: AppTest, page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The language switch gives the widgets whose labels follow the language their values
    again (so that the browser redraws them); choices are kept and Streamlit does not warn of a
    widget set both by a default and through session state."""
    from streamlit.elements.lib import policies

    warned: list[object] = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda *a, **_k: warned.append(a))
    app.switch_page(f"views/{page}.py").run()
    if page == "settings":
        app.radio(key="set_tiles").set_value("osm").run()
    elif page == "overview":
        app.radio(key="ov_layer").set_value("gap").run()
    else:
        app.multiselect(key="audit_actions").set_value(["login", "export"]).run()
    app.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert warned == []
    if page == "settings":
        assert app.radio(key="set_tiles").value == "osm"
        assert app.radio(key="set_tiles").options[1] == t("settings.tiles.osm", "en")
    elif page == "overview":
        assert app.radio(key="ov_layer").value == "gap"
        assert app.radio(key="ov_layer").options == [
            t(f"ov.layer.{k}", "en") for k in ("risk", "gap", "coverage")
        ]
    else:
        assert app.multiselect(key="audit_actions").value == ["login", "export"]
    assert app.selectbox(key="area").value is None

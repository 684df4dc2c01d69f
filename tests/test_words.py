"""The users' words on every screen: every page a role may open, for every demo role, in both
languages, rendered in AppTest on one shared copy of the demo store, shows no canonical code or
field name of the schema, no None/NaN, no store URL, file path or stack trace, and no word of the
other language outside data (names of places and people, read from the store).

Every element AppTest exposes is read: markdown, captions, titles, alerts, metrics (label, value,
delta, help), every widget's label, help, placeholder and options, buttons, expanders, tabs, and
every table's headers (as configured) and values.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import shapely
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget

from geo import store
from geo.config import get_settings
from geo.domain import hexes, schema
from geo.i18n import STRINGS, t
from geo.services import access
from geo.store import networks
from tests.conftest import log_in

ROOT = Path(__file__).resolve().parent.parent
GRID = "ST01-G03"  # the demo grid manager's grid
ROLES = {"admin": "admin", "commander": "commander", "grid_manager": "grid03", "viewer": "viewer"}
PAGES = [
    "overview",
    "coverage",
    "hotspots",
    "venues",
    "hazards",
    "disputes",
    "plan",
    "duty",
    "live",
    "briefing",
    "data",
    "settings",
    "admin",
]

# Words of the other language that are the users' words too: names of file formats, standards
# and systems, and the units written the same way in both languages.
LATIN_OK = {
    "GPS", "H3", "KTV", "PDF", "DOCX", "HTML", "CSV", "GeoJSON", "KML", "GPX", "JSON", "Parquet",
    "TOML", "XLSX", "URL", "OSM", "OpenStreetMap", "Gi", "EPSG", "WGS", "GCJ", "BD", "CGCS",
    "km", "Markdown", "Word", "UTF", "GBK", "GB", "Big5", "TTF", "OTF", "ID", "MB", "Shapefile",
    "GeoPackage", "Amap", "Tianditu", "XYZ", "SHP", "DBF", "ZIP", "Excel", "App", "APP", "QQ",
    "Big", "pbf", "KMZ", "MD", "English", "Getis", "Ord", "Benjamini", "Hochberg", "FDR", "ATM",
    "GraphML", "graphml", "osmnx", "osm", "zip", "prj", "gpkg", "shp",
}  # fmt: skip
CJK_OK = {"中文"}  # the language switch names each language in its own words
# Enum groups whose codes must never reach a screen as they are
CODE_PREFIXES = (
    "v.",
    "plan.kind.",
    "plan.status.",
    "settings.tiles.",
    "data.crs.",
    "kind.",
    "audit.",
    "auth.role.",
    "duty.per.",
)
INTERNAL = re.compile(
    r"sqlite:|postgres(?:ql)?(?:\+\w+)?:|://[^\s]*@|/tmp/|/work/|/home/|\.db\b|\.py\b|"
    r"Traceback|File \"|site-packages",
    re.I,
)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+")
CJK_PUNCT = re.compile(r"^[\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+$")
TOKEN = re.compile(r"[A-Za-z0-9_:=+.\-/]+")
WORD = re.compile(r"[A-Za-z][A-Za-z]+")
H3_ID = re.compile(r"8[0-9a-f]{14}|P\d{8}-[0-9a-f]{6}")  # a cell id, a saved plan's id
MISSING = {"None", "nan", "NaN", "NaT", "<NA>", "null"}


def _codes() -> set[str]:
    """Every enum code and canonical column name of the schema and the string tables."""
    codes: set[str] = set()
    for name in dir(schema):
        value = getattr(schema, name)
        if name.isupper() and isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            codes |= {v for v in value if re.fullmatch(r"[a-z][a-z0-9_]*", v)}
    for kind in schema.KINDS.values():
        codes |= set(kind.names)
    for key in STRINGS:
        for prefix in CODE_PREFIXES:
            if key.startswith(prefix):
                codes.add(key.rsplit(".", 1)[1])
    return {c for c in codes if len(c) > 1 and re.fullmatch(r"[a-z][a-z0-9_]*", c)}


CODES = _codes()


@dataclass
class Data:
    """What the store holds that users wrote: names of places and people, ids, free text."""

    tokens: set[str]
    blob: str


def _data(engine: sa.Engine) -> Data:
    enums = {"category", "kind", "level", "status", "severity", "risk_level", "result", "channel"}
    enums |= {"topic", "crs", "role", "action"}
    values: set[str] = {name for name, _pw, _r, _a in access.DEMO_USERS}
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        for table in inspector.get_table_names():
            if table in {"alembic_version", "meta", "coverage", "area_cells", "pings", "stops"}:
                continue
            for col in inspector.get_columns(table):
                name = col["name"]
                if name in enums or name in {"geometry", "content_hash", "key", "detail"}:
                    continue
                if not isinstance(col["type"], sa.String | sa.Text):
                    continue
                got = conn.execute(sa.text(f'SELECT DISTINCT "{name}" FROM "{table}"'))
                values |= {str(v) for (v,) in got if v}
    # the names of the streets of the stored road networks (a survey's file: data like any other)
    for network_id in networks.rows(engine)["network_id"]:
        graph = networks.load(engine, int(network_id))
        if graph is not None and "name" in graph.edges:
            values |= {str(v) for v in graph.edges["name"].dropna().unique() if v}
    tokens = {tok for v in values for tok in TOKEN.findall(v)}
    return Data(tokens, "\n".join(sorted(values)))


# --------------------------------------------------------------------------------------------
# What a run shows


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


def _shown(value: Any, labels: dict[str, str]) -> list[str]:
    """A cell as the table draws it: the label of a coded value, each item of a list."""
    if isinstance(value, list | tuple) or (hasattr(value, "tolist") and not isinstance(value, str)):
        return [s for v in list(value) for s in _shown(v, labels)]
    text = "" if value is None else str(value)
    return [labels.get(text, text)]


def _frame_texts(node: Any) -> list[tuple[str, str]]:
    """A table's shown headers (column config labels where set) and every cell as drawn (coded
    values by their option labels; columns left out of ``column_order`` or hidden skipped)."""
    out: list[tuple[str, str]] = []
    df = node.value
    if not isinstance(df, pd.DataFrame):
        return out
    config: dict[str, Any] = {}
    raw = getattr(node.proto, "columns", "")
    if raw:
        config = json.loads(raw)
    order = list(getattr(node.proto, "column_order", []) or [])
    for col in df.columns:
        if order and str(col) not in order:
            continue
        if pd.api.types.is_bool_dtype(df[col]):  # drawn as check boxes
            continue
        cfg = config.get(str(col)) or config.get(f"_pos:{list(df.columns).index(col)}") or {}
        if cfg.get("hidden"):
            continue
        out.append(("header", str(cfg.get("label") or col)))
        labels: dict[str, str] = {}
        for opt in (cfg.get("type_config") or {}).get("options") or []:
            if isinstance(opt, dict):
                labels[str(opt.get("value"))] = str(opt.get("label"))
            out.append(
                (
                    "option",
                    labels.get(str(opt.get("value")), "") if isinstance(opt, dict) else str(opt),
                )
            )
        for v in df[col].tolist():
            out.extend(("cell", s) for s in _shown(v, labels))
    return out


FIELDS = ("label", "body", "help", "placeholder", "caption", "delta", "text", "message")


def texts(at: AppTest) -> list[tuple[str, str]]:
    """Every text the run shows as ``(element type, text)``."""
    out: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        kind = getattr(node, "type", type(node).__name__)
        if kind == "html" and re.fullmatch(r"\s*<style>[^<]*</style>\s*", str(node.value)):
            return  # a style sheet (views/_common.streamlit_words) is no text on screen
        if kind in {"arrow_data_frame", "dataframe", "table"}:
            out.extend(_frame_texts(node))
        else:
            for attr in ("value", "label", "help", "placeholder", "options", "delta", "message"):
                if attr == "value" and isinstance(node, Widget):  # what the user typed
                    continue
                try:
                    got = getattr(node, attr, None)
                except Exception:  # an element without that part
                    continue
                if callable(got):
                    continue
                out.extend((f"{kind}.{attr}", s) for s in _strings(got))
            proto = getattr(node, "proto", None)
            if kind == "image":  # a picture's address is no text
                out[:] = [(k, v) for k, v in out if not k.startswith("image.")]
            if type(node).__name__ == "UnknownElement" and proto is not None:
                for field in FIELDS:
                    got = getattr(proto, field, None)
                    if isinstance(got, str) and got:
                        out.append((f"{kind}.{field}", got))
            if kind == "exception":
                out.extend(("exception", s) for s in getattr(node, "stack_trace", []))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return [(k, s) for k, s in out if s]


def problems(
    items: list[tuple[str, str]], lang: str, data: Data, *, internal_ok: bool = False
) -> list[str]:
    """What of ``items`` is not in the users' words of ``lang``."""
    found: list[str] = []
    for kind, text in items:
        plain = text.strip().strip("*_`#").strip()
        if plain in CODES and plain not in data.tokens:
            found.append(f"code {plain!r} ({kind})")
        if plain in MISSING:
            found.append(f"missing value {plain!r} ({kind})")
        if INTERNAL.search(text):
            if internal_ok:  # the admin's Admin page names the store
                continue
            found.append(f"internal {text[:120]!r} ({kind})")
        for tok in TOKEN.findall(text):
            if tok in data.tokens or H3_ID.fullmatch(tok):  # data; a cell id column
                continue
            bare = tok.strip(".:-+/=")
            if bare in MISSING:
                found.append(f"missing value {bare!r} in {text[:80]!r} ({kind})")
            if "_" in bare and re.fullmatch(r"[a-z0-9_]+", bare):
                found.append(f"field {bare!r} in {text[:80]!r} ({kind})")
            if re.fullmatch(r"[a-z_]+:[a-z_]+", bare):
                found.append(f"code {bare!r} in {text[:80]!r} ({kind})")
            if lang == "zh-CN":
                for word in WORD.findall(bare):
                    if word not in LATIN_OK and word not in data.tokens:
                        found.append(f"English {word!r} in {text[:80]!r} ({kind})")
        if lang == "en":
            for run in CJK.findall(text):
                if run in CJK_OK:
                    continue
                if CJK_PUNCT.match(run) or run not in data.blob:
                    found.append(f"CJK {run!r} in {text[:80]!r} ({kind})")
    return found


# --------------------------------------------------------------------------------------------
# The app on one copy of the demo store for the module


@pytest.fixture(scope="module")
def words_store(
    demo_db_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Data, int]]:
    """A copy of the demo store with the demo users, its URL in the environment, its data words
    and a busy cell to click."""
    copy = tmp_path_factory.mktemp("words") / "demo.db"
    shutil.copyfile(demo_db_file, copy)
    url = f"sqlite:///{copy}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QY_DATABASE_URL", url)
        mp.setenv("QY_DEMO", "1")
        mp.chdir(ROOT)
        eng = store.connect(url)
        access.bootstrap(eng)
        yield url, _data(eng), busy_cell(eng)
        store.forget(url)
        eng.dispose()


MAP_KEYS = ("ov_map", "cov_map", "hot_map", "ven_map", "haz_map", "dsp_map")


def busy_cell(engine: sa.Engine, area: str = GRID) -> int:
    """The res-9 cell of ``area`` holding the most venues and hazards (every demo user may see
    it: the grid manager's grid lies in the others' station)."""
    with engine.connect() as conn:
        outline = conn.execute(
            sa.text("SELECT geometry FROM areas WHERE area_id = :a"), {"a": area}
        ).scalar_one()
        points = pd.read_sql(
            sa.text("SELECT lat, lng FROM venues UNION ALL SELECT lat, lng FROM hazards"), conn
        )
    inside = shapely.contains_xy(shapely.from_wkt(outline), points["lng"], points["lat"])
    points = points.loc[inside]
    cells = hexes.latlng_to_cells(points["lat"].to_numpy(), points["lng"].to_numpy(), 9)
    return int(pd.Series(cells).value_counts().index[0])


def render(url: str, user: str, lang: str, cell: int) -> Iterator[tuple[str, AppTest]]:
    """Each page ``user`` may open, run in ``lang`` with ``cell`` clicked on its map: (page, the
    AppTest after the run); the Patrol plan page again with a plan made (and so a saved plan to
    check against what was driven), the Duty page again with the posts optimised."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    log_in(at, url, user)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    role = {u: r for u, _pw, r, _a in access.DEMO_USERS}[user]
    for page in PAGES:
        if page not in access.PAGES[role]:
            continue
        for key in MAP_KEYS:
            at.session_state[f"{key}_cell"] = cell
        at.switch_page(f"views/{page}.py").run()
        yield page, at
        if page == "plan" and at.button(key="plan_go"):
            at.slider(key="plan_limit").set_value(1)
            at.button(key="plan_go").click().run()
            yield "plan (made)", at
        if page == "duty":
            at.button(key="duty_go").click().run()
            yield "duty (optimised)", at


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_speaks_the_users_words(
    words_store: tuple[str, Data, int], role: str, lang: str
) -> None:
    url, data, cell = words_store
    found: list[str] = []
    for page, at in render(url, ROLES[role], lang, cell):
        if at.exception:
            found.append(f"{page}: exception {at.exception[0].message}")
        items = texts(at)
        if any(t("app.error", lang) in text for _kind, text in items):
            found.append(f"{page}: the page failed (see the log)")
        bad = problems(items, lang, data, internal_ok=role == "admin" and page == "admin")
        found += [f"{page}: {b}" for b in dict.fromkeys(bad)]
    assert not found, f"{len(found)} problems:\n" + "\n".join(found)


def test_the_checks_catch_what_users_saw() -> None:
    """The checks above find each thing the issue saw on the demo city, and let data pass."""
    data = Data({"罗家第3网格", "ST01-G03", "金曲KTV"}, "罗家第3网格\n金曲KTV\n车巡一组")
    seen = {
        "structural": "zh-CN",  # an alert's hazard category
        "police_car": "en",  # a unit kind in the plan's table
        "49.9 min": "zh-CN",  # an English unit on a Chinese screen
        "1.899/wk": "zh-CN",
        "None": "en",
        "nan": "zh-CN",
        "label_zh": "en",  # a Settings header
        "venue:ktv": "en",  # a risk factor code
        "罗家 · sqlite:////srv/qy/qingyun.db": "zh-CN",  # the store in the sidebar
        "Police + auxiliaries（person-times）": "en",  # full-width punctuation in English
        "辖区": "en",
    }
    for text, lang in seen.items():
        assert problems([("cell", text)], lang, data), text
    fine = {
        "罗家第3网格 · 金曲KTV": "zh-CN",
        "金曲KTV (ST01-G03)": "en",
        "8941832abc7ffff": "zh-CN",  # a cell id
        "GPS 轨迹 12 条，H3 分辨率 9": "zh-CN",
        "Stop": "en",
    }
    for text, lang in fine.items():
        assert not problems([("cell", text)], lang, data), text
    assert problems([("caption", "Store: sqlite:///a.db")], "en", data)
    assert not problems([("caption", "Store: sqlite:///a.db")], "en", data, internal_ok=True)


def _new_app(url: str, user: str, lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    log_in(at, url, user)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.slow
def test_the_uploader_says_the_real_limit(words_store: tuple[str, Data, int]) -> None:
    """Streamlit's own text under the Data page's uploader says the limit of its label, and the
    server's ceiling (.streamlit/config.toml) is the same number as the app's default."""
    toml = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert toml["server"]["maxUploadSize"] == get_settings({}).max_upload_mb == 50
    at = _new_app(words_store[0], "admin", "en")
    at.switch_page("views/data.py").run()
    uploaders = [
        el.proto
        for el in at.get("file_uploader")
        if getattr(el.proto, "label", "") == t("data.file", "en", mb=50)
    ]
    assert len(uploaders) == 1
    assert uploaders[0].max_upload_size_mb == 50


@pytest.mark.slow
def test_a_failing_page_says_so_plainly(
    words_store: tuple[str, Data, int],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An exception in a page: a plain message in the user's language, the traceback (and what
    it names) in the log only."""
    from geo.services import overview

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        msg = "cannot open /srv/qy/secret.db"
        raise RuntimeError(msg)

    monkeypatch.setattr(overview, "figures", broken)
    at = _new_app(words_store[0], "commander", "zh-CN")
    at.switch_page("views/overview.py").run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("app.error", "zh-CN")]
    shown = "\n".join(text for _kind, text in texts(at))
    assert "secret" not in shown and "Traceback" not in shown
    assert "cannot open /srv/qy/secret.db" in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize(("page", "key"), [("coverage", "cov_night"), ("duty", "duty_night")])
def test_a_pages_night_follows_the_period_until_the_user_sets_it(
    words_store: tuple[str, Data, int], page: str, key: str
) -> None:
    at = _new_app(words_store[0], "commander", "en")
    at.switch_page(f"views/{page}.py").run()
    period = at.date_input(key="period").value
    assert isinstance(period, tuple) and len(period) == 2
    assert at.date_input(key=key).value == period[1]
    july = (dt.date(2022, 7, 1), dt.date(2022, 7, 31))
    at.date_input(key="period").set_value(july).run()
    assert at.date_input(key=key).value == july[1]  # followed the period
    at.date_input(key=key).set_value(dt.date(2022, 7, 20)).run()
    at.date_input(key="period").set_value((dt.date(2022, 8, 1), dt.date(2022, 8, 31))).run()
    assert not at.exception
    assert at.date_input(key=key).value == dt.date(2022, 7, 20)  # the user's night stays


def test_english_strings_carry_no_chinese() -> None:
    """No English string of the tables holds a Chinese character or full-width punctuation."""
    chinese = {k: v["en"] for k, v in STRINGS.items() if CJK.search(v["en"])}
    assert chinese == {}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_settings_in_words_save_what_was_stored(
    demo_db_url: str, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """The Settings tables shown in the users' words (labels for codes, the default rules'
    sources translated) save the stored values unchanged: codes, sources, comma lists."""
    from geo.domain import duty as duty_rules
    from geo.domain import risk
    from geo.services import duty, settings

    monkeypatch.setenv("QY_DATABASE_URL", demo_db_url)
    monkeypatch.chdir(ROOT)
    at = _new_app(demo_db_url, "admin", lang)
    at.switch_page("views/settings.py").run()
    at.button(key="set_duty_save").click().run()
    at.button(key="set_save").click().run()
    assert not at.exception and not at.error
    eng = store.connect(demo_db_url)
    assert store.get_meta(eng, "duty_rules") is not None
    assert duty.get_rules(eng) == duty_rules.validate_rules(duty_rules.DEFAULT_RULES)
    pd.testing.assert_frame_equal(settings.risk_weights(eng), risk.DEFAULT_WEIGHTS)

"""Categories that keep the source (issue 18, item 4): files as real registers and 110 exports
write them, every row stored once with its text, code and group; unmapped names listed; a
re-mapping re-groups the stored rows (and what hot spots and risk read) without re-importing;
the migration of an 0008 store; the CLI; the Data page's section."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from cli.main import main
from geo import ingest, store
from geo.domain import categories, hexes
from geo.i18n import t
from geo.services import categories as cat_svc
from geo.services import hotspots, risk
from tests import tiny

# A hazard register as a street office keeps it (no severity column of the app's words: 隐患等级
# holds the national grades), 20 rows, three of them 建筑结构 (the Hazards page's own label).
# id, name, category, grade, expected group, mapped by a default
HAZARDS = [
    ("YH001", "3号楼楼道堆物", "消防通道堵塞", "一般", "fire", True),
    ("YH002", "老旧危墙", "建筑结构", "重大", "structural", True),
    ("YH003", "小区东门", "私拉乱接", "较大", "electrical", True),
    ("YH004", "农贸市场", "瓶装液化气", "重大", "gas", True),
    ("YH005", "背街小巷", "治安-监控盲区", "一般", "public_order", True),
    ("YH006", "广告牌", "广告牌松动", "较大", "other", False),
    ("YH007", "自建房", "建筑结构", "特别重大", "structural", True),
    ("YH008", "路口", "交通安全", "一般", "traffic", True),
    ("YH009", "厂房", "消防", "重大", "fire", True),
    ("YH010", "工地围挡", "广告牌松动", "一般", "other", False),
    ("YH011", "商铺", "ＦＩＲＥ", "一般", "fire", True),
    ("YH012", "车棚", "电动车违规充电", "较大", "electrical", True),
    ("YH013", "出租屋", "燃气", "一般", "gas", True),
    ("YH014", "河堤", "防汛", "较大", "other", True),
    ("YH015", "桥下", "建筑结构", "一般", "structural", True),
    ("YH016", "学校门口", "Public Order", "一般", "public_order", True),
    ("YH017", "仓库", "危化品储存不当", "重大", "other", False),
    ("YH018", "老小区", "路灯损坏", "一般", "public_order", True),
    ("YH019", "菜场", "燃气泄漏", "特别重大", "gas", True),
    ("YH020", "公园", "其他", "一般", "other", True),
]

# A 110 export: call number, call time, category code column and hierarchical category names.
# id, code column, category text, expected source code, expected group, mapped
INCIDENTS = [
    ("J001", "0102", "刑事-盗窃-入室盗窃", "0102", "burglary", True),
    ("J002", "", "0101 扒窃", "0101", "theft", True),
    ("J003", "0301", "治安-噪音扰民", "0301", "disturbance", True),
    ("J004", "", "交通事故", None, "traffic", True),
    ("J005", "0901", "求助-走失", "0901", "other", True),
    ("J006", "0199", "刑事-其他刑事案件-非法拘禁", "0199", "other", False),
    ("J007", "", "０２０１　电信网络诈骗", "0201", "fraud", True),
    ("J008", "0401", "刑事-抢劫抢夺-飞车抢夺", "0401", "robbery", True),
    ("J009", "", "群体性事件", None, "other", False),
    ("J010", "0199", "刑事-其他刑事案件-非法拘禁", "0199", "other", False),
    ("J011", "", "打架斗殴", None, "fight", True),
    ("J012", "0501", "治安-赌博", "0501", "gambling", True),
]


def _points(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points inside tiny's station (115.970..115.990 E, 28.690..28.710 N)."""
    i = np.arange(n)
    return 28.692 + (i % 8) * 0.002, 115.972 + (i // 8) * 0.006 + (i % 3) * 0.001


def hazard_file(folder: Path) -> Path:
    lat, lng = _points(len(HAZARDS))
    frame = pd.DataFrame(
        {
            "编号": [h[0] for h in HAZARDS],
            "名称": [h[1] for h in HAZARDS],
            "类别": [h[2] for h in HAZARDS],
            "隐患等级": [h[3] for h in HAZARDS],
            "发现时间": [f"2022/7/{1 + i % 5} 10:{i:02d}" for i in range(len(HAZARDS))],
            "经度": lng.round(6),
            "纬度": lat.round(6),
            "状态": ["未整改"] * len(HAZARDS),
        }
    )
    path = folder / "隐患台账.csv"
    frame.to_csv(path, index=False, encoding="gb18030")  # as a register exported on Windows
    return path


def incident_file(folder: Path) -> Path:
    lat, lng = _points(len(INCIDENTS))
    frame = pd.DataFrame(
        {
            "接警单号": [r[0] for r in INCIDENTS],
            "报警时间": [f"2022-07-0{1 + i % 4} 2{i % 4}:15:00" for i in range(len(INCIDENTS))],
            "警情类别代码": [r[1] for r in INCIDENTS],
            "警情类别": [r[2] for r in INCIDENTS],
            "经度": lng.round(6),
            "纬度": lat.round(6),
        }
    )
    path = folder / "110警情.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def stored(engine: sa.Engine, kind: str) -> pd.DataFrame:
    key = schema_key(kind)
    cols = [key, categories.GROUP_COLUMN[kind], categories.SOURCE, categories.CODE]
    return store.read(engine, kind, "all", columns=cols).set_index(key).sort_index()


def schema_key(kind: str) -> str:
    return {"hazards": "hazard_id", "incidents": "incident_id"}[kind]


@pytest.fixture
def loaded(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """Tiny's jurisdiction (areas, units, venues, ...) on each backend."""
    tiny.load(engine, tmp_path)
    return engine


def test_a_hazard_register_keeps_every_row_and_its_category(
    loaded: sa.Engine, tmp_path: Path
) -> None:
    s = ingest.import_file(loaded, "hazards", hazard_file(tmp_path))
    assert (s.read, s.accepted, s.rejected, s.conflicts) == (20, 20, 0, 0), s.rejects
    rows = stored(loaded, "hazards").loc[[h[0] for h in HAZARDS]]
    assert rows["category"].tolist() == [h[4] for h in HAZARDS]
    assert rows[categories.SOURCE].tolist() == [h[2] for h in HAZARDS]
    assert rows[categories.CODE].isna().all()
    assert s.unmapped == {"广告牌松动": 2, "危化品储存不当": 1}
    assert s.as_dict()["unmapped"] == {"广告牌松动": 2, "危化品储存不当": 1}
    # the grade shown is the grade the file wrote (重大 is "high", labelled 重大, not 特别重大)
    sev = store.read(loaded, "hazards", "all", columns=["hazard_id", "severity"])
    shown = sev.set_index("hazard_id")["severity"].map(lambda v: t(f"v.severity.{v}", "zh-CN"))
    assert shown.loc[[h[0] for h in HAZARDS]].tolist() == [h[3] for h in HAZARDS]
    again = ingest.import_file(loaded, "hazards", hazard_file(tmp_path))
    assert (again.accepted, again.duplicates, again.conflicts) == (0, 20, 0)


def test_a_110_export_keeps_codes_and_groups_paths_by_their_last_segment(
    loaded: sa.Engine, tmp_path: Path
) -> None:
    s = ingest.import_file(loaded, "incidents", incident_file(tmp_path))
    assert (s.read, s.accepted, s.rejected) == (12, 12, 0), s.rejects
    rows = stored(loaded, "incidents").loc[[r[0] for r in INCIDENTS]]
    assert rows["category"].tolist() == [r[4] for r in INCIDENTS]
    assert rows[categories.SOURCE].tolist() == [r[2] for r in INCIDENTS]
    assert rows[categories.CODE].tolist() == [r[3] for r in INCIDENTS]
    assert s.unmapped == {"刑事-其他刑事案件-非法拘禁": 2, "群体性事件": 1}
    table = cat_svc.category_table(loaded, "incidents", unmapped=True)
    assert dict(zip(table["source"], table["rows"], strict=True)) == {
        "刑事-其他刑事案件-非法拘禁": 2,
        "群体性事件": 1,
    }
    assert set(table["group"]) == {"other"} and not table["mapped"].any()
    # tiny's own incidents (written as theft, fight, fraud) keep their groups' labels
    assert stored(loaded, "incidents").loc[["I1", "I2", "I3"], categories.SOURCE].tolist() == [
        "盗窃",
        "打架斗殴",
        "诈骗",
    ]


def test_remapping_regroups_stored_rows_and_what_hotspots_and_risk_read(
    loaded: sa.Engine, tmp_path: Path
) -> None:
    path = incident_file(tmp_path)
    ingest.import_file(loaded, "incidents", path)
    venues = pd.DataFrame(
        {
            "场所编号": ["VX1"],
            "场所名称": ["老街清吧"],
            "行业类别": ["音乐餐吧"],  # no mapping knows it
            "经度": [115.9835],
            "纬度": [28.7065],
        }
    )
    venues.to_csv(tmp_path / "场所.csv", index=False)
    assert ingest.import_file(loaded, "venues", tmp_path / "场所.csv").unmapped == {"音乐餐吧": 1}

    def fights() -> int:
        return int(hotspots.hotspot_cells(loaded, "all", categories=["fight"])["count"].sum())

    cell = int(hexes.latlng_to_cells(np.array([28.7065]), np.array([115.9835]), 9)[0])

    def bar_risk() -> float:
        surface = risk.jurisdiction_risk(loaded, res=9).set_index("cell")
        return float(surface.loc[cell, "rtm"])

    assert fights() == 2  # tiny's I2 and J011
    rtm_before = bar_risk()
    # the most specific segment of a path maps it: 刑事-其他刑事案件-非法拘禁 by 非法拘禁
    out = cat_svc.map_categories(
        loaded, "incidents", cat_svc.parse_pairs("incidents", ["非法拘禁=打架斗殴"]), user="t"
    )
    assert out == {"kind": "incidents", "mapped": {"非法拘禁": "fight"}, "rows": 2}
    rows = stored(loaded, "incidents")
    assert rows.loc[["J006", "J010"], "category"].tolist() == ["fight", "fight"]
    assert rows.loc["J009", "category"] == "other"
    assert fights() == 4
    assert cat_svc.map_categories(loaded, "venues", {"音乐餐吧": "bar"}, user="t", via="test") == {
        "kind": "venues",
        "mapped": {"音乐餐吧": "bar"},
        "rows": 1,
    }
    assert bar_risk() > rtm_before
    # a re-import adds nothing and keeps the new groups (the mapping is the store's)
    again = ingest.import_file(loaded, "incidents", path)
    assert (again.accepted, again.duplicates, again.conflicts, again.unmapped) == (
        0,
        12,
        0,
        {"群体性事件": 1},
    )
    assert stored(loaded, "incidents").loc["J006", "category"] == "fight"
    log = pd.read_sql(sa.text("SELECT what, rows FROM audit"), loaded.connect())
    assert log.values.tolist()[-2:] == [["categories:incidents", 2], ["categories:venues", 1]]
    assert cat_svc.category_table(loaded, "incidents", unmapped=True)["source"].tolist() == [
        "群体性事件"
    ]


def test_the_migration_keeps_every_row_of_an_0008_store(loaded: sa.Engine, tmp_path: Path) -> None:
    from alembic import command

    from geo.store import engine as store_engine

    ingest.import_file(loaded, "hazards", hazard_file(tmp_path))
    counts = store.counts(loaded)
    groups = stored(loaded, "hazards")["category"]
    cfg = store_engine._alembic_config(loaded.url.render_as_string(hide_password=False))
    with loaded.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    with loaded.connect() as conn:
        cols = {c["name"] for c in sa.inspect(conn).get_columns("hazards")}
    assert categories.SOURCE not in cols and categories.CODE not in cols
    store_engine.migrate(loaded)
    assert store.counts(loaded) == counts
    after = stored(loaded, "hazards")
    pd.testing.assert_series_equal(after["category"], groups)
    labels = {g: t(f"v.hazard.{g}", "zh-CN") for g in categories.groups("hazards")}
    assert after[categories.SOURCE].tolist() == after["category"].map(labels).tolist()
    # the hashes were computed again: a file whose text is the labels finds its rows duplicates
    path = tmp_path / "labels.csv"
    frame = pd.read_csv(hazard_file(tmp_path), encoding="gb18030", dtype=str)
    frame["类别"] = frame["编号"].map(after["category"].map(labels))
    frame.to_csv(path, index=False)
    again = ingest.import_file(loaded, "hazards", path)
    assert (again.accepted, again.duplicates, again.conflicts) == (0, 20, 0), again.rejects


def test_the_command_line_lists_and_maps(
    sqlite_engine: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny.load(sqlite_engine, tmp_path)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    ingest.import_file(sqlite_engine, "hazards", hazard_file(tmp_path))

    def run(*argv: str) -> tuple[int, dict[str, object], str]:
        code = main([*argv, "--db", url])
        out, err = capsys.readouterr()
        return code, (json.loads(out) if out.strip() else {}), err

    code, out, _ = run("categories", "list", "--kind", "hazards", "--unmapped")
    assert code == 0 and out["unmapped"] == 2
    assert [(c["source"], c["rows"], c["group"]) for c in out["categories"]] == [  # type: ignore[attr-defined]
        ("广告牌松动", 2, "other"),
        ("危化品储存不当", 1, "other"),
    ]
    code, out, _ = run("categories", "map", "hazards", "广告牌松动=建筑结构", "危化品储存不当=fire")
    assert code == 0 and out["rows"] == 3
    assert out["mapped"] == {"广告牌松动": "structural", "危化品储存不当": "fire"}
    code, out, _ = run("categories", "list", "--kind", "hazards", "--unmapped")
    assert out["categories"] == []
    rows = stored(sqlite_engine, "hazards")
    assert rows.loc[["YH006", "YH010", "YH017"], "category"].tolist() == [
        "structural",
        "structural",
        "fire",
    ]
    code, _, err = run("categories", "map", "hazards", "广告牌松动=burglary")
    assert code == 2 and "no group of hazards" in err
    code, _, err = run("categories", "map", "hazards", "no pair here")
    assert code == 2 and "source=group" in err


@pytest.mark.slow
def test_the_data_page_maps_a_source_to_a_group(new_app, demo_db_url: str, tmp_path: Path) -> None:
    eng = store.connect(demo_db_url)
    ingest.import_file(eng, "hazards", hazard_file(tmp_path))
    app = new_app()
    app.switch_page("views/data.py").run()
    assert not app.exception
    app.selectbox(key="cats_kind").set_value("hazards").run()
    app.checkbox(key="cats_unmapped").check().run()
    editor = app.data_editor[0]
    assert editor.value["source"].tolist() == ["广告牌松动", "危化品储存不当"]
    assert editor.value["group"].tolist() == ["其他", "其他"]
    app.session_state["cats_editor_hazards_True_zh-CN"] = {
        "edited_rows": {0: {"group": "建筑结构"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.button(key="cats_save").click().run()
    assert not app.exception
    assert [s.value for s in app.success] == [t("cats.saved", "zh-CN", n=1, rows="2")]
    rows = stored(eng, "hazards")
    assert rows.loc[["YH006", "YH010"], "category"].tolist() == ["structural", "structural"]
    assert app.data_editor[0].value["source"].tolist() == ["危化品储存不当"]

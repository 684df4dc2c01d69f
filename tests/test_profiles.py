"""Mapping profiles (issue 18, item 1): columns, values and defaults for one import, the same on
the command line and on the Data page, saved as named profiles chosen by a file's headers.

The files are written the way the exports come: a hazard register saved by Excel as CSV (UTF-8
with BOM, CRLF), a units list saved as GBK; each test knows every row it expects in the store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from cli import main
from geo import store
from geo.domain import schema
from geo.i18n import t
from geo.ingest import mapping
from geo.services import access, profiles

NAME = "隐患台账 青山湖"
REGISTER = [  # 编号,名称,类别,发现时间,经度,纬度,状态: no severity; its own status words
    ("QSH-001", "幸福路配电箱", "消防", "2024-03-01 09:30", "115.9010", "28.6810", "已整改"),
    ("QSH-002", "北京西路工地围挡", "建筑结构", "2024/3/2 10:00", "115.9120", "28.6905", "整改中"),
    ("QSH-003", "八一大道加油站", "燃气", "2024-03-03 14:15", "115.9205", "28.6720", "未整改"),
    ("QSH-004", "青山湖菜市场", "用电", "2024-03-04 08:05", "115.9330", "28.6850", " 已整改 "),
    ("QSH-005", "洪都中大道路口", "交通", "2024-03-05 21:40", "115.9055", "28.6640", "整改中"),
]
SECOND = [  # the same export a month later: same headers, other rows
    ("QSH-101", "湖滨东路配电房", "消防", "2024-04-02 10:10", "115.9111", "28.6811", "未整改"),
    ("QSH-102", "上海路小区外墙", "建筑结构", "2024-04-03 16:20", "115.9222", "28.6712", "已整改"),
]
STATUS = {"已整改": "rectified", "整改中": "rectifying", "未整改": "open"}
CATEGORY = {
    "消防": "fire",
    "建筑结构": "structural",
    "燃气": "gas",
    "用电": "electrical",
    "交通": "traffic",
}
VALUES = "status:已整改=rectified,整改中=rectifying,未整改=open,category:建筑结构=structural"


def _register(path: Path, rows: list[tuple[str, ...]]) -> Path:
    """A register as Excel saves "CSV UTF-8": a BOM and CRLF line ends."""
    lines = ["编号,名称,类别,发现时间,经度,纬度,状态", *(",".join(r) for r in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    return path


def _expected(rows: list[tuple[str, ...]], severity: str) -> pd.DataFrame:
    """The stored rows each register row must give, worked out from the row by hand."""
    return pd.DataFrame(
        {
            "hazard_id": [r[0] for r in rows],
            "category": [CATEGORY[r[2]] for r in rows],
            "severity": severity,
            "found_at": [
                pd.Timestamp(r[3].replace("/3/", "-03-0"), tz="Asia/Shanghai") for r in rows
            ],
            "lng": [float(r[4]) for r in rows],
            "lat": [float(r[5]) for r in rows],
            "status": [STATUS[r[6].strip()] for r in rows],
        }
    )


def _stored(eng: sa.Engine, ids: list[str]) -> pd.DataFrame:
    cols = ["hazard_id", "category", "severity", "found_at", "lng", "lat", "status"]
    got = store.read(eng, "hazards", "all", columns=cols, outside="include")
    got = got[got["hazard_id"].isin(ids)].sort_values("hazard_id").reset_index(drop=True)
    got["found_at"] = pd.to_datetime(got["found_at"]).dt.tz_convert("Asia/Shanghai")
    return got[cols]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, (json.loads(out) if rc == 0 else {}), err


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True),
        want.reset_index(drop=True),
        check_dtype=False,
        check_exact=False,
        atol=1e-6,
    )


# --------------------------------------------------------------------------------------------
# The command line's strings


def test_mapping_strings_parse_to_fields_and_values() -> None:
    hazards, units = schema.kind("hazards"), schema.kind("units")
    assert mapping.parse_columns(units, "单元编号=unit_id，呼号 = name") == {
        "单元编号": "unit_id",
        "呼号": "name",
    }
    assert mapping.parse_values(hazards, "status:已整改=rectified,整改中=rectifying") == {
        "status": {"已整改": "rectified", "整改中": "rectifying"}
    }
    # a field value written as the file writes it is read as the field reads it
    assert mapping.parse_values(hazards, "severity:特大=major,一级=高") == {
        "severity": {"特大": "major", "一级": "high"}
    }
    assert mapping.parse_defaults(hazards, "severity=中,status=open") == {
        "severity": "medium",
        "status": "open",
    }
    assert mapping.parse_defaults(schema.kind("shifts"), "police=2") == {"police": "2"}


def test_value_maps_compare_values_in_normal_form() -> None:
    s = pd.Series(["已整改", " 已整改 ", "已整改\u3000", "ＯＰＥＮ", "未知", None], dtype=object)
    got = mapping.map_values(s, {"已整改": "rectified", "open": "open"})
    assert got.tolist() == ["rectified", "rectified", "rectified", "open", "未知", None]


@pytest.mark.parametrize(
    ("option", "text", "says"),
    [
        ("--map", "编号", "--map: '编号' is not written as column=field"),
        ("--map", "编号=severity_level", "hazards has no field 'severity_level'"),
        ("--map", "编号=hazard_id,状态=hazard_id", "field 'hazard_id' is given more than once"),
        ("--map", "编号=hazard_id,编号=status", "column '编号' is given more than once"),
        ("--values", "已整改=rectified", "'已整改=rectified' is not written as field:value=value"),
        ("--values", "status:已整改=fixed", "'fixed' is not a valid status; expected: open"),
        ("--values", "lat:a=b", "field 'lat' has no fixed values to map"),
        ("--values", "status:已整改=open,已整改 =rectified", "'已整改' is mapped more than once"),
        ("--default", "severity", "'severity' is not written as field=value"),
        ("--default", "hazard_id=X1", "field 'hazard_id' takes no default"),
        ("--default", "found_at=昨天", "'昨天' is not a valid found_at"),
        ("--default", "severity=huge", "'huge' is not a valid severity"),
        ("--profile", "没有这个方案", "no import profile is called '没有这个方案'"),
    ],
)
def test_bad_mapping_strings_exit_2_on_one_line(
    option: str, text: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _register(tmp_path / "register.csv", REGISTER)
    db = f"sqlite:///{tmp_path / 's.db'}"
    argv = ["import", "hazards", str(path), "--db", db, "--lang", "en", option, text]
    rc, _, err = _run(argv, capsys)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and says in err, err
    assert store.counts(store.connect(db))["hazards"] == 0
    # and in Chinese
    rc, _, err = _run([*argv[:-4], "--lang", "zh-CN", option, text], capsys)
    assert rc == 2 and len(err.strip().splitlines()) == 1
    assert "“" in err and " is " not in err and " not " not in err, err


# --------------------------------------------------------------------------------------------
# Imports with a mapping, on SQLite and PostgreSQL


def test_hazard_register_with_a_default_and_its_own_status_words(
    engine: sa.Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _register(tmp_path / "隐患台账.csv", REGISTER)
    base = ["import", "hazards", str(path), "--db", db_url, "--lang", "en"]
    rc, _, err = _run(base, capsys)  # no severity column and no default: refused whole
    assert rc == 2 and "missing required column(s) severity" in err
    argv = [*base, "--default", "severity=medium", "--values", VALUES]
    rc, out, _ = _run(argv, capsys)
    assert rc == 0
    assert (out["read"], out["accepted"], out["rejected"]) == (5, 5, 0)
    assert out["profile"] is None and out["mapping"]["defaults"] == {"severity": "medium"}
    assert out["mapping"]["values"]["status"] == STATUS
    assert out["mapping"]["columns"]["编号"] == "hazard_id"
    assert "名称" not in out["mapping"]["columns"]  # hazards have no name: the column is left
    ids = [r[0] for r in REGISTER]
    _same(_stored(engine, ids), _expected(REGISTER, "medium"))
    rc, out, _ = _run(argv, capsys)  # again: every row once
    assert rc == 0 and (out["accepted"], out["duplicates"]) == (0, 5)
    assert store.counts(engine)["hazards"] == 5


def test_a_blank_cell_takes_the_default_and_a_given_value_stays(
    engine: sa.Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "graded.csv"
    path.write_text(
        "编号,类别,等级,发现时间,经度,纬度,状态\n"
        "G1,消防,高,2024-03-01 09:30,115.90,28.68,已整改\n"
        "G2,消防,,2024-03-01 09:30,115.90,28.68,\n",
        encoding="utf-8",
    )
    argv = ["import", "hazards", str(path), "--db", db_url]
    rc, out, _ = _run([*argv, "--default", "severity=low", "--default", "status=open"], capsys)
    assert rc == 0 and out["accepted"] == 2
    got = store.read(engine, "hazards", "all", outside="include").set_index("hazard_id")
    assert got.loc["G1", ["severity", "status"]].tolist() == ["high", "rectified"]
    assert got.loc["G2", ["severity", "status"]].tolist() == ["low", "open"]


def test_units_file_with_its_own_key_column_given_by_map(
    engine: sa.Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """单元编号 and 警组编号 could each be the unit's id (refused as ambiguous); --map says which,
    and 方式, a header no alias knows, with the file's own words for the kinds."""
    path = tmp_path / "units.csv"
    path.write_bytes(
        "单元编号,警组编号,名称,方式\r\nQ-01,G7,青山湖一组,摩托\r\nQ-02,G7,青山湖二组,骑行\r\n"
        "Q-03,G8,湖滨巡逻队,车巡\r\n".encode("gbk")
    )
    argv = ["import", "units", str(path), "--db", db_url, "--lang", "en"]
    rc, _, err = _run(argv, capsys)
    assert rc == 2 and "'单元编号', '警组编号' could each be unit_id" in err
    rc, out, _ = _run(
        [
            *argv,
            "--map",
            "单元编号=unit_id,方式=kind",
            "--values",
            "kind:摩托=police_car,骑行=foot",
        ],
        capsys,
    )
    assert rc == 0 and (out["accepted"], out["rejected"]) == (3, 0)
    got = store.read(engine, "units", "all").sort_values("unit_id")
    assert got[["unit_id", "name", "kind"]].values.tolist() == [
        ["Q-01", "青山湖一组", "police_car"],
        ["Q-02", "青山湖二组", "foot"],
        ["Q-03", "湖滨巡逻队", "police_car"],  # 车巡 is a word the app knows
    ]


def test_a_saved_profile_is_chosen_by_the_headers_of_the_next_file(
    engine: sa.Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _register(tmp_path / "三月.csv", REGISTER)
    argv = ["import", "hazards", str(first), "--db", db_url, "--default", "severity=high"]
    rc, out, _ = _run([*argv, "--values", VALUES, "--save-profile", NAME], capsys)
    assert rc == 0 and out["saved_profile"] == NAME
    saved = profiles.profile(engine, NAME, "hazards")
    assert saved.rules.defaults == {"severity": "high"}
    assert saved.rules.columns == {
        "编号": "hazard_id",
        "类别": "category",
        "发现时间": "found_at",
        "经度": "lng",
        "纬度": "lat",
        "状态": "status",
    }
    second = _register(tmp_path / "四月.csv", SECOND)
    rc, out, _ = _run(["import", "hazards", str(second), "--db", db_url], capsys)
    assert rc == 0 and (out["profile"], out["profile_auto"]) == (NAME, True)
    assert (out["accepted"], out["rejected"]) == (2, 0)
    _same(_stored(engine, ["QSH-101", "QSH-102"]), _expected(SECOND, "high"))
    # --no-profile: the same file is refused for its missing severity again
    rc, _, err = _run(["import", "hazards", str(second), "--db", db_url, "--no-profile"], capsys)
    assert rc == 2 and "severity" in err
    # a file with other headers is not given the profile
    other = tmp_path / "other.csv"
    other.write_text(
        "hazard_id,category,severity,lat,lng,found_at,status\n"
        "H9,fire,low,28.68,115.90,2024-03-01 09:00,open\n",
        encoding="utf-8",
    )
    rc, out, _ = _run(["import", "hazards", str(other), "--db", db_url], capsys)
    assert rc == 0 and out["profile"] is None and out["accepted"] == 1


def test_profiles_are_listed_shown_renamed_deleted_and_audited(
    engine: sa.Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = profiles.given("hazards", values=VALUES, defaults="severity=medium")
    assert rules is not None
    profiles.save(engine, NAME, "hazards", rules, user="admin")
    profiles.save(engine, "vendor GPS", "pings", profiles.ImportMapping(), user="admin")
    with pytest.raises(profiles.MappingError, match="exists already"):
        profiles.save(engine, "vendor GPS", "hazards", rules, user="admin")
    rc, out, _ = _run(["profiles", "list", "--db", db_url, "--kind", "hazards"], capsys)
    assert rc == 0 and out["profiles"] == [
        {"name": NAME, "kind": "hazards", "columns": 0, "values": 4, "defaults": 1}
    ]
    rc, out, _ = _run(["profiles", "show", NAME, "--db", db_url], capsys)
    assert rc == 0 and out["values"]["category"] == {"建筑结构": "structural"}
    assert out["defaults"] == {"severity": "medium"} and out["saved_by"] == "admin"
    assert profiles.rename(engine, NAME, "隐患台账", user="admin") == "隐患台账"
    rc, out, _ = _run(["profiles", "delete", "隐患台账", "--db", db_url], capsys)
    assert rc == 0 and out["deleted"] == "隐患台账"
    rc, _, err = _run(["profiles", "show", "隐患台账", "--db", db_url, "--lang", "en"], capsys)
    assert rc == 2 and "saved profiles: vendor GPS" in err
    log = access.audit_log(engine, actions=["settings"])
    ops = sorted(json.loads(d)["op"] for d in log["detail"])
    assert ops == ["profile_delete", "profile_rename", "profile_save", "profile_save"]
    assert set(log["user_name"]) == {"admin", "cli"}


# --------------------------------------------------------------------------------------------
# The Data page and the command line store the same rows


def _upload(at: Any, kind: str, path: Path) -> Any:
    at.switch_page("views/data.py").run()
    at.selectbox(key="data_kind").set_value(kind).run()
    at.file_uploader(key="data_file").set_value((path.name, path.read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.slow
def test_the_data_page_and_the_cli_store_the_same_rows(
    new_app: Any,
    demo_db_url: str,
    engine: sa.Engine,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = _register(tmp_path / "三月.csv", REGISTER)
    second = _register(tmp_path / "四月.csv", SECOND)
    for db in (demo_db_url, db_url):  # the profile saved in each store by the first import
        argv = ["import", "hazards", str(first), "--db", db, "--default", "severity=major"]
        rc, _, _ = _run([*argv, "--values", VALUES, "--save-profile", NAME], capsys)
        assert rc == 0
    at = _upload(new_app(), "hazards", second)
    assert any(t("prof.auto", "zh-CN", name=NAME) in i.value for i in at.info)
    at.button(key="data_import").click().run()
    assert not at.exception, at.exception
    summary = at.session_state["data_last"]
    assert (summary.accepted, summary.rejected, summary.profile) == (2, 0, NAME)
    assert t("prof.used", "zh-CN", name=NAME) in [c.value for c in at.caption]
    rc, out, _ = _run(["import", "hazards", str(second), "--db", db_url, "--profile", NAME], capsys)
    assert rc == 0 and out["accepted"] == 2
    ids = ["QSH-101", "QSH-102"]
    page, cli = _stored(store.connect(demo_db_url), ids), _stored(engine, ids)
    _same(page, cli)
    _same(cli, _expected(SECOND, "major"))


@pytest.mark.slow
def test_the_profile_editor_saves_renames_and_deletes(
    new_app: Any, demo_db_url: str, tmp_path: Path
) -> None:
    """A register without severity: the editor names fields and values in the user's words,
    its value and default choices import the file, and it saves, renames and deletes."""
    path = _register(tmp_path / "台账.csv", REGISTER)
    at = _upload(new_app(), "hazards", path)
    labels = [s.label for s in at.selectbox]
    assert "隐患等级 *" in labels and "整改状态 *" in labels  # severity, status
    assert not any(f in labels for f in ("severity", "status", "hazard_id"))  # no db names
    # the file's statuses are read as the app knows them; 建筑结构 is one it does not
    building = next(s for s in at.selectbox if s.label == "建筑结构")
    assert building.value == "" and "结构安全" not in building.options
    assert next(s for s in at.selectbox if s.label == "整改中").value == "rectifying"
    building.set_value("structural")
    default = next(
        s for s in at.selectbox if s.key.startswith("prof_def_") and s.key.endswith("_severity")
    )
    assert default.label == "隐患等级"  # severity, in the user's words
    default.set_value("low").run()
    at.text_input(key=next(k.key for k in at.text_input if k.key.startswith("prof_name_"))).input(
        "整改台账"
    ).run()
    at.button(key=next(b.key for b in at.button if b.key.startswith("prof_save_"))).click().run()
    assert not at.exception, at.exception
    eng = store.connect(demo_db_url)
    saved = profiles.profile(eng, "整改台账", "hazards").rules
    assert saved.defaults == {"severity": "low"}
    assert saved.values == {"category": {"建筑结构": "structural"}}
    assert saved.columns["状态"] == "status"
    at.button(key="data_import").click().run()
    assert at.session_state["data_last"].accepted == 5
    got = _stored(eng, [r[0] for r in REGISTER])
    _same(got, _expected(REGISTER, "low"))
    new = next(k for k in at.text_input if k.key.startswith("prof_new_"))
    new.input("整改台账（青山湖）").run()
    at.button(key=next(b.key for b in at.button if b.key.startswith("prof_rename_"))).click().run()
    assert [p.name for p in profiles.profiles(eng, "hazards")] == ["整改台账（青山湖）"]
    at.button(key=next(b.key for b in at.button if b.key.startswith("prof_delete_"))).click().run()
    assert not at.exception, at.exception
    assert profiles.profiles(eng, "hazards") == []
    ops = [
        json.loads(d).get("op", "") for d in access.audit_log(eng, actions=["settings"])["detail"]
    ]
    assert sorted(o for o in ops if o.startswith("profile_")) == [
        "profile_delete",
        "profile_rename",
        "profile_save",
    ]

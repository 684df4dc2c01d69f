"""Issue 18 items 5 and 6: every problem of a rejected row in its report (zh-CN and en), and
points outside every area stored once, flagged, listed and never counted."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from shapely.geometry import box

from cli import main
from geo import ingest, store
from geo.i18n import t
from geo.services import briefing, data, hotspots, overview
from tests import tiny

ADMIN = store.Principal("admin", "admin", None)
PERIOD = ("2022-07-01", "2022-07-02")


def _mixed(path: Path) -> Path:
    """Incidents: rows 2 and 5 good, row 3 with three problems (time, latitude, priority), row 4
    with one (longitude)."""
    path.write_text(
        "incident_id,ts,category,lat,lng,priority\n"
        "M1,2022-07-01 22:00,theft,28.700,115.975,1\n"
        "M2,not a date,theft,north,115.975,urgent\n"
        "M3,2022-07-01 23:00,theft,28.700,,2\n"
        "M4,2022-07-02 01:00,theft,28.705,115.985,3\n",
        encoding="utf-8",
    )
    return path


def test_every_problem_of_a_rejected_row_is_reported(engine: sa.Engine, tmp_path: Path) -> None:
    s = ingest.import_file(engine, "incidents", _mixed(tmp_path / "mixed.csv"))
    # rows are counted once however many problems they have; the file is all or nothing per row
    assert (s.read, s.accepted, s.rejected, s.outside) == (4, 2, 2, 0)
    assert s.read == s.accepted + s.duplicates + s.conflicts + s.rejected
    assert sorted(store.read(engine, "incidents", "all")["incident_id"]) == ["M1", "M4"]
    three = s.rejects.loc[s.rejects["row"] == 3].set_index("column")
    assert sorted(three.index) == ["lat", "priority", "ts"]
    assert three.loc["ts", "value"] == "not a date" and three.loc["ts", "code"] == "time"
    assert three.loc["lat", "value"] == "north" and three.loc["lat", "code"] == "lat"
    assert three.loc["priority", "value"] == "urgent"
    assert three.loc["priority", "code"] == "whole_number"
    assert s.rejects.loc[s.rejects["row"] == 4, "column"].tolist() == ["lng"]
    for lang in ("zh-CN", "en"):
        rep = data.rejects_report(s, lang)
        assert list(rep.table.columns) == ["file", "row", "column", "value", "reason"]
        assert rep.outside.empty and len(rep.table) == len(rep.rejects) == 4
        row3 = rep.table.loc[rep.table["row"] == 3].set_index("column")["reason"]
        assert row3["ts"] == t("reject.time", lang)
        assert row3["lat"] == t("reject.lat", lang)
        assert row3["priority"] == t("reject.whole_number", lang)
        text = rep.csv.decode("utf-8-sig")  # the download holds all three
        assert all(reason in text for reason in row3)
        assert "mixed.csv,3,ts,not a date," in text and "mixed.csv,3,priority,urgent," in text
    assert t("reject.time", "zh-CN") != t("reject.time", "en")


def test_the_cli_rejects_file_lists_every_problem_in_the_chosen_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    path = _mixed(tmp_path / "mixed.csv")
    for lang in ("en", "zh-CN"):
        out = tmp_path / f"rejects-{lang}.csv"
        argv = ["import", "incidents", str(path), "--db", db, "--rejects", str(out)]
        assert main([*argv, "--lang", lang]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["rejected"] == 2 and summary["outside"] == 0
        rej = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
        assert list(rej.columns) == ["file", "row", "column", "value", "reason"]
        assert rej.loc[rej["row"] == "3", "column"].tolist() == ["ts", "lat", "priority"]
        assert t("reject.whole_number", lang) in set(rej["reason"])
    # without --lang the summary's first rejects follow QY_LANG (zh-CN by default)
    assert main(["import", "incidents", str(path), "--db", db]) == 0
    first = json.loads(capsys.readouterr().out)["first_rejects"]
    assert {r["reason"] for r in first} >= {t("reject.time", "zh-CN")}


# --------------------------------------------------------------------------------------------
# A point far outside the areas


def _far(path: Path) -> Path:
    """Two incidents inside the tiny station, one 1,300 km north of it (still in China)."""
    path.write_text(
        "incident_id,ts,category,lat,lng,priority\n"
        "F1,2022-07-01 22:30,theft,28.701,115.976,1\n"
        "F2,2022-07-01 23:30,theft,40.400,115.980,1\n"
        "F3,2022-07-02 22:30,fight,28.706,115.986,2\n",
        encoding="utf-8",
    )
    return path


def _counted(engine: sa.Engine) -> tuple[int, int, int, int]:
    """An admin's incidents: rows read, the period's figure, hot-spot counts, briefing figure."""
    rows = len(store.read(engine, "incidents", ADMIN))
    figure = overview.period_figures(engine, ADMIN, *PERIOD)["incidents"]
    cells = hotspots.hotspot_cells(engine, ADMIN, start=PERIOD[0], end=PERIOD[1])
    brief = briefing.figures(engine, ADMIN, *PERIOD)["key"]["incidents"]
    return rows, int(figure), int(cells["count"].sum()), int(brief)


def test_a_point_outside_every_area_is_stored_flagged_listed_and_never_counted(
    engine: sa.Engine, tmp_path: Path
) -> None:
    tiny.load(engine, tmp_path)
    before = _counted(engine)
    stored = store.counts(engine)["incidents"]
    s = ingest.import_file(engine, "incidents", _far(tmp_path / "far.csv"))
    assert (s.accepted, s.rejected, s.outside) == (3, 0, 1)
    assert s.as_dict()["outside"] == 1
    assert s.outside_rows[["file", "row", "column", "value", "code"]].values.tolist() == [
        ["far.csv", 3, "lat", "40.400,115.980", "outside"]
    ]
    assert store.counts(engine)["incidents"] == stored + 3  # stored, once
    assert store.import_history(engine)["outside"].iloc[0] == 1
    # listed: the import's report (marked as outside, not as a reject) and the Data page's list
    for lang in ("zh-CN", "en"):
        rep = data.rejects_report(s, lang)
        assert rep.rejects.empty and len(rep.outside) == 1
        assert rep.table["reason"].tolist() == [t("reject.outside", lang)]
        assert t("reject.outside", lang) in rep.csv.decode("utf-8-sig")
    listed = data.outside_records(engine)
    assert listed[["kind", "record_id", "source_file", "source_row"]].values.tolist() == [
        ["incidents", "F2", "far.csv", 3]
    ]
    assert b"F2" in data.outside_report(engine).csv
    flagged = store.read(engine, "incidents", "all", outside="only")
    assert flagged["incident_id"].tolist() == ["F2"]
    assert len(store.read(engine, "incidents", "all", outside="include")) == stored + 3
    # never counted: an admin's rows, incident total, hot-spot counts and briefing figure
    after = _counted(engine)
    assert after == tuple(b + 2 for b in before), (before, after)
    assert "F2" not in set(store.read(engine, "incidents", "all")["incident_id"])
    # re-import adds nothing and lists nothing new
    again = ingest.import_file(engine, "incidents", _far(tmp_path / "far.csv"))
    assert (again.accepted, again.duplicates, again.outside) == (0, 3, 0)
    assert store.counts(engine)["incidents"] == stored + 3 and _counted(engine) == after
    # an area imported later that covers the point re-evaluates the flag: now it counts
    far = pd.DataFrame(
        {
            "area_id": ["FAR"],
            "name": ["北边派出所辖区"],
            "level": ["station"],
            "geometry": [box(115.9, 40.3, 116.1, 40.5).wkt],
        }
    )
    far.to_csv(tmp_path / "far_area.csv", index=False)
    assert ingest.import_file(engine, "areas", tmp_path / "far_area.csv").accepted == 1
    assert data.outside_records(engine).empty
    assert len(store.read(engine, "incidents", ADMIN)) == after[0] + 1
    assert overview.period_figures(engine, ADMIN, *PERIOD)["incidents"] == after[1] + 1


def test_the_first_areas_flag_what_lies_outside_them(engine: sa.Engine, tmp_path: Path) -> None:
    # no area yet: the configured region is the only bound, nothing is flagged
    s = ingest.import_file(engine, "incidents", _far(tmp_path / "far.csv"))
    assert (s.accepted, s.outside) == (3, 0)
    assert len(store.read(engine, "incidents", "all")) == 3
    frame = tiny.frames()["areas"]
    frame.to_csv(tmp_path / "areas.csv", index=False)
    assert ingest.import_file(engine, "areas", tmp_path / "areas.csv").accepted == 3
    assert sorted(store.read(engine, "incidents", "all")["incident_id"]) == ["F1", "F3"]
    assert data.outside_records(engine)["record_id"].tolist() == ["F2"]
    # a venue outside: its inspections are left out with it
    (tmp_path / "venues.csv").write_text(
        "venue_id,name,category,lat,lng\nVF,远处KTV,ktv,40.4,115.98\nVN,近处KTV,ktv,28.7,115.98\n",
        encoding="utf-8",
    )
    assert ingest.import_file(engine, "venues", tmp_path / "venues.csv").outside == 1
    (tmp_path / "insp.csv").write_text(
        "venue_id,ts,result\nVF,2022-07-01 21:00,pass\nVN,2022-07-01 21:00,pass\n",
        encoding="utf-8",
    )
    assert ingest.import_file(engine, "inspections", tmp_path / "insp.csv").accepted == 2
    assert store.read(engine, "inspections", "all")["venue_id"].tolist() == ["VN"]
    assert len(store.read(engine, "inspections", "all", outside="include")) == 2


def test_the_data_page_lists_the_records_outside(app, demo_db_url: str, tmp_path: Path) -> None:
    eng = store.connect(demo_db_url)
    (tmp_path / "far.csv").write_text(
        "incident_id,ts,category,lat,lng\nFAR-1,2022-07-01 22:30,theft,40.4,115.98\n",
        encoding="utf-8",
    )
    assert ingest.import_file(eng, "incidents", tmp_path / "far.csv").outside == 1
    app.switch_page("views/data.py").run()
    assert not app.exception
    assert t("data.outside_title", "zh-CN") in [h.value for h in app.subheader]
    assert any("FAR-1" in df.value.to_csv() for df in app.dataframe)


def test_the_data_page_says_how_times_were_read(app, demo_db_url: str, tmp_path: Path) -> None:
    """The import report names the zone of times written without one and, per column, how
    dates such as 07/08/2022 were read (a whole column day-first when 15/07/2022 is in it)."""
    eng = store.connect(demo_db_url)
    (tmp_path / "dmy.csv").write_text(
        "incident_id,ts,category,lat,lng\n"
        "DMY-1,15/07/2022 22:30,theft,28.70,115.98\n"
        "DMY-2,07/08/2022 21:00,theft,28.70,115.98\n",
        encoding="utf-8",
    )
    summary = ingest.import_file(eng, "incidents", tmp_path / "dmy.csv")
    assert summary.accepted == 2 and summary.date_order == {"ts": "day_first"}
    app.session_state["data_last"] = summary
    app.switch_page("views/data.py").run()
    assert not app.exception
    captions = " ".join(c.value for c in app.caption)
    assert t("data.naive_times", "zh-CN", tz=summary.naive_times) in captions
    assert t("data.date_order.day_first", "zh-CN", column="ts") in captions

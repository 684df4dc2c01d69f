"""Briefings: every figure recomputed from raw rows on a constructed city, scope, no names,
escaping, the four formats (embedded CJK font, extractable text), the CLI, and the demo city's
campaign sentence."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import wkt as shapely_wkt

from cli import main
from geo import escape, ingest, store
from geo.i18n import t
from geo.reports import briefing as briefing_doc
from geo.services import briefing, overview
from tests import tiny

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
TZ = tiny.TZ
ts = tiny.ts
NASTY = '二网格<script>alert("x")</script>&'
PERSON = "张伟"  # in a unit's name: a briefing names unit kinds, never units or people
DEMO_SENTENCE = (
    "开展百日行动以来，共出动民警、辅警警力1169人次，"
    "发动组织群防群治力量856人次，盘查人员521人，检查场所76个，"
    "巡查重点部位632处（次），排查整改各类安全隐患36处"
)


def _pings(
    shift: str, unit: str, start: str, n: int, lat: float, lng0: float, lng1: float
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "shift_id": shift,
            "unit_id": unit,
            "ts": pd.date_range(ts(start), periods=n, freq="30s"),
            "lat": lat,
            "lng": np.linspace(lng0, lng1, n),
            "speed": np.nan,
            "accuracy": np.nan,
        }
    )


def city() -> dict[str, pd.DataFrame]:
    """tiny's city plus rows that exercise every figure: a previous period, a shift after
    midnight, an overdue hazard, a failed inspection, a unit named after a person."""
    f = tiny.frames()
    f["areas"].loc[f["areas"]["area_id"] == "G2", "name"] = NASTY
    f["units"] = pd.concat(
        [
            f["units"],
            pd.DataFrame(
                {
                    "unit_id": ["U3"],
                    "name": [f"民警{PERSON}巡逻组"],
                    "kind": ["auxiliary"],
                    "station": ["ST"],
                }
            ),
        ],
        ignore_index=True,
    )
    f["shifts"] = pd.concat(
        [
            f["shifts"],
            pd.DataFrame(
                {
                    "shift_id": ["S3", "S4"],
                    "unit_id": ["U3", "U3"],
                    # S4 starts 01:00 on the 3rd: it belongs to the night of the 2nd
                    "start": [ts("2022-06-30 20:30"), ts("2022-07-03 01:00")],
                    "end": [ts("2022-06-30 23:00"), ts("2022-07-03 07:00")],
                    "police": [1, 0],
                    "auxiliaries": [2, 2],
                    "volunteers": [0, 1],
                    "people_checked": [3, 2],
                    "outreach": [10, 5],
                }
            ),
        ],
        ignore_index=True,
    )
    f["pings"] = pd.concat(
        [
            f["pings"],
            _pings("S3", "U3", "2022-06-30 21:00", 20, 28.695, 115.972, 115.976),
            _pings("S4", "U3", "2022-07-03 01:10", 20, 28.694, 115.973, 115.977),
        ],
        ignore_index=True,
    )
    f["site_checks"] = pd.concat(
        [
            f["site_checks"],
            pd.DataFrame({"site_id": ["K1"], "unit_id": ["U3"], "ts": [ts("2022-07-02 22:30")]}),
        ],
        ignore_index=True,
    )
    f["inspections"] = pd.concat(
        [
            f["inspections"],
            pd.DataFrame(
                {
                    "inspection_id": ["X3"],
                    "venue_id": ["V2"],
                    "ts": [ts("2022-07-02 23:00")],
                    "unit_id": ["U2"],
                    "result": ["fail"],
                    "findings": ["无证经营"],
                    "follow_up_due": [ts("2022-07-09 00:00")],
                }
            ),
        ],
        ignore_index=True,
    )
    f["hazards"] = pd.concat(
        [
            f["hazards"],
            pd.DataFrame(
                {
                    "hazard_id": ["H3", "H4"],
                    "category": ["gas", "fire"],
                    "severity": ["major", "medium"],
                    "lat": [28.706, 28.692],
                    "lng": [115.983, 115.973],
                    "found_at": [ts("2022-07-01 12:00"), ts("2022-06-25 09:00")],
                    "status": ["rectifying", "open"],
                    "rectified_at": [pd.NaT, pd.NaT],
                    "deadline": [ts("2022-07-02 08:00"), ts("2022-06-28 00:00")],
                }
            ),
        ],
        ignore_index=True,
    )
    f["incidents"] = pd.concat(
        [
            f["incidents"],
            pd.DataFrame(
                {
                    "incident_id": ["I4", "I5", "I6"],
                    "ts": [ts("2022-06-29 22:00"), ts("2022-06-30 23:00"), ts("2022-07-02 20:30")],
                    "category": ["theft", "burglary", "theft"],
                    "lat": [28.697, 28.703, 28.704],
                    "lng": [115.974, 115.985, 115.984],
                    "priority": [2, 2, 1],
                }
            ),
        ],
        ignore_index=True,
    )
    return f


def load(engine: object, frames: dict[str, pd.DataFrame]) -> None:
    for kind in tiny.ORDER:
        raw = frames[kind].copy()
        geometry = None
        if kind == "areas":
            geometry = np.array([shapely_wkt.loads(g) for g in raw.pop("geometry")], dtype=object)
        s = ingest.import_frame(
            engine, kind, raw, file_name=f"city:{kind}", first_row=1, geometry=geometry
        )  # type: ignore[arg-type]
        assert s.rejected == 0 and s.conflicts == 0, s.rejects


@pytest.fixture
def loaded(engine):
    load(engine, city())
    return engine


# --------------------------------------------------------------------------------------------
# The figures, recomputed from the constructed frames with plain pandas/shapely/h3


def _scope_polygon(frames: dict[str, pd.DataFrame], ids: list[str] | None):
    if ids is None:
        return None
    a = frames["areas"]
    want = set(ids) | set(a.loc[a["parent_id"].isin(ids), "area_id"])
    return shapely.union_all(
        [shapely_wkt.loads(g) for g in a.loc[a["area_id"].isin(want), "geometry"]]
    )


def _inside(poly, frame: pd.DataFrame) -> np.ndarray:
    if poly is None:
        return np.ones(len(frame), dtype=bool)
    return shapely.contains_xy(poly, frame["lng"].to_numpy(float), frame["lat"].to_numpy(float))


def _day(x: pd.Timestamp) -> dt.date:
    return x.tz_convert(TZ).date()


def expected(frames: dict[str, pd.DataFrame], start: str, end: str, ids: list[str] | None) -> dict:
    lo, hi = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    days = (hi - lo).days + 1
    p0, p1 = lo - dt.timedelta(days=days), lo - dt.timedelta(days=1)
    end_ts = pd.Timestamp(hi + dt.timedelta(days=1), tz=TZ)
    poly = _scope_polygon(frames, ids)
    pings = frames["pings"].loc[_inside(poly, frames["pings"])]
    sh = frames["shifts"].loc[frames["shifts"]["shift_id"].isin(set(pings["shift_id"]))].copy()
    sh["night"] = [_day(s - pd.Timedelta(hours=6)) for s in sh["start"]]
    cur = sh.loc[(sh["night"] >= lo) & (sh["night"] <= hi)]
    prev = sh.loc[(sh["night"] >= p0) & (sh["night"] <= p1)]

    inc = frames["incidents"].loc[_inside(poly, frames["incidents"])]
    inc_day = np.array([_day(x) for x in inc["ts"]])
    now = inc.loc[(inc_day >= lo) & (inc_day <= hi)]
    before = inc.loc[(inc_day >= p0) & (inc_day <= p1)]
    venues_in = set(frames["venues"].loc[_inside(poly, frames["venues"]), "venue_id"])
    ins = frames["inspections"].loc[frames["inspections"]["venue_id"].isin(venues_in)]
    ins = ins.loc[[lo <= _day(x) <= hi for x in ins["ts"]]]
    sites_in = set(frames["sites"].loc[_inside(poly, frames["sites"]), "site_id"])
    chk = frames["site_checks"].loc[frames["site_checks"]["site_id"].isin(sites_in)]
    chk = chk.loc[[lo <= _day(x) <= hi for x in chk["ts"]]]
    hz = frames["hazards"].loc[_inside(poly, frames["hazards"])]
    hz = hz.loc[hz["found_at"] < end_ts]
    done = [
        s == "rectified" and (pd.isna(r) or r < end_ts)
        for s, r in zip(hz["status"], hz["rectified_at"], strict=True)
    ]
    found = [lo <= _day(x) <= hi for x in hz["found_at"]]
    rect = [
        f and s == "rectified" and pd.notna(r) and r < end_ts
        for f, s, r in zip(found, hz["status"], hz["rectified_at"], strict=True)
    ]
    overdue = [
        not d and pd.notna(dl) and dl < end_ts for d, dl in zip(done, hz["deadline"], strict=True)
    ]
    # night coverage in the scope's res-9 cells (centre inside), by the res-9 cell of each point
    # (a res-9 cell is not the sum of the res-10 cells whose parent it is): the path of every
    # shift (consecutive fixes under 5 minutes apart, inside the night window), sampled every
    # metre or so; nights = distinct nights through a cell, dwell = time over the samples
    win = (
        frames["pings"]
        .loc[
            [
                x.tz_convert(TZ).hour >= 20 or x.tz_convert(TZ).hour < 6
                for x in frames["pings"]["ts"]
            ]
        ]
        .sort_values(["shift_id", "ts"])
    )
    win = win.assign(night=[_day(x - pd.Timedelta(hours=6)) for x in win["ts"]])
    win = win.loc[(win["night"] >= lo) & (win["night"] <= hi)]
    visits = []
    for _, track in win.groupby("shift_id"):
        rows = list(track.itertuples())
        visits += [(r.lat, r.lng, r.night, 0.0) for r in rows]
        for a, b in itertools.pairwise(rows):
            secs = (b.ts - a.ts).total_seconds()
            if secs <= 300:
                visits += [
                    (a.lat + f * (b.lat - a.lat), a.lng + f * (b.lng - a.lng), a.night, secs / 50)
                    for f in (np.arange(50) + 0.5) / 50
                ]
    pts = pd.DataFrame(visits, columns=["lat", "lng", "night", "dwell_s"])

    def in_scope(res: int) -> pd.DataFrame:
        """The points by their cell at ``res``, in the cells whose centre lies in the scope."""
        v = pts.assign(
            cell=[h3.latlng_to_cell(y, x, res) for y, x in zip(pts.lat, pts.lng, strict=True)]
        )
        if poly is not None and len(v):
            centres = [h3.cell_to_latlng(c) for c in v["cell"]]
            v = v.loc[shapely.contains_xy(poly, [c[1] for c in centres], [c[0] for c in centres])]
        return v

    # night patrol hours: inside the area's res-10 cells (the finest, whatever the map's res)
    dwell_h = float(in_scope(10)["dwell_s"].sum()) / 3600 if len(pts) else 0.0
    v = in_scope(9)
    nights_by_cell = v.groupby("cell")["night"].nunique().to_dict() if len(v) else {}
    return {
        "police": int(cur["police"].sum()),
        "auxiliaries": int(cur["auxiliaries"].sum()),
        "police_aux": int(cur["police"].sum() + cur["auxiliaries"].sum()),
        "volunteers": int(cur["volunteers"].sum()),
        "people_checked": int(cur["people_checked"].sum()),
        "outreach": int(cur["outreach"].sum()),
        "shifts": len(cur),
        "patrol_h": round(float((cur["end"] - cur["start"]).dt.total_seconds().sum()) / 3600, 1),
        "prev_police_aux": int(prev["police"].sum() + prev["auxiliaries"].sum()),
        "incidents": len(now),
        "previous_incidents": len(before),
        "by_category": now["category"].value_counts().to_dict(),
        "by_category_prev": before["category"].value_counts().to_dict(),
        "incident_cells": pd.Series(
            [h3.latlng_to_cell(a, b, 9) for a, b in zip(now["lat"], now["lng"], strict=True)],
            dtype=object,
        )
        .value_counts()
        .to_dict(),
        "inspections": len(ins),
        "venues_inspected": ins["venue_id"].nunique(),
        "with_findings": int((ins["result"] != "pass").sum()),
        "fail": int((ins["result"] == "fail").sum()),
        "site_patrols": len(chk),
        "sites": chk["site_id"].nunique(),
        "hazards_found": sum(found),
        "hazards_rectified": sum(rect),
        "hazards_open": len(hz) - sum(done),
        "hazards_overdue": sum(overdue),
        "nights_by_cell": nights_by_cell,
        "dwell_h": dwell_h,
    }


CASES = [  # (scope, area, start, end)
    ("all", None, "2022-07-01", "2022-07-02"),
    ("all", None, "2022-07-01", "2022-07-05"),
    (["G1"], None, "2022-07-01", "2022-07-02"),
    (["G2"], None, "2022-07-01", "2022-07-03"),
    ("all", "G2", "2022-07-01", "2022-07-02"),
    (["ST"], "G1", "2022-06-29", "2022-07-02"),
]


@pytest.mark.parametrize(("scope", "area", "start", "end"), CASES)
def test_every_figure_recomputed_from_raw_rows(loaded, scope, area, start, end) -> None:
    got = briefing.figures(loaded, scope, start, end, area)
    ids = [area] if area else (None if scope == "all" else list(scope))
    exp = expected(city(), start, end, ids)
    k, p, c, h, i = got["key"], got["patrol"], got["checks"], got["hazards"], got["incidents"]
    assert (k["police_aux"], p["police"], p["auxiliaries"]) == (
        exp["police_aux"],
        exp["police"],
        exp["auxiliaries"],
    )
    assert (k["volunteers"], k["people_checked"], p["outreach"], k["shifts"]) == (
        exp["volunteers"],
        exp["people_checked"],
        exp["outreach"],
        exp["shifts"],
    )
    assert p["patrol_h"] == exp["patrol_h"]  # rostered hours of whole shifts
    # night patrol hours: the tracks' night dwell inside the area (res-10 cells, centre inside),
    # the Overview's and the Coverage page's figure
    assert k["night_patrol_h"] == pytest.approx(exp["dwell_h"], abs=0.051)
    assert p["night_patrol_h"] == k["night_patrol_h"]
    assert got["previous"]["police_aux"] == exp["prev_police_aux"]
    assert (c["inspections"], k["venues_inspected"], c["with_findings"], c["fail"]) == (
        exp["inspections"],
        exp["venues_inspected"],
        exp["with_findings"],
        exp["fail"],
    )
    assert (k["site_patrols"], c["sites"]) == (exp["site_patrols"], exp["sites"])
    assert (h["found"], h["rectified"], h["open"], h["overdue"]) == (
        exp["hazards_found"],
        exp["hazards_rectified"],
        exp["hazards_open"],
        exp["hazards_overdue"],
    )
    assert h["rate"] == (
        exp["hazards_rectified"] / exp["hazards_found"] if exp["hazards_found"] else None
    )
    assert (i["count"], i["previous"]) == (exp["incidents"], exp["previous_incidents"])
    assert {r["category"]: r["count"] for r in i["by_category"] if r["count"]} == exp["by_category"]
    assert {r["category"]: r["previous"] for r in i["by_category"] if r["previous"]} == exp[
        "by_category_prev"
    ]
    assert all(r["change"] == r["count"] - r["previous"] for r in i["by_category"])
    # weekly blocks add up to the period
    assert sum(w["incidents"] for w in got["weekly"]) == exp["incidents"]
    assert sum(w["days"] for w in got["weekly"]) == got["period"]["days"]
    # night coverage: cells patrolled, their nights, and the dwell
    cells = got["cells"].assign(h3=lambda d: [h3.int_to_str(int(np.uint64(x))) for x in d["cell"]])
    nights = {a: n for a, n in zip(cells["h3"], cells["nights"], strict=True) if n}
    study = set(cells["h3"])
    assert nights == {a: n for a, n in exp["nights_by_cell"].items() if a in study}
    assert p["cells_covered"] == len(exp["nights_by_cell"])
    assert p["dwell_h"] == pytest.approx(exp["dwell_h"], abs=0.051)  # rounded to 0.1 h
    # incidents per study cell, and the hot cells' rows agree with them
    counts = {a: n for a, n in zip(cells["h3"], cells["count"], strict=True) if n}
    assert counts == exp["incident_cells"]
    hot = got["hotspots"]
    assert hot["n_hot"] == int((cells["gi_bin"] > 0).sum())
    for r in hot["cells"]:
        assert r["count"] == exp["incident_cells"].get(r["h3"], 0)
        assert r["nights"] == exp["nights_by_cell"].get(r["h3"], 0)
    for g in got["gaps"]:
        assert g["h3"] in set(cells["h3"])
        assert g["nights"] == exp["nights_by_cell"].get(g["h3"], 0)
    # the key figures are the Overview's (one definition in geo/domain/figures.py)
    assert k == overview.period_figures(loaded, scope, start, end, area)


def test_grid_briefing_excludes_other_grids_rows(loaded) -> None:
    g1 = briefing.build(loaded, ["G1"], "2022-07-01", "2022-07-02", lang="zh-CN", pictures=False)
    figs = g1.figures
    assert figs["area"]["name"] == "一网格"
    # S2 (the volunteers, 6 person-times) walked in G2 only; I2 (fight) and H2, H3 are in G2
    assert figs["key"]["volunteers"] == 1  # S4's one volunteer
    assert "fight" not in {r["category"] for r in figs["incidents"]["by_category"]}
    assert figs["hazards"]["found"] == 1
    text = briefing_doc.render(g1, "md").decode()
    assert "二网格" not in text and "script" not in text
    with pytest.raises(ValueError, match="unknown area"):
        briefing.figures(loaded, ["G1"], "2022-07-01", "2022-07-02", "G2")


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _docx_text(data: bytes) -> str:
    import docx

    d = docx.Document(io.BytesIO(data))
    cells = [c.text for tb in d.tables for row in tb.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_no_person_names_and_every_string_escaped(sqlite_engine, lang: str) -> None:
    load(sqlite_engine, city())
    b = briefing.build(
        sqlite_engine,
        "all",
        "2022-06-25",
        "2022-07-05",
        "G2",
        lang=lang,
        campaign="<b>夏季</b>行动",
    )
    outputs = {
        "pdf": _pdf_text(briefing_doc.render(b, "pdf")),
        "docx": _docx_text(briefing_doc.render(b, "docx")),
        "html": briefing_doc.render(b, "html").decode(),
        "md": briefing_doc.render(b, "md").decode(),
    }
    names = [PERSON, "网格员甲", "网格员乙", "巡逻一组", "志愿者队", "消防通道堵塞", "无证经营"]
    for fmt, text in outputs.items():
        for name in names:
            assert name not in text, (fmt, name)
    assert NASTY in _squash(outputs["pdf"]) and NASTY in outputs["docx"]
    html = outputs["html"]
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in html
    assert "&lt;b&gt;夏季&lt;/b&gt;行动" in html
    assert "<script" not in outputs["md"] and "&lt;script" in outputs["md"]
    assert "\\[" not in escape.md_escape("a") and escape.md_escape("[x](y)") == "\\[x\\]\\(y\\)"


def test_formats_embed_fonts_images_and_no_network(sqlite_engine, tmp_path: Path) -> None:
    from PIL import Image
    from pypdf import PdfReader

    load(sqlite_engine, city())
    b = briefing.build(sqlite_engine, "all", "2022-07-01", "2022-07-02", lang="zh-CN")
    assert set(b.images) == {"coverage", "hotspots", "trend"}
    for png in b.images.values():  # real pictures (a missing CJK glyph would warn = fail)
        with Image.open(io.BytesIO(png)) as im:
            assert im.format == "PNG" and im.size[0] > 600
    pdf = briefing_doc.render(b, "pdf")
    reader = PdfReader(io.BytesIO(pdf))
    embedded = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "WenQuanYi" in str(font["/BaseFont"]):
                desc = font["/FontDescriptor"].get_object()
                embedded.append("/FontFile2" in desc or "/FontFile3" in desc)
    assert embedded and all(embedded)
    assert _squash(b.lead) in _squash(_pdf_text(pdf))
    images = sum(len(page.images) for page in reader.pages)
    assert images == 3
    docx_data = briefing_doc.render(b, "docx")
    import docx
    from docx.oxml.ns import qn

    d = docx.Document(io.BytesIO(docx_data))
    assert b.lead in _docx_text(docx_data)
    rfonts = d.styles["Normal"].element.rPr.rFonts
    assert rfonts.get(qn("w:eastAsia")) == briefing_doc.DOCX_EAST_ASIA_FONT
    assert len(d.inline_shapes) == 3
    for fmt in ("html", "md"):
        text = briefing_doc.render(b, fmt).decode()
        assert text.count("data:image/png;base64,") == 3
        assert not re.search(r"(src|href)=\"?https?:", text) and "](http" not in text
        assert b.lead in text or escape.md_escape(b.lead) in text
    with pytest.raises(ValueError, match=r"\.pdf, \.docx"):
        briefing_doc.write(b, tmp_path / "x.txt")
    assert briefing_doc.write(b, tmp_path / "x.pdf") == (tmp_path / "x.pdf").stat().st_size


def test_sections_demo_notice_and_optional_sections(sqlite_engine, monkeypatch) -> None:
    load(sqlite_engine, city())
    figs = briefing.figures(sqlite_engine, "all", "2022-07-01", "2022-07-02")
    b = briefing_doc.compose(figs, "zh-CN", pictures=False)
    assert b.notice is None and b.images == {}
    assert b.lead.startswith("2022-07-01至2022-07-02，共出动民警、辅警警力")
    assert [s.title for s in b.sections][:2] == ["一、巡防力量投入", "二、盘查与场所检查"]
    with sqlite_engine.begin() as conn:
        store.set_meta(conn, "demo", {"seed": 7})
    demo = briefing.build(
        sqlite_engine, "all", "2022-07-01", "2022-07-02", lang="en", pictures=False
    )
    assert demo.notice == t("brief.demo", "en") and demo.notice in briefing_doc.render(
        demo, "md"
    ).decode().replace("\\", "")
    # an optional section (plan compliance will be one) appears only when it has figures
    opt = briefing_doc.OptionalSection(
        "plan",
        lambda engine, scope, start, end, area, **kw: {"done": 7} if area else None,
        lambda value, lang: briefing_doc.Section("Plan", [f"done {value['done']}"]),
    )
    monkeypatch.setattr(briefing, "OPTIONAL_SECTIONS", [opt])
    without = briefing.build(sqlite_engine, "all", "2022-07-01", "2022-07-02", pictures=False)
    assert "Plan" not in " ".join(s.title for s in without.sections)
    with_ = briefing.build(sqlite_engine, "all", "2022-07-01", "2022-07-02", "G1", pictures=False)
    titles = [s.title for s in with_.sections]
    assert titles[-2] == "七、Plan" and "done 7" in briefing_doc.render(with_, "html").decode()


def test_cli_brief(sqlite_engine, tmp_path: Path, capsys) -> None:
    load(sqlite_engine, city())
    url = sqlite_engine.url.render_as_string(hide_password=False)
    out = tmp_path / "b.html"
    assert (
        main(
            [
                "brief",
                "--db",
                url,
                "--from",
                "2022-07-01",
                "--to",
                "2022-07-02",
                "--area",
                "G1",
                "--lang",
                "en",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert summary["format"] == "html" and summary["bytes"] == out.stat().st_size
    assert (
        summary["figures"]["police_aux"]
        == expected(city(), "2022-07-01", "2022-07-02", ["G1"])["police_aux"]
    )
    assert "Patrol and public-safety briefing: 一网格" in out.read_text(encoding="utf-8")
    for argv in (
        ["--out", str(tmp_path / "b.txt")],
        ["--area", "NOPE", "--out", str(out)],
        ["--to", "2022-06-01", "--out", str(out)],
    ):
        base = ["brief", "--db", url, "--from", "2022-07-01", "--to", "2022-07-02"]
        assert main(base + argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error:") and len(err.splitlines()) == 1


# --------------------------------------------------------------------------------------------
# The demo city: the campaign sentence with the report's numbers


@pytest.fixture(scope="module")
def demo_briefings(
    demo_db_file: Path, tmp_path_factory
) -> Iterator[dict[str, briefing_doc.Briefing]]:
    copy = tmp_path_factory.mktemp("brief-demo") / "demo.db"
    shutil.copyfile(demo_db_file, copy)
    url = f"sqlite:///{copy}"
    engine = store.connect(url)
    out = {
        lang: briefing.build(
            engine,
            "all",
            "2022-06-25",
            "2022-10-02",
            lang=lang,
            campaign="百日行动" if lang == "zh-CN" else "100-day campaign",
            formats=("pdf", "docx"),
        )
        for lang in ("zh-CN", "en")
    }
    yield out
    store.forget(url)
    engine.dispose()


def test_demo_briefing_says_the_campaign_figures(demo_briefings) -> None:
    zh, en = demo_briefings["zh-CN"], demo_briefings["en"]
    assert zh.lead == DEMO_SENTENCE + "。"
    assert zh.notice == t("brief.demo", "zh-CN")  # the demo city is synthetic: it says so
    assert zh.title == "罗家派出所辖区治安巡防工作简报"
    for number in ("1,169", "856", "521", "76", "632", "36"):
        assert number in en.lead
    assert en.notice == t("brief.demo", "en")


def test_demo_briefing_reports_disputes_and_leads(demo_briefings) -> None:
    zh, en = demo_briefings["zh-CN"], demo_briefings["en"]
    section = next(s for s in zh.sections if t("brief.disputes.title", "zh-CN") in s.title)
    assert section.paragraphs == [
        "排查化解矛盾纠纷1007起，化解率97.91%，收到线索17条，已办结10条，7条正在核查。"
    ]
    section = next(s for s in en.sections if t("brief.disputes.title", "en") in s.title)
    assert "1007 disputes" in section.paragraphs[0] and "97.91%" in section.paragraphs[0]
    assert "17 leads received, 10 concluded, 7 still being verified" in section.paragraphs[0]
    assert "排查化解矛盾纠纷1007起" in _squash(_pdf_text(zh.files["pdf"]))


def test_demo_pdf_and_docx_hold_the_sentence(demo_briefings) -> None:
    zh = demo_briefings["zh-CN"]
    text = _squash(_pdf_text(zh.files["pdf"]))
    assert DEMO_SENTENCE in text
    assert _squash(t("brief.demo", "zh-CN")) in text
    assert DEMO_SENTENCE in _docx_text(zh.files["docx"])
    assert "1,169" in _pdf_text(demo_briefings["en"].files["pdf"])
    # pages for people to look at (tests/artifacts, kept out of git)
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pdf = ARTIFACTS / "briefing-demo-zh.pdf"
        pdf.write_bytes(zh.files["pdf"])
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "70",
                "-png",
                "-f",
                "1",
                "-l",
                "4",
                str(pdf),
                str(ARTIFACTS / "briefing-demo-zh"),
            ],
            check=True,
            timeout=120,
        )
        assert (ARTIFACTS / "briefing-demo-zh-1.png").stat().st_size > 10_000

"""Hostile input (issue 8, part 4): markup and script in every text field shown as text in maps,
reports and exports; spreadsheet formulas neutralised in every CSV; oversized, malformed and
zip-bomb files, non-finite coordinates, far-off times, huge fields, control characters and
conflicting duplicates each end in a FileError naming the file or a rejected row, never a
traceback or a partial import; filters reach SQL only as bound parameters."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from cli import main as cli
from geo import escape, ingest, store
from geo.config import get_settings
from geo.domain import schema
from geo.ingest import files as ingest_files
from geo.reports import briefing as briefing_doc
from geo.reports import cells as cells_doc
from geo.reports import plan_sheets as plan_export
from geo.services import briefing, hotspots
from geo.services import plan as plan_svc
from tests import tiny

XSS = '<img src=x onerror="window.__pwned=1">'
TPL = "`${window.__pwned=1}`\\"
FORMULA = '=HYPERLINK("http://x.invalid","y")'
TEXT = f"{FORMULA}{XSS}{TPL}$\\frac{{$"  # "$...$" is TeX to matplotlib, and this one is broken
ID_TAIL = "<i>' OR 1=1 --"


def hostile_frames() -> dict[str, pd.DataFrame]:
    """tiny's frames with every free-text field hostile and every id carrying markup and SQL."""
    out = {}
    for name, frame in tiny.frames().items():
        frame = frame.copy()
        for col in schema.kind(name).columns:
            if col.name not in frame:
                continue
            if col.type == "str":
                frame[col.name] = [None if pd.isna(v) else f"{TEXT}{v}" for v in frame[col.name]]
            elif col.type == "id":
                frame[col.name] = [None if pd.isna(v) else f"{v}{ID_TAIL}" for v in frame[col.name]]
        out[name] = frame
    return out


def load_hostile(engine: sa.Engine, folder: Path) -> None:
    """Import :func:`hostile_frames` through CSV files, the real import path."""
    for name in tiny.ORDER:
        frame = hostile_frames()[name]
        for c in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[c]):
                frame[c] = frame[c].dt.strftime("%Y-%m-%d %H:%M:%S%z")
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        s = ingest.import_file(engine, name, path)
        assert s.rejected == 0 and s.accepted == len(frame), s.rejects


@pytest.fixture
def hostile_engine(sqlite_engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    load_hostile(sqlite_engine, tmp_path)
    return sqlite_engine


def _state(engine: sa.Engine) -> tuple[dict[str, int], int]:
    return store.counts(engine), len(store.import_history(engine))


class _Tags(HTMLParser):
    """Start tags and their attributes as a browser's parser sees them (script bodies skipped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _assert_inert(html_text: str) -> None:
    """No hostile markup became a tag or an event handler; no template literal is broken."""
    p = _Tags()
    p.feed(html_text)
    assert not [t for t, a in p.tags if t in ("i", "svg", "iframe") or a.get("src") == "x"]
    assert not [a for _, attrs in p.tags for a in attrs if a.startswith("on")]
    assert XSS not in html_text and "<img src=x" not in html_text


# --------------------------------------------------------------------------------------------
# Markup shown as text


def test_hostile_text_is_stored_and_read_back_verbatim(engine: sa.Engine, tmp_path: Path) -> None:
    load_hostile(engine, tmp_path)
    venues = store.read(engine, "venues", "all").sort_values("venue_id")
    assert venues["name"].iloc[0] == f"{TEXT}星光KTV"
    assert venues["venue_id"].iloc[0] == f"V1{ID_TAIL}"
    # a grid's scope still works with markup and SQL in its id
    inside = store.read(engine, "venues", [f"G1{ID_TAIL}"])
    assert inside["venue_id"].tolist() == [f"V1{ID_TAIL}"]


@pytest.mark.parametrize("layer", ["venues", "hazards", "coverage"])
def test_standalone_map_shows_hostile_names_as_text(
    hostile_engine: sa.Engine, tmp_path: Path, layer: str, capsys
) -> None:
    url = hostile_engine.url.render_as_string(hide_password=False)
    out = tmp_path / f"{layer}.html"
    assert (
        cli(
            [
                "map",
                "--layer",
                layer,
                "--from",
                "2022-07-01",
                "--to",
                "2022-07-03",
                "--db",
                url,
                "--out",
                str(out),
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    page = out.read_text(encoding="utf-8")
    _assert_inert(page)
    # the area labels carry the escaped grid names; venue popups the escaped venue names
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in page
    if layer == "venues":
        assert summary["points"] == 2 and "星光KTV" in page


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_briefing_formats_show_hostile_area_names_as_text(
    hostile_engine: sa.Engine, lang: str
) -> None:
    b = briefing.build(
        hostile_engine, "all", "2022-07-01", "2022-07-03", f"ST{ID_TAIL}", lang=lang, campaign=XSS
    )
    html_text = briefing_doc.render(b, "html").decode()
    _assert_inert(html_text)
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in html_text
    md = briefing_doc.render(b, "md").decode()
    assert "<img src=x" not in md and "&lt;img src=x onerror=" in md
    assert "](http" not in md  # the formula's URL did not become a Markdown link
    from pypdf import PdfReader

    pdf_text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(briefing_doc.render(b, "pdf"))).pages
    )
    assert "onerror" in pdf_text
    import docx

    d = docx.Document(io.BytesIO(briefing_doc.render(b, "docx")))
    assert any(XSS in p.text for p in d.paragraphs)


def test_grid_name_with_a_dollar_sign_does_not_break_the_briefing_pictures(
    hostile_engine: sa.Engine,
) -> None:
    # matplotlib reads "$...$" as TeX; "$\\frac{$" made drawing the grid labels raise ValueError
    b = briefing.build(hostile_engine, "all", "2022-07-01", "2022-07-03", lang="en")
    assert b.images  # the maps were drawn, labels included
    assert briefing_doc.render(b, "pdf")[:4] == b"%PDF"


def test_plan_exports_from_a_hostile_store(hostile_engine: sa.Engine) -> None:
    from layers.routes import routes_layer

    plan = plan_svc.make_plan(
        hostile_engine,
        "all",
        night="2022-07-01",
        window="20:00-23:00",
        unit_ids=[f"U1{ID_TAIL}"],
        time_limit_s=1,
    )
    marks = [s.get("landmark") or "" for u in plan["units"] for s in u["stops"]]
    assert plan["units"][0]["unit_id"] == f"U1{ID_TAIL}"
    assert any(TEXT in m for m in marks), marks  # landmarks are the hostile site/venue names
    for data in (plan_export.to_gpx(plan), plan_export.to_kml(plan)):
        root = ET.fromstring(data)  # well-formed XML, the text kept as text
        texts = [e.text or "" for e in root.iter()]
        assert any(TEXT in x for x in texts) and b"<img src" not in data
    sheet = plan_export.to_html(plan, "en")
    _assert_inert(sheet)
    csv = pd.read_csv(io.StringIO(plan_export.to_csv(plan)), dtype=str)
    assert not csv.map(lambda v: isinstance(v, str) and v[:1] in "=+-@").any().any()
    assert plan_export.to_pdf(plan, "zh-CN")[:4] == b"%PDF"
    import folium

    m = folium.Map()
    routes_layer(
        plan, name="r", labels={k: k for k in ("unit", "arrive", "leave", "landmark", "start")}
    ).add_to(m)
    page = m.get_root().render()
    _assert_inert(page)
    # folium puts tooltips in JS template literals: no backtick, ${ or backslash of ours there
    tips = re.findall(r"bindTooltip\(\s*`(.*?)`\s*,\s*\{", page, flags=re.DOTALL)
    assert len(tips) >= 3 and any("&#36;{window.__pwned=1}" in tip for tip in tips)
    for tip in tips:
        assert "${" not in tip and "\\" not in tip


# --------------------------------------------------------------------------------------------
# Spreadsheet formulas


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        (" =1+1", "' =1+1"),
        ("-3.5", "-3.5"),
        ("+7", "+7"),
        ("1e5", "1e5"),
        ("星光KTV", "星光KTV"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_cells_get_an_apostrophe(value: str, safe: str) -> None:
    assert escape.formula_safe(value) == safe
    frame = pd.DataFrame({value or "x": [value], "n": [-1.5]})
    out = escape.neutralise_formulas(frame)
    assert out.iloc[0, 0] == safe and out["n"].iloc[0] == -1.5  # numbers untouched
    assert out.columns[0] == (safe or "x")  # headers too


def test_every_csv_export_is_formula_safe(
    hostile_engine: sa.Engine, tmp_path: Path, capsys
) -> None:
    url = hostile_engine.url.render_as_string(hide_password=False)

    def risky(path: Path) -> list[str]:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        cells = [*frame.columns, *frame.to_numpy().ravel().tolist()]
        return [c for c in cells if escape.formula_safe(c) != c]

    # rejected rows (CLI --rejects and the Data page's download share rejects_csv)
    bad = tmp_path / "bad.csv"
    pd.DataFrame(
        {
            "venue_id": [FORMULA, "@x"],
            "name": ["-2+3", "+1+1"],
            "category": ["=1", "x"],
            "lat": ["=2", "28.7"],
            "lng": [115.98, 115.98],
        }
    ).to_csv(bad, index=False)
    rejects = tmp_path / "rejects.csv"
    assert cli(["import", "venues", str(bad), "--db", url, "--rejects", str(rejects)]) == 0
    # row 2's latitude (a category no mapping knows is stored in "other", not rejected)
    got = pd.read_csv(rejects, encoding="utf-8-sig")
    assert list(got["row"]) == [2] and list(got["column"]) == ["lat"] and risky(rejects) == []
    # plan stops (CLI plan --out .csv, the page's CSV download)
    assert (
        cli(
            [
                "plan",
                "--date",
                "2022-07-01",
                "--window",
                "20:00-23:00",
                "--db",
                url,
                "--unit",
                f"U1{ID_TAIL}",
                "--out",
                str(tmp_path / "plan.csv"),
            ]
        )
        == 0
    )
    assert risky(tmp_path / "plan.csv") == []
    # per-cell results with a text column
    cells = pd.DataFrame(
        {
            "cell": [int(np.uint64(0x89411C0A4A3FFFF).astype(np.int64))],
            "label": [FORMULA],
            "gi_z": [-2.5],
        }
    )
    cells_doc.write_cells(cells, tmp_path / "cells.csv")
    back = pd.read_csv(tmp_path / "cells.csv")
    assert back["label"].iloc[0] == "'" + FORMULA and back["gi_z"].iloc[0] == -2.5
    capsys.readouterr()


def test_every_csv_writer_in_the_code_goes_through_neutralise_formulas() -> None:
    """A new CSV export must not forget the formula check: every .to_csv( in geo/ and views/ is
    on a neutralised frame, or writes only numbers and enums (listed here, by file)."""
    root = Path(__file__).resolve().parent.parent
    allowed = {
        "geo/domain/risk.py",  # risk weights: enum categories and numbers
        "geo/engines/local.py",
        "geo/engines/dask_engine.py",
        "geo/services/demo.py",
    }
    offenders = []
    for path in [*root.glob("geo/**/*.py"), *root.glob("views/*.py"), *root.glob("cli/*.py")]:
        rel = path.relative_to(root).as_posix()
        for line in path.read_text(encoding="utf-8").splitlines():
            if (
                (".to_csv(" in line or ".to_excel(" in line)
                and rel not in allowed
                and not re.search(r"neutralise_formulas\(|rejects_csv|plan_sheets\.to_csv", line)
            ):
                offenders.append(f"{rel}: {line.strip()}")
    assert offenders == []


# --------------------------------------------------------------------------------------------
# Files that must be refused whole


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


def test_upload_size_limit_from_settings(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    assert get_settings({"QY_MAX_UPLOAD_MB": "3"}).max_upload_mb == 3
    assert get_settings({}).max_upload_mb == 50
    with pytest.raises(ValueError, match="QY_MAX_UPLOAD_MB"):
        get_settings({"QY_MAX_UPLOAD_MB": "lots"})
    big = tmp_path / "big venues.csv"
    rows = [f"X{i},名{i},ktv,28.7,115.98,L,high" for i in range(40_000)]
    _write(big, "venue_id,name,category,lat,lng,licence,risk_level\n" + "\n".join(rows))
    assert big.stat().st_size > 1024**2
    settings = get_settings({}).with_(max_upload_mb=1)
    with pytest.raises(ingest.FileError, match=r"big venues\.csv: .* limit of 1 MiB"):
        ingest.import_file(sqlite_engine, "venues", big, settings=settings)
    assert _state(sqlite_engine) == (dict.fromkeys(store.RECORD_TABLES, 0), 0)
    # the uploader's own ceiling is set, and no lower than the app's default limit
    toml = (Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text()
    assert int(re.search(r"maxUploadSize\s*=\s*(\d+)", toml).group(1)) >= 50


BOMB_CASES = {
    "ratio.xlsx": lambda p: _zip(
        p, {"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b"\0" * (40 * 1024**2)}
    ),
    "ratio.zip": lambda p: _zip(p, {"a.shp": b"\0" * (40 * 1024**2), "a.dbf": b""}),
    "truncated.xlsx": lambda p: _write(p, _xlsx(p, [["a"], [1]]).read_bytes()[:300]),
    "text.xlsx": lambda p: _write(p, "venue_id,name\nV1,x\n"),
    "nosheet.xlsx": lambda p: _zip(p, {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<"}),
    "badsheet.xlsx": lambda p: _broken_sheet(p),
    "garbage.zip": lambda p: _write(p, b"PK\x03\x04" + bytes(range(256)) * 4),
    "noshp.zip": lambda p: _zip(p, {"readme.txt": b"hello"}),
    "binary.csv": lambda p: _write(p, bytes(range(256)) * 64),
    "png.csv": lambda p: _write(p, b"\x89PNG\r\n\x1a\n" + bytes(range(1, 256)) * 64),
    "late_nul.csv": lambda p: _write(p, "venue_id,name\n" + "V1,x\n" * 5000 + "V2,\0\n"),
    "empty.csv": lambda p: _write(p, b""),
    "ragged_first.csv": lambda p: _write(
        p, "venue_id,name,category,lat,lng\nX1,a,ktv,28.7,115.98,extra,extra\n"
    ),
    "ragged_later.csv": lambda p: _write(
        p, "venue_id,name,category,lat,lng\nX1,a,ktv,28.7,115.98\nX2,a,ktv,28.7,115.98,1\n"
    ),
    "quote.csv": lambda p: _write(p, 'venue_id,name\nX1,"never closed\n'),
    "wide_header.csv": lambda p: _write(
        p, ",".join("h" * 100_000 + str(i) for i in range(40)) + "\n" + "1," * 39 + "1\n"
    ),
    "truncated.parquet": lambda p: _write(p, b"PAR1\0\0\0"),
    "broken.geojson": lambda p: _write(p, '{"type": "FeatureCollection", "features": [{'),
}


def _broken_sheet(path: Path) -> Path:
    good = _xlsx(path.with_name("good.xlsx"), [["venue_id", "name"], ["V1", "x"]])
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # cut off mid-element
            dst.writestr(info, data)
    return path


@pytest.mark.parametrize("name", sorted(BOMB_CASES))
def test_unreadable_files_give_a_file_error_naming_the_file(
    engine: sa.Engine, tmp_path: Path, name: str
) -> None:
    tiny.load(engine, tmp_path)
    before = _state(engine)
    path = BOMB_CASES[name](tmp_path / name)
    with pytest.raises(ingest.FileError) as err:
        ingest.import_file(engine, "venues", path, name=f"上传-{name}")
    msg = str(err.value)
    assert msg.startswith(f"上传-{name}: ") and len(msg) < 600, msg
    assert "Traceback" not in msg
    if name.startswith("ratio"):
        assert "zip bomb" in msg
    assert _state(engine) == before


def test_zip_bomb_is_refused_before_anything_unpacks(tmp_path: Path, monkeypatch) -> None:
    import openpyxl

    opened: list[object] = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(a))
    bomb = BOMB_CASES["ratio.xlsx"](tmp_path / "bomb.xlsx")
    for call in (lambda: ingest.sheet_names(bomb), lambda: ingest.read_table(bomb)):
        with pytest.raises(ingest.FileError, match="zip bomb"):
            call()
    # a total over the limit is refused too, however well each part packs
    monkeypatch.setattr(ingest_files, "MAX_UNPACKED", 1024)
    ok = _zip(tmp_path / "many.zip", {f"p{i}.shp": bytes(range(256)) * 2 for i in range(4)})
    with pytest.raises(ingest.FileError, match="unpacks to"):
        ingest.read_table(ok)
    assert opened == []


# --------------------------------------------------------------------------------------------
# Rows that must be rejected, each with file, row, column and reason


def _import(engine: sa.Engine, path: Path, kind: str) -> ingest.ImportSummary:
    s = ingest.import_file(engine, kind, path)
    assert s.read == s.accepted + s.duplicates + s.conflicts + s.rejected
    assert set(s.rejects.columns) >= {"file", "row", "column", "value", "reason", "code"}
    assert (s.rejects["file"] == path.name).all()
    return s


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_non_finite_and_huge_coordinates_are_rejected(
    engine: sa.Engine, tmp_path: Path, suffix: str
) -> None:
    values = ["nan", "inf", "-inf", "1e308", "-1e308", "1e309", "NaN", "Infinity", "0x1p10"]
    rows = [["venue_id", "name", "category", "lat", "lng"]]
    rows += [[f"A{i}", "a", "ktv", v, 115.98] for i, v in enumerate(values)]
    rows += [[f"B{i}", "b", "ktv", 28.7, v] for i, v in enumerate(values)]
    rows += [["OK", "ok", "ktv", 28.7, 115.98]]
    if suffix == ".csv":
        path = tmp_path / "coords.csv"
        pd.DataFrame(rows[1:], columns=rows[0]).to_csv(path, index=False)
    else:  # real floats in the cells, not text
        rows = [
            [
                float(v) if isinstance(v, str) and v not in ("0x1p10",) and k >= 3 else v
                for k, v in enumerate(r)
            ]
            if i
            else r
            for i, r in enumerate(rows)
        ]
        path = _xlsx(tmp_path / "coords.xlsx", rows)
    s = _import(engine, path, "venues")
    assert s.accepted == 1 and s.rejected == 2 * len(values)
    assert set(s.rejects["column"]) <= {"lat", "lng"}
    assert s.rejects["row"].tolist() == list(range(2, 2 + 2 * len(values)))
    assert store.read(engine, "venues", "all")["venue_id"].tolist() == ["OK"]


def test_far_off_times_are_rejected(engine: sa.Engine, tmp_path: Path) -> None:
    import datetime as dt

    texts = [
        "9999-12-31 23:59:59",
        "0001-01-01",
        "2262-04-12",
        "1e20",
        "99999999999999",
        "2022-13-45",
        "9999年12月31日",
        "2022-07-01T22:00:00+99:00",
    ]
    csv = pd.DataFrame(
        {
            "incident_id": [f"T{i}" for i in range(len(texts))],
            "ts": texts,
            "category": "theft",
            "lat": 28.7,
            "lng": 115.98,
            "priority": 1,
        }
    )
    csv.to_csv(tmp_path / "times.csv", index=False)
    s = _import(engine, tmp_path / "times.csv", "incidents")
    assert s.accepted == 0 and s.rejected == len(texts) and set(s.rejects["code"]) == {"time"}
    xlsx = _xlsx(
        tmp_path / "times.xlsx",
        [
            ["incident_id", "ts", "category", "lat", "lng"],
            ["X1", dt.datetime(9999, 12, 31, 23, 59), "theft", 28.7, 115.98],
            ["X2", dt.datetime(1, 1, 1), "theft", 28.7, 115.98],
            ["X3", 2958465.99, "theft", 28.7, 115.98],  # Excel's last serial, 9999-12-31
            ["OK", dt.datetime(2022, 7, 1, 22), "theft", 28.7, 115.98],
        ],
    )
    s = _import(engine, xlsx, "incidents")
    assert s.accepted == 1 and s.rejected == 3 and set(s.rejects["column"]) == {"ts"}


def test_huge_fields_are_rejected_and_shown_short(engine: sa.Engine, tmp_path: Path) -> None:
    huge = "长" * 100_000
    pd.DataFrame(
        {
            "venue_id": ["X1", huge, "X3"],
            "name": [huge, "b", "c"],
            "category": ["ktv", "ktv", huge],
            "lat": 28.7,
            "lng": 115.98,
            "licence": ["L", "L", "L"],
        }
    ).to_csv(tmp_path / "huge.csv", index=False)
    s = _import(engine, tmp_path / "huge.csv", "venues")
    assert s.accepted == 0 and s.rejected == 3
    assert s.rejects["code"].tolist() == ["text_long", "id_long", "text_long"]
    assert s.rejects["value"].str.len().max() <= 80
    assert len(ingest.rejects_csv(s.rejects)) < 2000


def test_control_characters_are_rejected(engine: sa.Engine, tmp_path: Path) -> None:
    # NUL cannot go into PostgreSQL text, ESC and friends not into DOCX/GPX/KML (XML 1.0)
    names = ["a\x00b", "a\x1b[31mb", "a\x0bb", "a\ufffeb", "tab\tand\nnewline are fine"]
    frame = pd.DataFrame(
        {
            "venue_id": [f"X{i}" for i in range(len(names))],
            "name": names,
            "category": "ktv",
            "lat": 28.7,
            "lng": 115.98,
        }
    )
    frame.to_parquet(tmp_path / "ctl.parquet")
    s = _import(engine, tmp_path / "ctl.parquet", "venues")
    assert s.accepted == 1 and s.rejects["code"].tolist() == ["control"] * 4
    assert s.rejects["row"].tolist() == [1, 2, 3, 4]
    frame.assign(name="x", venue_id=["a\x01", "b", "c", "d", "e"]).drop(columns="lat").assign(
        lat=28.7
    ).to_parquet(tmp_path / "ctl_id.parquet")
    s = _import(engine, tmp_path / "ctl_id.parquet", "venues")
    assert s.rejects["code"].tolist() == ["control"] and s.rejects["column"].tolist() == [
        "venue_id"
    ]


def test_duplicated_ids_with_conflicting_content(engine: sa.Engine, tmp_path: Path) -> None:
    hdr = "venue_id,name,category,lat,lng\n"
    _write(
        tmp_path / "a.csv",
        hdr + "D1,first,ktv,28.7,115.98\nD1,second,ktv,28.7,115.98\nD1,first,ktv,28.7,115.98\n",
    )
    s = _import(engine, tmp_path / "a.csv", "venues")
    assert (s.accepted, s.duplicates, s.conflicts) == (1, 1, 1)
    assert s.rejects[["row", "column", "code"]].values.tolist() == [
        [3, "venue_id", "conflict_in_file"]
    ]
    _write(tmp_path / "b.csv", hdr + "D1,changed,bar,28.7,115.98\nD2,new,ktv,28.7,115.98\n")
    s = _import(engine, tmp_path / "b.csv", "venues")
    assert (s.accepted, s.conflicts) == (1, 1)
    assert s.rejects["code"].tolist() == ["conflict_in_store"]
    kept = store.read(engine, "venues", "all").set_index("venue_id")["name"]
    assert kept.to_dict() == {"D1": "first", "D2": "new"}  # never overwritten


def test_a_polygon_the_size_of_a_province_is_rejected_not_covered(
    sqlite_engine: sa.Engine, tmp_path: Path
) -> None:
    from shapely.geometry import box

    pd.DataFrame(
        {
            "area_id": ["BIG", "OK"],
            "name": ["省", "网格"],
            "level": "grid",
            "geometry": [box(100, 25, 110, 35).wkt, box(115.97, 28.69, 115.98, 28.7).wkt],
        }
    ).to_csv(tmp_path / "areas.csv", index=False)
    s = _import(sqlite_engine, tmp_path / "areas.csv", "areas")  # would not end if covered
    assert s.accepted == 1 and s.rejects["code"].tolist() == ["polygon_large"]


# --------------------------------------------------------------------------------------------
# Filters reach SQL only as bound parameters

INJECTIONS = [
    "x' OR 1=1 --",
    'x" OR "1"="1',
    "'; DROP TABLE venues; --",
    "G1') OR ('1'='1",
    "%",
    "_",
    "*",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_filters_are_bound_parameters(engine: sa.Engine, tmp_path: Path, value: str) -> None:
    tiny.load(engine, tmp_path)
    before = _state(engine)
    assert store.read(engine, "venues", [value]).empty
    assert store.read(engine, "incidents", "all", where={"category": [value]}).empty
    assert store.read(engine, "venues", "all", where={"venue_id": [value]}).empty
    with pytest.raises(ValueError):
        store.narrowed(engine, "all", value)  # an unknown area is an error, not "all"
    assert (
        hotspots.hotspot_cells(
            engine, "all", start="2022-07-01", end="2022-07-03", categories=[value]
        )["count"].sum()
        == 0
    )
    assert _state(engine) == before
    with engine.connect() as conn:
        assert (
            conn.execute(
                sa.select(sa.func.count()).select_from(store.RECORD_TABLES["venues"])
            ).scalar_one()
            == 2
        )

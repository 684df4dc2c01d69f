"""Streamed imports (issue 23 item 3): a file read in chunks imports exactly as one frame did.

The reference is the whole-file path (:func:`geo.ingest.load.import_file`, the file in one
frame) on a second store: same stored rows, same rejects report, same coverage rows. A key
repeated across chunks is a duplicate or a conflict as within one frame, a failure in the last
chunk leaves nothing, a re-import adds nothing, a compressed sheet that inflates past the
limits is refused naming the file and the limit, and PostgreSQL (COPY) stores what SQLite stores.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from geo import ingest, store
from geo.config import get_settings
from geo.ingest import load, stream
from geo.store import write as store_write
from tests.conftest import PG_URL, _pg_database

CHUNK = 10  # rows a chunk: the files below are 3 chunks and more

UNITS = "unit_id,name,kind\nU1,车一,police_car\nU2,步二,foot\n"
SHIFTS = (
    "shift_id,unit_id,start,end\n"
    "S1,U1,2022-07-01 20:00,2022-07-02 02:00\n"
    "S2,U2,2022-07-01 21:00,2022-07-02 03:00\n"
)


def _pings(dates: str = "iso") -> str:
    """A pings file of 34 rows: good rows, bad rows, repeats across chunks, a stranger."""
    lines = ["shift_id,ts,lng,lat"]
    for i in range(30):
        shift = "S1" if i % 2 == 0 else "S2"
        minute = 20 * 60 + 10 + i * 2
        stamp = f"2022-07-01 {minute // 60:02d}:{minute % 60:02d}:00"
        if dates == "dmy":  # ambiguous at first, day-first only in the last chunk
            day = "15" if i >= 25 else "07"
            stamp = f"{day}/07/2022 {minute // 60:02d}:{minute % 60:02d}:00"
        lines.append(f"{shift},{stamp},{115.90 + i * 0.001:.6f},{28.68 + i * 0.0005:.6f}")
    lines[5] = "S1,not a time,115.9,28.68"  # chunk 1: a bad time
    lines[14] = "S9,2022-07-01 21:00:00,115.9,28.68"  # chunk 2: an unknown shift
    lines.append(lines[3])  # chunk 4 repeats a row of chunk 1: a duplicate within the file
    first = lines[7].split(",")
    lines.append(f"{first[0]},{first[1]},116.05,28.75")  # ...and one of other content: conflict
    lines.append("S2,2022-07-01 22:59:00,200,28.7")  # outside the region
    lines.append(lines[21])  # a repeat within its own chunk
    return "\n".join(lines) + "\n"


def _store(engine: sa.Engine, tmp_path: Path) -> None:
    for kind, text in (("units", UNITS), ("shifts", SHIFTS)):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        assert ingest.import_file(engine, kind, path).accepted == 2


def _rows(engine: sa.Engine, table: str, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.read_sql_table(table, conn)
    frame = frame.drop(columns=[c for c in ("rid", "import_id", *drop) if c in frame])
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def _report(summary: ingest.ImportSummary) -> pd.DataFrame:
    cols = ["file", "row", "column", "value", "code", "reason"]
    return summary.rejects[cols].astype(str).reset_index(drop=True)


def _pair(tmp_path: Path) -> tuple[sa.Engine, sa.Engine]:
    a, b = (store.connect(f"sqlite:///{tmp_path / n}") for n in ("stream.db", "whole.db"))
    for eng, sub in ((a, "a"), (b, "b")):
        (tmp_path / sub).mkdir()
        _store(eng, tmp_path / sub)
    return a, b


def _same_as_whole(tmp_path: Path, text: str, **kw: object) -> ingest.ImportSummary:
    """Import ``text`` streamed in chunks and whole into two stores; assert them equal."""
    streamed, whole = _pair(tmp_path)
    path = tmp_path / "pings.csv"
    path.write_text(text, encoding="utf-8")
    s = stream.import_file(streamed, "pings", path, chunk_rows=CHUNK, **kw)  # type: ignore[arg-type]
    w = load.import_file(whole, "pings", path, **kw)  # type: ignore[arg-type]
    for field in ("read", "accepted", "duplicates", "conflicts", "rejected", "outside"):
        assert getattr(s, field) == getattr(w, field), field
    assert s.date_order == w.date_order
    pd.testing.assert_frame_equal(_report(s), _report(w))
    pd.testing.assert_frame_equal(_rows(streamed, "pings"), _rows(whole, "pings"))
    for table in ("coverage", "stops", "track_quality"):
        pd.testing.assert_frame_equal(_rows(streamed, table), _rows(whole, table), obj=table)
    return s


def test_three_chunks_import_as_one_frame(tmp_path: Path) -> None:
    s = _same_as_whole(tmp_path, _pings())
    assert (s.read, s.accepted) == (34, 30 - 2)  # less the bad time and the stranger
    assert (s.rejected, s.conflicts) == (3, 1)  # those two and the point outside the region
    assert "conflict_in_file" in set(s.rejects["code"])
    assert s.duplicates == 2  # repeated across chunks, and within its own chunk


def test_a_key_repeated_across_chunks_is_a_repeat_of_the_file(tmp_path: Path) -> None:
    s = _same_as_whole(tmp_path, _pings())
    conflict = s.rejects[s.rejects["code"] == "conflict_in_file"]
    assert conflict["row"].tolist() == [33]  # file row of the conflicting repeat (chunk 4)


def test_dates_are_decided_by_the_whole_column(tmp_path: Path) -> None:
    # the first chunks read both ways; only the last says day-first: the whole column decides
    s = _same_as_whole(tmp_path, _pings("dmy"))
    assert s.date_order == {"ts": "day_first"}


def test_contradicting_dates_refuse_the_file_naming_rows_as_before(tmp_path: Path) -> None:
    text = _pings("dmy").replace("07/07/2022 20:10", "07/15/2022 20:10")
    streamed, whole = _pair(tmp_path)
    path = tmp_path / "pings.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ingest.FileError) as got:
        stream.import_file(streamed, "pings", path, chunk_rows=CHUNK)
    with pytest.raises(ingest.FileError) as want:
        load.import_file(whole, "pings", path)
    assert got.value.text("en") == want.value.text("en")
    assert store.counts(streamed).get("pings", 0) == 0


def test_a_failure_in_chunk_three_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    eng, _ = _pair(tmp_path)
    path = tmp_path / "pings.csv"
    path.write_text(_pings(), encoding="utf-8")
    real = store_write.write_records
    calls = []

    def failing(*args, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the disk is full")
        return real(*args, **kw)

    monkeypatch.setattr(store_write, "write_records", failing)
    with pytest.raises(RuntimeError):
        stream.import_file(eng, "pings", path, chunk_rows=CHUNK)
    assert store.counts(eng).get("pings", 0) == 0
    with eng.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM imports WHERE kind = 'pings'")).scalar()
    assert n == 0


def test_a_bad_line_in_the_last_chunk_leaves_nothing(tmp_path: Path) -> None:
    eng, _ = _pair(tmp_path)
    path = tmp_path / "pings.csv"
    path.write_text(_pings() + "S1,2022-07-01 23:00:00,115.9,28.7,extra,values\n", "utf-8")
    with pytest.raises(ingest.FileError, match="line 36 has 6 values"):
        stream.import_file(eng, "pings", path, chunk_rows=CHUNK)
    assert store.counts(eng).get("pings", 0) == 0


def test_reimport_adds_nothing(tmp_path: Path) -> None:
    eng, _ = _pair(tmp_path)
    path = tmp_path / "pings.csv"
    path.write_text(_pings(), encoding="utf-8")
    first = stream.import_file(eng, "pings", path, chunk_rows=CHUNK)
    rows = _rows(eng, "pings")
    cover = _rows(eng, "coverage")
    again = stream.import_file(eng, "pings", path, chunk_rows=CHUNK)
    assert again.accepted == 0
    assert again.duplicates == first.accepted + first.duplicates
    pd.testing.assert_frame_equal(_rows(eng, "pings"), rows)
    pd.testing.assert_frame_equal(_rows(eng, "coverage"), cover)


def _bomb(path: Path, rows: int) -> Path:
    """A workbook whose one sheet is ``rows`` rows of the same cells, deflated (small on disk)."""
    cells = '<c t="inlineStr"><is><t>S1</t></is></c><c t="inlineStr"><is><t>x</t></is></c>'
    head = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns='
        '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row><c t="inlineStr"><is><t>shift_id</t></is></c>'
        '<c t="inlineStr"><is><t>ts</t></is></c></row>'
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://'
        'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default '
        'Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+'
        'xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://'
        'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
        '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://'
        'schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="pings" '
        'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
        'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(head.encode())
            block = (f"<row>{cells}</row>" * 1000).encode()
            for _ in range(rows // 1000):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return path


def test_a_sheet_that_inflates_past_the_row_limit_is_stopped(tmp_path: Path) -> None:
    eng, _ = _pair(tmp_path)
    bomb = _bomb(tmp_path / "bomb.xlsx", 300_000)  # 37 MiB of sheet, some 100 KiB on disk
    assert bomb.stat().st_size < 1024**2
    # the ratio check would stop it at once: the counted rows must stop it as well
    settings = get_settings().with_(max_import_rows=50_000)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ingest.files, "MAX_RATIO", 10**6)
        with pytest.raises(ingest.FileError) as e:
            stream.import_file(eng, "pings", bomb, settings=settings)
    assert "bomb.xlsx" in e.value.text("en") and "50,000" in e.value.text("en")
    assert "QY_MAX_IMPORT_ROWS" in e.value.text("zh-CN")
    assert store.counts(eng).get("pings", 0) == 0


def test_a_sheet_that_inflates_past_the_byte_limit_is_stopped(tmp_path: Path) -> None:
    eng, _ = _pair(tmp_path)
    bomb = _bomb(tmp_path / "bomb.xlsx", 300_000)
    settings = get_settings().with_(max_unpacked_mb=8)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ingest.files, "MAX_RATIO", 10**6)
        with pytest.raises(ingest.FileError) as e:
            stream.import_file(eng, "pings", bomb, settings=settings)
    assert "bomb.xlsx" in e.value.text("en") and "8 MiB" in e.value.text("en")
    assert store.counts(eng).get("pings", 0) == 0


def test_cells_are_counted(tmp_path: Path) -> None:
    eng, _ = _pair(tmp_path)
    path = tmp_path / "pings.csv"
    path.write_text(_pings(), encoding="utf-8")
    settings = get_settings().with_(max_import_cells=4 * 25)
    with pytest.raises(ingest.FileError) as e:
        stream.import_file(eng, "pings", path, settings=settings, chunk_rows=CHUNK)
    assert "QY_MAX_IMPORT_CELLS" in e.value.text("en") and "pings.csv" in e.value.text("en")
    assert store.counts(eng).get("pings", 0) == 0


def test_xlsx_and_parquet_stream_as_the_csv(tmp_path: Path) -> None:
    eng, _ = _pair(tmp_path)
    frame = pd.read_csv(pd.io.common.StringIO(_pings()), dtype=str, keep_default_na=False)
    frame.to_excel(tmp_path / "pings.xlsx", index=False)
    frame.to_parquet(tmp_path / "pings.parquet", index=False)
    path = tmp_path / "pings.csv"
    path.write_text(_pings(), encoding="utf-8")
    want = stream.import_file(eng, "pings", path, chunk_rows=CHUNK)
    for name, first_row in (("pings.xlsx", 2), ("pings.parquet", 1)):
        got = stream.import_file(eng, "pings", tmp_path / name, chunk_rows=CHUNK)
        assert got.read == want.read
        assert got.duplicates == want.accepted + want.duplicates
        assert got.conflicts == want.conflicts
        shown = got.rejects["row"] - first_row
        assert sorted(shown) == sorted(want.rejects["row"] - 2), name


def test_progress_is_reported(tmp_path: Path) -> None:
    eng, _ = _pair(tmp_path)
    path = tmp_path / "pings.csv"
    path.write_text(_pings(), encoding="utf-8")
    seen: list[tuple[int, int | None, str]] = []
    stream.import_file(eng, "pings", path, chunk_rows=CHUNK, progress=lambda *a: seen.append(a))
    read = [s for s in seen if s[2] == "bytes"]
    assert len(read) == 4 and read[-1][0] == read[-1][1] == path.stat().st_size
    assert seen[-1] == (2, 2, "shifts")


@pytest.mark.postgres
def test_postgresql_by_copy_stores_what_sqlite_stores(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip("QY_TEST_PG_URL is not set")
    gen = _pg_database()
    url = next(gen)
    try:
        pg = store.connect(url)
        lite = store.connect(f"sqlite:///{tmp_path / 'lite.db'}")
        path = tmp_path / "pings.csv"
        path.write_text(_pings(), encoding="utf-8")
        for eng, sub in ((pg, "pg"), (lite, "lite")):
            (tmp_path / sub).mkdir()
            _store(eng, tmp_path / sub)
            stream.import_file(eng, "pings", path, chunk_rows=CHUNK)
        for table in ("pings", "coverage", "stops", "track_quality"):
            a, b = _rows(pg, table), _rows(lite, table)
            pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=table)
        pg.dispose()
    finally:
        next(gen, None)

"""Hostile and foreign files (issue 23, items 3 and 7): a workbook whose sheet unpacks to far
more than it says or than memory holds is refused before openpyxl opens it; UTF-16 and UTF-32
text as other systems write it is read; a repeated header, ids that lose their end spaces, a
projected Shapefile without .prj and a wrong geometry type are each said plainly, in both
languages."""

from __future__ import annotations

import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import sqlalchemy as sa
from shapely.geometry import MultiPolygon, Point, box

from geo import ingest
from geo.config import get_settings
from geo.ingest import files as ingest_files

VENUES = "venue_id,name,category,lat,lng,licence,risk_level"
ROWS = ["V1,甲,ktv,28.70,115.98,L1,high", "V2,乙,bar,28.71,115.97,L2,low"]

# --------------------------------------------------------------------------------------------
# Item 3: a compressed sheet bomb


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = b"</sheetData></worksheet>"


def _cell(v: object) -> bytes:
    if isinstance(v, str):
        return f'<c t="inlineStr"><is><t>{v}</t></is></c>'.encode()
    return f"<c><v>{v}</v></c>".encode()


def _row(values: list[object]) -> bytes:
    return b"<row>" + b"".join(map(_cell, values)) + b"</row>"


def _sheet_xlsx(path: Path, rows: list[bytes], *, repeat_to: int = 0) -> Path:
    """A minimal valid XLSX, its sheet written by streaming: ``rows``, then the last row over
    and over until the sheet holds ``repeat_to`` bytes (compressed as Excel would, deflate)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(_SHEET_HEAD)
            written = 0
            for r in rows:
                sheet.write(r)
                written += len(r)
            chunk = rows[-1] * max(1, 1024**2 // len(rows[-1]))
            while written < repeat_to:
                sheet.write(chunk)
                written += len(chunk)
            sheet.write(_SHEET_TAIL)
    return path


def _venue_rows() -> list[bytes]:
    return [
        _row(VENUES.split(",")),
        *(_row([*r.split(",")[:3], 28.7, 115.98, "L", "high"]) for r in ROWS),
    ]


def test_the_sheet_builder_writes_a_workbook_openpyxl_reads(tmp_path: Path) -> None:
    frame, _, _ = ingest.read_table(_sheet_xlsx(tmp_path / "ok.xlsx", _venue_rows()))
    assert list(frame.columns) == VENUES.split(",") and frame["venue_id"].tolist() == [
        "V1",
        "V2",
    ]


def _no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    import openpyxl

    opened: list[object] = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(a))
    return opened


def test_a_sheet_of_300_mb_packed_into_2_mb_is_refused_quickly_without_opening_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 300 MB of rows packed some 150 times: under the old 1 GiB and 200x limits, it passed
    bomb = _sheet_xlsx(tmp_path / "bomb.xlsx", _venue_rows(), repeat_to=300 * 1024**2)
    assert bomb.stat().st_size < 5 * 1024**2
    opened = _no_openpyxl(monkeypatch)
    tracemalloc.start()
    started = time.perf_counter()
    for call in (lambda: ingest.read_table(bomb), lambda: ingest.sheet_names(bomb)):
        with pytest.raises(ingest.FileError) as err:
            call()
        msg = str(err.value)
        assert msg.startswith("bomb.xlsx: ") and "zip bomb" in msg, msg
        assert "xl/worksheets/sheet1.xml" in msg
        zh = err.value.text("zh-CN")
        assert zh.startswith("bomb.xlsx：") and "压缩炸弹" in zh, zh
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seconds < 5 and peak < 64 * 1024**2, (seconds, peak)
    assert opened == []


def test_a_workbook_over_the_sheet_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each part under the limit and every ratio an honest one, the total over it
    rng = np.random.default_rng(7)
    rows = [_row([f"V{i}", float(v)]) for i, v in enumerate(rng.random(40_000))]
    book = _sheet_xlsx(tmp_path / "wide.xlsx", rows)
    size = sum(i.file_size for i in zipfile.ZipFile(book).infolist())
    monkeypatch.setattr(ingest_files, "MAX_SHEET_UNPACKED", size + 100)
    assert ingest.read_table(book)[0].shape == (39_999, 2)  # under the limit: read
    monkeypatch.setattr(ingest_files, "MAX_SHEET_UNPACKED", size // 2)
    opened = _no_openpyxl(monkeypatch)
    with pytest.raises(ingest.FileError, match=r"wide\.xlsx: .*unpacks to .* zip bomb"):
        ingest.read_table(book)
    assert opened == []


def _lie_about_size(path: Path, member: str, declared: int) -> None:
    """Rewrite the unpacked size ``member`` declares, in its local header and the directory."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, info.header_offset + 22, declared)  # the local header
    cd = struct.unpack_from("<I", data, data.rindex(b"PK\x05\x06") + 16)[0]
    while data[cd : cd + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack_from("<HHH", data, cd + 28)
        if data[cd + 46 : cd + 46 + n].decode() == member:
            struct.pack_into("<I", data, cd + 24, declared)
        cd += 46 + n + m + k
    path.write_bytes(bytes(data))


def test_a_part_that_holds_more_than_it_declares_is_stopped_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a sheet of honest ratio (random numbers) whose headers say it is 2,000 bytes
    rng = np.random.default_rng(3)
    rows = [
        _row(VENUES.split(",")),
        *(_row([f"V{i}", float(v)]) for i, v in enumerate(rng.random(60_000))),
    ]
    liar = _sheet_xlsx(tmp_path / "liar.xlsx", rows)
    _lie_about_size(liar, "xl/worksheets/sheet1.xml", 2_000)
    assert zipfile.ZipFile(liar).getinfo("xl/worksheets/sheet1.xml").file_size == 2_000
    opened = _no_openpyxl(monkeypatch)
    with pytest.raises(ingest.FileError) as err:
        ingest.read_table(liar, name="上传.xlsx")
    assert str(err.value).startswith("上传.xlsx: part 'xl/worksheets/sheet1.xml' ")
    assert "holds more than the 2,000 bytes it declares" in str(err.value)
    assert "实际内容多于它声明的 2,000 字节" in err.value.text("zh-CN")
    assert opened == []
    # a zipped Shapefile is held to the same checks
    shp = tmp_path / "liar.zip"
    with zipfile.ZipFile(shp, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.shp", rng.bytes(3 * 1024**2))
        z.writestr("a.dbf", b"")
    _lie_about_size(shp, "a.shp", 100)
    with pytest.raises(ingest.FileError, match=r"liar\.zip: part 'a\.shp' .* holds more"):
        ingest.read_table(shp)


# --------------------------------------------------------------------------------------------
# Item 7: text as other systems write it, repeated headers, ids, projected files, geometries


def _import(engine: sa.Engine, path: Path, kind: str = "venues") -> ingest.ImportSummary:
    s = ingest.import_file(engine, kind, path)
    assert s.read == s.accepted + s.duplicates + s.conflicts + s.rejected
    return s


@pytest.mark.parametrize(
    ("name", "codec", "bom", "sep", "newline"),
    [
        ("excel unicode text.txt", "utf-16-le", b"\xff\xfe", "\t", "\r\n"),  # Excel's export
        ("no bom le.csv", "utf-16-le", b"", ",", "\n"),
        ("big endian.csv", "utf-16-be", b"\xfe\xff", ",", "\r\n"),
        ("no bom be.txt", "utf-16-be", b"", "\t", "\n"),
        ("utf32.csv", "utf-32-le", b"\xff\xfe\x00\x00", ",", "\n"),
        ("tabs in a csv.csv", "utf-16-le", b"\xff\xfe", "\t", "\r\n"),
    ],
)
def test_utf16_and_utf32_text_is_read(
    sqlite_engine: sa.Engine,
    tmp_path: Path,
    name: str,
    codec: str,
    bom: bytes,
    sep: str,
    newline: str,
) -> None:
    lines = [VENUES, *ROWS]
    text = newline.join(line.replace(",", sep) for line in lines) + newline
    path = tmp_path / name
    path.write_bytes(bom + text.encode(codec))
    frame, _, _ = ingest.read_table(path)
    assert list(frame.columns) == VENUES.split(",")
    assert frame["name"].tolist() == ["甲", "乙"]
    s = _import(sqlite_engine, path)
    assert (s.accepted, s.rejected) == (2, 0), s.rejects


def test_binary_data_is_still_no_text(tmp_path: Path) -> None:
    # NULs, but not in the pattern of UTF-16 text
    path = tmp_path / "blob.csv"
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(ingest.FileError, match="binary"):
        ingest.read_table(path)
    assert ingest_files.detect_wide("id,name\n".encode("utf-16-le")) == ("utf-16-le", 0)
    assert ingest_files.detect_wide(b"id,name\n") is None


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_repeated_header_is_refused_naming_it_and_both_columns(
    sqlite_engine: sa.Engine, tmp_path: Path, suffix: str
) -> None:
    header = [*VENUES.split(","), "lat"]
    rows = [[*r.split(","), "0"] for r in ROWS]
    path = tmp_path / f"twice{suffix}"
    if suffix == ".csv":
        path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    else:
        _sheet_xlsx(path, [_row(r) for r in [header, *rows]])
    with pytest.raises(ingest.FileError) as err:
        ingest.import_file(sqlite_engine, "venues", path)
    msg = str(err.value)
    assert msg.startswith(f"twice{suffix}: the header 'lat' is written more than once")
    assert "(columns 4 and 8)" in msg, msg
    zh = err.value.text("zh-CN")
    assert "“lat”" in zh and "第 4、8 列" in zh and "纬度" in zh, zh
    # a repeated header the import does not use is no problem
    other = tmp_path / "notes.csv"
    other.write_text(
        "\n".join([f"{VENUES},note,note", *(f"{r},a,b" for r in ROWS)]) + "\n", encoding="utf-8"
    )
    assert _import(sqlite_engine, other).accepted == 2


def test_ids_losing_end_spaces_are_counted_and_merging_ones_rejected(
    sqlite_engine: sa.Engine, tmp_path: Path
) -> None:
    path = tmp_path / "spaces.csv"
    lines = [
        VENUES,
        "\tV1,甲,ktv,28.70,115.98,L1,high",  # a tab before the id
        "  V2 ,乙,bar,28.71,115.97,L2,low",  # spaces around it
        "V3,丙,bar,28.71,115.97,L3,low",
        "V4,丁,bar,28.71,115.97,L4,low",
        " V4,戊,bar,28.71,115.97,L5,low",  # would become V4, another venue
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = _import(sqlite_engine, path)
    assert s.stripped == {"venue_id": 2} and s.as_dict()["stripped"] == {"venue_id": 2}
    assert (s.accepted, s.rejected) == (4, 1), s.rejects
    rej = s.rejects.iloc[0]
    assert (rej["row"], rej["column"], rej["value"], rej["code"]) == (
        6,
        "venue_id",
        " V4",
        "id_spaces",
    )
    zh = ingest.in_language(s.rejects, "zh-CN")["reason"].iloc[0]
    assert "空格或制表符" in zh
    with sqlite_engine.connect() as conn:
        ids = sorted(conn.execute(sa.text("select venue_id from venues")).scalars())
    assert ids == ["V1", "V2", "V3", "V4"]


# CGCS2000 / 3-degree Gauss-Kruger CM 117E (the demo city, Nanchang, lies near 116E)
PROJECTED = "EPSG:4548"


@pytest.mark.parametrize("kind", ["venues", "areas"])
def test_a_projected_shapefile_without_prj_says_to_give_the_crs(
    sqlite_engine: sa.Engine, tmp_path: Path, kind: str
) -> None:
    if kind == "venues":
        gdf = gpd.GeoDataFrame(
            {"venue_id": ["V1", "V2"], "name": ["甲", "乙"], "category": ["ktv", "bar"]},
            geometry=[Point(115.98, 28.70), Point(115.97, 28.71)],
            crs=4326,
        )
    else:
        gdf = gpd.GeoDataFrame(
            {"area_id": ["ST"], "name": ["罗家"], "level": ["station"]},
            geometry=[box(115.97, 28.69, 115.99, 28.71)],
            crs=4326,
        )
    folder = tmp_path / "shp"
    folder.mkdir()
    gdf.to_crs(PROJECTED).to_file(folder / f"{kind}.shp")
    (folder / f"{kind}.prj").unlink()  # as a Shapefile often travels: without its .prj
    zipped = tmp_path / f"{kind}.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for part in folder.iterdir():
            z.write(part, part.name)
    # the likely zones come from the configured region (here the city's, about 116E)
    city = get_settings({}).with_(region=(115.5, 28.3, 116.5, 29.2))
    with pytest.raises(ingest.FileError) as err:
        ingest.import_file(sqlite_engine, kind, zipped, settings=city)
    msg = str(err.value)
    assert msg.startswith(f"{kind}.zip: ") and "look projected" in msg, msg
    assert f"--crs {PROJECTED}" in msg and "Data page" in msg and "EPSG:4509" in msg
    zh = err.value.text("zh-CN")
    assert "投影坐标" in zh and f"--crs {PROJECTED}" in zh and ".prj" in zh, zh
    # given the CRS, the same file lands
    s = ingest.import_file(sqlite_engine, kind, zipped, crs=PROJECTED, settings=city)
    assert (s.accepted, s.rejected) == (len(gdf), 0), s.rejects


def test_coordinates_merely_outside_the_region_are_rejected_as_before(
    sqlite_engine: sa.Engine, tmp_path: Path
) -> None:
    path = tmp_path / "far.csv"
    path.write_text(f"{VENUES}\nV1,甲,ktv,48.7,15.98,L,high\n", encoding="utf-8")
    s = _import(sqlite_engine, path)
    assert s.rejects["code"].tolist() == ["region"]


def test_a_geojson_reject_names_the_geometry_type(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"venue_id": ["V1", "V2"], "name": ["甲", "乙"], "category": ["ktv", "bar"]},
        geometry=[
            Point(115.98, 28.70),
            MultiPolygon([box(115.97, 28.69, 115.98, 28.70), box(115.98, 28.70, 115.99, 28.71)]),
        ],
        crs=4326,
    )
    path = tmp_path / "venues.geojson"
    gdf.to_file(path, driver="GeoJSON")
    s = _import(sqlite_engine, path)
    assert (s.accepted, s.rejected) == (1, 1)
    rej = s.rejects.iloc[0]
    assert (rej["column"], rej["value"]) == ("geometry", "MultiPolygon")
    assert rej["reason"] == "geometry is MultiPolygon, not a point"
    zh = ingest.in_language(s.rejects, "zh-CN")["reason"].iloc[0]
    assert zh == "几何类型为多面（MultiPolygon），不是点"
    # an area that is not a polygon is named the same way
    line = tmp_path / "areas.geojson"
    gpd.GeoDataFrame(
        {"area_id": ["A"], "name": ["x"], "level": ["grid"]},
        geometry=[Point(115.98, 28.70).buffer(0.001).exterior],
        crs=4326,
    ).to_file(line, driver="GeoJSON")
    a = _import(sqlite_engine, line, "areas")
    assert a.rejects["value"].tolist() == ["LineString"]
    assert "几何类型为线（LineString）" in ingest.in_language(a.rejects, "zh-CN")["reason"].iloc[0]

"""Property-based fuzzing of import (issue 8, part 6): random headers, values, encodings and
formats. Whatever the file, import ends with a summary or a FileError naming the file; the store
then holds exactly the accepted rows of that file, and nothing else in it changed."""

from __future__ import annotations

import csv
import io
import itertools
import math
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from geo import ingest, store
from geo.domain import schema
from tests import tiny

KINDS = ["venues", "incidents", "sites", "hazards", "areas"]
NASTY = [
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "-1e309",
    "9999-12-31 23:59",
    "0",
    "=1+1",
    "@SUM(A1)",
    "<img src=x onerror=alert(1)>",
    "`${alert(1)}`",
    "x' OR 1=1 --",
    "１２３",
    "28.7",
    "115.98",
    "2022-07-01 22:00",
    "2022年7月1日 22时",
    "44743.9",
    '"',
    "a,b",
    "line\nbreak",
    "长" * 300,
    "POLYGON((115.97 28.69, 115.98 28.69, 115.98 28.7, 115.97 28.69))",
    "POLYGON((1e308 0, 1 1, 0 1, 1e308 0))",
    "POINT(115.98 28.7)",
]


def _valid(col: schema.Column) -> st.SearchStrategy[object]:
    if col.type == "lat":
        return st.floats(28.69, 28.71).map(lambda v: f"{v:.6f}")
    if col.type == "lng":
        return st.floats(115.97, 115.99).map(lambda v: f"{v:.6f}")
    if col.type == "ts":
        return st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S"))
    if col.type == "enum":
        return st.sampled_from(col.choices)
    if col.type in ("int", "float"):
        return st.integers(-5, 10**6).map(str)
    if col.type == "geometry":
        return st.sampled_from(NASTY[-3:-1])
    return st.text(min_size=1, max_size=12)


def _value(col: schema.Column) -> st.SearchStrategy[object]:
    return st.one_of(
        _valid(col),
        st.sampled_from(NASTY),
        st.text(max_size=20),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(),
    )


@st.composite
def files(draw: st.DrawFn) -> tuple[str, str, bytes, str]:
    """(kind, suffix, file bytes, encoding name or "")."""
    kind = schema.kind(draw(st.sampled_from(KINDS)))
    headers: list[str] = []
    gens: list[st.SearchStrategy[object]] = []
    for col in kind.columns:
        if draw(st.integers(0, 9)) == 0:  # now and then a column is missing
            continue
        headers.append(
            draw(st.sampled_from([col.name, *col.aliases, col.name.upper(), f" {col.name} "]))
        )
        gens.append(_value(col))
    for _ in range(draw(st.integers(0, 2))):  # and unknown columns, perhaps repeating a header
        headers.append(draw(st.one_of(st.text(max_size=10), st.sampled_from(headers or ["x"]))))
        gens.append(st.one_of(st.text(max_size=10), st.sampled_from(NASTY)))
    order = draw(st.permutations(range(len(headers))))
    headers = [headers[i] for i in order]
    gens = [gens[i] for i in order]
    rows = [[draw(g) for g in gens] for _ in range(draw(st.integers(0, 8)))]
    if rows and draw(st.booleans()):  # a repeated row, or a repeated id with other content
        rows.append(list(rows[0]) if draw(st.booleans()) else [*rows[0][:1], *rows[-1][1:]])
    suffix = draw(st.sampled_from([".csv", ".csv", ".xlsx"]))
    if suffix == ".xlsx":
        return kind.name, suffix, _xlsx(headers, rows), ""
    buf = io.StringIO()
    csv.writer(buf).writerows([headers, *[[_text(v) for v in r] for r in rows]])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]))
    try:
        data = buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    if draw(st.integers(0, 14)) == 0:  # a cut-off or corrupted file
        data = data[: draw(st.integers(0, len(data)))] + draw(st.binary(max_size=8))
    named = encoding if encoding in ("utf-16", "latin-1") and draw(st.booleans()) else ""
    return kind.name, suffix, data, named


def _text(v: object) -> str:
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return str(v)


def _xlsx(headers: list[str], rows: list[list[object]]) -> bytes:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in [headers, *rows]:
        cells = []
        for v in r:
            if isinstance(v, str):
                v = ILLEGAL_CHARACTERS_RE.sub("", v)  # XML cannot hold them at all
            if isinstance(v, int) and abs(v) > 2**53:
                v = str(v)
            cells.append(v)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _snapshot(engine: sa.Engine) -> dict[str, object]:
    """Everything an import of one kind must not touch, and the per-kind counts."""
    with engine.connect() as conn:

        def rows(table: sa.Table) -> list[tuple]:
            return sorted(tuple(map(str, r)) for r in conn.execute(sa.select(table)))

        return {
            "counts": store.counts(engine),
            "meta": rows(store.meta),
            "coverage": rows(store.coverage),
            "area_cells": conn.execute(
                sa.select(sa.func.count()).select_from(store.area_cells)
            ).scalar_one(),
            "imports": conn.execute(
                sa.select(sa.func.count()).select_from(store.imports)
            ).scalar_one(),
        }


COUNTER = itertools.count()


def _check_one(
    engine: sa.Engine, folder: Path, kind: str, suffix: str, data: bytes, encoding: str
) -> None:
    path = folder / f"fuzz{next(COUNTER)}{suffix}"
    path.write_bytes(data)
    before = _snapshot(engine)
    try:
        s = ingest.import_file(engine, kind, path, encoding=encoding or None)
    except ingest.FileError as e:
        assert str(e).startswith(f"{path.name}: ")
        assert _snapshot(engine) == before  # nothing of the file, nothing else
        return
    after = _snapshot(engine)
    assert s.read == s.accepted + s.duplicates + s.conflicts + s.rejected
    assert after["imports"] == before["imports"] + 1
    assert after["counts"] == {**before["counts"], kind: before["counts"][kind] + s.accepted}
    if kind != "areas":
        assert after["area_cells"] == before["area_cells"]
    assert after["meta"] == before["meta"] and after["coverage"] == before["coverage"]
    t = store.RECORD_TABLES[kind]
    with engine.connect() as conn:
        stored = pd.DataFrame(
            conn.execute(
                sa.select(t.c.source_row, t.c.source_file).where(t.c.import_id == s.import_id)
            ).all(),
            columns=["source_row", "source_file"],
        )
    # exactly the accepted rows: as many, from this file, none of them a rejected row
    assert len(stored) == s.accepted and set(stored["source_file"]) <= {path.name}
    assert not set(stored["source_row"]) & set(s.rejects["row"].astype(int))
    assert stored["source_row"].between(2, s.read + 1).all()
    assert (s.rejects["file"] == path.name).all()
    assert s.rejects["reason"].str.len().gt(0).all()


# bounded: a fixed number of examples, derandomised (the same ones every run), no shrinking
# (an import takes a while; a failure prints its whole example, which is enough to reproduce)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture
def loaded(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    tiny.load(engine, tmp_path)
    return engine


@FUZZ
@given(case=files())
def test_random_files_end_in_a_summary_or_a_file_error(
    loaded: sa.Engine, tmp_path: Path, case: tuple[str, str, bytes, str]
) -> None:
    _check_one(loaded, tmp_path, *case)


@FUZZ
@given(
    data=st.binary(max_size=2048),
    suffix=st.sampled_from([".csv", ".xlsx", ".txt", ".zip", ".geojson", ".parquet"]),
)
def test_random_bytes_end_in_a_summary_or_a_file_error(
    loaded: sa.Engine, tmp_path: Path, data: bytes, suffix: str
) -> None:
    _check_one(loaded, tmp_path, "venues", suffix, data, "")

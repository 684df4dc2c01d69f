"""Sparse stores work everywhere (issue 18, item 7).

A store of 10 disputes only and a store of 5 incidents only, each imported through the real
import path (CSV files, :func:`geo.ingest.import_file`): every page, every reading command of the
command line and the briefing in every format give their figures and say what they cannot compute,
never an exception. And a missing PDF font never stops the Briefing page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cli import main
from geo import ingest, store
from geo.i18n import t
from geo.reports import fonts
from geo.services import access, briefing
from geo.services import plan as plan_svc
from geo.store.scope import PAGES as ROLE_PAGES
from tests import tiny

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(ROLE_PAGES["admin"])  # every page: the admin opens them all
START, END = "2022-07-01", "2022-07-14"
ADMIN, PASSWORD = "chief", "sparse-store-admin-pw"
pytestmark = pytest.mark.slow


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d %H:%M:%S%z")
    out.to_csv(path, index=False)
    return path


def _disputes() -> pd.DataFrame:
    """10 disputes with points and no place: nothing else needs to be in the store."""
    d = tiny.dispute_frames()["disputes"]
    rng = np.random.default_rng(3)
    rows = pd.concat([d, d.head(3)], ignore_index=True)
    return rows.assign(
        dispute_id=[f"D{i}" for i in range(1, 11)],
        reported_at=[tiny.ts(f"2022-07-{1 + i:02d} 10:00") for i in range(10)],
        lat=28.690 + rng.random(10) * 0.02,
        lng=115.970 + rng.random(10) * 0.02,
        site_id=None,
        venue_id=None,
        incident_id=None,
        settled_at=[tiny.ts("2022-07-12 10:00") if s == "settled" else pd.NaT for s in rows.status],
    )


def _incidents() -> pd.DataFrame:
    i = tiny.frames()["incidents"]
    extra = pd.DataFrame(
        {
            "incident_id": ["I4", "I5"],
            "ts": [tiny.ts("2022-07-05 22:00"), tiny.ts("2022-07-09 23:30")],
            "category": ["theft", "fight"],
            "lat": [28.699, 28.704],
            "lng": [115.977, 115.984],
            "priority": [2, 1],
        }
    )
    return pd.concat([i, extra], ignore_index=True)


KINDS: dict[str, Callable[[], pd.DataFrame]] = {"disputes": _disputes, "incidents": _incidents}


@pytest.fixture(scope="module", params=list(KINDS))
def sparse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """URL of a store holding one kind of record only, imported from a CSV file, and an admin."""
    kind = request.param
    folder = tmp_path_factory.mktemp(f"sparse-{kind}")
    url = f"sqlite:///{folder / 'store.db'}"
    eng = store.connect(url)
    frame = KINDS[kind]()
    s = ingest.import_file(eng, kind, _csv(frame, folder / f"{kind}.csv"))
    assert (s.accepted, s.rejected) == (len(frame), 0), s.rejects
    counts = {
        k: len(store.read(eng, k, "all")) for k in ("areas", "units", "incidents", "disputes")
    }
    assert counts == {"areas": 0, "units": 0, "incidents": 0, "disputes": 0} | {kind: len(frame)}
    access.add_user(eng, ADMIN, PASSWORD, "admin")
    yield url
    store.forget(url)
    eng.dispose()


def _app(url: str, monkeypatch: pytest.MonkeyPatch, lang: str = "zh-CN") -> AppTest:
    monkeypatch.setenv("QY_DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.session_state["qy_session"] = access.login(store.connect(url), ADMIN, PASSWORD)
    if lang == "en":
        at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(sparse: str, page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for lang in ("zh-CN", "en") if page in ("hotspots", "briefing", "overview") else ("zh-CN",):
        at = _app(sparse, monkeypatch, lang)
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, lang, at.exception)
        assert not at.error, (page, lang, [e.value for e in at.error])
        assert t(f"page.{page}", lang) in "\n".join(str(h.value) for h in at.title)
        if page == "hotspots":  # the page says why it cannot test, or what it found
            said = [i.value for i in at.info] + [c.value for c in at.caption]
            if "disputes" in sparse:  # no incident, no area: no cell to test
                assert t("hot.too_few_cells", lang) in said
            else:
                assert t("hot.summary", lang, n=5, hot=1, cold=0) in said


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _commands(out: Path) -> list[list[str]]:
    when = ["--from", START, "--to", END]
    cmds: list[list[str]] = [
        ["status"],
        ["coverage", *when, "--out", str(out / "cov.geojson")],
        ["hotspots", *when, "--out", str(out / "hot.csv")],
        ["hotspots", *when, "--emerging", "--out", str(out / "emerging.csv")],
        ["risk", *when, "--out", str(out / "risk.csv")],
        ["evaluate", *when, "--quiet"],
        ["plan", "--date", "2022-07-05", "--out", str(out / "plan.json")],
        ["duty", "--date", "2022-07-05"],
        ["circles", "--out", str(out / "circles.geojson")],
        ["alerts", "--date", "2022-07-05"],
    ]
    cmds += [
        ["map", *when, "--layer", lay, "--out", str(out / f"{lay}.html")]
        for lay in ("coverage", "hotspots", "risk", "gap", "venues", "hazards")
    ]
    for lang in ("zh-CN", "en"):
        cmds += [
            ["brief", *when, "--lang", lang, "--out", str(out / f"brief-{lang}.{fmt}")]
            for fmt in ("md", "html", "docx", "pdf")
        ]
    return cmds


def test_every_cli_command_runs(
    sparse: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in _commands(tmp_path):
        code, out, err = _run([*args, "--db", sparse], capsys)
        assert "Traceback" not in err, (args, err)
        if code == 0:
            assert len(out.strip().splitlines()) == 1, (args, out)
            json.loads(out)
        else:
            assert code == 2 and len(err.strip().splitlines()) == 1, (args, code, err)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_briefing_in_every_format(sparse: str, lang: str) -> None:
    eng = store.connect(sparse)
    b = briefing.build(eng, "all", START, END, lang=lang, formats=briefing.FORMATS)
    for fmt in briefing.FORMATS:
        assert b.files[fmt], fmt


# --------------------------------------------------------------------------------------------
# no CJK font for PDFs


@pytest.fixture
def no_font(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    fonts.cjk_font.cache_clear()
    monkeypatch.setattr(fonts, "FONT_FILES", (("/nonexistent/cjk.ttc", 0, "None"),))
    monkeypatch.setattr(fonts, "RL_FONT", "QyCJKMissing")  # reportlab keeps fonts registered
    yield
    fonts.cjk_font.cache_clear()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_briefing_page_without_pdf_font(
    new_app: Callable[..., Any], no_font: None, lang: str
) -> None:
    at = new_app()
    if lang == "en":
        at.session_state["lang"] = "en"
    at.switch_page("views/briefing.py").run()
    assert not at.exception, at.exception
    keys = {b.key for b in at.get("download_button")}
    assert {"brief_dl_docx", "brief_dl_html", "brief_dl_md"} <= keys
    assert "brief_dl_pdf" not in keys
    said = "\n".join(str(w.value) for w in [*at.warning, *at.info])
    assert "fonts-wqy-microhei" in said
    assert t("brief.no_pdf_font", lang, package="fonts-wqy-microhei") in said


def test_briefing_service_without_pdf_font(sparse: str, no_font: None) -> None:
    b = briefing.build(store.connect(sparse), "all", START, END, formats=briefing.FORMATS)
    assert set(b.files) == {"docx", "html", "md"} and all(b.files.values())
    assert "fonts-wqy-microhei" in b.missing["pdf"]


def test_plan_files_without_pdf_font(sparse: str, no_font: None) -> None:
    """The plan's field files need no font but the PDF, which is not offered (the page says
    what to install, as the Briefing page does)."""
    files = plan_svc.plan_files(store.connect(sparse), {}, "zh-CN")
    maps = {
        t("plan.fmt_crs", "zh-CN", fmt=f, crs=t(f"plan.crs.{c}", "zh-CN"))
        for f in ("GPX", "KML")
        for c in ("wgs84", "gcj02")
    }  # each in WGS-84 and GCJ-02
    assert set(files) == {"HTML", "CSV", "JSON"} | maps


def test_plan_files_with_the_font(sparse: str) -> None:
    assert "PDF" in plan_svc.plan_files(store.connect(sparse), {}, "zh-CN")


def test_cli_pdf_without_font_is_a_one_line_refusal(
    sparse: str, no_font: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = ["brief", "--from", START, "--to", END, "--db", sparse, "--out"]
    code, _, err = _run([*pdf, str(tmp_path / "b.pdf")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "fonts-wqy-microhei" in err
    assert _run([*pdf, str(tmp_path / "b.docx")], capsys)[0] == 0


def test_emerging_with_one_period_says_so(
    sparse: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["hotspots", "--from", START, "--to", "2022-07-03", "--emerging", "--db", sparse]
    code, out, err = _run([*args, "--out", str(tmp_path / "h.csv")], capsys)
    assert code == 0, err
    summary = json.loads(out)
    if summary["incidents"]:
        assert summary["trends"] is None and "at least 2 periods" in summary["trends_note"]
    else:
        assert "at least 2 study cells" in summary["note"]

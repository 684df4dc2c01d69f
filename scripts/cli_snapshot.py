"""Snapshot of every ``python -m geo`` command on the demo city, to check a refactor byte for byte.

Usage::

    python scripts/cli_snapshot.py [--repo DIR] --out SNAPDIR     # take a snapshot of DIR's CLI
    python scripts/cli_snapshot.py --compare SNAP_A SNAP_B        # diff two snapshots

``--repo DIR`` is the checkout whose code runs (default: this script's own repository). Each
command runs as a subprocess ``[sys.executable, "-m", "geo", ...]`` with ``cwd=DIR`` against a
fresh temporary SQLite store (``QY_DATABASE_URL=sqlite:///<tmp>/store.db``, ``QY_DEMO=1``), in
a fixed order: ``demo`` first (30-60 s), ``status``, the sample imports of ``data/samples`` (and a
re-import that reports duplicates), then every reading command over the demo campaign
(2022-06-25..2022-10-02) and other periods, plans and plan-against-actual, users, duty, circles,
alerts, rollup, rebuild, the ``--as`` views of the demo users (grid03, viewer, commander),
refusals, bad usage (exit 2, one line on stderr) and every command's ``--help``. ``bench`` is
left out (it measures timings). One snapshot takes about 12 minutes on an idle 2-core machine
(longer when the machine is busy).

SNAPDIR gets ``snapshot.json`` (per command: name, argv as written here and as run, exit code,
stdout, stdout parsed when it is JSON, stderr and every file it wrote: size, sha256 of its bytes,
how it is compared and the sha256 of the compared form) and ``files/<command>/<name>``: the
normalised copy of every text file, and a text view of binary ones (PDF text, DOCX parts, Parquet
rows) so that a diff can show what changed. ``--compare`` prints, per command, what differs
(exit code, stdout, stderr, each output file, with a unified diff of the normalised copies) and
exits 1 if anything does, 0 if the two snapshots are identical. Timings, the repository path and
its commit are recorded in ``meta`` and never compared.

Environment of every command: the caller's, less every ``QY_*``, ``RL_*`` and ``PYTHON*``
variable, plus ``QY_DATABASE_URL``, ``QY_DEMO=1``, ``PYTHONHASHSEED=0``,
``PYTHONDONTWRITEBYTECODE=1`` (the checkout is never written to), ``RL_invariant=1``
(reportlab writes no creation date and a fixed document /ID, so briefing PDFs are
byte-identical from run to run), ``TZ=UTC``, ``LANG=LC_ALL=C.UTF-8``, ``COLUMNS=100`` (argparse
wraps ``--help`` to the terminal width), ``MPLCONFIGDIR`` and ``TMPDIR`` inside the temporary
folder.

What is normalised, and why (everything else is compared byte for byte). Each rule was found by
taking two snapshots of the same checkout and comparing them; each is as narrow as it could be:

=========================== ============================================ =========================
what                        where                                        how
=========================== ============================================ =========================
the temporary folder        argv, stdout, stderr, text files (output     its path -> ``<TMP>``
                            paths such as "out", "rejects_file", "db")
the checkout's folder       argv, stdout, stderr, text files             its path -> ``<REPO>``
                            (the old and the new checkout live apart)
wall-clock seconds          JSON keys "seconds" (demo), "solve_s"        value -> ``"<s>"``
                            (plan), "split_s" and "rollup_s" (rollup)
plan ids (uuid4)            "P<yyyymmdd>-<6 hex>" anywhere (stdout,      -> ``P<date>-<plan#N>``,
                            argv of ``actual --plan ID``, plan files)    N by first appearance in
                                                                         the snapshot, so which
                                                                         plan is which is kept
plan creation time (clock)  JSON key "created" in plan files; the        value -> ``"<created>"``
                            GPX ``<metadata><time>`` (made from it)      / ``<created>``
folium element ids          standalone map HTML: ``name_<32 hex>``       -> ``name_<id#N>``, N by
(os.urandom)                (map_..., layer_control_..., qy_hex_cells_)  first appearance per file
DOCX zip timestamps         briefing .docx (python-docx stamps each      compared as the sorted
                            zip member with the time of writing)         list of its parts and the
                                                                         sha256 of each part's
                                                                         bytes (no zip metadata)
plan sheet PDFs             plan .pdf: the plan id is printed in it, so  compared as page count,
                            the font subset and the bytes change         each page's extracted
                                                                         text (pypdf, plan id
                                                                         normalised) and the
                                                                         sha256 of each page's
                                                                         images
routes of full-size plans   the two README plans run with the demo's     their JSON parsed: the
(OR-Tools guided local      defaults (6-7 units, 150 candidate cells):   summary's "stops" and
search stops at its time    "plan-0715-full-size", "plan-1031-full-size" "risk_covered", the
limit: what it has found                                                 document's "risk_covered"
by then depends on machine                                               and each unit's "stops",
speed and load)                                                          "back", "travel_s" and
                                                                         "value" -> "<solver>"
=========================== ============================================ =========================

Plans: a route search stopped by its time limit is genuinely non-deterministic. On the demo city,
two snapshots of the same code gave different routes (stop lists, stop counts, risk covered, the
units' "back" times, and so every export and ``actual`` of such a plan) for every plan of 6-7
units over 150, 30 or even 20 candidate cells: what the search has found when its time is up
depends on the machine's speed and load (``plan`` gives it --time-limit less the seconds spent
reading, at least 0.5 s; under load it sometimes returned the greedy start unchanged). Smaller
problems reach their best routes early: each small plan below (3 units and 20 candidates, 3 and
12 with --value risk --dwell 10 or on 2022-10-31, 2 units and 12, 1 unit and 12-15, grid
ST01-G03's 10) gave the same routes with a 6 s budget on an idle machine and with the 0.5 s
minimum beside three busy loops on the 2-core machine; a 2-unit variant with --window and --seed
and a 3-unit one with --value risk over 20 candidates did not, and were made smaller. So every
plan export format (.json .gpx .kml .csv .html .pdf), option (--seed, --must/--avoid, --unit,
--window, --value, --dwell, --area, --lang) and user view runs on such small plans and is
compared in full (only plan ids and creation times normalised), and ``actual`` runs on those
plans. The README's full-size plans run as well, with only the solver-made parts listed above
normalised: their units, shifts, candidate cells and values, greedy baseline, totals and warnings
are still compared. Should a small plan's routes ever differ between two runs of the same code
(a much slower machine), the compare shows it as a change of that plan's stdout and files (and
of the ``actual`` run on it): rerun the snapshot before calling it a regression.

Not normalised because it is reproducible: briefing PDFs (byte-identical under RL_invariant),
Parquet files, PNG pictures inside DOCX/HTML/Markdown (matplotlib writes no date), the CP-SAT
placement of ``circles --optimise`` (one worker, fixed seed), the rollup's figures with the local
and the Dask engine, every help text and error line.

Commands whose result depends on today's date (a period without ``--to``, ``circles`` without
``--at``) are not run: the old and the new checkout may be snapshotted on different days.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_DEFAULT = Path(__file__).resolve().parent.parent
SNAPSHOT_FILE = "snapshot.json"
FORMAT_VERSION = 1

CAMPAIGN = ("2022-06-25", "2022-10-02")  # the demo's 100-night summer campaign
WHOLE = ("2022-04-01", "2022-10-31")  # every month of the demo city
JULY = ("2022-07-01", "2022-07-31")
EVAL = ("2022-06-01", "2022-10-31")  # the README's backtest period
EMPTY = ("2021-01-01", "2021-01-31")  # before the demo city: no rows
BEFORE_0715 = ("2022-06-17", "2022-07-14")  # the four weeks a plan for 2022-07-15 ranks
DEMO_USERS = ("grid03", "viewer", "commander")
PASSWORD = "snapshot-pass-2022"

Ctx = dict[str, str]


@dataclass
class Result:
    """What one command produced (raw, before normalisation)."""

    code: int
    stdout: str
    stderr: str
    files: dict[str, Path]
    seconds: float

    def json(self) -> Any:
        """stdout parsed as JSON, or None."""
        try:
            return json.loads(self.stdout)
        except ValueError:
            return None


@dataclass
class Step:
    """One command. ``argv`` is the template: ``{o}`` is the command's own output folder,
    ``{tmp}`` the snapshot's temporary folder, other ``{key}`` values were captured from earlier
    commands' results. ``capture`` reads this command's result into the context."""

    name: str
    argv: list[str]
    stdin: str | None = None
    capture: Callable[[Result, Ctx], None] | None = None
    pdf_as_text: bool = False  # compare a PDF by its text and images, not its bytes
    routes_volatile: bool = False  # a full-size plan: its routes depend on the solver's time
    before: Callable[[Ctx], object] | None = None  # prepares inputs (files) before the run


@dataclass
class Normaliser:
    """Replaces volatile content (see the module docstring's table) in text."""

    tmp: str
    repo: str
    plan_ids: dict[str, str] = field(default_factory=dict)

    def paths(self, text: str) -> str:
        pairs = sorted([(self.tmp, "<TMP>"), (self.repo, "<REPO>")], key=lambda p: -len(p[0]))
        for old, new in pairs:
            text = text.replace(old, new)
        return text

    def plan_id(self, match: re.Match[str]) -> str:
        raw = match.group(0)
        if raw not in self.plan_ids:
            self.plan_ids[raw] = f"plan#{len(self.plan_ids) + 1}"
        return f"{match.group(1)}-<{self.plan_ids[raw]}>"

    def text(self, text: str) -> str:
        """Every rule that applies to any text: paths, plan ids, seconds, plan creation time."""
        text = self.paths(text)
        text = _PLAN_ID.sub(self.plan_id, text)
        text = _SECONDS.sub(r'\1"<s>"', text)
        text = _CREATED.sub(r'\1"<created>"', text)
        return text


_PLAN_ID = re.compile(r"\b(P\d{8})-[0-9a-f]{6}\b")
_SECONDS = re.compile(r'("(?:seconds|solve_s|split_s|rollup_s)":\s*)(-?[0-9][0-9.eE+-]*|null)')
_CREATED = re.compile(r'("created":\s*)"[^"]*"')
_GPX_TIME = re.compile(r"(<metadata>.*?<time>)[^<]*(</time>)", re.DOTALL)
_FOLIUM_ID = re.compile(r"\b([A-Za-z][A-Za-z0-9_]*?)_([0-9a-f]{32})(?![0-9A-Za-z])")
_TEXT_SUFFIXES = {
    ".json",
    ".geojson",
    ".csv",
    ".html",
    ".htm",
    ".md",
    ".gpx",
    ".kml",
    ".txt",
    ".toml",
}


SOLVER = "<solver>"


def solver_parts(text: str, indent: int | None) -> str:
    """A full-size plan (stdout summary or plan document) with what the route search made
    replaced by ``<solver>``: the summary's "stops" and "risk_covered"; the document's
    "risk_covered" and each unit's "stops", "back", "travel_s" and "value". Everything else
    (units, shifts, candidate cells and values, greedy baseline, totals, warnings) is kept."""
    try:
        doc = json.loads(text)
    except ValueError:
        return text
    if not isinstance(doc, dict):
        return text
    if "risk_covered" in doc:
        doc["risk_covered"] = SOLVER
    if isinstance(doc.get("stops"), int):
        doc["stops"] = SOLVER
    if isinstance(doc.get("units"), list):
        for unit in doc["units"]:
            for key in ("stops", "back", "travel_s", "value"):
                if isinstance(unit, dict) and key in unit:
                    unit[key] = SOLVER
    end = "\n" if text.endswith("\n") else ""
    return json.dumps(doc, ensure_ascii=False, indent=indent) + end


def folium_ids(text: str) -> str:
    """Number the random ``name_<32 hex>`` element ids of a folium map by first appearance."""
    seen: dict[str, int] = {}

    def repl(m: re.Match[str]) -> str:
        n = seen.setdefault(m.group(2), len(seen) + 1)
        return f"{m.group(1)}_<id#{n}>"

    return _FOLIUM_ID.sub(repl, text)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------
# The commands


def _period(p: tuple[str, str]) -> list[str]:
    return ["--from", p[0], "--to", p[1]]


def _capture_plan(key: str) -> Callable[[Result, Ctx], None]:
    """Keep the plan id of a ``plan`` command and the path of its .json file."""

    def capture(r: Result, ctx: Ctx) -> None:
        out = r.json()
        if isinstance(out, dict) and "plan_id" in out:
            ctx[f"{key}_id"] = str(out["plan_id"])
        for path in r.files.values():
            if path.suffix == ".json":
                ctx[f"{key}_json"] = str(path)

    return capture


def _capture_gaps(r: Result, ctx: Ctx) -> None:
    """Must/avoid cells for ``plan --date 2022-07-15`` from the gap ranking of the four weeks
    before it: the two largest gaps are avoided, a cell ranked 60th and the last one must be
    visited (so the must-visit rule changes the routes)."""
    path = next((p for p in r.files.values() if p.suffix == ".csv"), None)
    if path is None:
        return
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows.sort(key=lambda row: int(row["rank"]))
    if len(rows) >= 60:
        ctx["avoid1"], ctx["avoid2"] = rows[0]["h3"], rows[1]["h3"]
        ctx["must1"], ctx["must2"] = rows[59]["h3"], rows[-1]["h3"]


def _local(ms: int) -> str:
    """Epoch milliseconds as Asia/Shanghai local time (UTC+8 all year since 1991)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000 + 8 * 3600))


def _make_rollup_inputs(ctx: Ctx) -> None:
    """Ping files for ``rollup``, made deterministically in the temporary folder: the sample
    ``pings_bd09.csv`` split into a CSV and a Parquet part (``day=`` partitioning), and the demo
    store's pings of the night of 2022-07-15 (20:00-06:00 local) as one Parquet file per unit
    (``unit=`` partitioning)."""
    import pandas as pd

    tmp, repo = Path(ctx["tmp"]), Path(ctx["repo"])
    sample = pd.read_csv(
        repo / "data" / "samples" / "pings_bd09.csv", dtype=str, encoding="utf-8-sig"
    )
    day = tmp / "dumps_sample" / "day=2022-11-05"
    day.mkdir(parents=True, exist_ok=True)
    half = len(sample) // 2
    sample.iloc[:half].to_csv(day / "part-0.csv", index=False)
    sample.iloc[half:].to_parquet(day / "part-1.parquet", index=False)
    lo = 1657886400000  # 2022-07-15 20:00 +08:00
    hi = lo + 10 * 3600 * 1000
    with closing(sqlite3.connect(tmp / "store.db")) as conn:
        rows = conn.execute(
            "SELECT shift_id, unit_id, ts, lat, lng, speed, accuracy FROM pings "
            "WHERE ts >= ? AND ts < ? ORDER BY unit_id, shift_id, ts, lat, lng",
            (lo, hi),
        ).fetchall()
    frame = pd.DataFrame(
        rows, columns=["shift_id", "unit_id", "ts", "lat", "lng", "speed", "accuracy"]
    )
    frame["ts"] = [_local(int(v)) for v in frame["ts"]]
    for unit, part in frame.groupby("unit_id", sort=True):
        folder = tmp / "dumps_demo" / f"unit={unit}"
        folder.mkdir(parents=True, exist_ok=True)
        part.to_parquet(folder / "pings.parquet", index=False)
    ctx["demo_night_pings"] = str(len(frame))


def _as_variants(name: str, argv: list[str], users: tuple[str, ...] = DEMO_USERS) -> list[Step]:
    return [
        Step(f"{name}-as-{u}", [*(a.replace("{u}", u) for a in argv), "--as", u]) for u in users
    ]


def steps() -> list[Step]:
    """Every command of the snapshot, in the order they run."""
    c = _period(CAMPAIGN)
    s: list[Step] = [
        Step("demo", ["demo"]),
        Step("status", ["status"]),
        # the sample imports, as users bring them
        Step(
            "import-venues-xlsx",
            [
                "import",
                "venues",
                "data/samples/venues_gcj02_zh.xlsx",
                "--sheet",
                "场所台账",
                "--crs",
                "gcj02",
            ],
        ),
        Step("import-incidents-gbk", ["import", "incidents", "data/samples/incidents_gbk.csv"]),
        Step(
            "import-hazards-rejects",
            [
                "import",
                "hazards",
                "data/samples/hazards_bad_rows.csv",
                "--rejects",
                "{o}/rejects.csv",
            ],
        ),
        Step("import-shifts", ["import", "shifts", "data/samples/shifts_new.csv"]),
        Step(
            "import-pings-bd09", ["import", "pings", "data/samples/pings_bd09.csv", "--crs", "bd09"]
        ),
        Step("import-areas-geojson", ["import", "areas", "data/samples/areas.geojson"]),
        Step(
            "reimport-hazards-duplicates",
            ["import", "hazards", "data/samples/hazards_bad_rows.csv"],
        ),
        Step(
            "reimport-incidents-duplicates",
            [
                "import",
                "incidents",
                "data/samples/incidents_gbk.csv",
                "--encoding",
                "gbk",
                "--as",
                "admin",
            ],
        ),
        Step(
            "import-as-viewer-refused",
            ["import", "incidents", "data/samples/incidents_gbk.csv", "--as", "viewer"],
        ),
        Step("import-no-such-file", ["import", "incidents", "data/samples/nope.csv"]),
        Step("import-bad-kind", ["import", "cars", "data/samples/incidents_gbk.csv"]),
        Step("status-after-imports", ["status"]),
        Step("status-db-option", ["status", "--db", "sqlite:///{tmp}/store.db"]),
        *_as_variants("status", ["status"]),
    ]
    # coverage
    s += [
        Step("coverage-campaign-geojson", ["coverage", *c, "--out", "{o}/coverage.geojson"]),
        Step("coverage-campaign-csv", ["coverage", *c, "--out", "{o}/coverage.csv"]),
        Step("coverage-campaign-parquet", ["coverage", *c, "--out", "{o}/coverage.parquet"]),
        *[
            Step(
                f"coverage-res{r}",
                ["coverage", *c, "--res", str(r), "--out", f"{{o}}/coverage_r{r}.csv"],
            )
            for r in (7, 8, 10)
        ],
        Step(
            "coverage-units-car-foot",
            ["coverage", *c, "--units", "police_car,foot", "--out", "{o}/cars_foot.csv"],
        ),
        Step(
            "coverage-units-volunteer",
            ["coverage", *c, "--units", "volunteer", "--out", "{o}/volunteers.geojson"],
        ),
        Step("coverage-night-all", ["coverage", *c, "--night", "all", "--out", "{o}/all_day.csv"]),
        Step(
            "coverage-night-2200-0200",
            ["coverage", *c, "--night", "22:00-02:00", "--out", "{o}/late.csv"],
        ),
        Step(
            "coverage-area-g03", ["coverage", *c, "--area", "ST01-G03", "--out", "{o}/g03.geojson"]
        ),
        Step(
            "coverage-area-st01-res8",
            ["coverage", *c, "--area", "ST01", "--res", "8", "--out", "{o}/st01.csv"],
        ),
        Step("coverage-whole", ["coverage", *_period(WHOLE), "--out", "{o}/whole.csv"]),
        Step("coverage-july", ["coverage", *_period(JULY), "--out", "{o}/july.parquet"]),
        Step("coverage-empty-period", ["coverage", *_period(EMPTY), "--out", "{o}/empty.csv"]),
        *_as_variants("coverage", ["coverage", *c, "--out", "{o}/{u}.geojson"]),
    ]
    # hot spots
    s += [
        Step("hotspots-campaign", ["hotspots", *c, "--out", "{o}/hotspots.geojson"]),
        Step("hotspots-emerging", ["hotspots", *c, "--emerging", "--out", "{o}/emerging.geojson"]),
        Step("hotspots-fdr", ["hotspots", *c, "--fdr", "--out", "{o}/fdr.csv"]),
        Step(
            "hotspots-category",
            ["hotspots", *c, "--category", "theft,fraud", "--out", "{o}/theft_fraud.csv"],
        ),
        Step("hotspots-k2", ["hotspots", *c, "--k", "2", "--out", "{o}/k2.parquet"]),
        Step(
            "hotspots-res8-area",
            ["hotspots", *c, "--res", "8", "--area", "ST01-G03", "--out", "{o}/g03_r8.csv"],
        ),
        Step(
            "hotspots-whole-emerging-fdr",
            ["hotspots", *_period(WHOLE), "--emerging", "--fdr", "--out", "{o}/whole.csv"],
        ),
        Step("hotspots-empty-period", ["hotspots", *_period(EMPTY), "--out", "{o}/empty.csv"]),
        *_as_variants("hotspots", ["hotspots", *c, "--emerging", "--out", "{o}/{u}.csv"]),
    ]
    # risk and gaps
    s += [
        Step("risk-top20", ["risk", *c, "--top", "20", "--out", "{o}/gaps.csv"]),
        Step("risk-campaign-geojson", ["risk", *c, "--out", "{o}/risk.geojson"]),
        Step("risk-campaign-parquet", ["risk", *c, "--out", "{o}/risk.parquet"]),
        Step(
            "risk-res8-night-all",
            ["risk", *c, "--res", "8", "--night", "all", "--out", "{o}/risk_r8.csv"],
        ),
        Step(
            "risk-area-g03",
            ["risk", *c, "--area", "ST01-G03", "--top", "10", "--out", "{o}/g03.csv"],
        ),
        Step("risk-july", ["risk", *_period(JULY), "--out", "{o}/july.csv"]),
        Step(
            "risk-before-0715",
            ["risk", *_period(BEFORE_0715), "--out", "{o}/before.csv"],
            capture=_capture_gaps,
        ),
        *_as_variants("risk", ["risk", *c, "--top", "20", "--out", "{o}/{u}.csv"]),
    ]
    # backtest
    s += [
        Step("evaluate-json", ["evaluate", *_period(EVAL), "--out", "{o}/evaluate.json"]),
        Step("evaluate-csv", ["evaluate", *_period(EVAL), "--out", "{o}/evaluate.csv"]),
        Step("evaluate-campaign-res8-quiet", ["evaluate", *c, "--res", "8", "--quiet"]),
        Step(
            "evaluate-area-g03",
            ["evaluate", *_period(EVAL), "--area", "ST01-G03", "--out", "{o}/g03.json"],
        ),
        *_as_variants("evaluate", ["evaluate", *_period(EVAL), "--out", "{o}/{u}.csv"]),
    ]
    # standalone maps
    s += [
        Step(f"map-{layer}", ["map", "--layer", layer, *c, "--out", f"{{o}}/{layer}.html"])
        for layer in ("coverage", "hotspots", "risk", "gap", "venues", "hazards")
    ]
    s += [
        Step(
            "map-coverage-en",
            ["map", "--layer", "coverage", *c, "--lang", "en", "--out", "{o}/coverage_en.html"],
        ),
        Step(
            "map-hazards-amap",
            ["map", "--layer", "hazards", *c, "--tiles", "amap", "--out", "{o}/hazards_amap.html"],
        ),
        Step(
            "map-gap-amap-en",
            [
                "map",
                "--layer",
                "gap",
                *c,
                "--tiles",
                "amap",
                "--lang",
                "en",
                "--out",
                "{o}/gap_amap.html",
            ],
        ),
        Step(
            "map-coverage-osm-night-all",
            [
                "map",
                "--layer",
                "coverage",
                *c,
                "--tiles",
                "osm",
                "--night",
                "all",
                "--out",
                "{o}/osm.html",
            ],
        ),
        Step(
            "map-venues-area-g03",
            ["map", "--layer", "venues", "--area", "ST01-G03", "--out", "{o}/venues_g03.html"],
        ),
        Step(
            "map-hotspots-res8-july",
            [
                "map",
                "--layer",
                "hotspots",
                *_period(JULY),
                "--res",
                "8",
                "--out",
                "{o}/hotspots_july.html",
            ],
        ),
        *_as_variants("map-coverage", ["map", "--layer", "coverage", *c, "--out", "{o}/{u}.html"]),
        *_as_variants("map-venues", ["map", "--layer", "venues", *c, "--out", "{o}/{u}.html"]),
    ]
    # briefings
    brief = ["brief", *c, "--campaign", "百日行动"]
    s += [
        Step(f"brief-{fmt}", [*brief, "--out", f"{{o}}/briefing.{fmt}"])
        for fmt in ("pdf", "docx", "html", "md")
    ]
    s += [
        Step("brief-en-html", [*brief, "--lang", "en", "--out", "{o}/briefing_en.html"]),
        Step(
            "brief-g03-en-html",
            ["brief", *c, "--area", "ST01-G03", "--lang", "en", "--out", "{o}/g03.html"],
        ),
        Step("brief-g03-pdf", ["brief", *c, "--area", "ST01-G03", "--out", "{o}/g03.pdf"]),
        Step(
            "brief-july-en-md-res8",
            ["brief", *_period(JULY), "--lang", "en", "--res", "8", "--out", "{o}/july.md"],
        ),
        Step("brief-en-docx", [*brief, "--lang", "en", "--out", "{o}/briefing_en.docx"]),
        *_as_variants("brief", [*brief, "--out", "{o}/{u}.md"]),
    ]
    # Plans (each run saves a plan). OR-Tools' guided local search runs until its time limit:
    # with 6-7 units and 150 candidates the routes it returns depend on how many moves fit in
    # that time (machine speed and load). The small problems below were solved to the same
    # routes with a 6 s budget on an idle machine and a 0.5 s one beside three busy loops (see
    # the module docstring), so every export format, option and user view runs on those and is
    # compared in full; the README's full-size plans run too, their solver-made parts
    # normalised (``routes_volatile``).
    plan = ["plan", "--date", "2022-07-15", "--time-limit", "2"]
    small = [*plan, "--units", "3", "--candidates", "20"]
    s += [
        Step("plan-0715-json", [*small, "--out", "{o}/plan.json"], capture=_capture_plan("p0715")),
        *[
            Step(
                f"plan-0715-{fmt}", [*small, "--out", f"{{o}}/plan.{fmt}"], pdf_as_text=fmt == "pdf"
            )
            for fmt in ("gpx", "kml", "csv", "html", "pdf")
        ],
        Step("plan-0715-en-html", [*small, "--lang", "en", "--out", "{o}/plan_en.html"]),
        Step(
            "plan-0715-en-pdf",
            [*small, "--lang", "en", "--out", "{o}/plan_en.pdf"],
            pdf_as_text=True,
        ),
        Step("plan-0715-seed3", [*small, "--seed", "3", "--out", "{o}/seed3.json"]),
        Step(
            "plan-0715-must-avoid",
            [
                *small,
                "--must",
                "{must1}",
                "{must2}",
                "--avoid",
                "{avoid1}",
                "{avoid2}",
                "--out",
                "{o}/must_avoid.json",
            ],
            capture=_capture_plan("pmust"),
        ),
        Step(
            "plan-0715-unit-ids",
            [*plan, "--unit", "U01", "U05", "--candidates", "12", "--out", "{o}/u01_u05.gpx"],
        ),
        Step(
            "plan-0715-one-unit-window-seed3",
            [
                *plan,
                "--unit",
                "U01",
                "--candidates",
                "12",
                "--window",
                "20:00-02:00",
                "--seed",
                "3",
                "--out",
                "{o}/variant.gpx",
            ],
        ),
        Step(
            "plan-0715-one-unit",
            [*plan, "--unit", "U01", "--candidates", "15", "--out", "{o}/u01.csv"],
        ),
        Step(
            "plan-0715-value-risk-kml",
            [
                *plan,
                "--units",
                "3",
                "--candidates",
                "12",
                "--value",
                "risk",
                "--dwell",
                "10",
                "--out",
                "{o}/risk.kml",
            ],
        ),
        Step(
            "plan-0715-area-g03",
            [*plan, "--area", "ST01-G03", "--candidates", "10", "--out", "{o}/g03.csv"],
        ),
        Step(
            "plan-1031-json",
            [
                "plan",
                "--date",
                "2022-10-31",
                "--time-limit",
                "2",
                "--units",
                "3",
                "--candidates",
                "12",
                "--out",
                "{o}/plan_1031.json",
            ],
            capture=_capture_plan("p1031"),
        ),
        Step(
            "plan-1031-pdf",
            [
                "plan",
                "--date",
                "2022-10-31",
                "--time-limit",
                "2",
                "--units",
                "3",
                "--candidates",
                "12",
                "--out",
                "{o}/plan_1031.pdf",
            ],
            pdf_as_text=True,
        ),
        Step(
            "plan-as-grid03",
            [*plan, "--candidates", "10", "--out", "{o}/grid03.json", "--as", "grid03"],
            capture=_capture_plan("pg03"),
        ),
        Step("plan-as-commander", [*small, "--out", "{o}/commander.json", "--as", "commander"]),
        Step("plan-as-viewer-refused", [*small, "--out", "{o}/viewer.json", "--as", "viewer"]),
        # the README's plans, full size: inputs compared, routes normalised
        Step(
            "plan-0715-full-size",
            [*plan, "--out", "{o}/plan.json"],
            routes_volatile=True,
            capture=_capture_plan("pfull"),
        ),
        Step(
            "plan-1031-full-size",
            ["plan", "--date", "2022-10-31", "--time-limit", "2", "--out", "{o}/plan_1031.json"],
            routes_volatile=True,
        ),
        Step("plan-bad-suffix", [*plan, "--out", "{o}/plan.doc"]),
        Step(
            "plan-units-and-unit", [*plan, "--units", "2", "--unit", "U01", "--out", "{o}/x.json"]
        ),
        Step("plan-must-not-a-cell", [*plan, "--must", "89418328c17ffff0", "--out", "{o}/x.json"]),
        Step("plan-unknown-unit", [*plan, "--unit", "U99", "--out", "{o}/x.json"]),
    ]
    # plan against actual
    s += [
        Step("actual-plan-json", ["actual", "--plan", "{p0715_json}"]),
        Step("actual-plan-id", ["actual", "--plan", "{p0715_id}"]),
        Step(
            "actual-plan-id-out-json",
            ["actual", "--plan", "{p0715_id}", "--out", "{o}/actual.json"],
        ),
        Step(
            "actual-plan-json-out-csv",
            ["actual", "--plan", "{pmust_json}", "--out", "{o}/actual.csv"],
        ),
        Step("actual-full-ratio", ["actual", "--plan", "{p1031_id}", "--full-ratio", "0.5"]),
        Step("actual-grid03-own-plan", ["actual", "--plan", "{pg03_id}", "--as", "grid03"]),
        # an admin's plan (kept for every area) is seen by admins only; grid03's plan is seen
        # by whoever sees grid ST01-G03; a plan file is read by anyone with their own view
        *_as_variants("actual-admin-plan", ["actual", "--plan", "{p0715_id}"]),
        *_as_variants(
            "actual-grid03-plan", ["actual", "--plan", "{pg03_id}"], ("viewer", "commander")
        ),
        *_as_variants("actual-plan-file", ["actual", "--plan", "{p0715_json}"]),
        Step("actual-no-such-file", ["actual", "--plan", "{o}/missing.json"]),
        Step("actual-no-such-plan", ["actual", "--plan", "P20220715-nosuch"]),
        Step(
            "actual-not-a-plan",
            ["actual", "--plan", "{tmp}/not_a_plan.json"],
            before=lambda ctx: Path(ctx["tmp"], "not_a_plan.json").write_text(
                '{"a": 1}', encoding="utf-8"
            ),
        ),
    ]
    # users
    s += [
        Step(
            "users-add",
            [
                "users",
                "add",
                "chen",
                "--role",
                "grid_manager",
                "--area",
                "ST01-G05",
                "--password-stdin",
            ],
            stdin=PASSWORD + "\n",
        ),
        Step(
            "users-add-viewer-two-areas",
            [
                "users",
                "add",
                "li.na",
                "--role",
                "viewer",
                "--area",
                "ST01-G01",
                "ST01-G02",
                "--password-stdin",
            ],
            stdin=PASSWORD + "\n",
        ),
        Step(
            "users-add-duplicate",
            ["users", "add", "chen", "--role", "viewer", "--area", "ST01", "--password-stdin"],
            stdin=PASSWORD + "\n",
        ),
        Step(
            "users-add-bad-area",
            [
                "users",
                "add",
                "zhao",
                "--role",
                "grid_manager",
                "--area",
                "ST09-G01",
                "--password-stdin",
            ],
            stdin=PASSWORD + "\n",
        ),
        Step("users-add-no-terminal", ["users", "add", "wang", "--role", "viewer"], stdin=""),
        Step("users-list", ["users", "list"]),
        Step("coverage-as-chen", ["coverage", *c, "--out", "{o}/chen.csv", "--as", "chen"]),
        Step("users-disable", ["users", "disable", "chen"]),
        Step(
            "coverage-as-disabled-chen", ["coverage", *c, "--out", "{o}/chen.csv", "--as", "chen"]
        ),
        Step("users-list-after-disable", ["users", "list"]),
        Step("users-enable", ["users", "enable", "chen"]),
        Step(
            "users-passwd",
            ["users", "passwd", "chen", "--password-stdin"],
            stdin="another-pass-2022\n",
        ),
        Step("users-disable-unknown", ["users", "disable", "nobody"]),
        Step("users-list-final", ["users", "list"]),
    ]
    # duty, circles, alerts (they read everything: no --as)
    s += [
        Step("duty-1031", ["duty", "--date", "2022-10-31"]),
        Step("duty-1031-csv", ["duty", "--date", "2022-10-31", "--out", "{o}/duty.csv"]),
        Step("duty-1031-json", ["duty", "--date", "2022-10-31", "--out", "{o}/duty.json"]),
        Step(
            "duty-1031-area-g03",
            ["duty", "--date", "2022-10-31", "--area", "ST01-G03", "--out", "{o}/g03.json"],
        ),
        Step("duty-0715-window", ["duty", "--date", "2022-07-15", "--window", "21:00-05:00"]),
        Step(
            "duty-rules-toml",
            [
                "duty",
                "--date",
                "2022-10-31",
                "--rules",
                "{tmp}/empty.toml",
                "--out",
                "{o}/rules.csv",
            ],
            before=lambda ctx: Path(ctx["tmp"], "empty.toml").write_text("", encoding="utf-8"),
        ),
        Step("circles-at", ["circles", "--at", "2022-10-31 21:30", "--out", "{o}/circles.geojson"]),
        Step(
            "circles-optimise",
            [
                "circles",
                "--at",
                "2022-10-31 21:30",
                "--optimise",
                "2",
                "--time-limit",
                "2",
                "--out",
                "{o}/optimised.geojson",
            ],
        ),
        Step(
            "circles-foot",
            ["circles", "--at", "2022-10-31 21:30", "--kind", "foot", "--out", "{o}/foot.csv"],
        ),
        Step(
            "circles-e-bike-area-res8",
            [
                "circles",
                "--at",
                "2022-10-31 21:30",
                "--kind",
                "e_bike",
                "--area",
                "ST01-G03",
                "--res",
                "8",
                "--out",
                "{o}/e_bike.parquet",
            ],
        ),
        Step(
            "circles-july",
            [
                "circles",
                "--at",
                "2022-07-15 23:00",
                "--optimise",
                "3",
                "--time-limit",
                "2",
                "--out",
                "{o}/july.csv",
            ],
        ),
        Step("alerts-1031", ["alerts", "--date", "2022-10-31"]),
        Step("alerts-1031-csv", ["alerts", "--date", "2022-10-31", "--out", "{o}/alerts.csv"]),
        Step("alerts-1031-json", ["alerts", "--date", "2022-10-31", "--out", "{o}/alerts.json"]),
        Step(
            "alerts-at-hours2-area",
            [
                "alerts",
                "--date",
                "2022-10-31",
                "--at",
                "2022-10-31 23:00",
                "--hours",
                "2",
                "--area",
                "ST01-G03",
                "--out",
                "{o}/g03.json",
            ],
        ),
        Step("alerts-0715", ["alerts", "--date", "2022-07-15"]),
    ]
    # batch rollup and rebuild (last: they rewrite the rollups every reading command uses)
    s += [
        Step(
            "rollup-local-sample-bd09",
            [
                "rollup",
                "--engine",
                "local",
                "--input",
                "{tmp}/dumps_sample",
                "--crs",
                "bd09",
                "--no-progress",
                "--spill",
                "{tmp}/spill",
            ],
            before=_make_rollup_inputs,
        ),
        Step(
            "rollup-local-sample-shifts-glob",
            [
                "rollup",
                "--input",
                "{tmp}/dumps_sample/day=*/*.csv",
                "--crs",
                "bd09",
                "--shifts",
                "data/samples/shifts_new.csv",
                "--no-progress",
            ],
        ),
        Step(
            "rollup-local-demo-night",
            [
                "rollup",
                "--engine",
                "local",
                "--input",
                "{tmp}/dumps_demo/unit=*/*.parquet",
                "--no-progress",
            ],
        ),
        Step(
            "rollup-dask-sample",
            [
                "rollup",
                "--engine",
                "dask",
                "--workers",
                "2",
                "--input",
                "{tmp}/dumps_sample",
                "--crs",
                "bd09",
                "--no-progress",
            ],
        ),
        Step(
            "rollup-dask-demo-night",
            [
                "rollup",
                "--engine",
                "dask",
                "--workers",
                "2",
                "--input",
                "{tmp}/dumps_demo",
                "--no-progress",
                "--spill",
                "{tmp}/spill",
            ],
        ),
        Step(
            "coverage-after-rollup",
            ["coverage", "--from", "2022-07-15", "--to", "2022-07-15", "--out", "{o}/night.csv"],
        ),
        Step("rollup-no-match", ["rollup", "--input", "{tmp}/nothing/*.parquet", "--no-progress"]),
        Step(
            "rollup-workers-local",
            ["rollup", "--engine", "local", "--workers", "2", "--input", "{tmp}/dumps_sample"],
        ),
        Step("rebuild", ["rebuild"]),
        Step("coverage-after-rebuild", ["coverage", *c, "--out", "{o}/coverage.csv"]),
        Step("status-final", ["status"]),
    ]
    # bad usage: exit 2 and one line on stderr
    s += [
        Step(
            "bad-date",
            ["coverage", "--from", "2022-13-01", "--to", "2022-10-02", "--out", "{o}/x.csv"],
        ),
        Step("bad-date-plan", ["plan", "--date", "2022-02-30", "--out", "{o}/x.json"]),
        Step("bad-area", ["coverage", *c, "--area", "ST99-G99", "--out", "{o}/x.csv"]),
        Step("bad-area-brief", ["brief", *c, "--area", "NOPE", "--out", "{o}/x.md"]),
        Step(
            "bad-area-map", ["map", "--layer", "risk", *c, "--area", "NOPE", "--out", "{o}/x.html"]
        ),
        Step("bad-out-coverage", ["coverage", *c, "--out", "{o}/x.txt"]),
        Step("bad-out-map", ["map", "--layer", "coverage", *c, "--out", "{o}/x.png"]),
        Step("bad-out-brief", ["brief", *c, "--out", "{o}/x.txt"]),
        Step("bad-out-circles", ["circles", "--at", "2022-10-31 21:30", "--out", "{o}/x.txt"]),
        Step("bad-at-circles", ["circles", "--at", "tonight", "--out", "{o}/x.csv"]),
        Step("bad-at-alerts", ["alerts", "--date", "2022-10-31", "--at", "late"]),
        Step("bad-unit-kind", ["coverage", *c, "--units", "tank", "--out", "{o}/x.csv"]),
        Step("bad-category", ["hotspots", *c, "--category", "meteorite", "--out", "{o}/x.csv"]),
        Step("bad-night", ["coverage", *c, "--night", "25:00-06:00", "--out", "{o}/x.csv"]),
        Step("bad-res", ["coverage", *c, "--res", "6", "--out", "{o}/x.csv"]),
        Step("bad-as-user", ["status", "--as", "nobody"]),
        Step("bad-evaluate-no-period", ["evaluate"]),
        Step("bad-no-out", ["coverage", *c]),
        Step("bad-command", ["teleport"]),
        Step("bad-no-command", []),
        Step("bad-layer", ["map", "--layer", "tracks", "--out", "{o}/x.html"]),
    ]
    # help texts
    s.append(Step("help", ["--help"]))
    for cmd in (
        "demo",
        "import",
        "status",
        "coverage",
        "hotspots",
        "risk",
        "map",
        "evaluate",
        "brief",
        "plan",
        "actual",
        "users",
        "duty",
        "circles",
        "alerts",
        "rebuild",
        "rollup",
        "bench",
    ):
        s.append(Step(f"help-{cmd}", [cmd, "--help"]))
    for action in ("add", "list", "disable", "enable", "passwd"):
        s.append(Step(f"help-users-{action}", ["users", action, "--help"]))
    return s


# --------------------------------------------------------------------------------------------
# Running


def child_env(tmp: Path) -> dict[str, str]:
    """The environment of every command (see the module docstring)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("QY_", "RL_", "PYTHON")) and k not in ("COLUMNS", "LINES")
    }
    (tmp / "mpl").mkdir(exist_ok=True)
    (tmp / "tmp").mkdir(exist_ok=True)
    env |= {
        "QY_DATABASE_URL": f"sqlite:///{tmp}/store.db",
        "QY_DEMO": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "RL_invariant": "1",
        "TZ": "UTC",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "COLUMNS": "100",
        "MPLCONFIGDIR": str(tmp / "mpl"),
        "TMPDIR": str(tmp / "tmp"),
    }
    return env


_KEY = re.compile(r"\{(\w+)\}")


def resolve(argv: list[str], ctx: Ctx) -> list[str]:
    """Fill the ``{key}`` placeholders; a value never captured becomes ``<missing:key>``."""
    return [_KEY.sub(lambda m: ctx.get(m.group(1), f"<missing:{m.group(1)}>"), a) for a in argv]


def run_step(
    step: Step, repo: Path, env: dict[str, str], ctx: Ctx, out_dir: Path
) -> tuple[list[str], Result]:
    """Run one command with its own empty output folder ``out_dir``; returns the argv as run
    and what it produced (every file found in ``out_dir`` afterwards)."""
    out_dir.mkdir(parents=True)
    ctx["o"] = str(out_dir)
    if step.before is not None:
        step.before(ctx)
    argv = resolve(step.argv, ctx)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "geo", *argv],
        cwd=repo,
        env=env,
        input=(step.stdin or "").encode("utf-8"),
        capture_output=True,
        check=False,
        timeout=1800,
    )
    seconds = time.perf_counter() - t0
    files = {str(p.relative_to(out_dir)): p for p in sorted(out_dir.rglob("*")) if p.is_file()}
    result = Result(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
        files,
        seconds,
    )
    if step.capture is not None and result.code == 0:
        step.capture(result, ctx)
    return argv, result


def _pdf_text(data: bytes, norm: Normaliser) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts = [f"pages: {len(reader.pages)}"]
    for i, page in enumerate(reader.pages, 1):
        parts.append(f"--- page {i}")
        parts.append(norm.text(page.extract_text() or ""))
        try:
            images = [(img.name, sha256(img.data)) for img in page.images]
        except Exception as e:  # an image pypdf cannot decode: say so, stably
            images = [("<unreadable>", type(e).__name__)]
        parts.extend(f"image {name} {digest}" for name, digest in images)
    return "\n".join(parts) + "\n"


def _docx_parts(data: bytes) -> tuple[str, str]:
    """(the compared form: every part's name and sha256, a readable view: that plus the text
    of word/document.xml)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = sorted(z.namelist())
        listing = "".join(f"{n} {sha256(z.read(n))}\n" for n in names)
        body = z.read("word/document.xml").decode("utf-8") if "word/document.xml" in names else ""
    text = re.sub(r"</w:p>", "\n", body)
    text = re.sub(r"<[^>]+>", "", text)
    return listing, listing + "--- word/document.xml text\n" + text


def _parquet_view(path: Path) -> str:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    buf = io.StringIO()
    buf.write(f"schema:\n{table.schema.to_string(show_schema_metadata=False)}\n")
    buf.write(f"rows: {table.num_rows}\n")
    table.to_pandas().to_csv(buf, index=False)
    return buf.getvalue()


def record_file(step: Step, rel: str, path: Path, norm: Normaliser, views: Path) -> dict[str, Any]:
    """Size, sha256 and the compared form of one output file; its view is written under
    ``views``."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    entry: dict[str, Any] = {"bytes": len(data), "sha256": sha256(data)}
    view: str | None
    if suffix in _TEXT_SUFFIXES:
        text = norm.text(data.decode("utf-8", "surrogateescape"))
        if suffix == ".gpx":
            text = _GPX_TIME.sub(r"\1<created>\2", text, count=1)
        if suffix in (".html", ".htm"):
            text = folium_ids(text)
        if suffix == ".json" and step.routes_volatile:
            text = solver_parts(text, indent=1)
        compared = text.encode("utf-8", "surrogateescape")
        entry["compare"] = "normalised text" if compared != data else "bytes"
        view = text
    elif suffix == ".pdf" and step.pdf_as_text:
        view = _pdf_text(data, norm)
        compared = view.encode("utf-8")
        entry["compare"] = "pdf pages, text and images"
    elif suffix == ".pdf":
        compared = data
        entry["compare"] = "bytes"
        view = _pdf_text(data, norm)
    elif suffix == ".docx":
        listing, view = _docx_parts(data)
        compared = listing.encode("utf-8")
        entry["compare"] = "docx parts"
    elif suffix == ".parquet":
        compared = data
        entry["compare"] = "bytes"
        view = _parquet_view(path)
    else:
        compared = data
        entry["compare"] = "bytes"
        view = None
    entry["key"] = sha256(compared)
    if view is not None:
        target = views / (rel if suffix in _TEXT_SUFFIXES else rel + ".txt")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(view, encoding="utf-8", errors="surrogateescape")
        entry["view"] = str(target.relative_to(views.parent.parent))
    return entry


def take_snapshot(repo: Path, out: Path, only: str | None = None) -> int:
    """Run every step against ``repo``; write the snapshot into ``out``. Returns 0."""
    repo = repo.resolve()
    if out.exists():
        if any(out.iterdir()) and not (out / SNAPSHOT_FILE).exists():
            raise SystemExit(f"{out}: not empty and not a snapshot; not replacing it")
        shutil.rmtree(out)
    (out / "files").mkdir(parents=True)
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="qy-snapshot-") as tmp_name:
        tmp = Path(tmp_name).resolve()
        env = child_env(tmp)
        geo_file = geo_location(repo, env)
        if not Path(geo_file).resolve().is_relative_to(repo):
            raise SystemExit(f"python -m geo in {repo} would run {geo_file}, not that checkout")
        norm = Normaliser(tmp=str(tmp), repo=str(repo))
        ctx: Ctx = {"tmp": str(tmp), "repo": str(repo)}
        records = []
        all_steps = steps()
        names = [st.name for st in all_steps]
        if len(set(names)) != len(names):
            raise SystemExit("duplicate step names")
        for i, step in enumerate(all_steps):
            if only and not re.search(only, step.name) and step.name != "demo":
                continue
            argv, r = run_step(step, repo, env, ctx, tmp / "out" / f"{i:03d}-{step.name}")
            stdout = norm.text(r.stdout)
            if step.routes_volatile:
                stdout = solver_parts(stdout, indent=None)
            try:
                parsed: Any = json.loads(stdout)
            except ValueError:
                parsed = None
            rec: dict[str, Any] = {
                "name": step.name,
                "argv": step.argv,
                "run": [norm.text(a) for a in argv],
                "stdin": step.stdin is not None,
                "exit": r.code,
                "stdout": stdout,
                "stdout_json": parsed,
                "stderr": norm.text(r.stderr),
                "files": {},
            }
            views = out / "files" / step.name
            for rel, path in r.files.items():
                rec["files"][rel] = record_file(step, rel, path, norm, views)
            records.append(rec)
            line = stdout.strip().splitlines()[0] if stdout.strip() else r.stderr.strip()[:150]
            print(
                f"[{i + 1:3d}/{len(all_steps)}] {step.name}: exit {r.code}, {r.seconds:.1f} s, "
                f"{len(r.files)} file(s)  {line[:150]}",
                flush=True,
            )
            rec["seconds"] = round(r.seconds, 2)  # not compared
    total = time.perf_counter() - t_start
    meta = {
        "format": FORMAT_VERSION,
        "repo": str(repo),
        "commit": _commit(repo),
        "geo": geo_file,
        "python": sys.version.split()[0],
        "seconds": round(total, 1),
        "commands": len(records),
    }
    (out / SNAPSHOT_FILE).write_text(
        json.dumps({"meta": meta, "steps": records}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(f"{len(records)} commands in {total:.0f} s -> {out}")
    return 0


def geo_location(repo: Path, env: dict[str, str]) -> str:
    """The ``geo/__init__.py`` that ``python -m geo`` imports from ``repo`` (it must be the
    checkout's own, not an installed copy)."""
    proc = subprocess.run(
        [sys.executable, "-c", "import geo; print(geo.__file__)"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise SystemExit(f"cannot import geo in {repo}: {proc.stderr.strip()[-300:]}")
    return proc.stdout.strip()


def _commit(repo: Path) -> str | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return proc.stdout.strip() or None


# --------------------------------------------------------------------------------------------
# Comparing


def _clip(line: str, width: int = 300) -> str:
    return line if len(line) <= width else line[:width] + f"... ({len(line)} chars)"


def _diff(a: str, b: str, label_a: str, label_b: str, limit: int = 60) -> Iterator[str]:
    lines = list(
        difflib.unified_diff(a.splitlines(), b.splitlines(), label_a, label_b, lineterm="", n=2)
    )
    for line in lines[:limit]:
        yield "    " + _clip(line)
    if len(lines) > limit:
        yield f"    ... {len(lines) - limit} more diff lines"


def _view(snap: Path, entry: dict[str, Any]) -> str:
    rel = entry.get("view")
    if not rel:
        return ""
    return (snap / rel).read_text(encoding="utf-8", errors="surrogateescape")


def compare(a: Path, b: Path) -> int:
    """Print what differs between two snapshots; 1 if anything does, else 0."""
    sa = json.loads((a / SNAPSHOT_FILE).read_text(encoding="utf-8"))
    sb = json.loads((b / SNAPSHOT_FILE).read_text(encoding="utf-8"))
    ra = {r["name"]: r for r in sa["steps"]}
    rb = {r["name"]: r for r in sb["steps"]}
    problems = 0
    for name in [*ra, *(n for n in rb if n not in ra)]:
        if name not in rb or name not in ra:
            print(f"== {name}: only in {a if name in ra else b}")
            problems += 1
            continue
        x, y = ra[name], rb[name]
        out: list[str] = []
        if x["argv"] != y["argv"] or x["run"] != y["run"]:
            out.append(f"  argv: {x['run']} != {y['run']}")
        if x["stdin"] != y["stdin"]:
            out.append("  stdin given in one only")
        if x["exit"] != y["exit"]:
            out.append(f"  exit code: {x['exit']} != {y['exit']}")
        for stream in ("stdout", "stderr"):
            if x[stream] != y[stream]:
                out.append(f"  {stream} differs:")
                out.extend(_diff(x[stream], y[stream], f"a/{stream}", f"b/{stream}"))
        fx, fy = x["files"], y["files"]
        for rel in sorted(set(fx) | set(fy)):
            if rel not in fy or rel not in fx:
                out.append(f"  file {rel}: only in {a if rel in fx else b}")
                continue
            ex, ey = fx[rel], fy[rel]
            if ex["key"] == ey["key"] and ex["compare"] == ey["compare"]:
                continue
            out.append(
                f"  file {rel} differs ({ex['compare']}; {ex['bytes']} vs {ey['bytes']} bytes):"
            )
            lines = list(_diff(_view(a, ex), _view(b, ey), f"a/{rel}", f"b/{rel}"))
            out.extend(
                lines
                or [
                    f"    (same text view; compared forms differ: sha256 "
                    f"{ex['key'][:16]}... vs {ey['key'][:16]}...)"
                ]
            )
        if out:
            problems += 1
            print(f"== {name}")
            print("\n".join(out))
    if problems:
        print(f"{problems} of {len(set(ra) | set(rb))} commands differ")
        return 1
    print(f"identical: {len(ra)} commands")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repo",
        type=Path,
        default=REPO_DEFAULT,
        help="checkout whose code runs (default: this script's repository)",
    )
    parser.add_argument("--out", type=Path, help="snapshot folder to write (replaced)")
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("SNAP_A", "SNAP_B"),
        help="compare two snapshots; exit 1 if they differ",
    )
    parser.add_argument(
        "--only",
        metavar="REGEX",
        help="run only the steps whose name matches (and demo); for debugging",
    )
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if not args.out:
        parser.error("--out SNAPDIR or --compare SNAP_A SNAP_B is required")
    return take_snapshot(args.repo, args.out, args.only)


if __name__ == "__main__":
    sys.exit(main())

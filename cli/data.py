"""Commands on the store's data: ``demo``, ``import``, ``status``, ``rebuild``, ``rollup``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from cli._common import UsageError, add_as, add_db, doc, engine, who
from cli.profiles import add_mapping_options, import_rules, save_used
from geo.config import get_settings
from geo.domain import schema
from geo.services import access, data, demo
from geo.services.access import Principal

__all__ = ["add_demo", "add_import", "add_rebuild", "add_rollup", "add_status"]


def cmd_demo(args: argparse.Namespace) -> dict[str, Any]:
    """Build the demo city into the store (idempotent); in demo mode (QY_DEMO) also the demo
    users listed in the README."""
    eng = engine(args)
    out = demo.load_demo(eng, seed=args.seed, force=args.force)
    out["users_created"] = access.bootstrap(eng)
    return out


def add_demo(sub: Any) -> None:
    p = sub.add_parser("demo", help=doc(cmd_demo), description=doc(cmd_demo))
    add_db(p)
    p.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    p.add_argument(
        "--force",
        action="store_true",
        help="re-import even if this seed is loaded (adds nothing new)",
    )
    p.set_defaults(func=cmd_demo)


class _Bar:
    """The import's progress bar on stderr (tqdm; none when stderr is no terminal).

    Fed by :data:`geo.ingest.stream.Progress`: the bytes of the file read (rows of a workbook
    or Parquet file), then the shifts whose coverage is rolled up, each a bar of its own.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.unit = ""
        self.bar: tqdm | None = None

    def update(self, done: int, total: int | None, unit: str) -> None:
        if unit != self.unit:
            self.close()
            self.unit = unit
            desc = f"{self.name[:30]}" if unit != "shifts" else "coverage"
            scale = unit == "bytes"
            self.bar = tqdm(
                total=total,
                unit="B" if scale else f" {unit}",
                unit_scale=scale,
                unit_divisor=1024 if scale else 1000,
                desc=desc,
                file=sys.stderr,
                disable=None,  # no bar when stderr is no terminal
                leave=False,
                dynamic_ncols=True,
            )
        if self.bar is not None:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def cmd_import(args: argparse.Namespace) -> dict[str, Any]:
    """Import one file of a record kind. The summary counts rows rejected and rows stored
    outside every area (flagged, left out of every page and figure); --rejects writes every
    problem of every rejected row and the rows outside, with reasons in the language of
    --lang (default: QY_LANG)."""
    path = Path(args.file)
    if not path.exists():
        raise UsageError(f"{args.file}: no such file")
    eng = engine(args)
    user = who(args, eng)
    if isinstance(user, Principal) and user.role != "admin":
        raise UsageError(f"import: {args.as_user} is a {user.role}; only an admin imports")
    rules, profile = import_rules(args, eng)  # --profile, --map, --values, --default
    bar = _Bar(path.name)
    try:
        summary = data.import_file(
            eng,
            args.kind,
            path,
            crs=args.crs,
            sheet=args.sheet,
            encoding=args.encoding,
            layer=args.layer,
            unit=args.unit,
            gap_min=args.gap,
            date_order=args.date_order,
            user=args.as_user or "cli",
            via="cli",
            command=args.command,
            rules=rules,
            profile=profile,
            auto_profile=not args.no_profile,
            progress=None if args.no_progress else bar.update,
        )
    except data.FileError as e:  # missing or doubled columns, said in the user's language
        raise data.FileError(e.text(args.lang or get_settings().lang)) from None
    finally:
        bar.close()
    out = summary.as_dict() | save_used(args, eng, summary.mapping_used)
    report = data.rejects_report(summary, args.lang or get_settings().lang)
    if args.rejects:
        Path(args.rejects).write_bytes(report.csv)  # UTF-8 with BOM, for spreadsheets
        out["rejects_file"] = args.rejects
    elif summary.rejected or summary.conflicts:
        out["first_rejects"] = report.rejects.head(5)[["row", "column", "reason"]].to_dict(
            "records"
        )
    return out


def _minutes(text: str) -> float:
    """A gap in minutes: a number over 0."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        msg = f"not a number of minutes over 0: {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def add_import(sub: Any) -> None:
    p = sub.add_parser(
        "import",
        help=doc(cmd_import).split(". ")[0],
        description=doc(cmd_import)
        + " Formats: CSV (UTF-8, BOM, GBK), XLSX, GeoJSON, GeoPackage (--layer), zipped "
        "Shapefile, Parquet, GPX tracks (pings; their shifts are cut and stored with them), "
        "KML/KMZ points.",
    )
    add_db(p)
    p.add_argument("kind", choices=list(schema.KINDS), help="record kind")
    p.add_argument("file", help="file to import")
    p.add_argument(
        "--crs",
        default="wgs84",
        help="coordinates of the file: wgs84 (default), gcj02, bd09 or EPSG:n; a "
        "vector file's own projected CRS wins",
    )
    p.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    p.add_argument(
        "--layer",
        metavar="NAME",
        help="GeoPackage layer (required when the file has several; the error lists them)",
    )
    p.add_argument(
        "--unit",
        metavar="NAME",
        help="GPX: the unit id of the tracks (default: each track's <name>, else the file name)",
    )
    p.add_argument(
        "--gap",
        type=_minutes,
        metavar="MIN",
        help="pings cut into shifts (GPX, a GPS export with a device column such as 设备号/IMEI, "
        "or any unit-only pings file when given): a new shift after a gap of more than MIN "
        "minutes (default 30); shifts are named by unit and start",
    )
    p.add_argument("--encoding", help="CSV encoding (default: UTF-8/BOM, then GB18030)")
    p.add_argument(
        "--date-order",
        choices=data.DATE_ORDERS,
        help="order of day, month and year in dates such as 07/08/2022: dmy, mdy or ymd "
        "(default: each column's own rule; a column holding both 15/07/2022 and 07/15/2022 "
        "refuses the file, naming the rows); rows that do not fit the order are rejected",
    )
    p.add_argument(
        "--no-progress",
        dest="no_progress",
        action="store_true",
        help="no progress bar on stderr (none either when stderr is no terminal)",
    )
    p.add_argument(
        "--rejects",
        metavar="F.csv",
        help="write every problem of every rejected row (file, row, column, value, reason) "
        "and the rows stored outside every area here",
    )
    p.add_argument(
        "--lang", choices=["zh-CN", "en"], help="language of the reasons (default: QY_LANG, zh-CN)"
    )
    p.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        help="the admin recorded as importing (default: cli)",
    )
    add_mapping_options(p)  # --profile, --map, --values, --default, --save-profile
    p.set_defaults(func=cmd_import)


def cmd_status(args: argparse.Namespace) -> dict[str, Any]:
    """Row counts of every record kind and whether the demo city is loaded."""
    eng = engine(args)
    return {
        "counts": data.record_counts(eng, who(args, eng)),
        "demo": demo.is_demo(eng),
        "db": eng.url.render_as_string(hide_password=True),
    }


def add_status(sub: Any) -> None:
    p = sub.add_parser("status", help=doc(cmd_status), description=doc(cmd_status))
    add_db(p)
    add_as(p)
    p.set_defaults(func=cmd_status)


def cmd_rebuild(args: argparse.Namespace) -> dict[str, Any]:
    """Recompute every shift's coverage rollup from the stored pings."""
    return {"command": "rebuild", "shifts": data.rebuild(engine(args))}


def add_rebuild(sub: Any) -> None:
    p = sub.add_parser("rebuild", help=doc(cmd_rebuild), description=doc(cmd_rebuild))
    add_db(p)
    p.set_defaults(func=cmd_rebuild)


def cmd_rollup(args: argparse.Namespace) -> dict[str, Any]:
    """Batch coverage rollup of archive-size ping files (Parquet or CSV, any partitioning) with
    the local engine or on a Dask cluster; writes the store's per-shift rollups."""
    if args.engine == "local" and (args.scheduler or args.workers):
        raise UsageError("--scheduler and --workers go with --engine dask")
    summary = data.rollup_files(
        engine(args),
        args.input,
        engine_name=args.engine,
        scheduler=args.scheduler,
        workers=args.workers,
        shifts_file=args.shifts,
        spill_dir=args.spill,
        crs=args.crs,
        progress=not args.no_progress,
    )
    return {"command": "rollup", **summary}


def add_rollup(sub: Any) -> None:
    p = sub.add_parser("rollup", help=doc(cmd_rollup).split(";")[0], description=doc(cmd_rollup))
    add_db(p)
    p.add_argument(
        "--engine",
        choices=["local", "dask"],
        default="local",
        help="local (pandas, this process; default) or dask (distributed)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (workers must see "
        "the input and --spill at the same paths)",
    )
    where.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="start a local Dask cluster of N single-threaded worker processes (default 2)",
    )
    p.add_argument(
        "--input",
        required=True,
        metavar="GLOB",
        help="ping files: a glob ('**' allowed) or a folder of .parquet/.csv files",
    )
    p.add_argument(
        "--shifts",
        metavar="FILE",
        help="shifts/units file: shift_id or unit_id, unit_kind, optional start/end "
        "(kinds and shifts of unit-only fixes; the store's are used too)",
    )
    p.add_argument("--crs", default="wgs84", help="coordinates of the files (default wgs84)")
    p.add_argument(
        "--spill",
        metavar="DIR",
        help="folder for the intermediate buckets (default: a temporary folder)",
    )
    p.add_argument(
        "--no-progress", dest="no_progress", action="store_true", help="no progress bar on stderr"
    )
    p.set_defaults(func=cmd_rollup)

"""``plan`` (tonight's routes, saved and written as a file) and ``actual`` (plan against what was
driven)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

from cli._common import (
    UsageError,
    add_area,
    add_as,
    add_db,
    add_network,
    add_night_date,
    add_res,
    add_time_limit,
    audit,
    doc,
    engine,
    who,
    write_csv_or_json,
)
from geo.config import get_settings
from geo.domain.period import DEFAULT_NIGHT
from geo.domain.plan import PLAN_KEYS
from geo.reports import plan_sheets
from geo.services import networks
from geo.services import plan as plans
from geo.services.demo import is_demo

__all__ = ["add_actual", "add_plan"]


def cmd_plan(args: argparse.Namespace) -> dict[str, Any]:
    """Tonight's patrol plan: routes for the units on duty over the largest gaps, saved in the
    store and written as .json, .gpx, .kml, .csv, .html or .pdf."""
    out = Path(args.out)
    if out.suffix.lower() not in plan_sheets.FORMATS:
        raise UsageError(f"{out.name}: --out must be one of {', '.join(plan_sheets.FORMATS)}")
    if args.units is not None and args.unit:
        raise UsageError("plan takes --units N or --unit ID ..., not both")
    beats: dict[str, str] = {}
    for text in args.beat or ():
        unit, sep, beat = text.partition("=")
        if not sep or not unit.strip() or not beat.strip():
            raise UsageError(f"--beat {text}: use UNIT=GRID_ID, UNIT=RADIUS_M or UNIT=all")
        beats[unit.strip()] = beat.strip()
    eng = engine(args)
    user = who(args, eng)
    plan = plans.make_plan(
        eng,
        user,
        night=args.date,
        window=args.window,
        unit_ids=args.unit or None,
        n_units=args.units,
        dwell_min=args.dwell,
        n_candidates=args.candidates,
        must=args.must or (),
        avoid=args.avoid or (),
        res=args.res,
        area=args.area,
        value=args.value,
        beats=beats,
        seed=args.seed,
        time_limit_s=args.time_limit,
        network=args.network,
    )
    plans.save_plan(eng, plan, user=args.as_user or "cli", scope=user)
    n_stops = sum(len(u["stops"]) for u in plan["units"])
    audit(
        args,
        eng,
        "plan",
        plan["plan_id"],
        rows=n_stops,
        night=plan["date"],
        area=args.area,
        units=len(plan["units"]),
    )
    lang = args.lang or get_settings().lang
    back = networks.sheet_backdrop(eng, user)  # streets and grid lines under the routes
    plan_sheets.write(plan, out, lang, demo=is_demo(eng), backdrop=back)
    audit(args, eng, "export", out.name, rows=n_stops, kind="plan", plan_id=plan["plan_id"])
    return {
        "command": "plan",
        "plan_id": plan["plan_id"],
        "out": str(out),
        "date": plan["date"],
        "window": plan["window"],
        "units": len(plan["units"]),
        "stops": sum(len(u["stops"]) for u in plan["units"]),
        "risk_covered": plan["risk_covered"],
        "risk_total": plan["risk_total"],
        "greedy_covered": plan["greedy_covered"],
        "travel": plan["travel"]["model"],
        "solve_s": plan["solve_s"],
        "warnings": plan["warnings"],
        "candidates": plan["candidates"],
        "idle": {u["unit_id"]: u["why_none_en"] for u in plan["units"] if u["why_none"]},
    }


def add_plan(sub: Any) -> None:
    p = sub.add_parser("plan", help=doc(cmd_plan).split(":")[0], description=doc(cmd_plan))
    add_db(p)
    add_as(p)
    add_night_date(p)
    p.add_argument("--units", type=int, metavar="N", help="the first N units on duty")
    p.add_argument("--unit", nargs="+", metavar="ID", help="these units (ids)")
    p.add_argument(
        "--window", default=DEFAULT_NIGHT, help="shift window HH:MM-HH:MM (default 20:00-06:00)"
    )
    add_network(p)
    p.add_argument(
        "--dwell", type=float, default=15, metavar="MIN", help="minutes per stop (default 15)"
    )
    p.add_argument(
        "--candidates",
        type=int,
        default=None,
        metavar="N",
        help="candidates (gap cells and key points; default: as many as fill the units' shifts)",
    )
    p.add_argument(
        "--beat",
        action="append",
        metavar="UNIT=GRID_ID|UNIT=RADIUS_M",
        help="a unit's beat: a grid id, metres around its post, or all (repeat per unit; "
        "default: a car the whole area, e-bike and foot their grid, else 1500 m / 800 m)",
    )
    p.add_argument("--must", nargs="+", metavar="H3", help="cells that must be visited")
    p.add_argument("--avoid", nargs="+", metavar="H3", help="cells not to visit")
    p.add_argument(
        "--value", choices=["gap", "risk"], default="gap", help="value of a cell (default gap)"
    )
    p.add_argument("--seed", type=int, help="a randomised variant with this seed")
    add_time_limit(p, 9.0, "route")
    add_area(p)
    add_res(p)
    p.add_argument("--lang", choices=["zh-CN", "en"], help="language of .html/.pdf sheets")
    p.add_argument("--out", required=True, help="output .json, .gpx, .kml, .csv, .html or .pdf")
    p.set_defaults(func=cmd_plan)


def cmd_actual(args: argparse.Namespace) -> dict[str, Any]:
    """Plan against actual: each planned stop visited with full dwell, briefly, or missed, from
    the units' GPS tracks of the plan's night."""
    eng = engine(args)
    user = who(args, eng)
    source = Path(args.plan)
    if source.suffix.lower() == ".json" and source.exists():
        try:
            plan = json.loads(source.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise UsageError(f"{source.name}: not a plan JSON file ({e.msg})") from None
        if not isinstance(plan, dict) or not all(k in plan for k in PLAN_KEYS):
            raise UsageError(f"{source.name}: not a plan JSON file (no plan_id, units...)")
    elif source.suffix.lower() == ".json":
        raise UsageError(f"{args.plan}: no such file")
    else:
        plan = plans.load_plan(eng, args.plan, user)
    result = plans.actual(eng, user, plan, full_ratio=args.full_ratio)
    if args.out:
        out = Path(args.out)
        write_csv_or_json(out, pd.DataFrame(result["stops"]), result)
        audit(
            args,
            eng,
            "export",
            out.name,
            rows=len(result["stops"]),
            kind="actual",
            plan_id=result["plan_id"],
        )
    return {
        "command": "actual",
        "plan_id": result["plan_id"],
        "out": args.out,
        "overall": result["overall"],
        "units": [
            {k: u[k] for k in ("unit_id", "stops", "full", "brief", "missed", "compliance")}
            for u in result["units"]
        ],
    }


def add_actual(sub: Any) -> None:
    p = sub.add_parser("actual", help=doc(cmd_actual).split(":")[0], description=doc(cmd_actual))
    add_db(p)
    add_as(p)
    p.add_argument(
        "--plan", required=True, metavar="ID|F.json", help="a saved plan id or a plan .json file"
    )
    p.add_argument(
        "--full-ratio",
        dest="full_ratio",
        type=float,
        default=0.8,
        help="share of the planned dwell that counts as a full visit (default 0.8)",
    )
    p.add_argument("--out", help="write the result as .json, or the stops as .csv")
    p.set_defaults(func=cmd_actual)

"""Duty and readiness commands: ``duty`` (the night's key points), ``circles`` (1-3-5 minute
response circles), ``alerts`` (what needs attention on a night, or live now) and ``nearest``
(the units nearest to a call)."""

from __future__ import annotations

import argparse
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
    date,
    doc,
    engine,
    frame_records,
    local_time,
    who_may,
    write_csv_or_json,
)
from geo.config import get_settings
from geo.domain.duty import rules_from_toml
from geo.reports.cells import write_cells
from geo.services import circles, duty, live_alerts

__all__ = ["add_alerts", "add_circles", "add_duty", "add_nearest"]


def cmd_duty(args: argparse.Namespace) -> dict[str, Any]:
    """The night's duty: key points required, visited on time, late and missed (GPS visits and
    check-ins, each visit once), per site and per unit."""
    eng = engine(args)
    rules = rules_from_toml(Path(args.rules).read_bytes()) if args.rules else None
    user = who_may(args, eng, "duty")
    result = duty.night_duty(eng, user, args.date, window=args.window, area=args.area, rules=rules)
    if args.out:
        write_csv_or_json(
            Path(args.out),
            result["sites"],
            {
                "summary": result["summary"],
                "sites": frame_records(result["sites"]),
                "units": frame_records(result["units"]),
            },
        )
    missed = result["sites"].loc[result["sites"]["missed"] > 0, "site_id"].tolist()
    return {
        "command": "duty",
        "date": args.date,
        "window": result["window"],
        "out": args.out,
        **result["summary"],
        "missed_sites": missed,
    }


def add_duty(sub: Any) -> None:
    p = sub.add_parser("duty", help=doc(cmd_duty).split(":")[0], description=doc(cmd_duty))
    add_db(p)
    add_as(p)
    add_night_date(p)
    p.add_argument("--window", help="night window HH:MM-HH:MM (default: the configured night)")
    add_area(p)
    p.add_argument(
        "--rules",
        metavar="F.toml",
        help="duty rules file (default: the stored rules, else the defaults)",
    )
    p.add_argument("--out", help="write the sites as .csv or everything as .json")
    p.set_defaults(func=cmd_duty)


def cmd_circles(args: argparse.Namespace) -> dict[str, Any]:
    """1-3-5 minute response circles: travel time from the posts (and the units' last fixes at
    --at) to every cell, the share of key sites and high-risk cells inside their tier; writes
    the cells as GeoJSON (h3, res, travel_min, tier, required_min, inside, risk)."""
    if not args.out.lower().endswith((".geojson", ".csv", ".parquet")):
        raise UsageError(f"{args.out}: --out must be .geojson, .csv or .parquet")
    at = local_time(args.at)
    eng = engine(args)
    result = circles.readiness(
        eng,
        who_may(args, eng, "duty"),
        area=args.area,
        at=at,
        kind=args.kind,
        res=args.res,
        network=args.network,
        optimise=args.optimise,
        time_limit_s=args.time_limit,
    )
    cells = result["cells"].drop(columns=["lat", "lng"])
    write_cells(cells, args.out)
    outside = result["sites"].loc[~result["sites"]["inside"], "site_id"].tolist()
    out = {
        "command": "circles",
        "out": args.out,
        "at": args.at,
        **result["summary"],
        "sites_outside": outside,
    }
    if "optimised" in result:
        o = result["optimised"]
        out["optimised"] = {k: v for k, v in o.items() if k != "points"} | {
            "points": o["points"]["id"].tolist(),
            "places": o["points"]["place"].tolist(),
        }
    return out


def add_circles(sub: Any) -> None:
    p = sub.add_parser("circles", help=doc(cmd_circles).split(":")[0], description=doc(cmd_circles))
    add_db(p)
    add_as(p)
    p.add_argument(
        "--at",
        metavar="TIME",
        help="a moment (YYYY-MM-DD HH:MM, local): the units' last fixes stand beside the posts",
    )
    p.add_argument(
        "--kind",
        default="police_car",
        help="unit kind travelling: police_car (default), e_bike or foot",
    )
    add_network(p)
    p.add_argument(
        "--optimise",
        type=int,
        metavar="N",
        help="also place N units where they reach the most key sites and risk",
    )
    add_time_limit(p, 10.0, "placement")
    add_area(p)
    add_res(p)
    p.add_argument("--out", required=True, help="output .geojson, .csv or .parquet")
    p.set_defaults(func=cmd_circles)


def cmd_alerts(args: argparse.Namespace) -> dict[str, Any]:
    """What needs attention on a night: long stops outside posts, key points missed, hot cells
    not patrolled for hours, venues behind their inspection schedule, hazards past deadline;
    with --live, now (or at --at): GPS silent, standing outside posts, out of the beat or the
    jurisdiction, a planned stop's window passed, a key point about to fall due."""
    if args.live:
        return _live_alerts(args)
    if not args.date:
        raise UsageError("alerts: --date D is required (or --live)")
    at = local_time(args.at, localise=True)
    eng = engine(args)
    user = who_may(args, eng, "duty")
    table = duty.alerts(eng, user, args.date, at=at, area=args.area, hot_hours=args.hours)
    if args.out:
        write_csv_or_json(Path(args.out), table, frame_records(table))
    return {
        "command": "alerts",
        "date": args.date,
        "out": args.out,
        "alerts": len(table),
        "by_kind": {str(k): int(v) for k, v in table["kind"].value_counts().items()},
        "first": frame_records(table[["kind", "id", "name", "detail"]], 5),
    }


def _live_alerts(args: argparse.Namespace) -> dict[str, Any]:
    """``alerts --live``: the live alerts at --at (default now), in the words of --lang."""
    at = local_time(args.at, localise=True)
    eng = engine(args)
    user = who_may(args, eng, "duty")
    table = live_alerts.live_alerts(eng, user, now=at, area=args.area)
    words = live_alerts.worded(table, args.lang or get_settings().lang)
    rows = words.rename(columns={"alert": "code", "alert_name": "alert", "unit_name": "unit"})[
        ["alert", "code", "unit_id", "unit", "since", "minutes", "text", "where", "severity"]
    ]
    if args.out:
        write_csv_or_json(Path(args.out), rows, frame_records(rows))
    return {
        "command": "alerts",
        "live": True,
        "at": (at or pd.Timestamp.now(tz=get_settings().tz)).isoformat(timespec="seconds"),
        "out": args.out,
        "alerts": len(table),
        "by_kind": {str(k): int(v) for k, v in table["alert"].value_counts().items()},
        "rows": frame_records(rows),
    }


def add_alerts(sub: Any) -> None:
    p = sub.add_parser("alerts", help=doc(cmd_alerts).split(":")[0], description=doc(cmd_alerts))
    add_db(p)
    add_as(p)
    p.add_argument(
        "--date",
        type=date,
        metavar="D",
        help="the night, as the local date it starts on (YYYY-MM-DD); required unless --live",
    )
    p.add_argument(
        "--live",
        action="store_true",
        help="the live alerts now (or at --at), by the duty rules' live minutes",
    )
    p.add_argument(
        "--lang", choices=["zh-CN", "en"], help="words of the live alerts (default: QY_LANG)"
    )
    p.add_argument("--at", metavar="TIME", help="a moment in the night (default: its end; now)")
    p.add_argument(
        "--hours",
        type=float,
        default=4.0,
        help="hot cells not patrolled for this many hours (default 4)",
    )
    add_area(p)
    p.add_argument("--out", help="write the alerts as .csv or .json")
    p.set_defaults(func=cmd_alerts)


def cmd_nearest(args: argparse.Namespace) -> dict[str, Any]:
    """The units nearest to a call: ranked by travel time from their last fix (road network
    with --network, else straight line x detour), with their 1-3-5 minute tier."""
    at = local_time(args.at, localise=True)
    eng = engine(args)
    user = who_may(args, eng, "duty")
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()] if args.kinds else None
    table = live_alerts.nearest_units(
        eng,
        user,
        args.lat,
        args.lng,
        crs=args.crs,
        now=at,
        kinds=kinds,
        network=args.network,
    )
    en = (args.lang or get_settings().lang) == "en"
    cols = live_alerts.NEAREST_UNIT_COLUMNS
    shown = cols[: cols.index("place")]  # the ranking's own columns, then its place in words
    rows = table.assign(where=table["place_en" if en else "place"])[[*shown, "where"]]
    return {
        "command": "nearest",
        "lat": args.lat,
        "lng": args.lng,
        "crs": args.crs,
        "at": (at or pd.Timestamp.now(tz=get_settings().tz)).isoformat(timespec="seconds"),
        "units": len(table),
        "rows": frame_records(rows),
    }


def add_nearest(sub: Any) -> None:
    p = sub.add_parser("nearest", help=doc(cmd_nearest).split(":")[0], description=doc(cmd_nearest))
    add_db(p)
    add_as(p)
    p.add_argument("--lat", type=float, required=True, help="the call's latitude (degrees)")
    p.add_argument("--lng", type=float, required=True, help="the call's longitude (degrees)")
    p.add_argument(
        "--crs",
        default="wgs84",
        choices=["wgs84", "gcj02", "bd09"],
        help="coordinate system of --lat/--lng (default wgs84; gcj02: Amap; bd09: Baidu)",
    )
    p.add_argument("--at", metavar="TIME", help="the moment (YYYY-MM-DD HH:MM, local; default now)")
    p.add_argument(
        "--kinds", metavar="K,K", help="only units of these kinds (police_car, e_bike, foot...)"
    )
    add_network(p)
    p.add_argument("--lang", choices=["zh-CN", "en"], help="place names (default: QY_LANG)")
    p.set_defaults(func=cmd_nearest)

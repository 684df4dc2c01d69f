"""``map``: a standalone offline map, one self-contained HTML file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli._common import UsageError, add_cells, audit, doc, engine, who
from geo.config import get_settings
from geo.domain.period import DEFAULT_NIGHT
from geo.services import maps
from layers.standalone import save, standalone_map

__all__ = ["add_map"]


def cmd_map(args: argparse.Namespace) -> dict[str, Any]:
    """Standalone offline map (one self-contained HTML file) of coverage, hotspots, risk, gap,
    venues or hazards, with the area outlines; no request leaves the machine unless --tiles
    names an online provider."""
    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"{out.name}: --out must be an .html file")
    lang = args.lang or get_settings().lang
    tiles = args.tiles or get_settings().tiles
    eng = engine(args)
    data = maps.map_data(
        eng,
        who(args, eng),
        args.layer,
        start=args.date_from,
        end=args.date_to,
        res=args.res,
        area=args.area,
        night=args.night,
    )
    m, counts = standalone_map(
        data.frame,
        args.layer,
        data.areas,
        lang=lang,
        tiles=tiles,
        tianditu_token=args.tianditu_token,
        demo=data.demo,
    )
    summary: dict[str, Any] = {
        "command": "map",
        "layer": args.layer,
        "out": str(out),
        "tiles": tiles,
        "lang": lang,
        "cells": counts["cells"],
        "points": counts["points"],
    }
    if args.layer in maps.CELL_LAYERS:
        summary["res"] = args.res
    summary["areas"] = counts["areas"]
    summary["bytes"] = save(m, out)
    audit(
        args,
        eng,
        "export",
        out.name,
        rows=summary["cells"] + summary["points"],
        kind="map",
        layer=args.layer,
        area=args.area,
    )
    return summary


def add_map(sub: Any) -> None:
    p = sub.add_parser("map", help=doc(cmd_map).split(";")[0], description=doc(cmd_map))
    add_cells(p)
    p.add_argument("--layer", required=True, choices=list(maps.MAP_LAYERS), help="what to draw")
    p.add_argument(
        "--night",
        default=DEFAULT_NIGHT,
        help="night window HH:MM-HH:MM for coverage (default 20:00-06:00); 'all' for whole days",
    )
    p.add_argument(
        "--tiles",
        help="none (default: QY_TILES or none; no tile requests), osm, "
        "amap (geometries shifted to GCJ-02), tianditu, or a tile URL template",
    )
    p.add_argument("--tianditu-token", dest="tianditu_token", help="token for --tiles tianditu")
    p.add_argument("--lang", choices=["zh-CN", "en"], help="labels (default: QY_LANG, zh-CN)")
    p.add_argument("--out", required=True, help="output .html (self-contained, works offline)")
    p.set_defaults(func=cmd_map)

"""Per-cell commands: ``coverage``, ``hotspots``, ``risk`` and the ``evaluate`` backtest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from cli._common import UsageError, add_cells, audit, doc, engine, who, write_csv_or_json
from geo.domain import evaluate, hexes, schema
from geo.domain.period import DEFAULT_NIGHT
from geo.reports.cells import write_cells
from geo.services import coverage, hotspots, risk

__all__ = ["add_coverage", "add_evaluate", "add_hotspots", "add_risk"]


def _export(args: argparse.Namespace, eng: sa.Engine, cells: pd.DataFrame) -> int:
    """Write ``cells`` to ``--out`` and audit the export; the number of cells written."""
    written = write_cells(cells, args.out)
    audit(args, eng, "export", Path(args.out).name, rows=written, area=args.area)
    return written


def cmd_coverage(args: argparse.Namespace) -> dict[str, Any]:
    """Patrol coverage (dwell, nights, stops) per cell; writes GeoJSON, CSV or Parquet."""
    units = [u.strip() for u in args.units.split(",")] if args.units else None
    for u in units or []:
        if u not in schema.UNIT_KINDS:
            raise UsageError(f"unknown unit kind {u!r}; expected: {', '.join(schema.UNIT_KINDS)}")
    eng = engine(args)
    result = coverage.coverage_cells(
        eng,
        who(args, eng),
        start=args.date_from,
        end=args.date_to,
        night=args.night,
        res=args.res,
        area=args.area,
        unit_kinds=units,
    )
    written = _export(args, eng, result)
    whole_days = args.night in ("all", "")
    return {
        "command": "coverage",
        "out": str(args.out),
        "cells": written,
        "dwell_h": round(float(result["dwell_s"].sum()) / 3600, 1) if len(result) else 0.0,
        # the Overview's, Coverage page's and briefing's figure (None for whole days)
        "night_patrol_h": None
        if whole_days
        else coverage.night_patrol_hours(
            eng,
            who(args, eng),
            start=args.date_from,
            end=args.date_to,
            night=args.night,
            area=args.area,
            unit_kinds=units,
        ),
        "res": args.res,
        "from": args.date_from,
        "to": args.date_to,
        "night": args.night,
    }


def add_coverage(sub: Any) -> None:
    p = sub.add_parser("coverage", help=doc(cmd_coverage), description=doc(cmd_coverage))
    add_cells(p)
    p.add_argument(
        "--night",
        default=DEFAULT_NIGHT,
        help="night window HH:MM-HH:MM (default 20:00-06:00); 'all' for whole days",
    )
    p.add_argument("--units", help="unit kinds, comma-separated: " + ",".join(schema.UNIT_KINDS))
    p.add_argument("--out", required=True, help="output .geojson, .csv or .parquet")
    p.set_defaults(func=cmd_coverage)


def _categories(text: str | None) -> list[str] | None:
    if not text:
        return None
    cats = [c.strip() for c in text.split(",") if c.strip()]
    for c in cats:
        if c not in schema.INCIDENT_CATEGORIES:
            raise UsageError(
                f"unknown incident category {c!r}; expected: "
                f"{', '.join(schema.INCIDENT_CATEGORIES)}"
            )
    return cats


def cmd_hotspots(args: argparse.Namespace) -> dict[str, Any]:
    """Getis-Ord Gi* hot and cold spots of incidents per cell (z, p, confidence bin, trend)."""
    eng = engine(args)
    result = hotspots.hotspot_cells(
        eng,
        who(args, eng),
        start=args.date_from,
        end=args.date_to,
        res=args.res,
        k=args.k,
        area=args.area,
        categories=_categories(args.category),
        fdr=args.fdr,
        emerging=args.emerging,
    )
    written = _export(args, eng, result)
    bins = result["gi_bin"].value_counts().to_dict()
    out: dict[str, Any] = {
        "command": "hotspots",
        "out": str(args.out),
        "cells": written,
        "incidents": int(result["count"].sum()),
        "res": args.res,
        "k": args.k,
        "fdr": args.fdr,
        "hot_cells": int(sum(v for b, v in bins.items() if b > 0)),
        "cold_cells": int(sum(v for b, v in bins.items() if b < 0)),
    }
    if written < 2:
        out["note"] = "Gi* needs at least 2 study cells (areas, or incidents to place them)"
    if args.emerging and "trend" in result:
        out["trends"] = result["trend"].value_counts().to_dict()
    elif args.emerging:
        out["trends"] = None
        out["trends_note"] = result.attrs.get("emerging_short")
    return out


def add_hotspots(sub: Any) -> None:
    p = sub.add_parser("hotspots", help=doc(cmd_hotspots), description=doc(cmd_hotspots))
    add_cells(p)
    p.add_argument("--k", type=int, default=1, help="k-ring of the binary weights (default 1)")
    p.add_argument("--category", help="incident categories, comma-separated")
    p.add_argument("--fdr", action="store_true", help="Benjamini-Hochberg false discovery rate")
    p.add_argument(
        "--emerging",
        action="store_true",
        help="weekly emerging hot spot pattern per cell (property trend)",
    )
    p.add_argument("--out", required=True, help="output .geojson, .csv or .parquet")
    p.set_defaults(func=cmd_hotspots)


def cmd_risk(args: argparse.Namespace) -> dict[str, Any]:
    """Risk (expected incidents per week, the jurisdiction's model), its percentile in the area
    (risk_pct), night coverage and gap (a ranking within the area) per cell, ranked by gap."""
    eng = engine(args)
    result = risk.risk_cells(
        eng,
        who(args, eng),
        start=args.date_from,
        end=args.date_to,
        res=args.res,
        area=args.area,
        night=args.night,
        top=args.top,
    )
    written = _export(args, eng, result)
    top = result.head(5)
    return {
        "command": "risk",
        "out": str(args.out),
        "cells": written,
        "res": args.res,
        "top_gaps": [
            {
                "h3": h,
                "risk": round(float(k), 3),
                "risk_pct": round(float(p), 2),
                "gap": round(float(g), 3),
                "reason": r,
            }
            for h, k, p, g, r in zip(
                hexes.cells_to_str(top["cell"].to_numpy()),
                top["risk"],
                top["risk_pct"],
                top["gap"],
                top["reason"],
                strict=True,
            )
        ],
    }


def add_risk(sub: Any) -> None:
    p = sub.add_parser("risk", help=doc(cmd_risk), description=doc(cmd_risk))
    add_cells(p)
    p.add_argument("--night", default=DEFAULT_NIGHT, help="night window for coverage")
    p.add_argument("--top", type=int, help="keep only the N largest gaps")
    p.add_argument("--out", required=True, help="output .geojson, .csv or .parquet")
    p.set_defaults(func=cmd_risk)


def cmd_evaluate(args: argparse.Namespace) -> dict[str, Any]:
    """Backtest of weekly hot-spot forecasts: hit rate, PAI and PEI per method."""
    if not (args.date_from and args.date_to):
        raise UsageError("evaluate needs --from and --to")
    eng = engine(args)
    result = risk.backtest(
        eng, who(args, eng), start=args.date_from, end=args.date_to, res=args.res, area=args.area
    )
    table = evaluate.summary_table(result)
    if args.out:
        path = Path(args.out)
        write_csv_or_json(path, table, result, encoding="utf-8", json_default=str)
        audit(args, eng, "export", path.name, rows=len(table), area=args.area)
    if not args.quiet:
        print(table.to_string(index=False), file=sys.stderr)
    return {"command": "evaluate", "out": args.out, "summary": result["summary"]}


def add_evaluate(sub: Any) -> None:
    p = sub.add_parser("evaluate", help=doc(cmd_evaluate), description=doc(cmd_evaluate))
    add_cells(p)
    p.add_argument("--out", help="write the full result as .json or the summary as .csv")
    p.add_argument("--quiet", action="store_true", help="do not print the table on stderr")
    p.set_defaults(func=cmd_evaluate)

"""``brief``: the briefing of a period and area as .pdf, .docx, .html or .md."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli._common import UsageError, add_as, add_db, add_period, audit, doc, engine, who
from geo.config import get_settings
from geo.domain.period import DEFAULT_NIGHT, RESOLUTIONS
from geo.reports.briefing import LEAD_FIGURES
from geo.services import briefing

__all__ = ["add_brief"]


def cmd_brief(args: argparse.Namespace) -> dict[str, Any]:
    """Briefing of a period and area: the campaign figures, maps and trends, as .pdf, .docx,
    .html or .md."""
    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in briefing.FORMATS:
        raise UsageError(f"{out.name}: --out must be .pdf, .docx, .html or .md")
    lang = {"zh": "zh-CN", "zh-CN": "zh-CN", "en": "en"}[args.lang or get_settings().lang]
    eng = engine(args)
    b = briefing.build(
        eng,
        who(args, eng),
        args.date_from,
        args.date_to,
        args.area,
        lang=lang,
        campaign=args.campaign,
        night=args.night,
        res=args.res,
    )
    size = briefing.write(b, out)
    audit(
        args,
        eng,
        "export",
        out.name,
        kind="briefing",
        format=fmt,
        area=args.area,
        start=args.date_from,
        end=args.date_to,
    )
    key = b.figures["key"]
    return {
        "command": "brief",
        "out": str(out),
        "format": fmt,
        "bytes": size,
        "lang": lang,
        "from": args.date_from,
        "to": args.date_to,
        "area": args.area,
        "demo": b.figures["demo"],
        "figures": {k: key[k] for k in (*LEAD_FIGURES, "incidents", "night_patrol_h")}
        | {
            "hazards_open": b.figures["hazards"]["open"],
            "hazards_overdue": b.figures["hazards"]["overdue"],
            "venues_overdue": b.figures["checks"]["venues_overdue"],
        },
    }


def add_brief(sub: Any) -> None:
    p = sub.add_parser("brief", help=doc(cmd_brief).split(":")[0], description=doc(cmd_brief))
    add_db(p)
    add_as(p)
    add_period(p, required=True)
    p.add_argument("--area", help="area id (station or grid; default: all areas)")
    p.add_argument(
        "--lang", choices=["zh", "zh-CN", "en"], help="language (default: QY_LANG, zh-CN)"
    )
    p.add_argument(
        "--campaign",
        help="campaign name for the lead sentence, e.g. 百日行动 "
        '("开展百日行动以来..."); default: the period',
    )
    p.add_argument(
        "--night", default=DEFAULT_NIGHT, help="night window HH:MM-HH:MM (default 20:00-06:00)"
    )
    p.add_argument(
        "--res",
        type=int,
        default=9,
        choices=list(RESOLUTIONS),
        help="H3 resolution of the maps, hot spots and gaps",
    )
    p.add_argument("--out", required=True, help="output .pdf, .docx, .html or .md")
    p.set_defaults(func=cmd_brief)

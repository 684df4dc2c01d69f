"""The parser with every command, and :func:`main`: one command, one JSON line.

Commands are listed here in the order ``--help`` shows them; each command module keeps a
command's options next to its handler (``add_<command>``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from cli import (
    bench,
    categories,
    cells,
    data,
    devices,
    duty,
    maps,
    network,
    plans,
    profiles,
    replay,
    reports,
    serve,
    users,
)
from cli._common import Parser, UsageError
from geo.services.data import FileError

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: tuple[Callable[[Any], None], ...] = (
    data.add_demo,
    data.add_import,
    profiles.add_profiles,
    data.add_status,
    categories.add_categories,
    cells.add_coverage,
    cells.add_hotspots,
    cells.add_risk,
    maps.add_map,
    cells.add_evaluate,
    reports.add_brief,
    plans.add_plan,
    plans.add_actual,
    network.add_network_command,
    users.add_users,
    devices.add_devices,
    devices.add_tokens,
    duty.add_duty,
    duty.add_circles,
    duty.add_alerts,
    duty.add_nearest,
    data.add_rebuild,
    data.add_rollup,
    replay.add_replay,
    serve.add_serve,
    bench.add_bench,
)


def build_parser() -> Parser:
    """The argument parser with every command."""
    parser = Parser(
        prog="python -m geo",
        description="Qingyun Patrol (青云巡防) command line. "
        "Each command prints one JSON summary line.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        summary = args.func(args)
    except SystemExit as e:  # --help
        return int(e.code or 0)
    except (UsageError, FileError, ValueError, KeyError, OSError) as e:
        text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"error: {text}", file=sys.stderr)
        return 2
    except Exception as e:  # an internal fault: still one line, never a traceback
        print(
            f"internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
            file=sys.stderr,
        )
        return 1
    print(json.dumps(summary, ensure_ascii=False, default=str))
    return 0

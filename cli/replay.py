"""``replay``: send a stored night's GPS fixes to the live server as the devices would."""

from __future__ import annotations

import argparse
from typing import Any

from cli._common import add_db, date, doc, engine
from geo.services import replay

__all__ = ["add_replay"]


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        msg = f"not a positive number: {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        msg = f"not a share between 0 and 1: {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def cmd_replay(args: argparse.Namespace) -> dict[str, Any]:
    """Replay a stored night: post its GPS fixes to the server (python -m geo serve) as the
    units' devices would (a device token per unit, revoked at the end; batches of 5 seconds of
    fixes, some late, some out of order), paced at --speed times real time. By default the fixes
    move to the present (--now): the store already holds the night's tracks, and the same times
    would give them twice; --keep-times only for a server on another store."""
    eng = engine(args)
    units = [u.strip() for u in args.units.split(",") if u.strip()] if args.units else None
    result = replay.replay(
        eng,
        args.night,
        url=args.url,
        speed=args.speed,
        shift=not args.keep_times,
        late=args.late,
        units=units,
        seed=args.seed,
    )
    return {"command": "replay", "night": args.night, "shifted": not args.keep_times, **result}


def add_replay(sub: Any) -> None:
    p = sub.add_parser("replay", help=doc(cmd_replay).split(":")[0], description=doc(cmd_replay))
    add_db(p)
    p.add_argument(
        "--night",
        type=date,
        required=True,
        metavar="D",
        help="the night, as the local date it starts on (YYYY-MM-DD)",
    )
    p.add_argument(
        "--speed",
        type=_speed,
        default=60.0,
        metavar="X",
        help="times real time (default 60: an hour of fixes in a minute)",
    )
    p.add_argument(
        "--url",
        default="http://127.0.0.1:8600",
        help="the server (default http://127.0.0.1:8600); --db must be its store",
    )
    times = p.add_mutually_exclusive_group()
    times.add_argument(
        "--now",
        action="store_true",
        help="move every fix by one constant to the present (the default): at --speed 1 the "
        "night's first fix is a minute ago; faster, its last fix is a minute before the replay "
        "ends, so that no fix is sent before it is made",
    )
    times.add_argument(
        "--keep-times",
        dest="keep_times",
        action="store_true",
        help="send the stored times (for a server on another store)",
    )
    p.add_argument(
        "--late",
        type=_share,
        default=0.05,
        metavar="SHARE",
        help="share of the batches sent a few minutes late (default 0.05)",
    )
    p.add_argument("--units", metavar="U1,U2", help="only these units (default: all)")
    p.add_argument("--seed", type=int, default=0, help="which batches are late or shuffled")
    p.set_defaults(func=cmd_replay)

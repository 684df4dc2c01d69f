"""What every command shares: the parser that reports bad usage on one line, the common options,
the store and the user a command runs as, audit rows and file writers."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd
import sqlalchemy as sa

from geo import services
from geo.config import get_settings
from geo.domain.period import RESOLUTIONS
from geo.escape import neutralise_formulas
from geo.services import access

__all__ = [
    "Handler",
    "Parser",
    "UsageError",
    "add_admin_as",
    "add_area",
    "add_as",
    "add_cells",
    "add_db",
    "add_network",
    "add_night_date",
    "add_period",
    "add_res",
    "add_time_limit",
    "audit",
    "date",
    "doc",
    "engine",
    "frame_records",
    "local_time",
    "who",
    "who_may",
    "write_csv_or_json",
]

Handler = Callable[[argparse.Namespace], dict[str, Any]]


class UsageError(Exception):
    """Bad usage or input: reported on one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are :class:`UsageError` (one line, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def doc(command: Callable[..., object]) -> str:
    """A command's docstring, its help text; empty under ``python -OO``, which strips them."""
    return command.__doc__ or ""


def date(text: str) -> str:
    """An ``argparse`` type: a local date ``YYYY-MM-DD``."""
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        msg = f"not a date (YYYY-MM-DD): {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def local_time(text: str | None, *, localise: bool = False) -> pd.Timestamp | None:
    """``--at`` (``YYYY-MM-DD HH:MM``, local) as a timestamp; with ``localise`` a naive time is
    put in the configured zone. None stays None."""
    if not text:
        return None
    try:
        at = pd.Timestamp(text)
    except ValueError:
        raise UsageError(f"--at: not a time (YYYY-MM-DD HH:MM): {text!r}") from None
    if localise and at.tzinfo is None:
        at = at.tz_localize(get_settings().tz)
    return at


def add_db(p: argparse.ArgumentParser) -> None:
    """``--db URL``: every command's store."""
    p.add_argument(
        "--db",
        metavar="URL",
        help="store URL (default: QY_DATABASE_URL or the embedded SQLite file data/qingyun.db)",
    )


def add_as(p: argparse.ArgumentParser) -> None:
    """``--as USER``: every reading command's user."""
    p.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        help="produce what this user may see (their areas and role); no password: "
        "the CLI runs on the server. Default: everything",
    )


def add_admin_as(p: argparse.ArgumentParser, *, doing: str = "making the change") -> None:
    """``--as USER``: the admin a changing command is audited under (default ``cli``)."""
    p.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        help=f"the admin {doing} (audited under this name; must be an admin). Default: cli",
    )


def add_period(p: argparse.ArgumentParser, *, required: bool = False) -> None:
    """``--from`` and ``--to``: a period of local dates (both ``required`` or both optional)."""
    p.add_argument(
        "--from",
        dest="date_from",
        type=date,
        metavar="D",
        required=required,
        help="first local date, YYYY-MM-DD (inclusive)",
    )
    p.add_argument(
        "--to",
        dest="date_to",
        type=date,
        metavar="D",
        required=required,
        help="last local date, YYYY-MM-DD (inclusive)",
    )


def add_night_date(p: argparse.ArgumentParser) -> None:
    """``--date D`` (required): the night, by the local date it starts on."""
    p.add_argument(
        "--date",
        type=date,
        required=True,
        metavar="D",
        help="the night, as the local date it starts on (YYYY-MM-DD)",
    )


def add_area(p: argparse.ArgumentParser) -> None:
    """``--area ID``: a station or grid."""
    p.add_argument("--area", help="area id (station or grid)")


def add_res(p: argparse.ArgumentParser) -> None:
    """``--res N``: the H3 resolution (default 9)."""
    p.add_argument("--res", type=int, default=9, choices=list(RESOLUTIONS), help="H3 resolution")


def add_network(p: argparse.ArgumentParser) -> None:
    """``--network F.pbf``: the road network of travel times."""
    p.add_argument(
        "--network",
        metavar="F|ID|straight",
        help="road network: a file (.osm.pbf, .graphml, a road-centreline .zip/.gpkg), a stored "
        "network's id, or straight (default: the store's active network, else the straight "
        "line x detour factor)",
    )


def add_time_limit(p: argparse.ArgumentParser, default: float, search: str) -> None:
    """``--time-limit S``: seconds for the solver's ``search`` (e.g. "route")."""
    p.add_argument(
        "--time-limit",
        dest="time_limit",
        type=float,
        default=default,
        metavar="S",
        help=f"seconds for the {search} search (default {default:g})",
    )


def add_cells(p: argparse.ArgumentParser) -> None:
    """Options of every per-cell command: store, user, period, resolution, area."""
    add_db(p)
    add_as(p)
    add_period(p)
    add_res(p)
    add_area(p)


def engine(args: argparse.Namespace) -> sa.Engine:
    """The store of ``--db`` (migrations applied)."""
    return services.connect(args.db)


def who(args: argparse.Namespace, eng: sa.Engine) -> services.Reader:
    """The principal of ``--as USER`` (ValueError if there is no such enabled user), else all."""
    name = getattr(args, "as_user", None)
    if not name:
        return "all"
    return access.principal_of(eng, name)


def who_may(args: argparse.Namespace, eng: sa.Engine, page: str) -> services.Reader:
    """:func:`who`, refused on one line (:class:`UsageError`) when the role of ``--as USER`` may
    not open ``page`` in the app (a key of :data:`geo.services.access.PAGES`)."""
    user = who(args, eng)
    if isinstance(user, access.Principal) and not user.may(page):
        raise UsageError(
            f"{args.command}: {user.user} is a {user.role}; a {user.role} may not open "
            f"the {page} page"
        )
    return user


def audit(
    args: argparse.Namespace,
    eng: sa.Engine,
    action: str,
    what: object,
    *,
    rows: int | None = None,
    **detail: Any,
) -> None:
    """Record what the command did in the audit log, under ``--as`` (or ``cli``)."""
    access.audit(
        eng,
        getattr(args, "as_user", None) or "cli",
        action,
        what,
        rows=rows,
        via="cli",
        command=args.command,
        **detail,
    )


def frame_records(frame: pd.DataFrame, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (times as ISO text, missing values as None)."""
    f = frame.head(limit) if limit else frame
    f = f.astype(object).where(pd.notna(f), None)
    return json.loads(f.to_json(orient="records", date_format="iso", force_ascii=False))


def write_csv_or_json(
    out: Path,
    frame: pd.DataFrame,
    document: object,
    *,
    encoding: str = "utf-8-sig",
    json_default: Callable[[Any], Any] | None = None,
) -> None:
    """``frame`` as a formula-safe CSV when ``out`` ends in .csv, else ``document`` as JSON."""
    if out.suffix.lower() == ".csv":
        neutralise_formulas(frame).to_csv(out, index=False, encoding=encoding)
    else:
        out.write_text(
            json.dumps(document, ensure_ascii=False, indent=1, default=json_default),
            encoding="utf-8",
        )

"""``users``: add, list, disable, enable, passwd."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from cli._common import Parser, UsageError, add_db, doc, engine
from geo.services import access

__all__ = ["add_users"]


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError(
            "no terminal to ask the password on: give it on stdin with --password-stdin"
        )
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UsageError("the two passwords differ")
    return first


def cmd_users(args: argparse.Namespace) -> dict[str, Any]:
    """User administration: add, list, disable, enable, passwd. Changes are audited as made by
    ``cli``; passwords are hashed (argon2id) and never printed."""
    eng = engine(args)
    out: dict[str, Any] = {"command": "users", "action": args.action}
    if args.action == "list":
        table = access.users(eng)
        out["users"] = [
            {
                "name": r.user_name,
                "role": r.role,
                "areas": r.areas,
                "disabled": bool(r.disabled),
                "locked": bool(r.locked),
                "demo": bool(r.demo),
            }
            for r in table.itertuples(index=False)
        ]
        return out
    out["name"] = args.name
    if args.action == "add":
        access.add_user(eng, args.name, _password(args), args.role, args.area, by="cli")
        out |= {"role": args.role, "areas": sorted(args.area)}
    elif args.action in ("disable", "enable"):
        access.set_disabled(eng, args.name, args.action == "disable", by="cli")
    else:
        access.set_password(eng, args.name, _password(args), by="cli")
    return out


def add_users(sub: Any) -> None:
    p = sub.add_parser(
        "users",
        help="user administration: add, list, disable, enable, passwd",
        description=doc(cmd_users) + " Each action takes --db URL.",
    )
    users = p.add_subparsers(dest="action", required=True, parser_class=Parser)
    q = users.add_parser(
        "add",
        help="add a user",
        description="Add a user. The password is "
        "read from stdin with --password-stdin, else asked twice on the "
        "terminal; it is never an argument (argument lists are visible to "
        "other users of the machine).",
    )
    add_db(q)
    q.add_argument("name", help="user name (letters, digits, . _ - @)")
    q.add_argument("--role", required=True, choices=list(access.ROLES), help="role")
    q.add_argument(
        "--area",
        nargs="+",
        default=[],
        metavar="ID",
        help="areas: stations for a commander, grids for a grid manager, any for "
        "a viewer; none for an admin",
    )
    q.add_argument(
        "--password-stdin",
        dest="password_stdin",
        action="store_true",
        help="read the password from the first line of stdin",
    )
    q = users.add_parser("list", help="list users (no password hashes)")
    add_db(q)
    for action, text in (
        ("disable", "disable a user (their sessions end)"),
        ("enable", "enable a disabled user again"),
    ):
        q = users.add_parser(action, help=text, description=text)
        add_db(q)
        q.add_argument("name", help="user name")
    q = users.add_parser(
        "passwd", help="set a user's password (ends their sessions, lifts a lockout)"
    )
    add_db(q)
    q.add_argument("name", help="user name")
    q.add_argument(
        "--password-stdin",
        dest="password_stdin",
        action="store_true",
        help="read the password from the first line of stdin",
    )
    p.set_defaults(func=cmd_users)

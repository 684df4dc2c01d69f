"""``devices`` and ``tokens``: the machine API's tokens (create, list, revoke).

``devices`` manages device tokens (one patrol unit's fixes), ``tokens`` user tokens (reading
with a user's role and areas). Both are admin commands: the changes are audited as made by
``--as USER`` (an admin) or ``cli``; a token is printed once, when it is made, and never stored.
"""

from __future__ import annotations

import argparse
from typing import Any

from cli._common import Parser, add_admin_as, add_db, doc, engine, frame_records, who_may
from geo.services import access, tokens

__all__ = ["add_devices", "add_tokens"]

ONCE = "shown once: store it now; only its digest is kept, it cannot be shown again"


def _by(args: argparse.Namespace, eng: Any) -> str:
    """Who runs the command: ``--as USER`` (refused on one line unless an admin), else ``cli``."""
    user = who_may(args, eng, "admin")
    return user.user if isinstance(user, access.Principal) else "cli"


def _listing(eng: Any, kind: str) -> list[dict[str, Any]]:
    table = tokens.list_tokens(eng)
    table = table.loc[table["kind"] == kind]
    table = table.assign(active=table["revoked"].isna())
    keep = ["token_id", "unit_id" if kind == "device" else "user_name", "label", "active"]
    return frame_records(table[[*keep, "created", "created_by", "revoked", "last_used"]])


def _run(args: argparse.Namespace, kind: str) -> dict[str, Any]:
    eng = engine(args)
    out: dict[str, Any] = {"command": args.command, "action": args.action}
    by = _by(args, eng)  # a non-admin --as is refused, even to list
    if args.action == "list":
        return out | {"tokens": _listing(eng, kind)}
    if args.action == "revoke":
        tokens.revoke_token(eng, args.token_id, by=by, kind=kind)
        return out | {"token_id": args.token_id, "revoked": True}
    if kind == "device":
        token_id, token = tokens.create_device_token(eng, args.unit, label=args.label, by=by)
        return out | {
            "token_id": token_id,
            "unit_id": args.unit.strip(),
            "token": token,
            "note": ONCE,
        }
    token_id, token = tokens.create_user_token(eng, args.user, label=args.label, by=by)
    return out | {"token_id": token_id, "user": args.user.strip(), "token": token, "note": ONCE}


def cmd_devices(args: argparse.Namespace) -> dict[str, Any]:
    """Device tokens: create (one per device, bound to one patrol unit: it may post only that
    unit's fixes), list (never a secret), revoke (at once). Changes are audited."""
    return _run(args, "device")


def cmd_tokens(args: argparse.Namespace) -> dict[str, Any]:
    """User tokens for other systems: create (it reads what the user may read, role and
    areas), list (never a secret), revoke (at once). Changes are audited."""
    return _run(args, "user")


def _add(sub: Any, name: str, kind: str, handler: Any) -> None:
    whose = "a patrol unit's device" if kind == "device" else "a user"
    p = sub.add_parser(
        name,
        help=f"tokens of the machine API for {whose}: create, list, revoke",
        description=doc(handler) + " Each action takes --db URL and --as USER.",
    )
    actions = p.add_subparsers(dest="action", required=True, parser_class=Parser)
    q = actions.add_parser(
        "create",
        help=f"make a token for {whose} and print it once",
        description=f"Make a token for {whose}. The token is printed once in the JSON line "
        "(key token); only a digest of its secret is stored.",
    )
    add_db(q)
    add_admin_as(q)
    if kind == "device":
        q.add_argument("unit", help="the patrol unit's id (unit_id) the device reports for")
    else:
        q.add_argument("user", help="the user the token reads as (an enabled user)")
    q.add_argument("--label", default="", help="a note: the device's number, the system, ...")
    q = actions.add_parser("list", help=f"list the tokens of {whose} (never a secret)")
    add_db(q)
    add_admin_as(q)
    q = actions.add_parser("revoke", help="revoke a token at once")
    add_db(q)
    add_admin_as(q)
    q.add_argument("token_id", help="the token's id (10 hex characters, from list)")
    p.set_defaults(func=handler)


def add_devices(sub: Any) -> None:
    _add(sub, "devices", "device", cmd_devices)


def add_tokens(sub: Any) -> None:
    _add(sub, "tokens", "user", cmd_tokens)

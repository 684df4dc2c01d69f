"""``categories``: list the stored source categories, map sources to analysis groups."""

from __future__ import annotations

import argparse
from typing import Any

from cli._common import Parser, UsageError, add_db, doc, engine, who
from geo.services import access
from geo.services import categories as cats

__all__ = ["add_categories"]


def _admin(args: argparse.Namespace) -> None:
    """Refuse a ``--as USER`` who is no admin (the mapping is the whole store's)."""
    user = who(args, engine(args))
    if isinstance(user, access.Principal) and user.role != "admin":
        raise UsageError(f"categories: {args.as_user} is a {user.role}; only an admin maps")


def cmd_categories(args: argparse.Namespace) -> dict[str, Any]:
    """Source categories as the files wrote them and the analysis groups they are in.
    ``list`` gives every stored source with its code, group and row count (--unmapped: only
    those no mapping knows, stored in "other"); ``map KIND 'source=group' ...`` maps sources
    to groups (a group by its name or its label, zh or en) and re-groups the stored rows at
    once, without re-importing; audited."""
    _admin(args)
    eng = engine(args)
    if args.action == "list":
        table = cats.category_table(eng, args.kind, unmapped=args.unmapped)
        return {
            "command": "categories list",
            "kind": args.kind,
            "unmapped_only": args.unmapped,
            "sources": len(table),
            "unmapped": int((~table["mapped"]).sum()),
            "categories": [
                {
                    "kind": r.kind,
                    "source": r.source,
                    "code": r.code,
                    "group": r.group,
                    "rows": int(r.rows),
                    "mapped": bool(r.mapped),
                }
                for r in table.itertuples(index=False)
            ],
        }
    pairs = cats.parse_pairs(args.kind, args.pairs)
    out = cats.map_categories(
        eng, args.kind, pairs, user=args.as_user or "cli", via="cli", command="categories map"
    )
    return {"command": "categories map", **out}


def add_categories(sub: Any) -> None:
    p = sub.add_parser(
        "categories",
        help="source categories and their analysis groups: list, map",
        description=doc(cmd_categories) + " Each action takes --db URL.",
    )
    actions = p.add_subparsers(dest="action", required=True, parser_class=Parser)
    q = actions.add_parser(
        "list",
        help="stored source categories with code, group and rows",
        description="Every stored source category with its code, analysis group and rows.",
    )
    add_db(q)
    _add_as(q)
    q.add_argument("--kind", choices=list(cats.KINDS), help="one record kind (default: all)")
    q.add_argument(
        "--unmapped",
        action="store_true",
        help='only the sources no mapping knows (their rows are in "other")',
    )
    q = actions.add_parser(
        "map",
        help="map source categories to groups; stored rows re-grouped at once",
        description="Map source categories of KIND to analysis groups. Each PAIR is "
        "'source=group': the source as stored (or written alike: full-width forms, spaces and "
        "a leading code do not count), the group by its name or its label in zh or en "
        "(burglary, 入室盗窃, Burglary). The stored rows of those sources are re-grouped at "
        "once; later imports use the mapping too.",
    )
    add_db(q)
    _add_as(q)
    q.add_argument("kind", choices=list(cats.KINDS), help="record kind")
    q.add_argument("pairs", nargs="+", metavar="PAIR", help="'source=group'")
    p.set_defaults(func=cmd_categories)


def _add_as(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        help="the admin recorded as mapping (default: cli)",
    )

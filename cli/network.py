"""``network``: road networks in the store (import, list, use, delete).

An admin's commands: the changes are audited as made by ``--as USER`` (an admin) or ``cli``.
The active network is what ``plan``, ``circles`` and ``nearest`` travel on unless ``--network``
names another (a file, a stored id, or ``straight``).
"""

from __future__ import annotations

import argparse
from typing import Any

from cli._common import Parser, add_admin_as, add_db, doc, engine, frame_records, who_may
from geo.services import access, networks

__all__ = ["add_network_command"]


def _by(args: argparse.Namespace, eng: Any) -> str:
    """Who runs the command: ``--as USER`` (refused on one line unless an admin), else ``cli``."""
    user = who_may(args, eng, "admin")
    return user.user if isinstance(user, access.Principal) else "cli"


def cmd_network(args: argparse.Namespace) -> dict[str, Any]:
    """Road networks: import a file (a road-centreline Shapefile, zipped or not, or GeoPackage
    layer; an osmnx GraphML; an OpenStreetMap .osm.pbf) and make it the active one, list the
    stored ones, use one (or none: --straight), delete one. Changes are audited."""
    eng = engine(args)
    by = _by(args, eng)  # a non-admin --as is refused, even to list
    out: dict[str, Any] = {"command": "network", "action": args.action}
    if args.action == "import":
        got = networks.import_network(
            eng,
            args.file,
            name=args.name,
            crs=args.crs,
            layer=args.layer,
            by=by,
            activate=not args.keep_active,
        )
        return out | got
    if args.action == "list":
        table = networks.list_networks(eng).drop(columns=["classes"])
        return out | {"networks": frame_records(table)}
    if args.action == "use":
        network_id = None if args.network_id == "straight" else _id(args.network_id)
        networks.use_network(eng, network_id, by=by)
        return out | {"network_id": network_id, "active": network_id is not None}
    networks.delete_network(eng, _id(args.network_id), by=by)
    return out | {"network_id": _id(args.network_id), "deleted": True}


def _id(text: str) -> int:
    try:
        return int(str(text).lstrip("#"))
    except ValueError:
        msg = f"network: {text!r} is no network id (a number from `network list`)"
        raise ValueError(msg) from None


def add_network_command(sub: Any) -> None:
    p = sub.add_parser(
        "network",
        help="road networks for travel times: import, list, use, delete",
        description=doc(cmd_network) + " Each action takes --db URL and --as USER.",
    )
    actions = p.add_subparsers(dest="action", required=True, parser_class=Parser)
    q = actions.add_parser(
        "import",
        help="read a road network file, store it and make it the active one",
        description="Read a road network file (.shp or a .zip of one, .gpkg, .graphml, "
        ".osm.pbf), store it and make it the active network (unless --keep-active).",
    )
    add_db(q)
    add_admin_as(q)
    q.add_argument("file", help="the road network file")
    q.add_argument("--name", help="what users call it (default: the file's name)")
    q.add_argument(
        "--crs",
        default="wgs84",
        choices=["wgs84", "gcj02", "bd09"],
        help="what degrees are in when the file has no .prj (default wgs84)",
    )
    q.add_argument("--layer", help="the GeoPackage layer of the road centrelines")
    q.add_argument(
        "--keep-active", action="store_true", help="store it without making it the active one"
    )
    q = actions.add_parser("list", help="list the stored road networks")
    add_db(q)
    add_admin_as(q)
    q = actions.add_parser("use", help="make a stored network the active one")
    add_db(q)
    add_admin_as(q)
    q.add_argument("network_id", help="the network's id (from list), or straight for none")
    q = actions.add_parser("delete", help="delete a stored network")
    add_db(q)
    add_admin_as(q)
    q.add_argument("network_id", help="the network's id (from list)")
    p.set_defaults(func=cmd_network)

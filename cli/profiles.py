"""Import mappings on the command line: the mapping options of ``import`` and the ``profiles``
command (list, show, delete the saved profiles)."""

from __future__ import annotations

import argparse
from typing import Any

import sqlalchemy as sa

from cli._common import Parser, UsageError, add_db, doc, engine
from geo.config import get_settings
from geo.domain import schema
from geo.services import profiles

__all__ = ["EXAMPLE", "add_mapping_options", "add_profiles", "import_rules", "save_used"]

EXAMPLE = (
    "Example: a hazard register without a severity column, whose category column is called "
    "问题分类 and whose statuses are its own words, saved as a profile that later files with "
    "the same headers use by themselves: "
    "python -m geo import hazards 隐患台账.csv --map '问题分类=category' "
    "--values 'status:已整改=rectified,整改中=rectifying,未整改=open' "
    "--default 'severity=medium' --save-profile '隐患台账 青山湖'. "
    "Options --map, --values and --default may be repeated."
)


def add_mapping_options(p: argparse.ArgumentParser) -> None:
    """The options of ``import`` that say which column is which field, what the file's values
    mean and what to fill in, and the profiles that keep them."""
    p.add_argument(
        "--profile",
        metavar="NAME",
        help="use the saved mapping profile NAME (--map, --values and --default add to it). "
        "Without any of these, the saved profile whose columns the file has is used",
    )
    p.add_argument(
        "--map",
        dest="map_columns",
        action="append",
        metavar="'col=field,...'",
        help="file column -> field of the record kind, over the automatic header matching "
        "(e.g. '单元编号=unit_id,呼号=name')",
    )
    p.add_argument(
        "--values",
        dest="map_values",
        action="append",
        metavar="'field:src=value,...'",
        help="file value -> field value for statuses, severities, unit kinds and categories "
        "(e.g. 'status:已整改=rectified,整改中=rectifying'; an item without field: continues "
        "the field before it)",
    )
    p.add_argument(
        "--default",
        dest="map_defaults",
        action="append",
        metavar="'field=value,...'",
        help="value of a field the file lacks, and of its blank cells (e.g. 'severity=medium')",
    )
    p.add_argument(
        "--save-profile",
        dest="save_profile",
        metavar="NAME",
        help="after the import, save the mapping it used (every column read, the value maps "
        "and the defaults) as the profile NAME",
    )
    p.add_argument(
        "--no-profile",
        dest="no_profile",
        action="store_true",
        help="use no saved profile, even one whose columns the file has",
    )
    p.epilog = EXAMPLE


def _joined(parts: list[str] | None) -> str | None:
    return ",".join(parts) if parts else None


def import_rules(
    args: argparse.Namespace, eng: sa.Engine
) -> tuple[profiles.ImportMapping | None, str | None]:
    """The mapping of ``import``'s options (the profile's with the options over it) and the
    profile's name; a :class:`UsageError` in the language of ``--lang`` naming what is wrong."""
    lang = getattr(args, "lang", None) or get_settings().lang
    if args.profile and args.no_profile:
        raise UsageError("import: --profile and --no-profile exclude each other")
    try:
        given = profiles.given(
            args.kind,
            columns=_joined(args.map_columns),
            values=_joined(args.map_values),
            defaults=_joined(args.map_defaults),
        )
        rules = profiles.resolve(eng, args.kind, name=args.profile, rules=given)
    except profiles.MappingError as e:
        raise UsageError(e.text(lang)) from None
    return rules, args.profile


def save_used(args: argparse.Namespace, eng: sa.Engine, used: dict[str, Any]) -> dict[str, Any]:
    """Save the mapping an import used as ``--save-profile NAME`` (when given); its summary."""
    if not args.save_profile:
        return {}
    lang = getattr(args, "lang", None) or get_settings().lang
    try:
        saved = profiles.save(
            eng,
            args.save_profile,
            args.kind,
            profiles.used(used),
            user=getattr(args, "as_user", None) or "cli",
            via="cli",
        )
    except profiles.MappingError as e:
        raise UsageError(e.text(lang)) from None
    return {"saved_profile": saved.name}


def cmd_profiles(args: argparse.Namespace) -> dict[str, Any]:
    """The saved import profiles (mappings of columns, values and defaults): list them, show
    one, delete one. They are made by import --save-profile and on the Data page."""
    eng = engine(args)
    lang = args.lang or get_settings().lang
    try:
        if args.action == "list":
            found = profiles.profiles(eng, args.kind)
            return {
                "command": "profiles list",
                "profiles": [
                    {
                        "name": p.name,
                        "kind": p.kind,
                        "columns": len(p.rules.columns),
                        "values": sum(len(m) for m in p.rules.values.values()),
                        "defaults": len(p.rules.defaults),
                    }
                    for p in found
                ],
            }
        if args.action == "show":
            return {"command": "profiles show", **profiles.profile(eng, args.name).as_dict()}
        profiles.profile(eng, args.name)  # unknown: says which there are
        profiles.delete(eng, args.name, user=args.as_user or "cli", via="cli")
    except profiles.MappingError as e:
        raise UsageError(e.text(lang)) from None
    return {"command": "profiles delete", "deleted": args.name}


def add_profiles(sub: Any) -> None:
    """The ``profiles`` command: list, show, delete."""
    p = sub.add_parser(
        "profiles",
        help="saved import profiles: list, show, delete",
        description=doc(cmd_profiles) + " Each action takes --db URL and --lang.",
    )
    actions = p.add_subparsers(dest="action", required=True, parser_class=Parser)
    q = actions.add_parser("list", help="the saved profiles (of one record kind with --kind)")
    add_db(q)
    q.add_argument("--kind", choices=list(schema.KINDS), help="only this record kind's")
    q = actions.add_parser("show", help="one profile: its columns, value maps and defaults")
    add_db(q)
    q.add_argument("name", help="the profile's name")
    q = actions.add_parser("delete", help="delete one profile (audited)")
    add_db(q)
    q.add_argument("name", help="the profile's name")
    q.add_argument(
        "--as", dest="as_user", metavar="USER", help="the admin recorded as deleting (default: cli)"
    )
    for q in actions.choices.values():
        q.add_argument(
            "--lang", choices=["zh-CN", "en"], help="language of errors (default: QY_LANG)"
        )
    p.set_defaults(func=cmd_profiles, kind=None, as_user=None)

"""``--as USER`` on every reading command (issue 23, item 5).

The parser is enumerated, so a command added later without ``--as`` fails here unless it is a
command that writes the store or runs jobs (named below, each with its reason). What each reading
command gives a user is tested in tests/test_access.py (narrowed to the user's areas) and
tests/test_privacy.py (a viewer's coverage).
"""

from __future__ import annotations

import argparse

from cli.main import build_parser

# commands that write the store, manage users or run jobs: no user's view to produce
NOT_READING = {
    "demo": "builds the demo city",
    "rebuild": "rebuilds rollups",
    "rollup": "batch job over dump files",
    "bench": "benchmarks",
    "users": "manages users (the operator's)",
    "profiles": "import profiles: the importing admin's settings, of no area",
    "serve": "runs the machine API: each request reads as its token's user",
    "replay": "sends a stored night's fixes to the server as the devices would (device tokens)",
}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """A parser's commands; a command of several (categories list|map) by each of its own."""
    action = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    return dict(action.choices) if action is not None else {}


def _takes_as(p: argparse.ArgumentParser) -> bool:
    inner = _subcommands(p)
    if inner:
        return all(_takes_as(q) for q in inner.values())
    return "--as" in p._option_string_actions


def test_every_reading_command_takes_as() -> None:
    commands = _subcommands(build_parser())
    assert set(NOT_READING) <= set(commands)  # the list names real commands
    missing = [name for name, p in commands.items() if name not in NOT_READING and not _takes_as(p)]
    assert missing == []
    reading = set(commands) - set(NOT_READING)
    assert {"coverage", "hotspots", "risk", "map", "brief", "duty", "circles", "alerts"} <= reading


def test_the_check_sees_a_command_without_as() -> None:
    bare = argparse.ArgumentParser()
    assert not _takes_as(bare)
    nested = argparse.ArgumentParser()
    sub = nested.add_subparsers()
    sub.add_parser("list").add_argument("--as")
    sub.add_parser("show")
    assert not _takes_as(nested)

"""Command line: ``python -m geo COMMAND [options]``, one module per command group.

Every command takes ``--db URL`` (default: the configured store), prints one JSON summary line on
stdout, exits 0 on success and 2 with a one-line reason on stderr for bad usage or input.

Commands that read take ``--as USER``: the output is what that user may see (their areas; a
viewer gets no tracks, units or incident rows). No password is asked: the CLI runs on the server,
where whoever can run it can open the store itself; ``--as`` is for producing a user's view, not a
login. Without ``--as`` a command reads everything, as the server's operator. Files written and
imports are recorded in the audit log under the ``--as`` user (or ``cli``).
"""

from __future__ import annotations

from cli._common import UsageError
from cli.main import build_parser, main

__all__ = ["UsageError", "build_parser", "main"]

"""``serve``: the machine API server (FastAPI on uvicorn) until it is stopped."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from typing import Any

import uvicorn

from cli._common import UsageError, add_db, doc
from geo.api.app import API, create_app

__all__ = ["add_serve"]


def cmd_serve(args: argparse.Namespace) -> dict[str, Any]:
    """Serve the machine API (device positions in, figures out, under /api/v1) until stopped
    (Ctrl+C or SIGTERM); a start line goes to stderr, the summary line to stdout at the end."""
    if not 0 < args.port < 65536:
        raise UsageError(f"serve: --port must be 1..65535, got {args.port}")
    app = create_app(args.db, settle_every_s=args.settle)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=args.access_log,
        lifespan="on",
        # open event streams never end by themselves: a stop waits this long for them
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    base = f"http://{args.host}:{args.port}{API}"
    print(
        json.dumps({"command": "serve", "listening": base, "openapi": f"{base}/openapi.json"}),
        file=sys.stderr,
        flush=True,
    )
    t0 = time.monotonic()
    stopped_by: list[str] = []

    def _stop(sig: int, _frame: object) -> None:
        # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again for
        # the handler it found: this one, so that the summary line still follows
        stopped_by.append(signal.Signals(sig).name)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop)
    try:
        server.run()
    except SystemExit as e:  # uvicorn exits when it cannot listen or start
        raise OSError(
            f"serve: could not start on {args.host}:{args.port} (status {e.code})"
        ) from None
    if not server.started:
        raise OSError(f"serve: could not listen on {args.host}:{args.port}")
    worker = app.state.worker
    return {
        "command": "serve",
        "host": args.host,
        "port": args.port,
        "served_s": round(time.monotonic() - t0, 1),
        "settle_cycles": worker.cycles,
        "settle_errors": worker.errors,
        "stopped_by": stopped_by[0] if stopped_by else None,
    }


def add_serve(sub: Any) -> None:
    p = sub.add_parser("serve", help=doc(cmd_serve).split("(")[0], description=doc(cmd_serve))
    add_db(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8600, help="port (default 8600)")
    p.add_argument(
        "--settle",
        type=float,
        metavar="S",
        help="seconds between two settles of the live fixes (default QY_LIVE_SETTLE_S or 15; "
        "0: none)",
    )
    p.add_argument(
        "--log-level",
        dest="log_level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level (default warning)",
    )
    p.add_argument("--access-log", dest="access_log", action="store_true", help="log every request")
    p.set_defaults(func=cmd_serve)

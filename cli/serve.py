"""``serve``: the machine API server (FastAPI on uvicorn) until it is stopped.

The server runs as two processes: this one serves the requests (uvicorn, one process), and a
worker process (``serve --worker-only``, started and stopped with it) settles the live fixes
and computes the live alerts every few seconds, so that their CPU-bound work never holds the
request process's interpreter lock.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from typing import Any

import uvicorn

from cli._common import UsageError, add_db, doc
from geo.api.app import API, api_settings, create_app
from geo.api.worker import WorkerProcess, run_worker
from geo.config import get_settings
from geo.services import connect as connect_store
from geo.services import live_alerts

# niceness added to the worker process (settle, alerts): below the request-serving process
WORKER_NICE = 10

__all__ = ["add_serve"]


def cmd_serve(args: argparse.Namespace) -> dict[str, Any]:
    """Serve the machine API (device positions in, figures out, under /api/v1) until stopped
    (Ctrl+C or SIGTERM); a start line goes to stderr, the summary line to stdout at the end."""
    if args.worker_only:
        return _worker_only(args)
    if not 0 < args.port < 65536:
        raise UsageError(f"serve: --port must be 1..65535, got {args.port}")
    conf = api_settings()
    every = conf.settle_s if args.settle is None else float(args.settle)
    url = args.db or get_settings().database_url
    app = create_app(url, settle_every_s=0)  # the worker runs in a process of its own
    worker = (
        WorkerProcess(url, every_s=every, alerts_s=conf.alerts_s, log_level=args.log_level)
        if every > 0
        else None
    )
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=args.access_log,
        lifespan="on",
        # devices post every few seconds on one kept-alive connection: uvicorn's 5 s default
        # closes it just as the next post reuses it (nginx in front keeps 75 s: the same here)
        timeout_keep_alive=75,
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
    if worker is not None:
        worker.start()
    try:
        server.run()
    except SystemExit as e:  # uvicorn exits when it cannot listen or start
        raise OSError(
            f"serve: could not start on {args.host}:{args.port} (status {e.code})"
        ) from None
    finally:
        worker_exit = worker.stop() if worker is not None else None
    if not server.started:
        raise OSError(f"serve: could not listen on {args.host}:{args.port}")
    status = live_alerts.worker_status(app.state.engine) if worker is not None else {}
    return {
        "command": "serve",
        "host": args.host,
        "port": args.port,
        "served_s": round(time.monotonic() - t0, 1),
        "settle_cycles": int(status.get("cycles", 0)),
        "alert_cycles": int(status.get("alert_cycles", 0)),
        "settle_errors": int(status.get("errors", 0)),
        "worker_exit": worker_exit,
        "stopped_by": stopped_by[0] if stopped_by else None,
    }


def _worker_only(args: argparse.Namespace) -> dict[str, Any]:
    """The worker process: settle and alerts loops until SIGTERM/SIGINT or the parent is gone."""
    conf = api_settings()
    every = conf.settle_s if args.settle is None else float(args.settle)
    if not every > 0:
        raise UsageError("serve --worker-only: --settle must be more than 0 seconds")
    alerts_s = conf.alerts_s if args.alerts is None else float(args.alerts)
    if not alerts_s > 0:
        raise UsageError("serve --worker-only: --alerts must be more than 0 seconds")
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s worker %(message)s")
    # the settle and the alerts can wait a moment; a device's post should not: on a machine of
    # few cores the request-serving process goes first
    os.nice(WORKER_NICE)
    engine = connect_store(args.db)
    status = run_worker(
        engine, every_s=every, alerts_s=alerts_s, webhook=conf.webhook, parent_pid=args.parent
    )
    return {"command": "serve --worker-only", **{k: status[k] for k in ("cycles", "errors")}}


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
        "--alerts",
        type=float,
        metavar="S",
        help="seconds between two computations of the live alerts (default QY_LIVE_ALERTS_S or 2)",
    )
    p.add_argument(
        "--worker-only",
        dest="worker_only",
        action="store_true",
        help="run only the worker (settle and alerts), as the server starts it",
    )
    p.add_argument("--parent", type=int, help=argparse.SUPPRESS)
    p.add_argument(
        "--log-level",
        dest="log_level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level (default warning)",
    )
    p.add_argument("--access-log", dest="access_log", action="store_true", help="log every request")
    p.set_defaults(func=cmd_serve)

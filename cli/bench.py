"""``bench``: run the benchmarks of tests/bench and write their ratios and figures as JSON.

Each benchmark module ``tests/bench/bench_*.py`` exposes ``run(quick: bool) -> {"ratios": {...},
"figures": {...}}``; every ratio is measured against its baseline in the same run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from cli._common import add_db, doc

__all__ = ["BENCHMARKS", "add_bench", "run"]

# name -> module; a benchmark appears here once its issue is built
BENCHMARKS: dict[str, str] = {
    "coverage": "tests.bench.bench_coverage",
    "gistar": "tests.bench.bench_gistar",
    "app": "tests.bench.bench_app",
    "map": "tests.bench.bench_map",
    "plan": "tests.bench.bench_plan",
    "growth": "tests.bench.bench_growth",
    "import": "tests.bench.bench_import",
    "live": "tests.bench.bench_live",
}


def _machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "numpy": np.__version__,
    }
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            info["mem_gib"] = round(int(fh.readline().split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return info


def run(*, quick: bool = False, only: str | None = None) -> dict[str, Any]:
    """Run the benchmarks (all, or the comma-separated names in ``only``)."""
    names = [n.strip() for n in only.split(",")] if only else list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        msg = f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}"
        raise ValueError(msg)
    out: dict[str, Any] = {"ratios": {}, "figures": {}, "machine": _machine(), "quick": quick}
    for name in names:
        t0 = time.perf_counter()
        # the benchmark modules live with the tests (tests/bench): loaded by name when asked
        result = importlib.import_module(BENCHMARKS[name]).run(quick=quick)
        out["ratios"].update(result.get("ratios", {}))
        out["figures"][name] = {
            **result.get("figures", {}),
            "wall_s": round(time.perf_counter() - t0, 1),
        }
    return out


def cmd_bench(args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmarks and write their ratios and figures as JSON."""
    result = run(quick=args.quick, only=args.only)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return {"command": "bench", "out": args.out, "ratios": result["ratios"]}


def add_bench(sub: Any) -> None:
    p = sub.add_parser("bench", help=doc(cmd_bench), description=doc(cmd_bench))
    add_db(p)
    p.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    p.add_argument("--only", help="comma-separated benchmark names")
    p.add_argument("--out", default="bench.json", help="output JSON (default bench.json)")
    p.set_defaults(func=cmd_bench)

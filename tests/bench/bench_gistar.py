"""Benchmark: our Gi* against esda.G_Local on an H3 grid around Nanchang (ratio ``gistar_vs_esda``).

Both are measured in one run on the same cells and Poisson counts: esda.G_Local(star=True,
transform='B', permutations=0) with a libpysal W built from the cells' 1-ring neighbours, against
:func:`geo.domain.hotspots.gi_star` with our sparse k-ring weights. The weights builds are timed
apart (``weights_build_s`` ours, ``esda_w_build_s`` libpysal's) and the z-scores are checked equal.

Run: ``python -m tests.bench.bench_gistar [--quick]`` prints the JSON result.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from geo.domain.hexes import kring_weights as _kring_weights
from geo.domain.hotspots import gi_star
from tests.bench import grid_cells

CENTRE = (28.70, 115.98)  # Nanchang
RES = 9
FULL_CELLS = 50_000
QUICK_CELLS = 5_000


def _grid(n_cells: int, res: int = RES) -> np.ndarray:
    """The ``n_cells`` cells nearest to the centre (shared with the other benchmarks)."""
    return grid_cells(n_cells, res, CENTRE)


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Smallest wall time (seconds) of ``repeat`` calls, and the last result."""
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _pysal_w(w_csr, *, include_self: bool = False):
    """libpysal W from a sparse k-ring matrix; by default without self-neighbours, as libpysal
    builds contiguity weights (esda then adds the diagonal for Gi*)."""
    from libpysal.weights import W

    coo = w_csr.tocoo()
    keep = np.ones(coo.nnz, dtype=bool) if include_self else coo.row != coo.col
    rows, cols = coo.row[keep], coo.col[keep]
    order = np.argsort(rows, kind="stable")
    rows, cols = rows[order], cols[order]
    bounds = np.searchsorted(rows, np.arange(w_csr.shape[0] + 1))
    neighbours = {i: cols[bounds[i] : bounds[i + 1]].tolist() for i in range(w_csr.shape[0])}
    return W(neighbours, silence_warnings=True)


def run(quick: bool = False) -> dict:
    """Time esda.G_Local and our gi_star on the same grid and counts.

    Parameters
    ----------
    quick
        5,000 cells instead of 50,000.

    Returns
    -------
    dict
        ``{"ratios": {"gistar_vs_esda": esda_s / ours_s}, "figures": {...}}``.
    """
    import esda

    n_cells = QUICK_CELLS if quick else FULL_CELLS
    cells = _grid(n_cells)
    counts = np.random.default_rng(20261129).poisson(1.2, n_cells).astype(np.float64)

    weights_s, w = _best(lambda: _kring_weights(cells, 1), 3)
    ours_s, ours = _best(lambda: gi_star(counts, w), 20)

    t0 = time.perf_counter()
    lw = _pysal_w(w)
    esda_w_s = time.perf_counter() - t0
    esda_s, ref = _best(
        lambda: esda.G_Local(counts, lw, star=True, transform="B", permutations=0),
        2 if quick else 3,
    )
    # esda's cheaper path: self-neighbours already in W (no fill_diagonal copy of the W)
    lw_self = _pysal_w(w, include_self=True)
    esda_self_s, ref_self = _best(
        lambda: esda.G_Local(counts, lw_self, star=True, transform="B", permutations=0),
        2 if quick else 3,
    )
    max_abs = float(
        max(np.max(np.abs(ref.Zs - ours.gi_z)), np.max(np.abs(ref_self.Zs - ours.gi_z)))
    )
    if not max_abs <= 1e-9:
        msg = f"Gi* z differs from esda by {max_abs}"
        raise AssertionError(msg)

    return {
        "ratios": {"gistar_vs_esda": esda_s / ours_s},
        "figures": {
            "cells": int(n_cells),
            "res": RES,
            "k": 1,
            "gistar_s": ours_s,
            "esda_g_local_s": esda_s,
            "esda_g_local_self_w_s": esda_self_s,
            "gistar_vs_esda_self_w": esda_self_s / ours_s,
            "weights_build_s": weights_s,
            "esda_w_build_s": esda_w_s,
            "gistar_with_weights_vs_esda_with_w": (esda_s + esda_w_s) / (ours_s + weights_s),
            "z_max_abs_diff": max_abs,
            "weights_nnz": int(w.nnz),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 cells instead of 50,000")
    args = parser.parse_args(argv)
    print(json.dumps(run(quick=args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

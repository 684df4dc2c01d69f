"""Benchmarks: each module's ``run(quick)`` returns ratios against baselines measured in one run."""

from __future__ import annotations

import h3
import numpy as np

CENTRE = (28.70, 115.98)  # Nanchang


def grid_cells(n_cells: int, res: int = 9, centre: tuple[float, float] = CENTRE) -> np.ndarray:
    """The ``n_cells`` cells nearest to ``centre``: full rings, then part of the outer ring."""
    middle = h3.latlng_to_cell(*centre, res)
    cells: list[str] = []
    k = 0
    while len(cells) < n_cells:
        cells.extend(h3.grid_ring(middle, k))
        k += 1
    return np.array([h3.str_to_int(c) for c in cells[:n_cells]], dtype=np.uint64)


def rss_gib(field: str = "VmHWM") -> float | None:
    """``VmHWM`` (peak) or ``VmRSS`` of this process in GiB, from /proc (Linux); None elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        return None
    return None


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (Linux >= 4.0), so that a peak is the measured code's."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False

"""Hot spots on H3 cells: Getis-Ord Gi*, Benjamini-Hochberg FDR, emerging hot spots, kernel density.

Pure functions over numpy and pandas; no Streamlit, no store. Cells are ``uint64`` H3 integers.

The result vocabulary is fixed from geo/ to layers/ to exports: ``gi_z`` (Gi* z-score), ``gi_p``
(two-sided normal p-value) and ``gi_bin`` (-3..3, the ArcGIS ``Gi_Bin`` confidence bins).

Gi* uses binary weights with the cell itself included (k-ring, ``k=1`` by default). With ``n``
cells, values ``x``, mean ``x̄``, population standard deviation ``s`` (divisor ``n``) and ``c_i``
neighbours of cell ``i`` (itself included)::

    z_i = (sum_j w_ij x_j - c_i x̄) / (s * sqrt((n c_i - c_i**2) / (n - 1)))

which is both the ArcGIS formula and, term for term, ``esda.G_Local(y, w, star=True,
transform='B')`` (its ``Zs``): esda's ``EG = c/n`` and ``VG = c (n - c) / ((n - 1) n**2) * s**2 /
x̄**2`` reduce to the line above.

Examples
--------
>>> import numpy as np
>>> import h3
>>> centre = h3.str_to_int(h3.latlng_to_cell(28.70, 115.98, 9))
>>> cells = np.array([h3.str_to_int(c) for c in h3.grid_disk(h3.int_to_str(centre), 4)],
...                  dtype=np.uint64)
>>> counts = np.where(cells == centre, 30, 1)
>>> df = hotspots(cells, counts)
>>> int(df.loc[df["cell"] == centre, "gi_bin"].iloc[0])
3
"""

from __future__ import annotations

from dataclasses import dataclass

import h3
import numpy as np
import pandas as pd
import scipy.sparse as sp
from h3.api import numpy_int as h3n
from scipy.spatial import ConvexHull, QhullError, cKDTree
from scipy.special import erfc

from geo.domain import hexes

__all__ = [
    "HOTSPOT_COLOURS",
    "PATTERNS",
    "GiStarResult",
    "emerging",
    "emerging_patterns",
    "extent_cells",
    "fdr",
    "gi_bin",
    "gi_star",
    "hotspots",
    "kde",
]

EARTH_RADIUS_M = 6_371_008.8
"""Mean earth radius (metres) for the local equirectangular projection of :func:`kde`."""

HOTSPOT_COLOURS: dict[int, str] = {
    -3: "#4575b5",
    -2: "#849eba",
    -1: "#c0ccbe",
    0: "#ffffbf",
    1: "#fab984",
    2: "#ed7551",
    3: "#d62f27",
}
"""Fixed colours of the ``gi_bin`` classes, drawn by the map layers and the briefing's pictures
(the ArcGIS hot spot analysis renderer): cold 99/95/90 %, not significant, hot 90/95/99 %."""

_BIN_LEVELS = ((0.01, 3), (0.05, 2), (0.10, 1))
"""(alpha, bin) pairs of ArcGIS Gi_Bin: 99 %, 95 % and 90 % confidence."""

PATTERNS = (
    "new_hot",
    "consecutive_hot",
    "intensifying_hot",
    "persistent_hot",
    "diminishing_hot",
    "sporadic_hot",
    "oscillating_hot",
    "historical_hot",
    "new_cold",
    "consecutive_cold",
    "intensifying_cold",
    "persistent_cold",
    "diminishing_cold",
    "sporadic_cold",
    "oscillating_cold",
    "historical_cold",
    "none",
)
"""Emerging hot spot pattern codes (ArcGIS Emerging Hot Spot Analysis vocabulary)."""


# --------------------------------------------------------------------------------------------
# cells and weights
# --------------------------------------------------------------------------------------------


def _as_cells(cells: np.ndarray) -> np.ndarray:
    arr = np.asarray(cells)
    if arr.ndim != 1:
        msg = f"cells must be a 1-D array of H3 integers, got shape {arr.shape}"
        raise ValueError(msg)
    if arr.dtype.kind not in "ui":
        msg = f"cells must be uint64 H3 integers, got dtype {arr.dtype}"
        raise TypeError(msg)
    return arr.astype(np.uint64, copy=False)


def extent_cells(lat: np.ndarray, lng: np.ndarray, res: int, *, pad_k: int = 1) -> np.ndarray:
    """All cells covering the extent of the points: the study area with its zero-count cells.

    The convex hull of the points (their bounding box when the hull is degenerate) is filled with
    cells whose centres fall inside, the points' own cells are added, and the set is padded by a
    ``pad_k``-ring so that the hull's edge is covered.

    Parameters
    ----------
    lat, lng
        Point coordinates (degrees, WGS-84).
    res
        H3 resolution (0-15).
    pad_k
        Rings of padding around the filled hull.

    Returns
    -------
    numpy.ndarray
        Sorted unique ``uint64`` cells.
    """
    lat = np.asarray(lat, dtype=np.float64).ravel()
    lng = np.asarray(lng, dtype=np.float64).ravel()
    if lat.shape != lng.shape:
        msg = "lat and lng must have the same length"
        raise ValueError(msg)
    if not 0 <= res <= 15:
        msg = f"res must be in 0..15, got {res}"
        raise ValueError(msg)
    ok = np.isfinite(lat) & np.isfinite(lng)
    lat, lng = lat[ok], lng[ok]
    if len(lat) == 0:
        return np.empty(0, dtype=np.uint64)
    point_cells = hexes.latlng_to_cells(lat, lng, res)
    ring = _hull_ring(lat, lng)
    filled = np.empty(0, dtype=np.uint64)
    if ring is not None:
        filled = np.asarray(h3n.polygon_to_cells(h3.LatLngPoly(ring), res), dtype=np.uint64)
    cells = np.unique(np.concatenate([point_cells, filled]))
    if pad_k > 0:
        _, disk = hexes.grid_disks(cells, pad_k)
        cells = np.unique(disk)
    return cells


def _hull_ring(lat: np.ndarray, lng: np.ndarray) -> list[tuple[float, float]] | None:
    """Convex hull (or bounding box) of the points as a (lat, lng) ring; None when degenerate."""
    pts = np.unique(np.column_stack([lat, lng]), axis=0)
    if len(pts) >= 3:
        try:
            hull = ConvexHull(pts[:, ::-1])  # x = lng, y = lat
            return [(float(pts[i, 0]), float(pts[i, 1])) for i in hull.vertices]
        except QhullError:
            pass  # collinear: fall back to the bounding box
    lat0, lat1 = float(lat.min()), float(lat.max())
    lng0, lng1 = float(lng.min()), float(lng.max())
    if lat0 == lat1 or lng0 == lng1:
        return None
    return [(lat0, lng0), (lat0, lng1), (lat1, lng1), (lat1, lng0)]


# --------------------------------------------------------------------------------------------
# Gi*
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GiStarResult:
    """Getis-Ord Gi* per cell (and per time step when the values were 2-D).

    Attributes
    ----------
    gi_z
        z-scores.
    gi_p
        Two-sided normal p-values, ``2 * Phi(-|z|)``.
    p_sim
        Pseudo p-values of conditional permutations (folded, as esda), or None.
    """

    gi_z: np.ndarray
    gi_p: np.ndarray
    p_sim: np.ndarray | None = None

    @property
    def z(self) -> np.ndarray:
        """Alias of ``gi_z``."""
        return self.gi_z

    @property
    def p(self) -> np.ndarray:
        """Alias of ``gi_p``."""
        return self.gi_p


def _prepare_weights(weights: sp.spmatrix | sp.sparray, n: int) -> sp.csr_matrix:
    """Canonical binary CSR weights with a full diagonal; the caller's matrix is not changed."""
    w = sp.csr_matrix(weights, dtype=np.float64)
    if w.shape != (n, n):
        msg = f"weights must be {n} x {n} to match the values, got {w.shape}"
        raise ValueError(msg)
    if not w.has_canonical_format:
        w = w.copy()
        w.sum_duplicates()
    if w.nnz and not np.all(w.data == 1.0):
        if not np.all((w.data == 1.0) | (w.data == 0.0)):
            msg = "weights must be binary (0/1); Gi* here uses binary weights"
            raise ValueError(msg)
        w = w.copy()
        w.eliminate_zeros()
    diag = w.diagonal()
    if np.any(diag == 0):
        # As esda's G_Local(star=True, transform='B'): a missing self-weight becomes 1.
        w = (w + sp.diags((diag == 0).astype(np.float64), format="csr")).tocsr()
    return w


def gi_star(
    values: np.ndarray,
    weights: sp.spmatrix | sp.sparray,
    *,
    permutations: int = 0,
    seed: int | np.random.Generator | None = None,
) -> GiStarResult:
    """Getis-Ord Gi* with binary weights, the cell itself included.

    Parameters
    ----------
    values
        Values per cell, shape ``(n,)``; or ``(n, t)`` for ``t`` time steps computed in one
        sparse product (each column is its own Gi* over the same weights).
    weights
        ``n x n`` binary sparse matrix. A zero diagonal entry is set to 1 (as esda does for
        Gi* with binary weights).
    permutations
        Conditional permutations for ``p_sim`` (1-D values only); 0 skips them.
    seed
        Seed or generator for the permutations.

    Returns
    -------
    GiStarResult
        ``gi_z`` equals ``esda.G_Local(y, w, star=True, transform='B').Zs``. A column whose
        values have no variance, or a cell whose neighbourhood is the whole study area, has an
        undefined z: it is reported as ``gi_z = 0``, ``gi_p = 1``.
    """
    y = np.asarray(values, dtype=np.float64)
    if y.ndim not in (1, 2):
        msg = f"values must be 1-D or 2-D, got shape {y.shape}"
        raise ValueError(msg)
    n = y.shape[0]
    if n < 2:
        msg = "Gi* needs at least 2 cells"
        raise ValueError(msg)
    if not np.all(np.isfinite(y)):
        msg = "values must be finite"
        raise ValueError(msg)
    w = _prepare_weights(weights, n)

    card = np.diff(w.indptr).astype(np.float64)  # binary: row sums are row lengths
    lag = w @ y
    mean = y.mean(axis=0)
    sd = y.std(axis=0)  # population sd (divisor n), as esda and ArcGIS
    spread = np.sqrt(card * (n - card) / (n - 1))
    if y.ndim == 2:
        card, spread = card[:, None], spread[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (lag - card * mean) / (sd * spread)
    z = np.where(np.isfinite(z), z, 0.0)
    p = erfc(np.abs(z) * np.sqrt(0.5))  # two-sided normal, 2 * Phi(-|z|)

    p_sim = None
    if permutations:
        if y.ndim != 1:
            msg = "permutations are supported for 1-D values only"
            raise ValueError(msg)
        p_sim = _p_sim(y, lag, card.astype(np.int64), permutations, seed)
    return GiStarResult(gi_z=z, gi_p=p, p_sim=p_sim)


def _p_sim(
    y: np.ndarray,
    lag: np.ndarray,
    card: np.ndarray,
    permutations: int,
    seed: int | np.random.Generator | None,
) -> np.ndarray:
    """Conditional-permutation pseudo p-values of Gi* (binary weights, self included).

    For each cell its own value stays; its ``c_i - 1`` neighbours are drawn without replacement
    from the other ``n - 1`` values (one draw per permutation shared by all cells, as esda does).
    The count of simulated sums at least the observed one is folded:
    ``p = (min(larger, P - larger) + 1) / (P + 1)``.
    """
    rng = np.random.default_rng(seed)
    n = len(y)
    k_max = int(card.max()) - 1
    if k_max <= 0:
        return np.ones(n)
    k_max = min(k_max, n - 1)
    rids = np.stack([rng.choice(n - 1, k_max, replace=False) for _ in range(permutations)])
    slots = np.arange(k_max)
    larger = np.empty(n, dtype=np.int64)
    chunk = max(1, 4_000_000 // (permutations * k_max))
    for start in range(0, n, chunk):
        idx = np.arange(start, min(start + chunk, n))
        draws = rids[None, :, :] + (rids[None, :, :] >= idx[:, None, None])  # skip self
        take = slots[None, None, :] < (card[idx] - 1)[:, None, None]
        sims = np.where(take, y[draws], 0.0).sum(axis=2) + y[idx, None]
        larger[idx] = (sims >= lag[idx, None] - 1e-12 * np.abs(lag[idx, None])).sum(axis=1)
    larger = np.minimum(larger, permutations - larger)
    return (larger + 1.0) / (permutations + 1.0)


# --------------------------------------------------------------------------------------------
# significance
# --------------------------------------------------------------------------------------------


def fdr(p: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """Benjamini-Hochberg false discovery rate: which tests are significant.

    The largest ``k`` with ``p_(k) <= k / m * alpha`` is found among the ``m`` sorted p-values;
    the ``k`` smallest are significant. NaN p-values are never significant and do not count in
    ``m``.

    Parameters
    ----------
    p
        p-values (any shape).
    alpha
        False discovery rate, in (0, 1).

    Returns
    -------
    numpy.ndarray
        Boolean mask of p's shape.

    Examples
    --------
    >>> fdr(np.array([0.01, 0.04, 0.03, 0.005]), 0.05).tolist()
    [True, True, True, True]
    >>> fdr(np.array([0.01, 0.04, 0.03, 0.5]), 0.05).tolist()
    [True, False, False, False]
    """
    if not 0 < alpha < 1:
        msg = f"alpha must be in (0, 1), got {alpha}"
        raise ValueError(msg)
    p = np.asarray(p, dtype=np.float64)
    flat = p.ravel()
    valid = np.isfinite(flat)
    m = int(valid.sum())
    out = np.zeros(flat.shape, dtype=bool)
    if m == 0:
        return out.reshape(p.shape)
    pv = flat[valid]
    order = np.argsort(pv, kind="stable")
    below = pv[order] <= alpha * np.arange(1, m + 1) / m
    if below.any():
        k = int(np.flatnonzero(below)[-1]) + 1
        sig = np.zeros(m, dtype=bool)
        sig[order[:k]] = True
        out[np.flatnonzero(valid)] = sig
    return out.reshape(p.shape)


def gi_bin(z: np.ndarray, p: np.ndarray, *, fdr: bool = False) -> np.ndarray:
    """ArcGIS ``Gi_Bin``: ±3 at 99 %, ±2 at 95 %, ±1 at 90 % confidence, 0 otherwise.

    Parameters
    ----------
    z, p
        Gi* z-scores and their two-sided p-values (same shape).
    fdr
        Apply the Benjamini-Hochberg correction at each confidence level (over all cells), as
        ArcGIS's "Apply False Discovery Rate (FDR) Correction" does.

    Returns
    -------
    numpy.ndarray
        ``int8`` bins, the sign of z times the confidence level.
    """
    z = np.asarray(z, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if z.shape != p.shape:
        msg = f"z and p must have the same shape, got {z.shape} and {p.shape}"
        raise ValueError(msg)
    level = np.zeros(z.shape, dtype=np.int8)
    for alpha, b in reversed(_BIN_LEVELS):  # 90 %, then 95 %, then 99 % overwrite
        sig = _fdr_mask(p, alpha) if fdr else (p <= alpha)
        level[sig] = b
    return (np.sign(z).astype(np.int8) * level).astype(np.int8)


_fdr_mask = fdr  # gi_bin's keyword shadows the function name


# --------------------------------------------------------------------------------------------
# convenience wrapper
# --------------------------------------------------------------------------------------------


def hotspots(
    cells: np.ndarray,
    counts: np.ndarray,
    *,
    k: int = 1,
    fdr: bool = False,
    weights: sp.spmatrix | sp.sparray | None = None,
) -> pd.DataFrame:
    """Gi* hot and cold spots of counts on a study area's cells.

    Parameters
    ----------
    cells
        Study-area cells (``uint64``), zero-count cells included by the caller (see
        :func:`extent_cells`).
    counts
        Count per cell, aligned with ``cells``.
    k
        k-ring of the binary weights (self included).
    fdr
        Benjamini-Hochberg correction of the bins.
    weights
        Precomputed ``n x n`` binary weights aligned with ``cells`` (skips the k-ring build).

    Returns
    -------
    pandas.DataFrame
        Columns ``cell``, ``count``, ``gi_z``, ``gi_p``, ``gi_bin``, in the order of ``cells``.
        A study area of fewer than two cells has no hot or cold spot: each cell gets
        ``gi_z = 0``, ``gi_p = 1``, ``gi_bin = 0`` (Gi* compares a cell with the others).
    """
    cells = _as_cells(cells)
    counts = np.asarray(counts)
    if counts.shape != cells.shape:
        msg = f"counts must align with cells, got {counts.shape} and {cells.shape}"
        raise ValueError(msg)
    if cells.size < 2:
        return pd.DataFrame(
            {
                "cell": cells,
                "count": counts,
                "gi_z": np.zeros(cells.size),
                "gi_p": np.ones(cells.size),
                "gi_bin": np.zeros(cells.size, np.int64),
            }
        )
    w = hexes.kring_weights(cells, k) if weights is None else weights
    res = gi_star(counts, w)
    return pd.DataFrame(
        {
            "cell": cells,
            "count": counts,
            "gi_z": res.gi_z,
            "gi_p": res.gi_p,
            "gi_bin": gi_bin(res.gi_z, res.gi_p, fdr=fdr),
        }
    )


# --------------------------------------------------------------------------------------------
# emerging hot spots
# --------------------------------------------------------------------------------------------


def emerging(
    counts_by_step: pd.DataFrame,
    *,
    k: int = 1,
    fdr: bool = False,
    alpha: float = 0.10,
    trend_alpha: float = 0.05,
    weights: sp.spmatrix | sp.sparray | None = None,
) -> pd.DataFrame:
    """Emerging hot spots: Gi* per time step, Mann-Kendall trend, ArcGIS pattern per cell.

    Parameters
    ----------
    counts_by_step
        Index: study-area cells (``uint64``); columns: time steps in time order; values: counts.
    k
        k-ring of the binary weights (self included).
    fdr
        Benjamini-Hochberg correction of each time step's significance.
    alpha
        Significance level of a hot or cold bin (0.10: 90 % confidence, ArcGIS Gi_Bin ±1..3).
    trend_alpha
        Significance level of the Mann-Kendall trend of each cell's z series.
    weights
        Precomputed binary weights aligned with the index.

    Returns
    -------
    pandas.DataFrame
        One row per cell, see :func:`emerging_patterns`, with ``cell`` first.
    """
    cells = _as_cells(counts_by_step.index.to_numpy())
    y = counts_by_step.to_numpy(dtype=np.float64)
    w = hexes.kring_weights(cells, k) if weights is None else weights
    res = gi_star(y, w)
    out = emerging_patterns(res.gi_z, res.gi_p, fdr=fdr, alpha=alpha, trend_alpha=trend_alpha)
    out.insert(0, "cell", cells)
    return out


def emerging_patterns(
    gi_z: np.ndarray,
    gi_p: np.ndarray,
    *,
    fdr: bool = False,
    alpha: float = 0.10,
    trend_alpha: float = 0.05,
) -> pd.DataFrame:
    """Classify per-cell Gi* series into ArcGIS Emerging Hot Spot Analysis patterns.

    A bin is a hot (cold) spot when significant at ``alpha`` (BH-corrected per time step with
    ``fdr``) with a positive (negative) z. With ``T`` steps, "90 % of the steps" means at least
    ``0.9 T`` of them. Trend: Mann-Kendall (``pymannkendall.original_test``) on the cell's z
    series, significant when ``p < trend_alpha``; computed only for cells that were ever
    significant (others get NaN). Patterns, hot side (cold mirrors it):

    - ``new_hot``: hot at the final step and never a hot spot before (and never a cold spot).
    - ``consecutive_hot``: one uninterrupted run of at least two hot steps ending at the final
      step, never hot before the run, hot in less than 90 % of the steps.
    - ``intensifying_hot``: hot in at least 90 % of the steps including the final one, with a
      significant increasing trend of z.
    - ``persistent_hot``: hot in at least 90 % of the steps including the final one, no
      significant trend.
    - ``diminishing_hot``: hot in at least 90 % of the steps including the final one, with a
      significant decreasing trend of z.
    - ``sporadic_hot``: hot at the final step, on-and-off hot before, hot in less than 90 % of
      the steps, never a cold spot.
    - ``oscillating_hot``: hot at the final step, a cold spot at some prior step, hot in less
      than 90 % of the steps.
    - ``historical_hot``: not hot at the final step, but hot in at least 90 % of the steps.
    - ``none``: none of the above.

    Precedence where the published definitions overlap: the state of the final step decides the
    family (a cell hot at the final step gets a hot pattern); a prior spot of the opposite kind
    makes it oscillating rather than new, consecutive or sporadic.

    Parameters
    ----------
    gi_z, gi_p
        ``(n, t)`` z-scores and two-sided p-values, columns in time order.
    fdr, alpha, trend_alpha
        See :func:`emerging`.

    Returns
    -------
    pandas.DataFrame
        ``pattern``, ``trend_z``, ``trend_p``, ``n_hot``, ``n_cold`` (steps), ``last_gi_z``,
        ``last_gi_bin`` (the final step's Gi_Bin).
    """
    z = np.asarray(gi_z, dtype=np.float64)
    p = np.asarray(gi_p, dtype=np.float64)
    if z.ndim != 2 or z.shape != p.shape:
        msg = f"gi_z and gi_p must be 2-D (cells x steps) of one shape, got {z.shape}, {p.shape}"
        raise ValueError(msg)
    n, t = z.shape
    if t < 2:
        msg = f"emerging hot spots need at least 2 time steps, got {t}"
        raise ValueError(msg)
    if fdr:
        sig = np.column_stack([_fdr_mask(p[:, j], alpha) for j in range(t)])
    else:
        sig = p <= alpha
    hot = sig & (z > 0)
    cold = sig & (z < 0)

    # pymannkendall loads scipy.stats (about a second): only when a trend is asked for
    import pymannkendall as mk

    trend_z = np.full(n, np.nan)
    trend_p = np.full(n, np.nan)
    ever = np.flatnonzero(sig.any(axis=1))
    for i in ever:
        r = mk.original_test(z[i])
        trend_z[i], trend_p[i] = float(r.z), float(r.p)

    patterns = np.full(n, "none", dtype=object)
    for i in ever:
        patterns[i] = _classify(hot[i], cold[i], trend_z[i], trend_p[i], trend_alpha)

    return pd.DataFrame(
        {
            "pattern": patterns.astype(str),
            "trend_z": trend_z,
            "trend_p": trend_p,
            "n_hot": hot.sum(axis=1),
            "n_cold": cold.sum(axis=1),
            "last_gi_z": z[:, -1],
            "last_gi_bin": gi_bin(z[:, -1], p[:, -1], fdr=fdr),
        }
    )


def _classify(
    hot: np.ndarray, cold: np.ndarray, trend_z: float, trend_p: float, trend_alpha: float
) -> str:
    """Pattern of one cell from its hot/cold step flags and its Mann-Kendall trend."""
    t = len(hot)
    for same, other, kind, up in ((hot, cold, "hot", 1.0), (cold, hot, "cold", -1.0)):
        if not same[-1]:
            continue
        if 10 * int(same.sum()) >= 9 * t:  # at least 90 % of the steps, final one included
            if trend_p < trend_alpha and trend_z * up > 0:
                return f"intensifying_{kind}"
            if trend_p < trend_alpha and trend_z * up < 0:
                return f"diminishing_{kind}"
            return f"persistent_{kind}"
        if other[:-1].any():
            return f"oscillating_{kind}"
        run = t - int(np.flatnonzero(np.concatenate([[False], ~same]))[-1])  # final run length
        before = same[: t - run]
        if before.any():
            return f"sporadic_{kind}"
        return f"new_{kind}" if run == 1 else f"consecutive_{kind}"
    # final step not significant
    if 10 * int(hot.sum()) >= 9 * t:
        return "historical_hot"
    if 10 * int(cold.sum()) >= 9 * t:
        return "historical_cold"
    return "none"


# --------------------------------------------------------------------------------------------
# kernel density
# --------------------------------------------------------------------------------------------


def kde(
    points_lat: np.ndarray,
    points_lng: np.ndarray,
    cells: np.ndarray,
    bandwidth_m: float = 300.0,
    *,
    kernel: str = "quartic",
) -> np.ndarray:
    """Kernel density of points at cell centres (points per km²).

    Points and centres are projected with a local equirectangular projection about the mean
    latitude (metric to well under 1 % across a city), neighbours within the bandwidth are
    found with a k-d tree, and the kernel is summed per cell.

    Parameters
    ----------
    points_lat, points_lng
        Point coordinates (degrees, WGS-84).
    cells
        Cells (``uint64``) at whose centres the density is evaluated.
    bandwidth_m
        Kernel radius (quartic) or standard deviation (gaussian, truncated at 4 sd), metres.
    kernel
        ``'quartic'`` (``3 / (pi h²) (1 - d²/h²)²`` within ``h``, the ArcGIS kernel) or
        ``'gaussian'``.

    Returns
    -------
    numpy.ndarray
        Density per cell, points per km², aligned with ``cells``.
    """
    if bandwidth_m <= 0:
        msg = f"bandwidth_m must be positive, got {bandwidth_m}"
        raise ValueError(msg)
    if kernel not in ("quartic", "gaussian"):
        msg = f"kernel must be 'quartic' or 'gaussian', got {kernel!r}"
        raise ValueError(msg)
    cells = _as_cells(cells)
    lat = np.asarray(points_lat, dtype=np.float64).ravel()
    lng = np.asarray(points_lng, dtype=np.float64).ravel()
    if lat.shape != lng.shape:
        msg = "points_lat and points_lng must have the same length"
        raise ValueError(msg)
    ok = np.isfinite(lat) & np.isfinite(lng)
    lat, lng = lat[ok], lng[ok]
    out = np.zeros(len(cells), dtype=np.float64)
    if len(cells) == 0 or len(lat) == 0:
        return out
    clat, clng = hexes.cell_centres(cells)
    lat0 = np.deg2rad(np.concatenate([lat, clat]).mean())
    lng0 = np.concatenate([lng, clng]).mean()

    def project(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        x = EARTH_RADIUS_M * np.cos(lat0) * np.deg2rad(b - lng0)
        y = EARTH_RADIUS_M * np.deg2rad(a)
        return np.column_stack([x, y])

    h = float(bandwidth_m)
    reach = h if kernel == "quartic" else 4.0 * h
    pairs = cKDTree(project(clat, clng)).sparse_distance_matrix(
        cKDTree(project(lat, lng)), reach, output_type="ndarray"
    )
    d2 = pairs["v"] ** 2
    if kernel == "quartic":
        k = 3.0 / (np.pi * h * h) * np.clip(1.0 - d2 / (h * h), 0.0, None) ** 2
    else:
        k = np.exp(-0.5 * d2 / (h * h)) / (2.0 * np.pi * h * h)
    density = np.bincount(pairs["i"], weights=k, minlength=len(cells))  # float: weighted
    return density * 1e6  # per m² -> per km²

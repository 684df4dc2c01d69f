"""Backtests of hot-spot forecasts: hit rate, PAI and PEI over rolling periods.

Pure functions over numpy and pandas; no Streamlit, no store. Cells are ``uint64`` H3 integers.

For each period ``W`` (a week by default) from ``start`` to ``end``, every method ranks the study
cells using only incidents (and hazards) known *before* ``W`` starts; the top share ``a/A`` of the
area is then scored against the incidents that happened in ``W``:

* hit rate ``n / N``: share of ``W``'s ``N`` incidents (inside the study area) that fell in the
  ``a`` flagged cells;
* PAI, predictive accuracy index (Chainey, Tompson & Uhlig 2008): ``(n / N) / (a / A)``;
* PEI, predictive efficiency index (Hunt 2016): ``n / n*``, where ``n*`` is the most incidents any
  ``a`` cells caught in ``W`` (the best cells in hindsight), so ``0 <= PEI <= 1``.

Area is counted in cells: H3 cells of one resolution differ in area by well under 1 % across a
city, so the share of cells is the share of area. ``a = max(1, round(f * A))`` for each fraction
``f``. Periods with no incident in the study area have no hit rate, PAI or PEI and are left out of
the means.

Methods (``METHODS``):

``last_period``
    incident counts of the previous ``last_periods`` periods (repeat victimisation baseline);
``kde``
    quartic kernel density (``bandwidth_m``) of the incidents of the previous ``history_periods``;
``gistar``
    Getis-Ord Gi* z of the previous ``history_periods``' counts (binary ``k``-ring weights);
``risk``
    :func:`geo.domain.risk.risk_surface`: expected incidents per week from the RTM exposure to
    venues, key sites and the hazards open when ``W`` starts, blended with the ``k``-ring smoothed
    history of the previous ``history_periods`` (without history: ranked by the RTM relative
    risk, :func:`geo.domain.risk.risk_percentile`). With ``fit=True`` the relative risks are
    re-estimated before every period by :func:`geo.domain.risk.fit_weights` (Poisson) on the
    history counts.

Ties are broken deterministically by a hash of the cell id (a fixed pseudo-random order that is
not spatially clustered, unlike the id order itself).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from geo.domain import hexes, hotspots, risk

__all__ = [
    "METHODS",
    "backtest",
    "rank_cells",
    "score_period",
    "summary_table",
    "weekly_table",
]

METHODS = ("last_period", "kde", "gistar", "risk")
"""Forecast methods of :func:`backtest`."""

_STEPS = {"W": pd.Timedelta(days=7), "D": pd.Timedelta(days=1)}


def _hash64(cells: np.ndarray) -> np.ndarray:
    """splitmix64 of the cell ids: a fixed, spatially unclustered tie-break order."""
    z = cells.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def rank_cells(cells: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Indexes of ``cells`` from the highest ``score`` down; ties by a hash of the cell id.

    Parameters
    ----------
    cells
        ``uint64`` cells.
    score
        Forecast score per cell (higher is riskier); NaN ranks last.

    Returns
    -------
    numpy.ndarray
        A permutation of ``range(len(cells))``.
    """
    s = np.nan_to_num(np.asarray(score, dtype=np.float64), nan=-np.inf)
    return np.lexsort((_hash64(np.asarray(cells, dtype=np.uint64)), -s))


def score_period(order: np.ndarray, actual: np.ndarray, n_flag: int) -> dict[str, float | int]:
    """Hit rate, PAI and PEI of flagging the first ``n_flag`` cells of ``order``.

    Parameters
    ----------
    order
        Cell indexes from the riskiest down (:func:`rank_cells`).
    actual
        Incidents per cell in the period scored.
    n_flag
        Cells flagged, ``a``.

    Returns
    -------
    dict
        ``n`` (incidents in flagged cells), ``N`` (all incidents), ``n_star`` (the most any
        ``n_flag`` cells caught), ``hit_rate``, ``pai``, ``pei`` (NaN when ``N == 0``).

    Examples
    --------
    >>> s = score_period(np.array([2, 0, 1]), np.array([4, 0, 1]), 1)
    >>> s["n"], s["N"], s["n_star"], round(s["pai"], 2), s["pei"]
    (1, 5, 4, 0.6, 0.25)
    """
    actual = np.asarray(actual, dtype=np.float64)
    a_total = len(actual)
    big_n = float(actual.sum())
    n = float(actual[order[:n_flag]].sum())
    n_star = float(np.sort(actual)[::-1][:n_flag].sum())
    if big_n <= 0:
        hit = pai = pei = math.nan
    else:
        hit = n / big_n
        pai = hit / (n_flag / a_total)
        pei = n / n_star
    return {
        "n": int(n),
        "N": int(big_n),
        "n_star": int(n_star),
        "hit_rate": hit,
        "pai": pai,
        "pei": pei,
    }


def _period(step: str | pd.Timedelta) -> pd.Timedelta:
    if isinstance(step, str) and step.upper() in _STEPS:
        return _STEPS[step.upper()]
    try:
        td = pd.Timedelta(step)
    except (TypeError, ValueError):
        msg = f"step must be 'W', 'D' or a fixed duration such as '14D', got {step!r}"
        raise ValueError(msg) from None
    if td <= pd.Timedelta(0):
        msg = f"step must be positive, got {step!r}"
        raise ValueError(msg)
    return td


def _local_midnight(value: object, tz: str) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    ts = ts.tz_localize(tz) if ts.tzinfo is None else ts.tz_convert(tz)
    return ts.normalize()


def backtest(
    incidents: pd.DataFrame,
    cells: Iterable[int] | np.ndarray,
    *,
    start: object,
    end: object,
    step: str | pd.Timedelta = "W",
    methods: Sequence[str] = METHODS,
    venues: pd.DataFrame | None = None,
    sites: pd.DataFrame | None = None,
    hazards: pd.DataFrame | None = None,
    weights: pd.DataFrame | None = None,
    area_fractions: Sequence[float] = (0.01, 0.05, 0.10),
    res: int = 9,
    history_periods: int = 8,
    last_periods: int = 1,
    bandwidth_m: float = 300.0,
    k: int = 1,
    history_weight: float = 0.5,
    history_k: int = 1,
    fit: bool = False,
    exposure_mode: str = "binary",
    model_cells: Iterable[int] | np.ndarray | None = None,
    tz: str = "Asia/Shanghai",
) -> dict[str, Any]:
    """Rolling-origin backtest of hot-spot forecasts on a study area.

    Parameters
    ----------
    incidents
        ``ts`` (tz-aware; naive values are read in ``tz``), ``lat``, ``lng`` (WGS-84 degrees);
        ``category`` is not used (filter beforehand to test one category).
    cells
        Study-area cells (``uint64``) at ``res``; incidents outside them are ignored.
    start, end
        Local dates (inclusive). Periods start at ``start`` midnight and every ``step`` after it
        while the start is on or before ``end``; the last period is cut at the end of ``end``.
    step
        Period length: ``"W"`` (7 days), ``"D"`` or a fixed duration (``"14D"``).
    methods
        Any of :data:`METHODS`.
    venues, sites, hazards
        Risk features of the ``risk`` method (see :func:`geo.domain.risk.exposure`); hazards are
        taken as open at each period's start.
    weights
        Risk-weights table (``factor``, ``radius_m``, ``weight``); default
        :data:`geo.domain.risk.DEFAULT_WEIGHTS`.
    area_fractions
        Shares of the study cells flagged, e.g. 1 %, 5 %, 10 %.
    res
        H3 resolution of ``cells``.
    history_periods
        Periods of history for ``kde``, ``gistar`` and ``risk``.
    last_periods
        Periods summed by ``last_period``.
    bandwidth_m
        Quartic kernel radius of ``kde`` (metres).
    k
        k-ring of the Gi* weights.
    history_weight
        Share of history in ``risk`` (0..1).
    history_k
        k-ring of the history smoothing of ``risk`` (0: none).
    fit
        Re-estimate the relative risks before each period (Poisson GLM on the history counts;
        selected factors only) instead of using ``weights`` as they are.
    exposure_mode
        ``mode`` of :func:`geo.domain.risk.exposure` (``"binary"`` as RTM, or ``"count"``).
    model_cells
        Cells the ``risk`` method's model covers (e.g. the whole jurisdiction, so that a cell's
        forecast is the risk every user reads), at ``res``; ``cells`` are added to them. The
        forecasts are scored on ``cells`` only. Default: ``cells``.
    tz
        Zone of ``start``, ``end`` and naive times.

    Returns
    -------
    dict
        JSON-able: ``params``; ``summary``, a list of records (``method``, ``area_fraction``,
        ``cells_flagged``, ``periods`` scored, mean ``hit_rate``, ``pai``, ``pei``, and the pooled
        ``n`` and ``N``); ``periods``, one record per period, method and fraction (``start``
        ISO time, ``method``, ``area_fraction``, ``cells_flagged``, ``n``, ``N``, ``n_star``,
        ``hit_rate``, ``pai``, ``pei``; ``None`` where undefined). See :func:`summary_table` and
        :func:`weekly_table` for pandas views.
    """
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        msg = f"unknown methods {unknown}; expected some of {METHODS}"
        raise ValueError(msg)
    fractions = [float(f) for f in area_fractions]
    if any(not 0 < f <= 1 for f in fractions):
        msg = f"area_fractions must be in (0, 1], got {list(area_fractions)}"
        raise ValueError(msg)
    if history_periods < 1 or last_periods < 1:
        msg = "history_periods and last_periods must be >= 1"
        raise ValueError(msg)
    given = np.asarray(cells, dtype=np.uint64)
    cells = np.unique(given[given != 0])
    if len(cells) < 2:
        msg = "the study area needs at least 2 cells"
        raise ValueError(msg)
    if np.any(hexes.cell_resolution(cells) != res):
        msg = f"study cells must all be at resolution {res}"
        raise ValueError(msg)
    n_cells = len(cells)
    step_td = _period(step)
    t_start = _local_midnight(start, tz)
    t_stop = _local_midnight(end, tz) + pd.Timedelta(days=1)
    if t_stop <= t_start:
        msg = "end must not be before start"
        raise ValueError(msg)

    # incidents -> study-cell index and UTC nanoseconds, sorted by time
    ts = pd.to_datetime(incidents["ts"])
    if ts.dt.tz is None:
        ts = ts.dt.tz_localize(tz)
    t_ns = ts.dt.tz_convert("UTC").to_numpy(dtype="datetime64[ns]").astype(np.int64)
    lat = pd.to_numeric(incidents["lat"], errors="coerce").to_numpy(np.float64)
    lng = pd.to_numeric(incidents["lng"], errors="coerce").to_numpy(np.float64)
    model = cells
    if model_cells is not None:
        extra = np.asarray(model_cells, dtype=np.uint64)
        model = np.unique(np.concatenate([cells, extra[extra != 0]]))
        if np.any(hexes.cell_resolution(model) != res):
            msg = f"model cells must all be at resolution {res}"
            raise ValueError(msg)
    at = hexes.latlng_to_cells(lat, lng, res)
    idx = pd.Index(cells).get_indexer(at)  # -1: outside the study area, inside the model's
    idx_m = pd.Index(model).get_indexer(at)
    keep = (idx_m >= 0) & ~pd.isna(ts).to_numpy()
    idx, idx_m, t_ns, lat, lng = idx[keep], idx_m[keep], t_ns[keep], lat[keep], lng[keep]
    order = np.argsort(t_ns, kind="stable")
    idx, idx_m, t_ns = idx[order], idx_m[order], t_ns[order]
    lat, lng = lat[order], lng[order]
    pos = pd.Index(model).get_indexer(cells)  # the study cells among the model's

    def window(a: pd.Timestamp, b: pd.Timestamp) -> slice:
        lo, hi = np.searchsorted(t_ns, [a.tz_convert("UTC").value, b.tz_convert("UTC").value])
        return slice(int(lo), int(hi))

    def counts(sl: slice) -> np.ndarray:
        i = idx[sl]
        return np.bincount(i[i >= 0], minlength=n_cells).astype(np.float64)

    def model_counts(sl: slice) -> np.ndarray:
        return np.bincount(idx_m[sl], minlength=len(model)).astype(np.float64)

    table = risk.weights_from_records(risk.DEFAULT_WEIGHTS if weights is None else weights)
    n_flags = {f: max(1, round(f * n_cells)) for f in fractions}
    w_ring = hexes.kring_weights(cells, k) if "gistar" in methods else None

    rows: list[dict[str, Any]] = []
    t = t_start
    while t < t_stop:
        t_end = min(t + step_td, t_stop)
        actual = counts(window(t, t_end))
        hist_sl = window(t - history_periods * step_td, t)
        hist = counts(hist_sl)
        scores: dict[str, np.ndarray] = {}
        if "last_period" in methods:
            scores["last_period"] = counts(window(t - last_periods * step_td, t))
        if "kde" in methods:
            mine = idx[hist_sl] >= 0
            scores["kde"] = hotspots.kde(lat[hist_sl][mine], lng[hist_sl][mine], cells, bandwidth_m)
        if "gistar" in methods:
            scores["gistar"] = hotspots.gi_star(hist, w_ring).gi_z
        if "risk" in methods:
            ex = risk.exposure(model, venues, sites, hazards, table, at=t, mode=exposure_mode)
            hist_m = model_counts(hist_sl)
            wts: pd.DataFrame = table
            if fit:
                wts = risk.fit_weights(ex, hist_m, family="poisson")
            surf = risk.risk_surface(
                model,
                ex,
                wts,
                hist_m,
                history_weight=history_weight,
                history_k=history_k,
                weeks=history_periods * step_td / pd.Timedelta(days=7),
            )
            # expected incidents per week, ties (no history) broken by the RTM relative risk
            scores["risk"] = risk.risk_percentile(surf["risk"], surf["rtm"])[pos]
        for m in methods:
            ranked = rank_cells(cells, scores[m])
            for f in fractions:
                s = score_period(ranked, actual, n_flags[f])
                rows.append(
                    {
                        "start": t.isoformat(),
                        "method": m,
                        "area_fraction": f,
                        "cells_flagged": n_flags[f],
                        **s,
                    }
                )
        t = t + step_td

    weekly = pd.DataFrame(rows)
    summary = []
    for m in methods:
        for f in fractions:
            sub = weekly[(weekly["method"] == m) & (weekly["area_fraction"] == f)]
            ok = sub[sub["N"] > 0]
            summary.append(
                {
                    "method": m,
                    "area_fraction": f,
                    "cells_flagged": n_flags[f],
                    "periods": len(ok),
                    "hit_rate": _json_float(ok["hit_rate"].mean()) if len(ok) else None,
                    "pai": _json_float(ok["pai"].mean()) if len(ok) else None,
                    "pei": _json_float(ok["pei"].mean()) if len(ok) else None,
                    "n": int(ok["n"].sum()),
                    "N": int(ok["N"].sum()),
                }
            )
    periods = [
        {k_: _json_float(v) if isinstance(v, float) else v for k_, v in r.items()} for r in rows
    ]
    params = {
        "start": t_start.isoformat(),
        "end": (t_stop - pd.Timedelta(1, "ns")).isoformat(),
        "step_s": step_td.total_seconds(),
        "methods": list(methods),
        "area_fractions": fractions,
        "res": res,
        "study_cells": n_cells,
        "history_periods": history_periods,
        "last_periods": last_periods,
        "bandwidth_m": bandwidth_m,
        "k": k,
        "history_weight": history_weight,
        "history_k": history_k,
        "fit": fit,
        "exposure_mode": exposure_mode,
        "incidents_in_area": int((idx >= 0).sum()),
        "model_cells": len(model),
    }
    return {"params": params, "summary": summary, "periods": periods}


def _json_float(v: float) -> float | None:
    v = float(v)
    return None if math.isnan(v) else v


def summary_table(result: dict[str, Any]) -> pd.DataFrame:
    """:func:`backtest` summary as a DataFrame, one row per method and area fraction."""
    return pd.DataFrame(result["summary"]).astype({"hit_rate": float, "pai": float, "pei": float})


def weekly_table(result: dict[str, Any]) -> pd.DataFrame:
    """:func:`backtest` per-period records as a DataFrame (``start`` as a tz-aware time)."""
    df = pd.DataFrame(result["periods"]).astype({"hit_rate": float, "pai": float, "pei": float})
    df["start"] = pd.to_datetime(df["start"], format="ISO8601")
    return df

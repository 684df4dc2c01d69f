"""Risk terrain (RTM) from venues, key sites and open hazards, plus incident history; patrol gaps.

Pure functions over numpy and pandas; no Streamlit, no store. Cells are ``uint64`` H3 integers.

Risk Terrain Modeling (Caplan & Kennedy, *Risk Terrain Modeling Manual*, 2011; *Risk Terrain
Modeling: Crime Prediction and Risk Reduction*, 2016) in four steps, one function each:

1. :data:`DEFAULT_WEIGHTS` -- the risk factors, each with an influence distance ``radius_m``
   (metres) and a relative-risk ``weight``. Users edit it as records or as a CSV
   (:func:`weights_to_records`, :func:`weights_from_records`, :func:`weights_from_csv`).
2. :func:`exposure` -- per cell and factor, whether the cell centre lies within ``radius_m`` of a
   feature of the factor (RTM's binary proximity), or how many features do.
3. :func:`fit_weights` -- a Poisson or negative-binomial regression of incident counts on the
   exposures; the factors with a positive, significant coefficient are selected and their relative
   risk ``rr = exp(coef)`` (RTM's relative risk value, RRV) replaces the expert weight.
4. :func:`risk_surface` -- risk, the expected incidents per week in a cell: the period's
   incidents spread over the cells by the RTM composite (product of the relative risks of the
   factors present) blended with smoothed incident history. :func:`risk_percentile` ranks it
   within an area and :func:`gaps` sets that rank against night patrol coverage (the gap, a
   ranking within the area).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from geo.domain import hexes
>>> cells = hexes.latlng_to_cells(np.array([28.700, 28.710]), np.array([115.980, 115.990]), 9)
>>> bars = pd.DataFrame({"category": ["bar"], "lat": [28.7001], "lng": [115.9801]})
>>> ex = exposure(cells, bars, None, None)
>>> ex["venue:bar"].tolist()
[1, 0]
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.domain import hexes
from geo.domain.disputes import DEFAULT_OVERDUE_DAYS, unsettled_for
from geo.domain.schema import (
    DISPUTE_CATEGORIES,
    HAZARD_CATEGORIES,
    SITE_CATEGORIES,
    VENUE_CATEGORIES,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "EXPOSURE_MODES",
    "FIT_COLUMNS",
    "GAP_COLUMNS",
    "WEIGHT_COLUMNS",
    "exposure",
    "fit_weights",
    "gaps",
    "open_hazards",
    "period_weeks",
    "risk_percentile",
    "risk_surface",
    "weights_from_csv",
    "weights_from_records",
    "weights_to_csv",
    "weights_to_records",
]

EARTH_RADIUS_M = 6_371_008.8
"""Mean earth radius (metres) of the local equirectangular projection."""

WEIGHT_COLUMNS = ["factor", "label_zh", "label_en", "radius_m", "weight"]
"""Columns of a risk-weights table, in order."""

EXPOSURE_MODES = ("binary", "count", "density")
"""Values of :func:`exposure`'s ``mode``."""

GAP_COLUMNS = [
    "cell",
    "risk",
    "dwell_s",
    "nights",
    "risk_pct",
    "coverage_pct",
    "gap",
    "rank",
    "reason",
]
"""Columns of :func:`gaps`, in order."""

_MAX_RADIUS_M = 5000.0
_FACTOR_RE = re.compile(r"^(venue|site|hazard|dispute):([a-z_]+)$")
_CATEGORIES: dict[str, tuple[str, ...]] = {
    "venue": VENUE_CATEGORIES,
    "site": SITE_CATEGORIES,
    "hazard": ("open", *HAZARD_CATEGORIES),
    "dispute": ("unsettled", *DISPUTE_CATEGORIES),
}

# --------------------------------------------------------------------------------------------
# risk-weights table
# --------------------------------------------------------------------------------------------

_DEFAULT_ROWS = [
    # factor, label_zh, label_en, radius_m, weight
    ("venue:ktv", "KTV歌厅", "KTV / karaoke", 300.0, 2.5),
    ("venue:bar", "酒吧", "Bar", 300.0, 2.5),
    ("venue:internet_cafe", "网吧", "Internet cafe", 250.0, 1.8),
    ("venue:bathhouse", "洗浴足浴", "Bathhouse / foot spa", 250.0, 1.8),
    ("venue:hotel", "宾馆旅馆", "Hotel", 250.0, 1.5),
    ("venue:market", "市场", "Market (venue)", 300.0, 2.0),
    ("venue:restaurant", "餐馆", "Restaurant", 200.0, 1.2),
    ("venue:nursing_home", "养老机构", "Nursing home", 200.0, 1.1),
    ("site:hub", "交通枢纽", "Transit hub", 400.0, 2.0),
    ("site:market", "农贸市场", "Market (key site)", 300.0, 1.8),
    ("site:mall", "商场商圈", "Mall", 300.0, 1.6),
    ("site:bank", "银行", "Bank", 200.0, 1.4),
    ("site:school", "学校", "School", 300.0, 1.3),
    ("hazard:open", "未整改隐患", "Open safety hazard", 200.0, 1.8),
    ("dispute:unsettled", "久拖未化解矛盾纠纷", "Dispute left unsettled", 200.0, 1.5),
]

DEFAULT_WEIGHTS: pd.DataFrame = pd.DataFrame(_DEFAULT_ROWS, columns=WEIGHT_COLUMNS)
"""Expert-prior risk factors: ``factor``, ``label_zh``, ``label_en``, ``radius_m``, ``weight``.

``factor`` is ``kind:category``: ``venue:<venue category>``, ``site:<key-site category>``,
``hazard:open`` (every hazard open at the evaluation time) or ``hazard:<hazard category>`` (open
hazards of that category), ``dispute:unsettled`` (every dispute still pending or mediating at the
evaluation time and reported at least ``unsettled_days`` before it, 30 by default; see
:func:`geo.domain.disputes.unsettled_for`) or ``dispute:<dispute category>`` (such disputes of that
category); categories are those of :mod:`geo.domain.schema`.

Where the defaults come from
----------------------------
* The factors are the crime generators and attractors that RTM studies keep finding significant:
  bars and other night-time entertainment (KTV), hotels and motels, internet cafes, markets and
  shopping centres, banks, schools and transit hubs (Caplan, Kennedy & Miller 2011, *Justice
  Quarterly* 28(2); Kennedy, Caplan & Piza 2011, *J. Quant. Criminol.* 27(3); Drawve 2016;
  Brantingham & Brantingham 1995 on generators and attractors), plus the entertainment venues
  (娱乐场所) and unrectified safety hazards (安全隐患) that Chinese public-security inspection
  campaigns target, and disputes left unsettled (久拖未决的矛盾纠纷), which the "Fengqiao"
  practice of settling disputes early holds to be where fights and worse start.
* ``radius_m`` (200-400 m) is the "spatial influence" of RTM: one to three block lengths, the
  distances at which RTMDx most often finds the factors significant; hubs get the widest reach.
* ``weight`` (1.1-2.5) is a relative risk of the order RTM reports (RRV 1.2-3 for the strongest
  factors): nightlife highest, nursing homes (fraud targets) lowest.

They are priors for a new jurisdiction. Once a few months of incidents exist,
:func:`fit_weights` estimates local relative risks, which :func:`risk_surface` uses instead.
"""


def _bad_row(i: int, factor: object, what: str) -> ValueError:
    return ValueError(f"weights row {i + 1} (factor {factor!r}): {what}")


def weights_from_records(records: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """A validated risk-weights table from records (e.g. an edited table or a parsed CSV).

    Parameters
    ----------
    records
        Mappings with ``factor``, ``radius_m`` (metres, 0 < r <= 5000) and ``weight`` (a relative
        risk, > 0); ``label_zh`` and ``label_en`` are optional (default: the factor).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`WEIGHT_COLUMNS`, one row per factor, in input order.

    Raises
    ------
    ValueError
        Naming the first bad row (1-based) and what is wrong with it: an unknown kind or category,
        a duplicate factor, a missing, non-numeric or out-of-range radius or weight.
    """
    rows = records.to_dict("records") if isinstance(records, pd.DataFrame) else list(records)
    out = []
    seen: set[str] = set()
    for i, rec in enumerate(rows):
        factor = rec.get("factor")
        if not isinstance(factor, str) or not factor.strip():
            raise _bad_row(i, factor, "factor is missing")
        factor = factor.strip().lower()
        m = _FACTOR_RE.match(factor)
        if m is None:
            raise _bad_row(
                i, factor, "factor must look like 'venue:bar', 'site:school' or 'hazard:open'"
            )
        kind_, cat = m.groups()
        if cat not in _CATEGORIES[kind_]:
            raise _bad_row(
                i,
                factor,
                f"unknown {kind_} category {cat!r}; expected one of "
                f"{', '.join(_CATEGORIES[kind_])}",
            )
        if factor in seen:
            raise _bad_row(i, factor, "duplicate factor")
        seen.add(factor)
        nums = {}
        for col, hi in (("radius_m", _MAX_RADIUS_M), ("weight", math.inf)):
            raw = rec.get(col)
            try:
                val = float(raw)
            except (TypeError, ValueError):
                raise _bad_row(i, factor, f"{col} must be a number, got {raw!r}") from None
            if not math.isfinite(val) or val <= 0 or val > hi:
                rng = f"0 < {col} <= {hi:g}" if math.isfinite(hi) else f"{col} > 0"
                raise _bad_row(i, factor, f"{col} must satisfy {rng}, got {raw!r}")
            nums[col] = val
        labels = {}
        for col in ("label_zh", "label_en"):
            lab = rec.get(col)
            labels[col] = (
                factor
                if lab is None
                or (isinstance(lab, float) and math.isnan(lab))
                or str(lab).strip() == ""
                else str(lab).strip()
            )
        out.append({"factor": factor, **labels, **nums})
    return pd.DataFrame(out, columns=WEIGHT_COLUMNS)


def weights_to_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The weights table as JSON-able records (plain ``str`` and ``float`` values)."""
    t = weights_from_records(table)
    return [
        {
            "factor": r.factor,
            "label_zh": r.label_zh,
            "label_en": r.label_en,
            "radius_m": float(r.radius_m),
            "weight": float(r.weight),
        }
        for r in t.itertuples(index=False)
    ]


def weights_from_csv(
    path: str | os.PathLike[str] | Any, *, encoding: str = "utf-8-sig"
) -> pd.DataFrame:
    """Read and validate a weights table from a CSV file (header: :data:`WEIGHT_COLUMNS`)."""
    df = pd.read_csv(
        path, encoding=encoding, dtype={"factor": str, "label_zh": str, "label_en": str}
    )
    return weights_from_records(df)


def weights_to_csv(table: pd.DataFrame, path: str | os.PathLike[str] | Any) -> None:
    """Write a weights table as UTF-8 CSV (with BOM, so that Excel shows the Chinese labels)."""
    pd.DataFrame(weights_to_records(table), columns=WEIGHT_COLUMNS).to_csv(
        path, index=False, encoding="utf-8-sig"
    )


# --------------------------------------------------------------------------------------------
# exposure
# --------------------------------------------------------------------------------------------


def _as_cells(cells: Iterable[int] | np.ndarray) -> np.ndarray:
    arr = np.asarray(cells)
    if arr.ndim != 1:
        msg = f"cells must be a 1-D array of H3 integers, got shape {arr.shape}"
        raise ValueError(msg)
    if arr.size and arr.dtype.kind not in "ui":
        msg = f"cells must be uint64 H3 integers, got dtype {arr.dtype}"
        raise TypeError(msg)
    return arr.astype(np.uint64, copy=False)


def _align_ts(at: object, col: pd.Series) -> pd.Timestamp:
    ts = pd.Timestamp(at)
    tz = getattr(col.dtype, "tz", None)
    if tz is not None and ts.tzinfo is None:
        ts = ts.tz_localize(tz)
    elif tz is None and ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts


def open_hazards(hazards: pd.DataFrame, at: object = None) -> pd.Series:
    """Which hazards are open: a boolean Series aligned with ``hazards``.

    Parameters
    ----------
    hazards
        Rows with ``status`` and, when ``at`` is given, ``found_at`` and ``rectified_at``.
    at
        Evaluation instant (a naive value is read in the hazards' time zone). ``None``: the current
        ``status`` decides (open unless ``"rectified"``). Otherwise a hazard is open when it was
        found before ``at`` and not rectified by ``at`` (``rectified_at`` missing or later). A
        ``"rectified"`` row without ``rectified_at`` has no known date and counts as closed.
    """
    if hazards is None or len(hazards) == 0:
        return pd.Series(
            np.zeros(0 if hazards is None else len(hazards), bool),
            index=None if hazards is None else hazards.index,
        )
    status = (
        hazards["status"].astype(str).str.lower()
        if "status" in hazards
        else pd.Series("open", index=hazards.index)
    )
    if at is None:
        return status.ne("rectified")
    found = pd.to_datetime(hazards["found_at"])
    t = _align_ts(at, found)
    rect = (
        pd.to_datetime(hazards["rectified_at"])
        if "rectified_at" in hazards
        else pd.Series(pd.NaT, index=hazards.index)
    )
    undated_closed = rect.isna() & status.eq("rectified")
    return (found < t) & ~(rect <= t) & ~undated_closed


def _project(lat: np.ndarray, lng: np.ndarray, lat0: float, lng0: float) -> np.ndarray:
    """Local equirectangular projection (metres) about (lat0, lng0); under 1 % error over a city."""
    x = EARTH_RADIUS_M * math.cos(math.radians(lat0)) * np.deg2rad(lng - lng0)
    y = EARTH_RADIUS_M * np.deg2rad(lat - lat0)
    return np.column_stack([x, y])


def _features(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None or len(frame) == 0:
        return pd.DataFrame({"category": pd.Series([], dtype=object), "lat": [], "lng": []})
    for col in ("lat", "lng"):
        if col not in frame:
            msg = f"features need lat and lng columns, missing {col!r}"
            raise ValueError(msg)
    out = pd.DataFrame(
        {
            "category": frame["category"].astype(str).str.lower().to_numpy()
            if "category" in frame
            else np.full(len(frame), "", dtype=object),
            "lat": pd.to_numeric(frame["lat"], errors="coerce").to_numpy(np.float64),
            "lng": pd.to_numeric(frame["lng"], errors="coerce").to_numpy(np.float64),
        }
    )
    return out[np.isfinite(out["lat"]) & np.isfinite(out["lng"])].reset_index(drop=True)


def exposure(
    cells: Iterable[int] | np.ndarray,
    venues: pd.DataFrame | None,
    sites: pd.DataFrame | None,
    hazards: pd.DataFrame | None,
    weights_table: pd.DataFrame | Iterable[Mapping[str, Any]] = DEFAULT_WEIGHTS,
    *,
    at: object = None,
    mode: str = "binary",
    disputes: pd.DataFrame | None = None,
    unsettled_days: float = DEFAULT_OVERDUE_DAYS,
) -> pd.DataFrame:
    """Exposure of each cell to each risk factor (RTM proximity).

    Cell centres and features are projected to a local metric plane (equirectangular about the
    centres' mean latitude) and features within ``radius_m`` of each centre are counted with a
    k-d tree (:class:`scipy.spatial.cKDTree`), one tree per factor.

    Parameters
    ----------
    cells
        Study-area cells (``uint64``), unique.
    venues, sites, hazards
        Frames with ``category``, ``lat``, ``lng`` (WGS-84 degrees); hazards also ``status``,
        ``found_at``, ``rectified_at``. ``None`` or empty: no features of that kind.
    weights_table
        Risk factors with ``factor`` and ``radius_m`` (metres); see :data:`DEFAULT_WEIGHTS`.
    at
        Evaluation instant for hazards (see :func:`open_hazards`) and disputes; ``None``: current
        status (and now, for the age of a dispute).
    disputes
        Frame with ``category``, ``lat``, ``lng``, ``status``, ``reported_at``, ``settled_at``
        (:func:`geo.store.read`); the ``dispute:*`` factors count those unsettled at ``at`` for
        ``unsettled_days`` days or more. ``None``: no such disputes.
    unsettled_days
        Days a dispute must have stayed unsettled to count (a configurable threshold).
    mode
        ``"binary"``: 1 when at least one feature is within ``radius_m`` of the centre (RTM);
        ``"count"``: the number of such features; ``"density"``: that number per km² of the
        influence disc (``count / (pi radius_m**2) * 1e6``).

    Returns
    -------
    pandas.DataFrame
        Index ``cell`` (``uint64``, in the order of ``cells``), one column per factor in the order
        of the weights table; ``int64`` for binary and count, ``float64`` for density.
    """
    if mode not in EXPOSURE_MODES:
        msg = f"mode must be one of {EXPOSURE_MODES}, got {mode!r}"
        raise ValueError(msg)
    cells = _as_cells(cells)
    table = weights_from_records(weights_table)
    index = pd.Index(cells, name="cell")
    out = pd.DataFrame(index=index)
    if len(cells) == 0:
        for f in table["factor"]:
            out[f] = np.zeros(0, np.float64 if mode == "density" else np.int64)
        return out
    clat, clng = hexes.cell_centres(cells)
    lat0, lng0 = float(np.nanmean(clat)), float(np.nanmean(clng))
    centres = _project(clat, clng, lat0, lng0)
    feats = {"venue": _features(venues), "site": _features(sites)}
    hz = _features(None)
    if hazards is not None and len(hazards):
        is_open = open_hazards(hazards, at).to_numpy(bool)
        hz = _features(hazards.loc[is_open])
    feats["hazard"] = hz
    dz = _features(None)
    if disputes is not None and len(disputes):
        when = at
        if when is None:
            tz = getattr(disputes["reported_at"].dtype, "tz", None)
            when = pd.Timestamp.now(tz=tz)
        dz = _features(disputes.loc[unsettled_for(disputes, when, unsettled_days).to_numpy(bool)])
    feats["dispute"] = dz
    for f, radius in zip(table["factor"], table["radius_m"], strict=True):
        kind_, cat = f.split(":", 1)
        fr = feats[kind_]
        every = (kind_ == "hazard" and cat == "open") or (kind_ == "dispute" and cat == "unsettled")
        sel = fr if every else fr[fr["category"] == cat]
        if len(sel) == 0:
            n = np.zeros(len(cells), np.int64)
        else:
            tree = cKDTree(_project(sel["lat"].to_numpy(), sel["lng"].to_numpy(), lat0, lng0))
            n = np.asarray(
                tree.query_ball_point(centres, r=float(radius), return_length=True), dtype=np.int64
            )
        if mode == "binary":
            out[f] = (n > 0).astype(np.int64)
        elif mode == "count":
            out[f] = n
        else:
            out[f] = n / (math.pi * float(radius) ** 2) * 1e6
    return out


# --------------------------------------------------------------------------------------------
# regression
# --------------------------------------------------------------------------------------------

FIT_COLUMNS = ["factor", "coef", "rr", "p", "selected", "se", "exposed"]


def fit_weights(
    exposure_df: pd.DataFrame,
    incident_counts: Iterable[float] | pd.Series,
    *,
    family: str = "poisson",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Relative risk of each factor from a count regression of incidents on exposure (RTM).

    Fits ``log E[count_i] = b0 + sum_f b_f x_if`` over the cells, by a Poisson GLM
    (``statsmodels.GLM``, family Poisson) or a negative-binomial model with the dispersion
    estimated by maximum likelihood (``statsmodels.NegativeBinomial``, NB2), which suits the
    overdispersed counts of crime data.

    Selection rule (RTMDx style): a factor is kept (``selected``) when its coefficient is positive
    and its Wald p-value is below ``alpha``. Factors no cell is exposed to, or every cell is, cannot
    be estimated: their ``coef``, ``rr`` and ``p`` are NaN and they are not selected. All factors
    are estimated in one joint model (no stepwise refit).

    Parameters
    ----------
    exposure_df
        Cells x factors, as returned by :func:`exposure` (a ``cell`` column is ignored).
    incident_counts
        Incidents per cell, aligned with the rows, or a Series indexed by cell (e.g.
        ``pd.Series(cells).value_counts()``), reindexed to the rows with 0 for missing cells.
    family
        ``"poisson"`` or ``"negbin"``.
    alpha
        Significance level of the selection.

    Returns
    -------
    pandas.DataFrame
        ``factor``, ``coef`` (log relative risk), ``rr`` (relative risk, ``exp(coef)``), ``p``,
        ``selected``, ``se`` (standard error of ``coef``) and ``exposed`` (cells with exposure > 0).
        ``attrs`` holds ``family``, ``intercept``, ``nb_alpha`` (NB dispersion, or None), ``aic``,
        ``n_cells`` and ``warnings`` (messages the estimator raised, e.g. convergence).
    """
    # statsmodels takes about a second to load: only when weights are fitted
    import statsmodels.api as sm

    if family not in ("poisson", "negbin"):
        msg = f"family must be 'poisson' or 'negbin', got {family!r}"
        raise ValueError(msg)
    x = exposure_df.drop(columns=["cell"], errors="ignore")
    y = _align_counts(incident_counts, x.index, len(x))
    if np.any(y < 0) or not np.all(np.isfinite(y)):
        msg = "incident_counts must be finite and non-negative"
        raise ValueError(msg)
    factors = [str(c) for c in x.columns]
    xv = x.to_numpy(dtype=np.float64)
    exposed = (xv > 0).sum(axis=0)
    varies = xv.std(axis=0) > 0 if len(xv) else np.zeros(len(factors), bool)
    cols = [i for i in range(len(factors)) if varies[i]]
    coef = np.full(len(factors), np.nan)
    se = np.full(len(factors), np.nan)
    p = np.full(len(factors), np.nan)
    attrs: dict[str, Any] = {
        "family": family,
        "intercept": None,
        "nb_alpha": None,
        "aic": None,
        "n_cells": len(y),
        "warnings": [],
    }
    if len(y) > len(cols) + 1 and y.sum() > 0:
        design = np.column_stack([np.ones(len(y)), xv[:, cols]])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if family == "poisson":
                res = sm.GLM(y, design, family=sm.families.Poisson()).fit()
                params, bse, pv = res.params, res.bse, res.pvalues
            else:
                res = sm.NegativeBinomial(y, design, loglike_method="nb2").fit(
                    disp=0, maxiter=300, method="bfgs"
                )
                params, bse, pv = res.params[:-1], res.bse[:-1], res.pvalues[:-1]
                attrs["nb_alpha"] = float(res.params[-1])
        attrs["warnings"] = sorted({str(w.message) for w in caught})
        attrs["intercept"] = float(params[0])
        attrs["aic"] = float(res.aic)
        coef[cols] = params[1:]
        se[cols] = bse[1:]
        p[cols] = pv[1:]
    with np.errstate(over="ignore"):
        rr = np.exp(coef)
    selected = np.nan_to_num(coef, nan=-1.0) > 0
    selected &= np.nan_to_num(p, nan=1.0) < alpha
    out = pd.DataFrame(
        {
            "factor": factors,
            "coef": coef,
            "rr": rr,
            "p": p,
            "selected": selected,
            "se": se,
            "exposed": exposed.astype(np.int64),
        },
        columns=FIT_COLUMNS,
    )
    out.attrs.update(attrs)
    return out


def _align_counts(
    counts: Iterable[float] | pd.Series | None, index: pd.Index, n: int
) -> np.ndarray:
    if counts is None:
        return np.zeros(n)
    if isinstance(counts, pd.Series) and not isinstance(counts.index, pd.RangeIndex):
        key = counts.index.to_numpy()
        # an index of H3 cells (ids are above 2**52 at every resolution), not of positions
        if key.dtype.kind in "iu" and len(key) and key.astype(np.uint64).min() > 2**52:
            s = pd.Series(counts.to_numpy(np.float64), index=key.astype(np.uint64))
            s = s.groupby(level=0).sum()
            return s.reindex(np.asarray(index).astype(np.uint64), fill_value=0.0).to_numpy()
    arr = np.asarray(counts, dtype=np.float64).ravel()
    if arr.shape[0] != n:
        msg = f"incident counts must align with the {n} cells, got {arr.shape[0]}"
        raise ValueError(msg)
    return arr


# --------------------------------------------------------------------------------------------
# risk surface
# --------------------------------------------------------------------------------------------


def _log_rr(weights: pd.DataFrame) -> pd.Series:
    """Log relative risk per factor from a fit result (rr, selected) or a weights table (weight)."""
    if "rr" in weights:
        rr = pd.to_numeric(weights["rr"], errors="coerce")
        if "selected" in weights:
            rr = rr.where(weights["selected"].astype(bool), 1.0)
    elif "weight" in weights:
        rr = pd.to_numeric(weights["weight"], errors="coerce")
    else:
        msg = "weights need an 'rr' column (fit_weights) or a 'weight' column (weights table)"
        raise ValueError(msg)
    rr = rr.fillna(1.0)
    if (rr <= 0).any():
        msg = "relative risks must be positive"
        raise ValueError(msg)
    return pd.Series(np.log(rr.to_numpy(np.float64)), index=weights["factor"].astype(str))


def risk_surface(
    cells: Iterable[int] | np.ndarray,
    exposure_df: pd.DataFrame,
    weights: pd.DataFrame = DEFAULT_WEIGHTS,
    incident_history_counts: Iterable[float] | pd.Series | None = None,
    *,
    history_weight: float = 0.5,
    history_k: int = 1,
    weeks: float = 1.0,
) -> pd.DataFrame:
    """Risk per cell: expected incidents per week, from the RTM composite and incident history.

    Risk is an absolute rate, the same number for a cell whoever looks at it, provided ``cells``
    is always the same study area (the services pass the whole jurisdiction at the resolution,
    never a user's area, and then keep the user's rows).

    * ``rtm``: the RTM composite relative risk of the cell, ``rr_i = prod_f rr_f ** x_if =
      exp(sum_f x_if log rr_f)`` (``x_if`` is 0/1, or a count with ``mode="count"``); unitless,
      > 0, 1 for a cell exposed to no factor. Factors missing from ``weights`` count as
      ``rr = 1``; with a fit result only ``selected`` factors count.
    * ``history``: the period's incidents averaged over each cell's ``history_k``-ring (self
      included, neighbours outside ``cells`` left out): incidents in the period, smoothed; 0
      without history.
    * ``risk``: expected incidents per week in the cell,

      ``risk_i = [(1 - h) N rr_i / sum(rr) + h N s_i / sum(s)] / W``

      with ``N`` the period's incidents in ``cells``, ``W`` the period in weeks, ``h`` =
      ``history_weight`` and ``s`` the ``history`` column. The RTM part spreads the observed count
      over the cells in proportion to their relative risk, which is what a Poisson model
      ``log E[count_i] = b0 + sum_f b_f x_if`` fitted with an intercept does (its fitted counts
      add up to the observed total, ``exp(b0) = N / sum(rr)``); the history part spreads it in
      proportion to the smoothed counts. Both parts add up to ``N``, so the risks add up to the
      observed rate ``N / W`` over ``cells``. With no incident (``N = 0``, or no history given)
      the expected rate is 0 everywhere and only ``rtm`` ranks the cells
      (:func:`risk_percentile` breaks ties of ``risk`` by ``rtm``).

    Parameters
    ----------
    cells
        Study-area cells (``uint64``), unique.
    exposure_df
        :func:`exposure` output (indexed by cell, reindexed to ``cells``; missing cells unexposed).
    weights
        A :func:`fit_weights` result (``factor``, ``rr``, ``selected``) or a weights table
        (``factor``, ``weight``).
    incident_history_counts
        The period's incidents per cell, aligned with ``cells`` or a Series indexed by cell.
    history_weight
        Share of history in ``risk``, 0..1.
    history_k
        k-ring of the history smoothing (0: no smoothing).
    weeks
        Length of the history period in weeks (days / 7), > 0.

    Returns
    -------
    pandas.DataFrame
        ``cell`` (``uint64``), ``rtm`` (relative risk), ``history`` (smoothed incidents in the
        period), ``risk`` (expected incidents per week), in the order of ``cells``.
    """
    if not 0.0 <= history_weight <= 1.0:
        msg = f"history_weight must be in 0..1, got {history_weight}"
        raise ValueError(msg)
    if not (math.isfinite(weeks) and weeks > 0):
        msg = f"weeks must be a positive number, got {weeks}"
        raise ValueError(msg)
    cells = _as_cells(cells)
    n = len(cells)
    ex = exposure_df
    if "cell" in ex.columns:
        ex = ex.set_index("cell")
    ex = ex.reindex(pd.Index(cells, name="cell"), fill_value=0)
    log_rr = _log_rr(weights)
    common = [c for c in ex.columns if str(c) in log_rr.index]
    score = (
        ex[common].to_numpy(np.float64) @ log_rr.loc[[str(c) for c in common]].to_numpy()
        if common
        else np.zeros(n)
    )
    rtm = np.exp(score)
    counts = (
        np.zeros(n)
        if incident_history_counts is None
        else _align_counts(incident_history_counts, pd.Index(cells), n)
    )
    total = float(counts.sum())
    history = counts
    if history_k > 0 and n:
        w = hexes.kring_weights(cells, history_k)
        history = (w @ counts) / np.asarray(w.sum(axis=1)).ravel()
    risk = np.zeros(n)
    if total > 0:
        risk = (
            (1.0 - history_weight) * total * rtm / rtm.sum()
            + history_weight * total * history / history.sum()
        ) / weeks
    return pd.DataFrame({"cell": cells, "rtm": rtm, "history": history, "risk": risk})


def period_weeks(days: float) -> float:
    """The length of a period in weeks, ``days / 7``, counting at least one day.

    Parameters
    ----------
    days
        Days of the period (local dates, both ends included).

    Returns
    -------
    float
        ``max(days, 1) / 7``.
    """
    return max(float(days), 1.0) / 7.0


def risk_percentile(
    risk: Iterable[float] | np.ndarray, rr: Iterable[float] | np.ndarray
) -> np.ndarray:
    """Percentile of each cell's risk within a set of cells (e.g. the chosen area), 0..1.

    The share of the other cells with a lower expected rate, ties broken by the relative risk
    ``rr`` (the ``rtm`` column; so without incidents the cells rank by their RTM relative risk):
    0 for the lowest cell, 1 for a unique highest, 0 for a single cell. Cells equal in both get
    the same percentile.

    Parameters
    ----------
    risk
        Expected incidents per week per cell (:func:`risk_surface` ``risk``).
    rr
        RTM relative risk per cell (:func:`risk_surface` ``rtm``), aligned with ``risk``.

    Returns
    -------
    numpy.ndarray
        ``float64`` percentiles in the order of the input.
    """
    r = np.asarray(risk, dtype=np.float64)
    q = np.asarray(rr, dtype=np.float64)
    n = len(r)
    if n <= 1:
        return np.zeros(n)
    order = np.lexsort((q, r))
    rs, qs = r[order], q[order]
    new = np.ones(n, bool)
    new[1:] = (rs[1:] != rs[:-1]) | (qs[1:] != qs[:-1])
    first = np.maximum.accumulate(np.where(new, np.arange(n), 0))
    out = np.empty(n)
    out[order] = first / (n - 1)
    return out


# --------------------------------------------------------------------------------------------
# gaps
# --------------------------------------------------------------------------------------------


def _pct_below(v: np.ndarray) -> np.ndarray:
    """Share of the other cells with a strictly lower value : 0 for the minimum."""
    n = len(v)
    if n <= 1:
        return np.zeros(n)
    below = np.searchsorted(np.sort(v), v, side="left")
    return below / (n - 1)


def gaps(
    risk_df: pd.DataFrame,
    coverage_df: pd.DataFrame | None,
    *,
    top: int | None = 50,
    by: str = "dwell_s",
) -> pd.DataFrame:
    """Cells whose risk is high while night patrol coverage is low, ranked within the area.

    ``risk_df`` holds the cells of the chosen area (their risk is absolute: expected incidents per
    week, :func:`risk_surface`); the gap is a ranking within them:

    * ``risk_pct``: :func:`risk_percentile`, the share of the area's other cells with a lower
      expected rate (ties broken by ``rtm`` when ``risk_df`` has it);
    * ``coverage_pct``: the share of the area's other cells with strictly less night coverage
      (``by``), 0 for every cell without any;
    * ``gap = risk_pct * (1 - coverage_pct)``, 0..1: 1 for the area's riskiest cell when it is
      also among its least patrolled.

    Rank 1 is the largest gap; ties go to the higher risk, then the lower dwell, then the smaller
    cell id.

    Parameters
    ----------
    risk_df
        :func:`risk_surface` rows of the area (``cell``, ``risk`` and, for the tie-break,
        ``rtm``).
    coverage_df
        Night coverage per cell at the same resolution, e.g. :func:`geo.domain.coverage.query` with
        the night window (``cell``, ``dwell_s`` seconds, ``nights``). Cells missing from it have no
        coverage.
    top
        Rows returned (``None``: all).
    by
        Coverage measure of ``coverage_pct``: ``"dwell_s"`` or ``"nights"``.

    Returns
    -------
    pandas.DataFrame
        :data:`GAP_COLUMNS`: ``cell`` (``uint64``), ``risk``, ``dwell_s``, ``nights``,
        ``risk_pct``, ``coverage_pct``, ``gap``, ``rank`` (1-based) and ``reason``, a
        machine-readable ``key=value`` list such as
        ``"risk_pct=0.98;coverage_pct=0.00;dwell_min=0.0;nights=0"``.
    """
    if by not in ("dwell_s", "nights"):
        msg = f"by must be 'dwell_s' or 'nights', got {by!r}"
        raise ValueError(msg)
    cells = _as_cells(risk_df["cell"].to_numpy())
    risk = risk_df["risk"].to_numpy(np.float64)
    dwell = np.zeros(len(cells))
    nights = np.zeros(len(cells), np.int64)
    if coverage_df is not None and len(coverage_df):
        cov = coverage_df.assign(cell=_as_cells(coverage_df["cell"].to_numpy()))
        cov = cov.groupby("cell").agg(dwell_s=("dwell_s", "sum"), nights=("nights", "max"))
        cov = cov.reindex(pd.Index(cells), fill_value=0)
        dwell = cov["dwell_s"].to_numpy(np.float64)
        nights = cov["nights"].to_numpy(np.int64)
    rr = risk_df["rtm"].to_numpy(np.float64) if "rtm" in risk_df else np.ones(len(cells))
    risk_pct = risk_percentile(risk, rr)
    measure = dwell if by == "dwell_s" else nights.astype(np.float64)
    coverage_pct = np.where(measure > 0, _pct_below(measure), 0.0)
    gap = risk_pct * (1.0 - coverage_pct)
    order = np.lexsort((cells, dwell, -rr, -risk, -gap))
    rank = np.empty(len(cells), np.int64)
    rank[order] = np.arange(1, len(cells) + 1)
    reason = [
        f"risk_pct={r:.2f};coverage_pct={c:.2f};dwell_min={d / 60:.1f};nights={k}"
        for r, c, d, k in zip(risk_pct, coverage_pct, dwell, nights, strict=True)
    ]
    out = pd.DataFrame(
        {
            "cell": cells,
            "risk": risk,
            "dwell_s": dwell,
            "nights": nights,
            "risk_pct": risk_pct,
            "coverage_pct": coverage_pct,
            "gap": gap,
            "rank": rank,
            "reason": reason,
        },
        columns=GAP_COLUMNS,
    )
    out = out.iloc[order].reset_index(drop=True)
    return out if top is None else out.head(int(top))

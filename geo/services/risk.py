"""Risk, patrol gaps and backtests.

Risk is one model for the whole jurisdiction (:func:`jurisdiction_risk`): the expected incidents
per week in a cell, from the risk terrain (venues, key sites, the hazards open at the end of the
period, the disputes unsettled then) and the period's incidents (:mod:`geo.domain.risk`). Every
user reads the same number for the same cell; :func:`risk_cells` keeps the cells of the user's
area and ranks them there: the risk's percentile in the area and the gap (high risk where night
coverage, night dwell over the period, is low), both rankings within the area. The weights users
edit are stored in the store (``meta`` ``risk_weights``).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.config import get_settings
from geo.domain import evaluate, hexes, risk
from geo.domain.disputes import DEFAULT_OVERDUE_DAYS
from geo.domain.period import DEFAULT_NIGHT, DEFAULT_RES
from geo.services.coverage import coverage_cells
from geo.services.hotspots import study_cells

__all__ = [
    "backtest",
    "forget_models",
    "jurisdiction_risk",
    "risk_cells",
    "risk_weights",
    "set_risk_weights",
    "set_unsettled_days",
    "stored_unsettled_days",
]


def risk_weights(engine: sa.Engine) -> pd.DataFrame:
    """The risk-weights table users edit (stored in the store), or the defaults."""
    records = store.get_meta(engine, "risk_weights")
    return risk.weights_from_records(records) if records else risk.DEFAULT_WEIGHTS.copy()


def set_risk_weights(engine: sa.Engine, table: pd.DataFrame) -> None:
    """Validate and store an edited risk-weights table."""
    records = risk.weights_to_records(risk.weights_from_records(table))
    with engine.begin() as conn:
        store.set_meta(conn, "risk_weights", records)


def stored_unsettled_days(engine: sa.Engine) -> float:
    """Days after which an unsettled dispute counts in risk (Settings; default 30)."""
    return float(store.get_meta(engine, "dispute_unsettled_days", DEFAULT_OVERDUE_DAYS))


def set_unsettled_days(engine: sa.Engine, days: int) -> None:
    """Store the days after which an unsettled dispute counts in risk."""
    with engine.begin() as conn:
        store.set_meta(conn, "dispute_unsettled_days", int(days))


def _period_days(start: str | None, end: str | None, ts: pd.Series, tz: str) -> int:
    """Days of the period ``start``..``end`` (local dates, inclusive).

    An open end is taken from the incidents' first or last local date (1 day without any).
    """
    local = pd.to_datetime(ts).dt.tz_convert(tz) if len(ts) else pd.Series(dtype=object)
    d0 = dt.date.fromisoformat(start) if start else (local.min().date() if len(local) else None)
    d1 = dt.date.fromisoformat(end) if end else (local.max().date() if len(local) else None)
    if d0 is None or d1 is None:
        return 1
    return max((d1 - d0).days + 1, 1)


TTL_S = 300
"""Seconds a computed jurisdiction model is kept at most (as long as the pages' cached results):
an import changes the store's data version and so the key at once; the bound covers what no
import records (a period with an open end moves with the clock)."""

_KEEP = 16  # models kept at most (the oldest goes first)
_models: OrderedDict[Hashable, tuple[float, pd.DataFrame]] = OrderedDict()
_models_lock = threading.Lock()


def _data_version(engine: sa.Engine) -> tuple[int, ...]:
    """The store's data version from its imports (how many, the last, when it started).

    Also the rows they stored and flagged outside: every write of records goes through an
    import, and an import's figures are written when it ends, so the version changes when an
    import's rows arrive. And the last settings change (the audit trail's ``settings`` rows):
    categories regrouped in place change what the model counts without an import.
    """
    i = store.imports
    a = store.audit
    stmt = sa.select(
        sa.func.count(),
        sa.func.max(i.c.import_id),
        sa.func.max(i.c.started_ms),
        sa.func.sum(i.c.accepted),
        sa.func.sum(i.c.conflicts),
        sa.func.sum(i.c.outside),
    )
    changed = sa.select(sa.func.max(a.c.audit_id)).where(a.c.action == "settings")
    with engine.connect() as conn:
        row = conn.execute(stmt).one()
        last_change = conn.execute(changed).scalar()
    return (*(int(v or 0) for v in row), int(last_change or 0))


def forget_models() -> None:
    """Drop every kept jurisdiction model (the next read computes it again)."""
    with _models_lock:
        _models.clear()


def jurisdiction_risk(
    engine: sa.Engine,
    *,
    start: str | None = None,
    end: str | None = None,
    res: int = DEFAULT_RES,
    history_weight: float = 0.5,
    unsettled_days: float | None = None,
) -> pd.DataFrame:
    """The risk model of the whole jurisdiction at ``res``: expected incidents per week per cell.

    The same for every user: kept per store, data version (:func:`_data_version`: an import
    changes it), risk weights, arguments and time zone for :data:`TTL_S` seconds, so that one
    user's read serves the next.

    One model for everyone: the study cells of the jurisdiction (every stored area, never a user's
    scope), its venues and key sites, the hazards open at the end of the period, the disputes
    unsettled then for ``unsettled_days`` (default: the stored setting ``dispute_unsettled_days``,
    else 30), and the period's incidents (``start``..``end``, local dates, inclusive; an open end
    is the first or last incident's date). It reads every row, but only figures leave it: callers
    keep the rows of the cells a user may see (:func:`risk_cells`).

    Returns
    -------
    pandas.DataFrame
        :func:`geo.domain.risk.risk_surface`: cell, rtm (RTM relative risk), history (smoothed
        incidents in the period), risk (expected incidents per week); ``attrs`` ``incidents``
        (N) and ``weeks`` (W), so that ``risk`` adds up to N / W.
    """
    tz = get_settings().tz
    weights = risk_weights(engine)
    if unsettled_days is None:
        unsettled_days = stored_unsettled_days(engine)
    key = (
        id(engine),
        engine.url.render_as_string(hide_password=True),
        _data_version(engine),
        json.dumps(risk.weights_to_records(weights), sort_keys=True, default=str),
        start,
        end,
        int(res),
        float(history_weight),
        float(unsettled_days),
        tz,
    )
    now = time.monotonic()
    with _models_lock:
        kept = _models.get(key)
        if kept is not None and now - kept[0] < TTL_S:
            _models.move_to_end(key)
            return kept[1].copy()
    out = _jurisdiction_risk(
        engine, start, end, res, history_weight, unsettled_days, weights=weights, tz=tz
    )
    with _models_lock:
        for old in [k for k, (at, _) in _models.items() if now - at >= TTL_S]:
            del _models[old]
        while len(_models) >= _KEEP:
            _models.popitem(last=False)
        _models[key] = (now, out)
    return out.copy()


def _jurisdiction_risk(
    engine: sa.Engine,
    start: str | None,
    end: str | None,
    res: int,
    history_weight: float,
    unsettled_days: float,
    *,
    weights: pd.DataFrame,
    tz: str,
) -> pd.DataFrame:
    """:func:`jurisdiction_risk` computed (no cache)."""
    everyone = store.ALL  # the model is the jurisdiction's; only per-cell figures leave here
    cells = study_cells(engine, everyone, res=res)
    venues = store.read(engine, "venues", everyone)
    sites = store.read(engine, "sites", everyone)
    hazards = store.read(engine, "hazards", everyone)
    at = (pd.Timestamp(end, tz=tz) + pd.Timedelta(days=1)) if end else pd.Timestamp.now(tz=tz)
    hazards = hazards.loc[hazards["found_at"] < at] if len(hazards) else hazards
    disputes = store.read(
        engine,
        "disputes",
        everyone,
        end=end,
        columns=["category", "lat", "lng", "status", "reported_at", "settled_at"],
    )
    exp = risk.exposure(
        cells,
        venues,
        sites,
        hazards,
        weights,
        at=at,
        disputes=disputes,
        unsettled_days=unsettled_days,
    )
    inc = store.read(
        engine, "incidents", everyone, start=start, end=end, columns=["ts", "lat", "lng"]
    )
    history = hexes.counts_in_cells(
        cells, inc["lat"].to_numpy(float), inc["lng"].to_numpy(float), res
    )
    weeks = risk.period_weeks(_period_days(start, end, inc["ts"], tz))
    out = risk.risk_surface(
        cells, exp, weights, history, history_weight=history_weight, weeks=weeks
    )
    out.attrs.update(incidents=int(history.sum()), weeks=weeks)
    return out


def risk_cells(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    start: str | None = None,
    end: str | None = None,
    res: int = DEFAULT_RES,
    area: str | None = None,
    night: str | None = DEFAULT_NIGHT,
    history_weight: float = 0.5,
    top: int | None = None,
    unsettled_days: float | None = None,
) -> pd.DataFrame:
    """Risk, night coverage and gap per cell of the user's area, ranked by gap (rank 1 = largest).

    ``risk`` is the jurisdiction's model (:func:`jurisdiction_risk`): expected incidents per week
    in the cell, the same number for every user who may see the cell; ``rtm`` is the cell's RTM
    relative risk, ``history`` its smoothed incidents in the period. The rows are the cells whose
    centre lies in the scope narrowed to ``area`` (:func:`geo.services.hotspots.study_cells`).
    Within those cells: ``risk_pct`` (the risk's percentile in the area), ``coverage_pct``
    (night dwell's percentile in the area; coverage is night dwell over the period) and ``gap =
    risk_pct * (1 - coverage_pct)`` (:func:`geo.domain.risk.gaps`), rankings within the area.

    Returns cell, res, risk, rtm, history, dwell_s, nights, risk_pct, coverage_pct, gap, rank,
    reason.
    """
    scope = store.figures_scope(scope)  # per-cell statistics only
    cells = study_cells(engine, scope, res=res, area=area)
    model = jurisdiction_risk(
        engine,
        start=start,
        end=end,
        res=res,
        history_weight=history_weight,
        unsettled_days=unsettled_days,
    )
    mine = model.loc[np.isin(model["cell"].to_numpy(), cells)].reset_index(drop=True)
    mine = mine[["cell", "risk", "rtm", "history"]]
    # the ranking reads every patrolled cell, a private reader's too (figures, no visit times)
    cov = coverage_cells(
        engine, store.figures_scope(scope), start=start, end=end, night=night, res=res, area=area
    )
    ranked = risk.gaps(mine, cov, top=None)
    out = mine.merge(ranked.drop(columns=["risk"]), on="cell", how="left")
    out = out.sort_values("rank", kind="stable").reset_index(drop=True)
    out.insert(1, "res", res)
    return out.head(top) if top else out


def backtest(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    start: str,
    end: str,
    res: int = DEFAULT_RES,
    area: str | None = None,
    methods: Sequence[str] | None = None,
) -> dict:
    """Rolling weekly forecasts over the stored incidents: hit rate, PAI and PEI per method.

    Forecasts are scored on the cells of the user's area; the ``risk`` method's model is the
    jurisdiction's (its cells, features and incidents, as :func:`jurisdiction_risk`), so that it
    ranks the cells as the risk every user reads. Only scores leave here.
    """
    scope = store.figures_scope(scope)  # scores only
    cells = study_cells(engine, scope, res=res, area=area)
    everyone = store.ALL  # the jurisdiction's risk model
    inc = store.read(engine, "incidents", everyone)
    kwargs: dict = {}
    if methods:
        kwargs["methods"] = tuple(methods)
    return evaluate.backtest(
        inc,
        cells,
        start=start,
        end=end,
        res=res,
        venues=store.read(engine, "venues", everyone),
        sites=store.read(engine, "sites", everyone),
        hazards=store.read(engine, "hazards", everyone),
        weights=risk_weights(engine),
        tz=get_settings().tz,
        model_cells=study_cells(engine, everyone, res=res),
        **kwargs,
    )

"""Risk, patrol gaps and backtests for a user's scope.

Risk terrain uses the venues and key sites in scope, the hazards open at the end of the period and
the disputes unsettled then; history is the period's incident counts; coverage is night dwell over
the period; the gap is high risk where night coverage is low (:mod:`geo.domain.risk`). The weights
users edit are stored in the store (``meta`` ``risk_weights``).
"""

from __future__ import annotations

from collections.abc import Sequence

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
    """Risk, night coverage and gap per study cell, ranked by gap (rank 1 = the largest gap).

    Risk terrain uses the venues and key sites in scope and the hazards open at the end of the
    period, and the disputes unsettled then for ``unsettled_days`` (default: the stored setting
    ``dispute_unsettled_days``, else 30); history is the period's incident counts. Coverage is
    night dwell over the period.
    Returns cell, res, risk, rtm, history, dwell_s, nights, risk_pct, coverage_pct, gap, rank,
    reason.
    """
    scope = store.figures_scope(scope)  # per-cell statistics only
    tz = get_settings().tz
    cells = study_cells(engine, scope, res=res, area=area)
    venues = store.read(engine, "venues", scope)
    sites = store.read(engine, "sites", scope)
    hazards = store.read(engine, "hazards", scope)
    at = (pd.Timestamp(end, tz=tz) + pd.Timedelta(days=1)) if end else pd.Timestamp.now(tz=tz)
    hazards = hazards.loc[hazards["found_at"] < at] if len(hazards) else hazards
    weights = risk_weights(engine)
    disputes = store.read(
        engine,
        "disputes",
        scope,
        end=end,
        columns=["category", "lat", "lng", "status", "reported_at", "settled_at"],
    )
    if unsettled_days is None:
        unsettled_days = stored_unsettled_days(engine)
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
    inc = store.read(engine, "incidents", scope, start=start, end=end, columns=["lat", "lng"])
    history = hexes.counts_in_cells(
        cells, inc["lat"].to_numpy(float), inc["lng"].to_numpy(float), res
    )
    surface = risk.risk_surface(cells, exp, weights, history, history_weight=history_weight)
    cov = coverage_cells(engine, scope, start=start, end=end, night=night, res=res, area=area)
    ranked = risk.gaps(surface, cov, top=None)
    out = surface.merge(ranked.drop(columns=["risk"]), on="cell", how="left")
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
    """Rolling weekly forecasts over the stored incidents: hit rate, PAI and PEI per method."""
    scope = store.figures_scope(scope)  # scores only
    cells = study_cells(engine, scope, res=res, area=area)
    inc = store.read(engine, "incidents", scope)
    kwargs: dict = {}
    if methods:
        kwargs["methods"] = tuple(methods)
    return evaluate.backtest(
        inc,
        cells,
        start=start,
        end=end,
        res=res,
        venues=store.read(engine, "venues", scope),
        sites=store.read(engine, "sites", scope),
        hazards=store.read(engine, "hazards", scope),
        weights=risk_weights(engine),
        tz=get_settings().tz,
        **kwargs,
    )

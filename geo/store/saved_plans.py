"""Saved patrol plans: the rows behind :mod:`geo.services.plan`.

A plan is stored as its JSON document with the night, who made it, the areas it covers
(``scope``: comma-joined area ids, or ``all``) and its captured and total value. Who may see a
plan is decided here: whoever's scope covers all of the plan's areas.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo.store.scope import Reader, resolve_scope
from geo.store.tables import plans
from geo.store.values import ms_to_ts

__all__ = ["list_plans", "load_plan", "save_plan", "visible"]


def save_plan(
    engine: sa.Engine, plan: dict[str, Any], *, scope: str, user: str | None, now_ms: int
) -> str:
    """Store a plan document under its ``plan_id``; saving it again replaces it.

    ``scope`` is the comma-joined area ids it is kept with, or ``all``.
    """
    row = {
        "plan_id": plan["plan_id"],
        "night": dt.date.fromisoformat(plan["date"]),
        "created_ms": int(now_ms),
        "user_name": user,
        "scope": scope,
        "risk_covered": float(plan["risk_covered"]),
        "risk_total": float(plan["risk_total"]),
        "body": json.dumps(plan, ensure_ascii=False),
    }
    with engine.begin() as conn:
        conn.execute(sa.delete(plans).where(plans.c.plan_id == row["plan_id"]))
        conn.execute(sa.insert(plans), row)
    return str(plan["plan_id"])


def visible(engine: sa.Engine, scope: Reader, plan_scope: str) -> bool:
    """True when ``scope`` covers every area of a plan kept with ``plan_scope``."""
    allowed = resolve_scope(engine, scope)
    if allowed is None:
        return True
    return plan_scope != "all" and all(a in allowed for a in plan_scope.split(","))


def load_plan(engine: sa.Engine, plan_id: str, scope: Reader = "all") -> dict[str, Any]:
    """A saved plan by id (ValueError when unknown or outside the scope)."""
    p = plans
    with engine.connect() as conn:
        row = conn.execute(sa.select(p.c.body, p.c.scope).where(p.c.plan_id == plan_id)).first()
    if row is None or not visible(engine, scope, row.scope):
        msg = f"no plan {plan_id!r}"
        raise ValueError(msg)
    return json.loads(row.body)


def list_plans(
    engine: sa.Engine,
    scope: Reader = "all",
    *,
    start: str | None = None,
    end: str | None = None,
    tz: str = "UTC",
) -> pd.DataFrame:
    """Saved plans, newest night first, optionally for nights ``start``..``end``.

    Columns: plan_id, night, created (in ``tz``), user_name, area, risk_covered, risk_total.
    """
    p = plans
    stmt = sa.select(
        p.c.plan_id,
        p.c.night,
        p.c.created_ms,
        p.c.user_name,
        p.c.scope,
        p.c.risk_covered,
        p.c.risk_total,
    ).order_by(p.c.night.desc(), p.c.created_ms.desc())
    if start:
        stmt = stmt.where(p.c.night >= dt.date.fromisoformat(start))
    if end:
        stmt = stmt.where(p.c.night <= dt.date.fromisoformat(end))
    with engine.connect() as conn:
        df = pd.DataFrame(
            conn.execute(stmt).all(),
            columns=[
                "plan_id",
                "night",
                "created_ms",
                "user_name",
                "area",
                "risk_covered",
                "risk_total",
            ],
        )
    if len(df):
        df = df.loc[[visible(engine, scope, a) for a in df["area"]]].reset_index(drop=True)
    df["created"] = ms_to_ts(df.pop("created_ms"), tz) if len(df) else pd.Series(dtype=object)
    return df

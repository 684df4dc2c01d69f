"""Venue inspection status: when each venue was last inspected and whether it is overdue.

:data:`INSPECTION_RULES` holds the default days between inspections per venue category. They are
defaults the station can change (pass ``rules=`` to :func:`venue_status`); a high-risk venue is
inspected twice as often (its interval is halved, :data:`HIGH_RISK_FACTOR`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_INTERVAL_DAYS",
    "HIGH_RISK_FACTOR",
    "INSPECTION_RULES",
    "STATUS_COLUMNS",
    "interval_days",
    "overdue_venues",
    "venue_status",
]

# Days between routine inspections per venue category (station defaults, editable).
INSPECTION_RULES: dict[str, int] = {
    "ktv": 30,
    "bar": 30,
    "internet_cafe": 30,
    "hotel": 30,
    "bathhouse": 30,
    "nursing_home": 60,
    "market": 90,
    "restaurant": 180,
}
DEFAULT_INTERVAL_DAYS = 90  # a category the rules do not name
HIGH_RISK_FACTOR = 0.5  # high-risk venues: interval times this factor

STATUS_COLUMNS = [
    "venue_id",
    "name",
    "category",
    "risk_level",
    "interval_days",
    "last_inspection",
    "inspections",
    "due",
    "overdue_days",
    "overdue",
    "last_result",
    "open_follow_up",
    "follow_up_due",
    "lat",
    "lng",
]


def interval_days(
    category: pd.Series, risk_level: pd.Series, rules: Mapping[str, int] | None = None
) -> pd.Series:
    """Days between inspections for each venue (category rule, halved for high risk).

    >>> interval_days(pd.Series(["ktv", "market"]), pd.Series(["high", "low"])).tolist()
    [15, 90]
    """
    rules = INSPECTION_RULES if rules is None else rules
    base = category.map(lambda c: rules.get(str(c), DEFAULT_INTERVAL_DAYS)).astype(float)
    high = risk_level.astype("string").fillna("").eq("high").to_numpy()
    days = np.where(high, np.ceil(base * HIGH_RISK_FACTOR), base)
    return pd.Series(days.astype(np.int64), index=category.index)


def venue_status(
    venues: pd.DataFrame,
    inspections: pd.DataFrame,
    at: pd.Timestamp,
    *,
    rules: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Inspection status of each venue at the instant ``at``.

    Inspections after ``at`` are ignored. ``due`` is the last inspection plus the venue's interval;
    ``overdue_days`` the whole days past ``due`` (0 when not yet due). A venue never inspected is
    overdue (``due`` and ``overdue_days`` empty, ``overdue`` True). ``open_follow_up`` is True when
    the latest inspection did not pass (rectify or fail): a re-inspection is owed by
    ``follow_up_due``.

    Returns
    -------
    DataFrame with :data:`STATUS_COLUMNS`, the most overdue first.
    """
    at = pd.Timestamp(at)
    v = venues.reset_index(drop=True)
    ins = inspections
    if len(ins):
        ins = ins.loc[ins["ts"] <= at].sort_values(["venue_id", "ts"], kind="stable")
    if len(ins):
        last = ins.groupby("venue_id", sort=False).tail(1).set_index("venue_id")
        n = ins.groupby("venue_id").size()
    else:
        last = pd.DataFrame(columns=["ts", "result", "follow_up_due"])
        n = pd.Series(dtype=np.int64)
    days = interval_days(v["category"], v.get("risk_level", pd.Series(None, index=v.index)), rules)
    last_ts = v["venue_id"].map(last["ts"]) if len(last) else pd.Series(pd.NaT, index=v.index)
    last_ts = pd.to_datetime(last_ts)
    if last_ts.dt.tz is None and at.tz is not None:
        last_ts = last_ts.dt.tz_localize(at.tz)
    due = last_ts + pd.to_timedelta(days, unit="D")
    over = (at - due).dt.days
    last_result = v["venue_id"].map(last["result"]) if len(last) else pd.Series(None, index=v.index)
    follow = (
        v["venue_id"].map(last["follow_up_due"]) if len(last) else pd.Series(pd.NaT, index=v.index)
    )
    out = pd.DataFrame(
        {
            "venue_id": v["venue_id"],
            "name": v["name"],
            "category": v["category"],
            "risk_level": v.get("risk_level"),
            "interval_days": days,
            "last_inspection": last_ts,
            "inspections": v["venue_id"].map(n).fillna(0).astype(np.int64),
            "due": due,
            "overdue_days": over.clip(lower=0).astype("Int64"),
            "overdue": (last_ts.isna() | (over > 0)).to_numpy(),
            "last_result": last_result,
            "open_follow_up": last_result.isin(["rectify", "fail"]).to_numpy(),
            "follow_up_due": pd.to_datetime(follow),
            "lat": v.get("lat"),
            "lng": v.get("lng"),
        },
        columns=STATUS_COLUMNS,
    )
    never = out["last_inspection"].isna()
    order = np.lexsort(
        (
            out["venue_id"].astype(str).to_numpy(),
            -out["overdue_days"].fillna(0).to_numpy(np.int64),
            ~never.to_numpy(),
        )
    )
    return out.iloc[order].reset_index(drop=True)


def overdue_venues(status: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`venue_status` that are overdue or owe a follow-up, most urgent first."""
    return status.loc[status["overdue"] | status["open_follow_up"]].reset_index(drop=True)

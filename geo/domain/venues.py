"""Venue inspection status: when each venue was last inspected and whether it is overdue.

The one rule of an "overdue venue" (the Venues page, the Duty & readiness schedule, the night's
alerts and the briefing all count it with :func:`venue_status`):

    A venue is overdue on a day when, at the end of that day, more days have passed since its last
    inspection than its grade's inspection interval, or when it has never been inspected.

A venue's grade comes from its risk level (:data:`GRADE_OF_RISK`; a venue without one is graded
as medium risk, grade B); the grade's norm is inspections per month (:data:`DEFAULT_GRADES`, the
``venues`` table of the duty rules the station edits on the Settings page), and its interval is
a month divided by that number, in whole days (:func:`interval_days`: A 30, B 10, C 6). Days are
local calendar dates: a venue inspected on 1 September with a 30-day interval is due by
1 October and one day overdue on 2 October. The register has no registration date, so a venue
never inspected is overdue from its first day on the register (it has no due date and no days
overdue). A grade that requires no inspections is never overdue.

A venue whose latest inspection did not pass (``rectify`` or ``fail``) owes a follow-up
inspection: that is a second, separately counted figure (``open_follow_up``), not "overdue".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from geo.config import get_settings
from geo.domain.period import period_instants

__all__ = [
    "DEFAULT_GRADES",
    "GRADE_OF_RISK",
    "MONTH_DAYS",
    "STATUS_COLUMNS",
    "UNGRADED_RISK",
    "grade_table",
    "interval_days",
    "overdue_venues",
    "venue_status",
]

# Venue grade by its risk level: grade A (low risk) is inspected least often.
GRADE_OF_RISK = {"low": "A", "medium": "B", "high": "C"}
UNGRADED_RISK = "medium"  # a venue without a risk level is graded as this
MONTH_DAYS = 30.4375  # days of an average month

# Inspections per month by grade (分级分类检查); the duty rules' ``venues`` table, editable.
DEFAULT_GRADES: tuple[dict[str, Any], ...] = (
    {
        "grade": "A",
        "risk_level": "low",
        "per_month": 1,
        "source": "issue 11 norm: grade A at least once a month (分级分类检查)",
    },
    {
        "grade": "B",
        "risk_level": "medium",
        "per_month": 3,
        "source": "issue 11 norm: grade B three times a month",
    },
    {
        "grade": "C",
        "risk_level": "high",
        "per_month": 5,
        "source": "issue 11 norm: grade C five times a month",
    },
)

STATUS_COLUMNS = [
    "venue_id",
    "name",
    "category",
    "risk_level",
    "grade",
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


def interval_days(per_month: Any) -> pd.Series:
    """Days between inspections for a number of inspections per month (NA where none required).

    A month (:data:`MONTH_DAYS`) divided by the inspections per month, rounded down to whole
    days, at least one day.

    Parameters
    ----------
    per_month
        Inspections required per month (a number or a sequence of numbers).

    Returns
    -------
    Series of whole days (``Int64``; NA where ``per_month`` is 0 or missing).

    Examples
    --------
    >>> interval_days([1, 3, 5, 0]).tolist()
    [30, 10, 6, <NA>]
    """
    n = pd.to_numeric(pd.Series(per_month, dtype=object), errors="coerce").astype(float)
    days = np.floor(MONTH_DAYS / n.where(n > 0)).clip(lower=1)
    return days.astype("Int64")


def grade_table(grades: Sequence[Mapping[str, Any]] | pd.DataFrame | None = None) -> pd.DataFrame:
    """The grade rules by risk level: grade, per_month and interval_days.

    Parameters
    ----------
    grades
        Rows with ``grade``, ``risk_level`` and ``per_month`` (the duty rules' ``venues`` table);
        None for :data:`DEFAULT_GRADES`.

    Returns
    -------
    DataFrame indexed by risk_level.
    """
    rows = pd.DataFrame(list(DEFAULT_GRADES) if grades is None else grades)
    table = rows[["risk_level", "grade", "per_month"]].drop_duplicates("risk_level")
    table = table.set_index("risk_level")
    table["interval_days"] = interval_days(table["per_month"]).to_numpy()
    return table


def venue_status(
    venues: pd.DataFrame,
    inspections: pd.DataFrame,
    day: str | dt.date,
    *,
    grades: Sequence[Mapping[str, Any]] | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Inspection status of each venue at the end of the local date ``day`` (the module's rule).

    Parameters
    ----------
    venues
        The register: venue_id, name, category, risk_level, lat, lng.
    inspections
        Inspections (venue_id, ts, result, follow_up_due when known) of any date; those after
        the end of ``day`` are ignored.
    day
        Local date (YYYY-MM-DD) the status is taken at the end of.
    grades
        The grade rules (:func:`grade_table`); None for :data:`DEFAULT_GRADES`.

    Returns
    -------
    DataFrame with :data:`STATUS_COLUMNS`, the most overdue first (never inspected first):
    ``grade`` and ``interval_days`` of the venue; ``due`` the local date (``datetime.date``) by
    which the next inspection is due (empty when never inspected or none required);
    ``overdue_days`` the whole days past ``due``; ``overdue`` the rule; ``open_follow_up`` True
    when the latest inspection did not pass (a re-inspection is owed by ``follow_up_due``).
    """
    tz = get_settings().tz
    day = dt.date.fromisoformat(str(day))
    _, at = period_instants(day.isoformat(), day.isoformat(), tz)
    table = grade_table(grades)
    v = venues.reset_index(drop=True)
    level = v.get("risk_level", pd.Series(None, index=v.index, dtype=object))
    level = level.astype("string").fillna(UNGRADED_RISK)
    grade = level.map(table["grade"]).astype(object).where(level.isin(table.index), None)
    days = pd.array(level.map(table["interval_days"]).to_numpy(), dtype="Int64")
    ins = inspections
    if len(ins):
        ins = ins.loc[ins["ts"] < at].sort_values(["venue_id", "ts"], kind="stable")
    cols = ["ts", "result", "follow_up_due"]
    last = (
        ins.groupby("venue_id", sort=False).tail(1).set_index("venue_id").reindex(columns=cols)
        if len(ins)
        else pd.DataFrame(columns=cols)
    )
    n = ins.groupby("venue_id").size() if len(ins) else pd.Series(dtype=np.int64)
    last_ts = pd.to_datetime(v["venue_id"].map(last["ts"]) if len(last) else None)
    if not isinstance(last_ts, pd.Series):
        last_ts = pd.Series(pd.NaT, index=v.index, dtype=f"datetime64[ns, {tz}]")
    if last_ts.dt.tz is None:
        last_ts = last_ts.dt.tz_localize(tz)
    last_ts = last_ts.dt.tz_convert(tz)
    last_day = last_ts.dt.normalize().dt.tz_localize(None)
    due_day = last_day + pd.to_timedelta(pd.Series(days, index=v.index).astype(float), unit="D")
    over = (pd.Timestamp(day) - due_day).dt.days
    never = last_ts.isna().to_numpy()
    required = pd.Series(days, index=v.index).notna().to_numpy()
    last_result = v["venue_id"].map(last["result"]) if len(last) else pd.Series(None, index=v.index)
    follow = v["venue_id"].map(last["follow_up_due"]) if len(last) else None
    out = pd.DataFrame(
        {
            "venue_id": v["venue_id"],
            "name": v.get("name"),
            "category": v.get("category"),
            "risk_level": v.get("risk_level"),
            "grade": grade,
            "interval_days": days,
            "last_inspection": last_ts,
            "inspections": v["venue_id"].map(n).fillna(0).astype(np.int64),
            "due": pd.Series(
                [d.date() if pd.notna(d) else None for d in due_day], index=v.index, dtype=object
            ),
            "overdue_days": over.where(over > 0).astype("Int64"),
            "overdue": required & (never | (over > 0).fillna(False).to_numpy(bool)),
            "last_result": last_result,
            "open_follow_up": last_result.isin(["rectify", "fail"]).to_numpy(),
            "follow_up_due": pd.to_datetime(follow)
            if follow is not None
            else pd.Series(pd.NaT, index=v.index),
            "lat": v.get("lat"),
            "lng": v.get("lng"),
        },
        columns=STATUS_COLUMNS,
    )
    order = np.lexsort(
        (
            out["venue_id"].astype(str).to_numpy(),
            -out["overdue_days"].fillna(0).to_numpy(np.int64),
            ~(never & required),
            ~out["overdue"].to_numpy(bool),
        )
    )
    return out.iloc[order].reset_index(drop=True)


def overdue_venues(status: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`venue_status` that are overdue or owe a follow-up, most urgent first."""
    return status.loc[status["overdue"] | status["open_follow_up"]].reset_index(drop=True)

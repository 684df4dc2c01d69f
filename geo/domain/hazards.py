"""Safety hazards: status at an instant, overdue rectification, the period's board.

One definition of each figure, used by the Hazards page, the Overview, the night's alerts and the
briefing. A hazard counts at an instant ``at`` (the end of a period: the midnight after its last
day) when it was found before ``at``. Its status then is read from its record: ``rectified`` when
its status is rectified and ``rectified_at`` is before ``at`` (or unknown); otherwise its stored
status (open or rectifying), and ``open`` for a hazard rectified only later.

- not rectified (未整改): found before ``at`` and not rectified at ``at`` (open or rectifying);
- overdue (超期未整改): not rectified at ``at`` and its deadline before ``at``; every overdue
  hazard is also counted as not rectified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["GROUP_COLUMNS", "TABLE_COLUMNS", "hazard_board", "hazard_table", "status_at"]

TABLE_COLUMNS = [
    "hazard_id",
    "category",
    "severity",
    "status",
    "found_at",
    "deadline",
    "rectified_at",
    "overdue",
    "days_open",
    "lat",
    "lng",
]
GROUP_COLUMNS = ["group", "found", "rectified", "rate", "not_rectified", "rectifying", "overdue"]
_SEVERITY_ORDER = {"major": 0, "high": 1, "medium": 2, "low": 3}


def status_at(hazards: pd.DataFrame, at: pd.Timestamp) -> pd.Series:
    """Status (open, rectifying, rectified) of each hazard at ``at`` (see the module docstring).

    Parameters
    ----------
    hazards
        Hazard rows: status and rectified_at.
    at
        The instant (rectified before it counts as rectified).

    Returns
    -------
    Series of the status at ``at``, aligned with ``hazards``.
    """
    rect_at = hazards["rectified_at"]
    is_rect = hazards["status"].eq("rectified")
    done = is_rect & (rect_at.isna() | (rect_at < at))
    later = is_rect & ~done
    return hazards["status"].where(~later, "open").where(~done, "rectified")


def hazard_table(hazards: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    """Hazards found before ``at`` with their status then, ``overdue`` and ``days_open``.

    Parameters
    ----------
    hazards
        Hazard rows (hazard_id, category, severity, found_at, status, rectified_at, deadline,
        lat, lng).
    at
        The instant of the status (the module docstring's definitions).

    Returns
    -------
    DataFrame with :data:`TABLE_COLUMNS`: ``days_open`` is whole days from found to rectified
    (or to ``at`` while not rectified). Rows: overdue first, then by severity (major first) and
    found date.
    """
    at = pd.Timestamp(at)
    if hazards.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    hz = hazards.loc[hazards["found_at"] < at].copy()
    hz["status"] = status_at(hz, at)
    rect = hz["status"].eq("rectified")
    hz["overdue"] = (~rect & hz["deadline"].notna() & (hz["deadline"] < at)).to_numpy()
    stop = hz["rectified_at"].where(rect & hz["rectified_at"].notna(), at)
    hz["days_open"] = (pd.to_datetime(stop) - hz["found_at"]).dt.days.astype(np.int64)
    sev = hz["severity"].map(_SEVERITY_ORDER).fillna(9)
    hz = hz.assign(_sev=sev).sort_values(
        ["overdue", "_sev", "found_at"], ascending=[False, True, True], kind="stable"
    )
    return hz[TABLE_COLUMNS].reset_index(drop=True)


def hazard_board(
    hazards: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, at: pd.Timestamp | None = None
) -> dict:
    """The status board of a period ``[start, end)`` (instants), with the state at ``at``.

    Parameters
    ----------
    hazards
        Hazard rows (see :func:`hazard_table`).
    start, end
        The period's instants.
    at
        The instant of the state (default ``end``).

    Returns
    -------
    dict: ``found`` (found in the period), ``rectified`` (of those, rectified before ``end``),
    ``rate`` (rectified / found, None when none found); of all hazards found before ``at``, in
    their state at ``at``: ``not_rectified`` (open or rectifying), ``open``, ``rectifying``,
    ``rectified_total`` and ``overdue`` (a part of ``not_rectified``); and ``by_category`` /
    ``by_severity`` frames with the same counts per group (:data:`GROUP_COLUMNS`).
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    at = end if at is None else pd.Timestamp(at)
    table = hazard_table(hazards, at)
    if hazards.empty:
        in_period = pd.Series(dtype=bool)
        rect_in = pd.Series(dtype=bool)
    else:
        found_at = hazards["found_at"]
        in_period = (found_at >= start) & (found_at < end)
        rect_in = (
            in_period
            & hazards["status"].eq("rectified")
            & hazards["rectified_at"].notna()
            & (hazards["rectified_at"] < end)
        )

    def counts(hz: pd.DataFrame, t: pd.DataFrame, group: str | None) -> pd.DataFrame:
        names = ["found", "rectified", "not_rectified", "rectifying", "overdue"]
        if group is None:
            return pd.DataFrame()
        found = hz.loc[in_period].groupby(group).size()
        rect = hz.loc[rect_in].groupby(group).size()
        nrect = t.loc[~t["status"].eq("rectified")].groupby(group).size()
        ing = t.loc[t["status"].eq("rectifying")].groupby(group).size()
        over = t.loc[t["overdue"]].groupby(group).size()
        df = pd.concat([found, rect, nrect, ing, over], axis=1, keys=names).fillna(0).astype(int)
        df["rate"] = np.where(df["found"] > 0, df["rectified"] / df["found"].clip(lower=1), np.nan)
        df = df.reset_index().rename(columns={group: "group", "index": "group"})
        return df[GROUP_COLUMNS]

    found_n = int(in_period.sum())
    rect_n = int(rect_in.sum())
    st = table["status"] if len(table) else pd.Series(dtype=object)
    return {
        "found": found_n,
        "rectified": rect_n,
        "rate": (rect_n / found_n) if found_n else None,
        "not_rectified": int((~st.eq("rectified")).sum()),
        "open": int(st.eq("open").sum()),
        "rectifying": int(st.eq("rectifying").sum()),
        "rectified_total": int(st.eq("rectified").sum()),
        "overdue": int(table["overdue"].sum()) if len(table) else 0,
        "by_category": counts(hazards, table, "category") if len(hazards) else pd.DataFrame(),
        "by_severity": counts(hazards, table, "severity") if len(hazards) else pd.DataFrame(),
    }

"""Disputes under mediation (矛盾纠纷) and reported leads (线索): boards, rates, hot spots, figures.

A dispute's status at an instant ``at`` is read from its record, as a hazard's is: a dispute whose
stored status closes it (``settled``, ``escalated`` into an incident, ``referred`` to a court or
arbitration) counts as closed once ``settled_at`` (the date it left mediation) is on or before
``at``, or when that date is unknown; before then it was still ``mediating``. A dispute is
*unsettled* at ``at`` while it is ``pending`` or ``mediating`` then, and *overdue* when it has been
unsettled for more than ``days`` (default :data:`DEFAULT_OVERDUE_DAYS`) since it was reported.
Overdue disputes are a risk factor (``dispute:unsettled`` in the risk-weights table, see
:mod:`geo.domain.risk`): quarrels that drag on are the ones that turn into fights.

A lead's status works the same way with ``closed_at``: ``closed`` (verified and dealt with) or
``unfounded`` (checked, nothing in it) once ``closed_at`` is on or before ``at``, else
``verifying``. A lead that *concluded* is closed or unfounded (办结).

Period figures (:func:`figures`) count the records reported in the period, with their status at
the end of the period: discovered, settled and the resolution rate (化解率 = settled /
discovered), escalated, referred; leads received, closed, unfounded, concluded and still
verifying. They are computed from raw rows, so a briefing can quote them.

The functions here take frames as :func:`geo.store.read` returns them; the store-backed figures,
per-grid tables and hot spots are in :mod:`geo.services.disputes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely import wkt as shapely_wkt

from geo.i18n import t

__all__ = [
    "CLOSING_STATUSES",
    "DEFAULT_OVERDUE_DAYS",
    "OPEN_STATUSES",
    "dispute_board",
    "grid_of",
    "lead_board",
    "lead_status_at",
    "overdue",
    "places",
    "rates_by",
    "sentences",
    "status_at",
    "unsettled_for",
]

DEFAULT_OVERDUE_DAYS = 30
"""Days a dispute may stay unsettled before it counts as overdue (and as a risk factor)."""


OPEN_STATUSES = ("pending", "mediating")


CLOSING_STATUSES = ("settled", "escalated", "referred")


RATE_COLUMNS = [
    "group",
    "discovered",
    "settled",
    "rate",
    "escalated",
    "escalation_rate",
    "referred",
    "open",
]


OVERDUE_COLUMNS = [
    "dispute_id",
    "category",
    "status",
    "reported_at",
    "days_open",
    "mediator",
    "parties",
    "site_id",
    "venue_id",
    "lat",
    "lng",
]


def _ts(at: object, like: pd.Series) -> pd.Timestamp:
    t = pd.Timestamp(at)
    tz = getattr(like.dtype, "tz", None)
    if t.tzinfo is None and tz is not None:
        t = t.tz_localize(tz)
    return t


def status_at(disputes: pd.DataFrame, at: object) -> pd.Series:
    """Status (pending, mediating, settled, escalated, referred) of each dispute at ``at``."""
    if disputes.empty:
        return pd.Series(dtype=object, index=disputes.index)
    t = _ts(at, disputes["settled_at"])
    status = disputes["status"].astype(object)
    later = (
        status.isin(CLOSING_STATUSES)
        & disputes["settled_at"].notna()
        & (disputes["settled_at"] > t)
    )
    return status.where(~later, "mediating")


def lead_status_at(leads: pd.DataFrame, at: object) -> pd.Series:
    """Status (verifying, closed, unfounded) of each lead at ``at``."""
    if leads.empty:
        return pd.Series(dtype=object, index=leads.index)
    t = _ts(at, leads["closed_at"])
    status = leads["status"].astype(object)
    later = status.ne("verifying") & leads["closed_at"].notna() & (leads["closed_at"] > t)
    return status.where(~later, "verifying")


def unsettled_for(
    disputes: pd.DataFrame, at: object, days: float = DEFAULT_OVERDUE_DAYS
) -> pd.Series:
    """Boolean Series marking the disputes overdue at ``at``.

    True for a dispute reported by ``at``, unsettled at ``at`` and reported ``days`` or more days
    before it (the overdue disputes; ``days=0``: every unsettled one).
    """
    if disputes.empty:
        return pd.Series(dtype=bool, index=disputes.index)
    t = _ts(at, disputes["reported_at"])
    st = status_at(disputes, t)
    return (disputes["reported_at"] <= t - pd.Timedelta(days=float(days))) & st.isin(OPEN_STATUSES)


def overdue(
    disputes: pd.DataFrame, at: object, *, days: float = DEFAULT_OVERDUE_DAYS
) -> pd.DataFrame:
    """The overdue list: disputes unsettled at ``at`` for ``days`` or more, oldest first.

    Columns :data:`OVERDUE_COLUMNS`; ``status`` is the status at ``at``, ``days_open`` whole days
    since the report.
    """
    if disputes.empty:
        return pd.DataFrame(columns=OVERDUE_COLUMNS)
    t = _ts(at, disputes["reported_at"])
    keep = unsettled_for(disputes, t, days)
    out = disputes.loc[keep].copy()
    out["status"] = status_at(out, t)
    out["days_open"] = (t - out["reported_at"]).dt.days.astype(np.int64)
    for col in OVERDUE_COLUMNS:
        if col not in out:
            out[col] = None
    return out.sort_values(["reported_at", "dispute_id"])[OVERDUE_COLUMNS].reset_index(drop=True)


def _period(frame: pd.DataFrame, col: str, start: object, end: object) -> pd.DataFrame:
    """Rows whose ``col`` lies in ``[start, end)`` (instants)."""
    if frame.empty:
        return frame
    lo, hi = _ts(start, frame[col]), _ts(end, frame[col])
    return frame.loc[(frame[col] >= lo) & (frame[col] < hi)]


def rates_by(
    disputes: pd.DataFrame, start: object, end: object, by: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Dispute counts and resolution and escalation rates for those reported in ``[start, end)``.

    Discovered, settled, resolution rate, escalated, escalation rate, referred and still open, for
    the disputes reported in ``[start, end)`` with their status at ``end``.

    ``by`` names the grouping column(s) (e.g. ``"grid"``, ``"category"`` or both); ``None``
    gives one row with group ``"all"``. Rates are NaN for a group without disputes.
    """
    d = _period(disputes, "reported_at", start, end).copy()
    keys = [by] if isinstance(by, str) else list(by or [])
    if d.empty:
        cols = [*keys, *RATE_COLUMNS[1:]] if keys else RATE_COLUMNS
        return pd.DataFrame(columns=cols)
    d["_st"] = status_at(d, _ts(end, d["reported_at"]))
    if not keys:
        d["group"] = "all"
        keys = ["group"]
    g = d.groupby(keys, dropna=False)["_st"]
    out = pd.DataFrame(
        {
            "discovered": g.size(),
            "settled": g.apply(lambda s: int(s.eq("settled").sum())),
            "escalated": g.apply(lambda s: int(s.eq("escalated").sum())),
            "referred": g.apply(lambda s: int(s.eq("referred").sum())),
            "open": g.apply(lambda s: int(s.isin(OPEN_STATUSES).sum())),
        }
    ).astype(np.int64)
    out["rate"] = out["settled"] / out["discovered"]
    out["escalation_rate"] = out["escalated"] / out["discovered"]
    out = out.reset_index()
    cols = [*keys, *[c for c in RATE_COLUMNS if c != "group"]]
    return out[cols]


def dispute_board(
    disputes: pd.DataFrame, start: object, end: object, *, days: float = DEFAULT_OVERDUE_DAYS
) -> dict[str, Any]:
    """The status board of ``[start, end)``: counts of the period and the state at ``end``.

    Returns discovered, settled, rate (None without disputes), escalated, referred, open (of the
    period's disputes, still pending or mediating at ``end``), and for every dispute reported by
    ``end``: pending, mediating and overdue (unsettled ``days`` or more).
    """
    r = rates_by(disputes, start, end)
    row = r.iloc[0] if len(r) else None
    known = (
        disputes.loc[disputes["reported_at"] < _ts(end, disputes["reported_at"])]
        if len(disputes)
        else disputes
    )
    st = status_at(known, end) if len(known) else pd.Series(dtype=object)
    n = int(row["discovered"]) if row is not None else 0
    return {
        "discovered": n,
        "settled": int(row["settled"]) if row is not None else 0,
        "rate": float(row["rate"]) if row is not None and n else None,
        "escalated": int(row["escalated"]) if row is not None else 0,
        "referred": int(row["referred"]) if row is not None else 0,
        "open": int(row["open"]) if row is not None else 0,
        "pending": int(st.eq("pending").sum()),
        "mediating": int(st.eq("mediating").sum()),
        "overdue": int(unsettled_for(known, end, days).sum()) if len(known) else 0,
    }


def lead_board(leads: pd.DataFrame, start: object, end: object) -> dict[str, int]:
    """Counts of the leads received in ``[start, end)`` by their status at ``end``.

    Received, closed, unfounded, concluded (closed + unfounded, 办结) and verifying; located (with
    a point).
    """
    p = _period(leads, "received_at", start, end)
    st = lead_status_at(p, end) if len(p) else pd.Series(dtype=object)
    closed, unfounded = int(st.eq("closed").sum()), int(st.eq("unfounded").sum())
    return {
        "received": len(p),
        "closed": closed,
        "unfounded": unfounded,
        "concluded": closed + unfounded,
        "verifying": int(st.eq("verifying").sum()),
        "located": int(p["lat"].notna().sum()) if len(p) else 0,
    }


def grid_of(frame: pd.DataFrame, areas: pd.DataFrame) -> pd.Series:
    """The grid (area_id of a ``grid``-level area) holding each point, or None.

    Points outside every grid (or without coordinates) get None; a lead without a point keeps
    its own ``area_id`` when that names a grid.
    """
    out = pd.Series(None, index=frame.index, dtype=object)
    if frame.empty or areas.empty:
        return out
    grids = areas.loc[areas["level"] == "grid"]
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(float)
    lng = pd.to_numeric(frame["lng"], errors="coerce").to_numpy(float)
    for area_id, text in zip(grids["area_id"], grids["geometry"], strict=True):
        geom = shapely_wkt.loads(text) if isinstance(text, str) else text
        inside = shapely.contains_xy(geom, lng, lat) & out.isna().to_numpy()
        out[inside] = area_id
    if "area_id" in frame:
        named = out.isna() & frame["area_id"].isin(set(grids["area_id"]))
        out[named] = frame.loc[named, "area_id"]
    return out


def places(
    disputes: pd.DataFrame, venues: pd.DataFrame, sites: pd.DataFrame, min_count: int
) -> pd.DataFrame:
    """Venues and key sites named by ``min_count`` or more of ``disputes``.

    See :func:`geo.services.disputes.repeated_places`.
    """
    cols = [
        "place",
        "place_id",
        "name",
        "category",
        "disputes",
        "settled",
        "open",
        "escalated",
        "market_trade",
        "last_reported",
    ]
    rows = []
    for place, col, ref in (("venue", "venue_id", venues), ("site", "site_id", sites)):
        if disputes.empty or col not in disputes:
            continue
        d = disputes.loc[disputes[col].notna()]
        if d.empty:
            continue
        info = (
            ref.set_index(col)[["name", "category"]]
            if len(ref)
            else pd.DataFrame(columns=["name", "category"])
        )
        st = d["status"]
        g = d.assign(
            _settled=st.eq("settled"),
            _open=st.isin(OPEN_STATUSES),
            _esc=st.eq("escalated"),
            _mt=d["category"].eq("market_trade"),
        ).groupby(col)
        agg = pd.DataFrame(
            {
                "disputes": g.size(),
                "settled": g["_settled"].sum(),
                "open": g["_open"].sum(),
                "escalated": g["_esc"].sum(),
                "market_trade": g["_mt"].sum(),
                "last_reported": g["reported_at"].max(),
            }
        )
        agg = agg.loc[agg["disputes"] >= min_count]
        for pid, r in agg.iterrows():
            rows.append(
                {
                    "place": place,
                    "place_id": pid,
                    "name": info["name"].get(pid, pid) if len(info) else pid,
                    "category": info["category"].get(pid) if len(info) else None,
                    **{k: r[k] for k in cols[4:]},
                }
            )
    out = pd.DataFrame(rows, columns=cols)
    for c in ("disputes", "settled", "open", "escalated", "market_trade"):
        out[c] = out[c].astype(np.int64)
    return out.sort_values(["disputes", "place_id"], ascending=[False, True]).reset_index(drop=True)


def sentences(figs: dict[str, Any], lang: str = "zh-CN") -> list[str]:
    """The dispute and lead figures as briefing sentences.

    In zh: "排查化解矛盾纠纷1007起，化解率97.91%" and "收到线索17条，已办结10条，7条正在核查";
    "已办结" counts closed and unfounded leads.
    """
    rate = figs.get("resolution_rate")
    shown = "—" if rate is None else f"{rate * 100:.2f}%"
    return [
        t("dsp.sentence_disputes", lang, n=figs["disputes_discovered"], rate=shown),
        t(
            "dsp.sentence_leads",
            lang,
            n=figs["leads_received"],
            closed=figs["leads_concluded"],
            verifying=figs["leads_verifying"],
        ),
    ]

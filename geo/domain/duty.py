"""Duty and readiness rules: key-site visits, the night's duty, inspection schedules, long stops.

Key-point visits from GPS, the night's duty table, inspection schedules and long stops, without a
store (the store-backed night, alerts and grid assessment: :mod:`geo.services.duty`).

Duty rules
----------
:data:`DEFAULT_RULES` holds the norms a station is held to, each with where it comes from; the
station edits them on the Settings page or as a TOML file (:func:`rules_to_toml`,
:func:`rules_from_toml`); they are stored in the store's ``meta`` table under ``"duty_rules"``
(:func:`get_rules`, :func:`set_rules`). Three tables:

- ``sites``: per key-site category (or one ``site_id``, which wins over its category) the visits
  required per ``night`` or per ``shift``, the geofence ``radius_m`` and the ``min_dwell_s`` a
  GPS visit needs;
- ``venues``: per venue grade (A/B/C, read from the venue's ``risk_level`` low/medium/high) the
  inspections required per month, which also set the grade's inspection interval and so which
  venues are overdue (the one rule: :mod:`geo.domain.venues`);
- ``tiers``: the response-circle tiers (minutes, and the site categories each applies to;
  ``high_risk`` names the riskiest cells, ``*`` everything not named elsewhere), used by
  :mod:`geo.domain.circles`;
- ``live``: the minutes of the live night's rules (:data:`LIVE_RULES`): ``gps_silent`` (no fix
  for this long), ``long_stop`` (standing this long outside every post), ``point_due`` (a key
  point due within this long and not visited) and ``close_shift`` (this long without a fix
  closes a live shift: the import's gap rule), used by :mod:`geo.domain.live`.

Visits
------
A GPS visit (:func:`gps_visits`) is a run of consecutive fixes of one shift inside a site's geofence
lasting at least the site's minimum dwell (first to last fix inside); a fix outside the fence or a
gap over :data:`geo.domain.coverage.MAX_GAP_S` between fixes ends a run, so a drive-by (a few fixes
inside, seconds apart) is not a visit. Explicit check-ins (``site_checks``) count too, once:
:func:`merge_visits` joins a GPS visit and the check-ins of the same unit at the same site that fall
within :data:`DEDUP_WINDOW_S` of it (before its start to after its end) into one visit with
``source`` ``both``; check-ins alone are ``check``, GPS alone ``gps``. Everything is vectorised over
the fixes (a KD-tree finds the fixes near each site; runs are found with cumulative sums).

The night's duty (:func:`night_duty`): for every site with a rule, visits required, done on time,
late and missed. The ``n`` visits a site needs in a night window are due one after the other:
visit ``k`` (1-based) is due by ``start + k/n`` of the window; a visit after its due time but
inside the window is late; required visits not made are missed. Per-shift rules require ``n``
visits from every shift on duty that night.

The campaign figure
-------------------
The briefing's campaign sentence quotes the key-site patrols of the ledger (explicit check-ins,
:func:`geo.domain.figures.figures_from_frames`), as the campaign report counts them: on the demo
city 632. :func:`site_visit_figures` adds what the GPS tracks show and how the two were merged;
the briefing reports it in its own section (:data:`geo.services.briefing.OPTIONAL_SECTIONS`).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.config import get_settings
from geo.domain import coverage, schema
from geo.domain.period import period_dates, period_instants
from geo.domain.venues import DEFAULT_GRADES, GRADE_OF_RISK, MONTH_DAYS, venue_status

__all__ = [
    "ALERT_COLUMNS",
    "DEDUP_WINDOW_S",
    "DEFAULT_RULES",
    "GRADE_OF_RISK",
    "GRID_COLUMNS",
    "HOT_CELL_HOURS",
    "HOT_CELL_TOP",
    "LIVE_RULES",
    "LIVE_RULE_COLUMNS",
    "LONG_STOP_MIN",
    "POST_RADIUS_M",
    "SCHEDULE_COLUMNS",
    "SITE_DUTY_COLUMNS",
    "SITE_RULE_COLUMNS",
    "TIER_COLUMNS",
    "UNIT_DUTY_COLUMNS",
    "VENUE_RULE_COLUMNS",
    "duty_table",
    "gps_visits",
    "live_minutes",
    "long_stops",
    "merge_visits",
    "nights_table",
    "rules_from_toml",
    "rules_to_toml",
    "site_rules",
    "validate_rules",
    "venue_schedule",
]

# A GPS visit and a check-in of the same unit at the same site this close count once.
DEDUP_WINDOW_S = 1800


_MAX_GAP_NS = int(coverage.MAX_GAP_S * 1e9)


_EARTH_M_PER_DEG = 111_195.0


_SRC_NORM = (
    "issue 11 norm (必巡点 visited a set number of times each night); station default, "
    "check against the bureau's 勤务规范"
)


_SRC_GEOFENCE = (
    "assumption: GPS error 5-15 m plus the size of the site (a gate, a forecourt); "
    "min dwell = DESIGN.md's stop (2+ minutes)"
)


DEFAULT_RULES: dict[str, list[dict[str, Any]]] = {
    "sites": [
        {
            "target": "bank",
            "visits": 2,
            "per": "night",
            "radius_m": 60,
            "min_dwell_s": 120,
            "source": _SRC_NORM + "; banks: cash-in-transit and ATM hours",
        },
        {
            "target": "hub",
            "visits": 2,
            "per": "night",
            "radius_m": 80,
            "min_dwell_s": 120,
            "source": _SRC_NORM + "; hubs: last buses and trains",
        },
        {
            "target": "market",
            "visits": 1,
            "per": "night",
            "radius_m": 80,
            "min_dwell_s": 120,
            "source": _SRC_NORM,
        },
        {
            "target": "mall",
            "visits": 1,
            "per": "night",
            "radius_m": 80,
            "min_dwell_s": 120,
            "source": _SRC_NORM,
        },
        {
            "target": "school",
            "visits": 1,
            "per": "night",
            "radius_m": 60,
            "min_dwell_s": 120,
            "source": _SRC_NORM + "; schools: 护学岗 covers the day, the night needs one pass",
        },
        {
            "target": "hospital",
            "visits": 1,
            "per": "night",
            "radius_m": 60,
            "min_dwell_s": 120,
            "source": _SRC_NORM,
        },
        {
            "target": "government",
            "visits": 0,
            "per": "night",
            "radius_m": 60,
            "min_dwell_s": 120,
            "source": "station default: patrolled, not a 必巡点",
        },
        {
            "target": "post",
            "visits": 0,
            "per": "night",
            "radius_m": 50,
            "min_dwell_s": 120,
            "source": "posts are where units stand (屯警点), not a point to visit",
        },
    ],
    "venues": [dict(g) for g in DEFAULT_GRADES],
    "tiers": [
        {
            "minutes": 1,
            "targets": "hub",
            "source": "1-3-5 minute response circles (1、3、5分钟快速反应圈): hubs and stations "
            "within 1 minute",
        },
        {
            "minutes": 3,
            "targets": "bank,school,mall,high_risk",
            "source": "1-3-5 minute response circles: banks, schools and malls within 3 minutes; "
            "the riskiest cells (top decile) held to the same tier (station default)",
        },
        {
            "minutes": 5,
            "targets": "*",
            "source": "1-3-5 minute response circles: the rest of the jurisdiction within 5 "
            "minutes",
        },
    ],
    "live": [
        {
            "alert": "gps_silent",
            "minutes": 10,
            "source": "station default: terminals report every few seconds, so 10 minutes "
            "without a fix is a fault, a dead zone or a switched-off device",
        },
        {
            "alert": "long_stop",
            "minutes": 20,
            "source": "station default: standing 20 minutes outside every post (屯警点) is not "
            "patrolling; posts are where units stand",
        },
        {
            "alert": "point_due",
            "minutes": 30,
            "source": "station default: half an hour's warning before a key point's next "
            "visit falls due (the due times of the sites table)",
        },
        {
            "alert": "close_shift",
            "minutes": 30,
            "source": "the import's gap rule: a track is cut into a new shift after a gap "
            "over 30 minutes (python -m geo import --gap)",
        },
    ],
}

LIVE_RULES = ("gps_silent", "long_stop", "point_due", "close_shift")
"""The rules of the ``live`` table, in their order: each a number of minutes."""


LIVE_RULE_COLUMNS = ["alert", "minutes", "source"]


SITE_RULE_COLUMNS = ["target", "visits", "per", "radius_m", "min_dwell_s", "source"]


VENUE_RULE_COLUMNS = ["grade", "risk_level", "per_month", "source"]


TIER_COLUMNS = ["minutes", "targets", "source"]


def _bad(table: str, i: int, what: str) -> ValueError:
    return ValueError(f"duty rules, {table} row {i + 1}: {what}")


def _records(table: Any) -> list[dict[str, Any]]:
    if isinstance(table, pd.DataFrame):
        return [
            {k: (None if pd.api.types.is_scalar(v) and pd.isna(v) else v) for k, v in r.items()}
            for r in table.to_dict("records")
        ]
    return [dict(r) for r in (table or [])]


def validate_rules(rules: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Checked, normalised duty rules (tables may be record lists or DataFrames).

    A missing table takes its default. ValueError names the table and row of a bad value.
    """
    unknown = set(rules) - set(DEFAULT_RULES)
    if unknown:
        msg = f"duty rules: unknown table(s) {', '.join(sorted(unknown))}"
        raise ValueError(msg)
    out: dict[str, list[dict[str, Any]]] = {}
    sites, seen = [], set()
    rows = _records(rules["sites"]) if "sites" in rules else DEFAULT_RULES["sites"]
    for i, r in enumerate(rows):
        target = str(r.get("target") or "").strip()
        if not target:
            raise _bad("sites", i, "target (a site category or a site id) is empty")
        if target in seen:
            raise _bad("sites", i, f"target {target!r} appears twice")
        seen.add(target)
        per = str(r.get("per") or "night").strip()
        if per not in ("night", "shift"):
            raise _bad("sites", i, f"per must be night or shift, got {per!r}")
        try:
            visits, radius, dwell = (
                int(r.get("visits") or 0),
                float(r["radius_m"]),
                float(r["min_dwell_s"]),
            )
        except (KeyError, TypeError, ValueError):
            raise _bad("sites", i, "visits, radius_m and min_dwell_s must be numbers") from None
        if not (0 <= visits <= 24 and 5 <= radius <= 1000 and 0 <= dwell <= 7200):
            raise _bad("sites", i, "visits 0-24, radius_m 5-1000, min_dwell_s 0-7200")
        sites.append(
            {
                "target": target,
                "visits": visits,
                "per": per,
                "radius_m": radius,
                "min_dwell_s": dwell,
                "source": str(r.get("source") or ""),
            }
        )
    out["sites"] = sites
    venues, grades = [], set()
    rows = _records(rules["venues"]) if "venues" in rules else DEFAULT_RULES["venues"]
    for i, r in enumerate(rows):
        grade = str(r.get("grade") or "").strip()
        level = str(r.get("risk_level") or "").strip()
        if not grade or level not in schema.RISK_LEVELS:
            raise _bad(
                "venues", i, f"grade needed and risk_level one of {', '.join(schema.RISK_LEVELS)}"
            )
        if level in grades:
            raise _bad("venues", i, f"risk_level {level!r} appears twice")
        grades.add(level)
        try:
            per_month = float(r["per_month"])
        except (KeyError, TypeError, ValueError):
            raise _bad("venues", i, "per_month must be a number") from None
        if not 0 <= per_month <= 31:
            raise _bad("venues", i, "per_month 0-31")
        venues.append(
            {
                "grade": grade,
                "risk_level": level,
                "per_month": per_month,
                "source": str(r.get("source") or ""),
            }
        )
    out["venues"] = venues
    tiers = []
    rows = _records(rules["tiers"]) if "tiers" in rules else DEFAULT_RULES["tiers"]
    for i, r in enumerate(rows):
        try:
            minutes = float(r["minutes"])
        except (KeyError, TypeError, ValueError):
            raise _bad("tiers", i, "minutes must be a number") from None
        if not 0 < minutes <= 60:
            raise _bad("tiers", i, "minutes 0-60")
        targets = r.get("targets")
        if isinstance(targets, (list, tuple)):
            targets = ",".join(str(x) for x in targets)
        names = [x.strip() for x in str(targets or "").replace("，", ",").split(",") if x.strip()]
        bad = [x for x in names if x not in (*schema.SITE_CATEGORIES, "high_risk", "*")]
        if not names or bad:
            raise _bad(
                "tiers",
                i,
                f"targets are site categories, high_risk or *; got {', '.join(bad) or 'nothing'}",
            )
        tiers.append(
            {"minutes": minutes, "targets": ",".join(names), "source": str(r.get("source") or "")}
        )
    out["tiers"] = sorted(tiers, key=lambda x: x["minutes"])
    out["live"] = _valid_live(_records(rules["live"]) if "live" in rules else DEFAULT_RULES["live"])
    return out


def _valid_live(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``live`` table checked: known rules once each, 1-720 minutes.

    A rule left out takes its default row.
    """
    got: dict[str, dict[str, Any]] = {}
    for i, r in enumerate(rows):
        alert = str(r.get("alert") or "").strip()
        if alert not in LIVE_RULES:
            raise _bad("live", i, f"alert must be one of {', '.join(LIVE_RULES)}, got {alert!r}")
        if alert in got:
            raise _bad("live", i, f"alert {alert!r} appears twice")
        try:
            minutes = float(r["minutes"])
        except (KeyError, TypeError, ValueError):
            raise _bad("live", i, "minutes must be a number") from None
        if not 1 <= minutes <= 720:
            raise _bad("live", i, "minutes 1-720")
        got[alert] = {"alert": alert, "minutes": minutes, "source": str(r.get("source") or "")}
    default = {r["alert"]: r for r in DEFAULT_RULES["live"]}
    return [
        got.get(a) or {**default[a], "minutes": float(default[a]["minutes"])} for a in LIVE_RULES
    ]


def live_minutes(rules: Mapping[str, Any]) -> dict[str, float]:
    """The ``live`` table as ``{rule: minutes}`` (every rule of :data:`LIVE_RULES`)."""
    return {r["alert"]: float(r["minutes"]) for r in validate_rules(rules)["live"]}


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    s = str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"'


def rules_to_toml(rules: Mapping[str, Any]) -> str:
    """Duty rules as a TOML document, which :func:`rules_from_toml` reads back.

    Arrays of tables ``[[sites]]``, ``[[venues]]``, ``[[tiers]]``, ``[[live]]``.
    """
    clean = validate_rules(rules)
    lines = ["# Qingyun Patrol duty rules (python -m geo duty; Settings page)", ""]
    for table, rows in clean.items():
        for r in rows:
            lines.append(f"[[{table}]]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in r.items()]
            lines.append("")
    return "\n".join(lines)


def rules_from_toml(text: str | bytes) -> dict[str, list[dict[str, Any]]]:
    """Duty rules from a TOML document (ValueError on bad TOML or values)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = f"duty rules: not a TOML file ({e})"
        raise ValueError(msg) from None
    return validate_rules(data)


def site_rules(sites: pd.DataFrame, rules: Mapping[str, Any]) -> pd.DataFrame:
    """The duty rule of each site: its own row, else its category's.

    Returns the sites' columns plus visits, per, radius_m, min_dwell_s. Sites without a rule get
    none required and a 50 m, 2-minute geofence.
    """
    table = pd.DataFrame(validate_rules(rules)["sites"], columns=SITE_RULE_COLUMNS)
    by = table.set_index("target")
    out = sites.reset_index(drop=True).copy()
    own = out["site_id"].astype(str).isin(by.index)
    key = np.where(own, out["site_id"].astype(str), out["category"].astype(str))
    known = pd.Index(by.index).get_indexer(key) >= 0
    for col, default in (
        ("visits", 0),
        ("per", "night"),
        ("radius_m", 50.0),
        ("min_dwell_s", 120.0),
    ):
        vals = by[col].reindex(key).to_numpy()
        out[col] = np.where(known, vals, default)
    out["visits"] = out["visits"].astype(np.int64)
    out["radius_m"] = out["radius_m"].astype(float)
    out["min_dwell_s"] = out["min_dwell_s"].astype(float)
    return out


VISIT_COLUMNS = ["site_id", "shift_id", "unit_id", "start", "end", "dwell_s", "fixes"]


MERGED_COLUMNS = ["site_id", "unit_id", "start", "end", "dwell_s", "source", "checks"]


def _xy(lat: np.ndarray, lng: np.ndarray, lat0: float) -> np.ndarray:
    k = np.cos(np.radians(lat0)) * _EARTH_M_PER_DEG
    return np.column_stack([np.asarray(lng, float) * k, np.asarray(lat, float) * _EARTH_M_PER_DEG])


def gps_visits(pings: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """Visits of key sites found in GPS tracks (see the module docstring).

    Parameters
    ----------
    pings
        ``shift_id``, ``ts`` (tz-aware), ``lat``, ``lng`` and ``unit_id`` (optional).
    sites
        ``site_id``, ``lat``, ``lng``, ``radius_m``, ``min_dwell_s`` (:func:`site_rules`).

    Returns
    -------
    DataFrame with :data:`VISIT_COLUMNS`: one row per visit, ``start``/``end`` the first and last
    fix inside the fence (tz-aware), ``dwell_s`` their difference, ``fixes`` the fixes inside.
    """
    empty = pd.DataFrame(columns=VISIT_COLUMNS)
    if pings.empty or sites.empty:
        return empty
    p = pings.loc[pings["lat"].notna() & pings["lng"].notna() & pings["ts"].notna()]
    p = p.sort_values(["shift_id", "ts"], kind="stable").reset_index(drop=True)
    lat0 = float(sites["lat"].mean())
    radius = sites["radius_m"].to_numpy(float)
    tree_p = cKDTree(_xy(p["lat"].to_numpy(), p["lng"].to_numpy(), lat0))
    tree_s = cKDTree(_xy(sites["lat"].to_numpy(), sites["lng"].to_numpy(), lat0))
    # ndarray output keeps pairs at distance 0 (a fix exactly on the site)
    pairs = tree_s.sparse_distance_matrix(tree_p, float(radius.max()), output_type="ndarray")
    j, i = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
    inside = pairs["v"] <= radius[j]
    j, i = j[inside], i[inside]
    if i.size == 0:
        return empty
    order = np.lexsort((i, j))
    j, i = j[order], i[order]
    codes = pd.factorize(p["shift_id"])[0]
    ts = p["ts"].dt.tz_convert("UTC").astype("int64").to_numpy() if len(p) else np.array([])
    ts = np.asarray(ts, np.int64)
    new = np.ones(i.size, bool)
    new[1:] = (
        (j[1:] != j[:-1])
        | (i[1:] != i[:-1] + 1)
        | (codes[i[1:]] != codes[i[:-1]])
        | (ts[i[1:]] - ts[i[:-1]] > _MAX_GAP_NS)
    )
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, i.size - 1)
    t0, t1 = ts[i[first]], ts[i[last]]
    dwell = (t1 - t0) / 1e9
    site_ix = j[first]
    keep = dwell >= sites["min_dwell_s"].to_numpy(float)[site_ix]
    fi = i[first][keep]
    unit = p["unit_id"].to_numpy()[fi] if "unit_id" in p else np.full(fi.size, None)
    tz = p["ts"].dt.tz
    out = pd.DataFrame(
        {
            "site_id": sites["site_id"].to_numpy()[site_ix[keep]],
            "shift_id": p["shift_id"].to_numpy()[fi],
            "unit_id": unit,
            "start": pd.to_datetime(t0[keep], utc=True).tz_convert(tz),
            "end": pd.to_datetime(t1[keep], utc=True).tz_convert(tz),
            "dwell_s": dwell[keep],
            "fixes": (last - first + 1)[keep].astype(np.int64),
        },
        columns=VISIT_COLUMNS,
    )
    return out.sort_values(["start", "site_id"], kind="stable").reset_index(drop=True)


def merge_visits(
    visits: pd.DataFrame, checks: pd.DataFrame, *, window_s: float = DEDUP_WINDOW_S
) -> pd.DataFrame:
    """GPS visits and explicit check-ins as one list, each real visit once.

    Per unit and site, events are taken in time order; an event that starts within ``window_s``
    after the end of the one before (or of the visit it joins) belongs to the same visit. A
    visit made of GPS and a check-in has ``source`` ``both``; ``checks`` counts the check-ins it
    absorbed (several taps at one gate are one visit).

    Returns
    -------
    DataFrame with :data:`MERGED_COLUMNS`, in time order.
    """

    def events(frame: pd.DataFrame, start: str, end: str, dwell_s: Any, gps: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "site_id": frame["site_id"].to_numpy(),
                "unit_id": frame["unit_id"].to_numpy(),
                "start": frame[start],
                "end": frame[end],
                "dwell_s": dwell_s,
                "gps": gps,
                "chk": 1 - gps,
            }
        )

    parts = []
    if len(visits):
        parts.append(events(visits, "start", "end", visits["dwell_s"].to_numpy(float), gps=1))
    if len(checks):
        parts.append(events(checks, "ts", "ts", 0.0, gps=0))
    if not parts:
        return pd.DataFrame(columns=MERGED_COLUMNS)
    tz = get_settings().tz
    for f in parts:
        f["start"] = pd.to_datetime(f["start"]).dt.tz_convert(tz)
        f["end"] = pd.to_datetime(f["end"]).dt.tz_convert(tz)
    ev = pd.concat(parts, ignore_index=True)
    ev["unit_id"] = ev["unit_id"].astype("string").fillna("")
    ev = ev.sort_values(
        ["site_id", "unit_id", "start", "gps"], ascending=[True, True, True, False], kind="stable"
    ).reset_index(drop=True)
    t0 = ev["start"].astype("int64").to_numpy()
    t1 = ev["end"].astype("int64").to_numpy()
    grp = pd.factorize(ev["site_id"].astype(str) + "\x1f" + ev["unit_id"].astype(str))[0]
    # running latest end within the group, up to the event before
    reach = pd.Series(t1).groupby(grp).cummax().to_numpy()
    prev_reach = np.concatenate(([np.iinfo(np.int64).min], reach[:-1]))
    new = np.ones(len(ev), bool)
    new[1:] = (grp[1:] != grp[:-1]) | (t0[1:] > prev_reach[1:] + int(window_s * 1e9))
    vid = np.cumsum(new) - 1
    g = ev.assign(_v=vid).groupby("_v", sort=True)
    out = pd.DataFrame(
        {
            "site_id": g["site_id"].first(),
            "unit_id": g["unit_id"].first(),
            "start": g["start"].min(),
            "end": g["end"].max(),
            "dwell_s": g["dwell_s"].sum(),
            "gps": g["gps"].sum(),
            "checks": g["chk"].sum(),
        }
    )
    out["source"] = np.where(
        (out["gps"] > 0) & (out["checks"] > 0), "both", np.where(out["gps"] > 0, "gps", "check")
    )
    out["checks"] = out["checks"].astype(np.int64)
    out["unit_id"] = out["unit_id"].replace("", None)
    return (
        out[MERGED_COLUMNS].sort_values(["start", "site_id"], kind="stable").reset_index(drop=True)
    )


SITE_DUTY_COLUMNS = [
    "site_id",
    "name",
    "category",
    "per",
    "required",
    "done",
    "late",
    "missed",
    "visits",
    "first_visit",
    "status",
    "lat",
    "lng",
]


UNIT_DUTY_COLUMNS = [
    "unit_id",
    "unit_name",
    "unit_kind",
    "shift_id",
    "visits",
    "sites",
    "done",
    "late",
    "required",
    "missed",
]


def duty_table(
    sites: pd.DataFrame,
    merged: pd.DataFrame,
    w0: pd.Timestamp,
    w1: pd.Timestamp,
    shifts: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per site and per unit: required, done (on time), late, missed for one night window.

    ``sites`` carries the rules (:func:`site_rules`); ``merged`` the visits (:func:`merge_visits`)
    of the night; ``shifts`` (shift_id, unit_id, unit_name, unit_kind) the shifts on duty, for
    per-shift rules and the unit table. See the module docstring for due times.
    """
    shifts = (
        shifts
        if shifts is not None
        else pd.DataFrame(columns=["shift_id", "unit_id", "unit_name", "unit_kind"])
    )
    length = (w1 - w0).value
    v = merged.loc[(merged["start"] >= w0) & (merged["start"] < w1)] if len(merged) else merged
    v = (
        v.merge(sites[["site_id", "visits", "per"]], on="site_id", how="inner")
        if len(v)
        else v.assign(visits=pd.Series(dtype=np.int64), per=pd.Series(dtype=object))
    )
    v = v.sort_values(["site_id", "start"], kind="stable").reset_index(drop=True)
    # night rules: k-th visit of the site (0-based) against the k-th due time
    k = v.groupby("site_id").cumcount().to_numpy() if len(v) else np.array([], np.int64)
    n = v["visits"].to_numpy(np.int64) if len(v) else np.array([], np.int64)
    due = w0.value + np.ceil((k + 1) * length / np.maximum(n, 1)).astype(np.int64)
    t = v["start"].astype("int64").to_numpy() if len(v) else np.array([], np.int64)
    counted = k < n
    night_rule = (v["per"] == "night").to_numpy() if len(v) else np.array([], bool)
    v["on_time"] = counted & (t <= due) & night_rule
    v["late"] = counted & (t > due) & night_rule
    # shift rules: each shift on duty owes n visits within the window (on time = counted)
    n_shifts = int(shifts["shift_id"].nunique()) if len(shifts) else 0
    if len(v) and (~night_rule).any():
        sv = v.loc[~night_rule]
        kk = sv.groupby(["site_id", "unit_id"]).cumcount().to_numpy()
        v.loc[~night_rule, "on_time"] = kk < sv["visits"].to_numpy(np.int64)
    by_site = v.groupby("site_id").agg(
        done=("on_time", "sum"),
        late=("late", "sum"),
        visits=("start", "size"),
        first_visit=("start", "min"),
    )
    s = sites.copy()
    s["required"] = np.where(s["per"] == "shift", s["visits"] * n_shifts, s["visits"])
    s["done"] = s["site_id"].map(by_site["done"]).fillna(0).astype(np.int64)
    s["late"] = s["site_id"].map(by_site["late"]).fillna(0).astype(np.int64)
    s["visits"] = s["site_id"].map(by_site["visits"]).fillna(0).astype(np.int64)
    s["first_visit"] = s["site_id"].map(by_site["first_visit"])
    s["missed"] = (s["required"] - s["done"] - s["late"]).clip(lower=0).astype(np.int64)
    s["status"] = np.select(
        [s["required"] == 0, s["missed"] > 0, s["late"] > 0], ["none", "missed", "late"], "done"
    )
    order = {"missed": 0, "late": 1, "done": 2, "none": 3}
    s = s.assign(_o=s["status"].map(order)).sort_values(["_o", "site_id"], kind="stable")
    sites_out = s[SITE_DUTY_COLUMNS].reset_index(drop=True)
    # per unit: the visits it made that count, and its own per-shift requirement
    per_shift_req = int(sites.loc[sites["per"] == "shift", "visits"].sum())
    units = (
        shifts[["shift_id", "unit_id", "unit_name", "unit_kind"]].drop_duplicates("unit_id").copy()
        if len(shifts)
        else pd.DataFrame(columns=UNIT_DUTY_COLUMNS[:4])
    )
    vu = (
        v.groupby("unit_id").agg(
            visits=("start", "size"),
            sites=("site_id", "nunique"),
            done=("on_time", "sum"),
            late=("late", "sum"),
        )
        if len(v)
        else pd.DataFrame(columns=["visits", "sites", "done", "late"])
    )
    extra = sorted(set(vu.index.dropna()) - set(units["unit_id"]))
    if extra:
        units = pd.concat([units, pd.DataFrame({"unit_id": extra})], ignore_index=True)
    for c in ("visits", "sites", "done", "late"):
        units[c] = units["unit_id"].map(vu[c]).fillna(0).astype(np.int64)
    shift_done = (
        v.loc[~night_rule & v["on_time"]].groupby("unit_id").size()
        if len(v)
        else pd.Series(dtype=np.int64)
    )
    units["required"] = per_shift_req
    units["missed"] = (
        (per_shift_req - units["unit_id"].map(shift_done).fillna(0)).clip(lower=0).astype(np.int64)
    )
    units = units.sort_values("unit_id", kind="stable")
    return sites_out, units[UNIT_DUTY_COLUMNS].reset_index(drop=True)


NIGHTS_COLUMNS = ["site_id", "required", "done", "late", "missed", "visits"]


def nights_table(
    sites: pd.DataFrame,
    merged: pd.DataFrame,
    starts: Sequence[pd.Timestamp],
    ends: Sequence[pd.Timestamp],
    shifts_per_night: Sequence[int],
) -> pd.DataFrame | None:
    """Per site, :func:`duty_table`'s required, done, late, missed and visits summed over nights.

    The nights' windows are ``starts[i]``..``ends[i]`` (tz-aware instants, in time order) with
    ``shifts_per_night[i]`` distinct shifts on duty (what a per-shift rule multiplies); every
    visit of ``merged`` (:func:`merge_visits`) is counted in the one window it starts in, exactly
    as a call of :func:`duty_table` per night counts it, in one pass over the visits.

    Returns
    -------
    DataFrame of :data:`NIGHTS_COLUMNS`, one row per site of ``sites`` in its order; None when
    the windows overlap or a site id repeats (then :func:`duty_table` per night is the rule).
    """
    n_nights = len(starts)
    w0 = np.array([pd.Timestamp(t).value for t in starts], dtype=np.int64)
    w1 = np.array([pd.Timestamp(t).value for t in ends], dtype=np.int64)
    if (n_nights > 1 and bool((w0[1:] < w1[:-1]).any())) or not sites["site_id"].is_unique:
        return None
    per_shift = (sites["per"] == "shift").to_numpy()
    rule_n = sites["visits"].to_numpy(np.int64)
    n_sh = np.asarray(shifts_per_night, dtype=np.int64)
    # required per night and site (duty_table: visits x the night's shifts for a per-shift rule)
    required = np.where(per_shift[None, :], rule_n[None, :] * n_sh[:, None], rule_n[None, :])
    done = np.zeros((n_nights, len(sites)), np.int64)
    late = np.zeros((n_nights, len(sites)), np.int64)
    seen = np.zeros((n_nights, len(sites)), np.int64)
    if len(merged) and n_nights:
        t_all = merged["start"].astype("int64").to_numpy()
        night = np.searchsorted(w0, t_all, side="right") - 1
        ok = night >= 0
        ok[ok] = t_all[ok] < w1[night[ok]]
        v = merged.loc[ok].assign(_night=night[ok])
        v = v.merge(sites[["site_id", "visits", "per"]], on="site_id", how="inner")
        v = v.sort_values(["_night", "site_id", "start"], kind="stable").reset_index(drop=True)
        if len(v):
            nt = v["_night"].to_numpy(np.int64)
            k = v.groupby(["_night", "site_id"]).cumcount().to_numpy()
            n = v["visits"].to_numpy(np.int64)
            length = w1[nt] - w0[nt]
            due = w0[nt] + np.ceil((k + 1) * length / np.maximum(n, 1)).astype(np.int64)
            t = v["start"].astype("int64").to_numpy()
            counted = k < n
            night_rule = (v["per"] == "night").to_numpy()
            on_time = counted & (t <= due) & night_rule
            is_late = counted & (t > due) & night_rule
            if (~night_rule).any():
                sv = v.loc[~night_rule]
                kk = sv.groupby(["_night", "site_id", "unit_id"]).cumcount().to_numpy()
                on_time[~night_rule] = kk < sv["visits"].to_numpy(np.int64)
            col = pd.Index(sites["site_id"]).get_indexer(v["site_id"])
            np.add.at(done, (nt, col), on_time.astype(np.int64))
            np.add.at(late, (nt, col), is_late.astype(np.int64))
            np.add.at(seen, (nt, col), 1)
    missed = np.clip(required - done - late, 0, None)
    return pd.DataFrame(
        {
            "site_id": sites["site_id"].to_numpy(),
            "required": required.sum(axis=0).astype(np.int64),
            "done": done.sum(axis=0),
            "late": late.sum(axis=0),
            "missed": missed.sum(axis=0).astype(np.int64),
            "visits": seen.sum(axis=0),
        },
        columns=NIGHTS_COLUMNS,
    )


SCHEDULE_COLUMNS = [
    "venue_id",
    "name",
    "category",
    "risk_level",
    "grade",
    "interval_days",
    "required",
    "done",
    "last_inspection",
    "next_due",
    "overdue",
    "overdue_days",
    "status",
    "lat",
    "lng",
]


def venue_schedule(
    venues: pd.DataFrame,
    inspections: pd.DataFrame,
    start: str,
    end: str,
    *,
    on: str | None = None,
    rules: Mapping[str, Any] | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The venue inspection schedule of local dates ``start``..``end`` as at the end of ``on``.

    Parameters
    ----------
    venues
        The register (venue_id, name, category, risk_level, lat, lng).
    inspections
        Inspections (venue_id, ts, result) of any date up to ``on`` (the last inspection before
        the period counts for ``overdue``).
    start, end
        Local dates (YYYY-MM-DD) of the period, inclusive.
    on
        Local date the status is taken at the end of (default ``end``; kept inside the period).
    rules
        Duty rules (:func:`validate_rules`); their ``venues`` table holds the grades.

    Returns
    -------
    The table (:data:`SCHEDULE_COLUMNS`, overdue first, then the most days overdue) and totals.
    ``required`` is the venue's grade's inspections per month scaled to the period (a calendar
    month: exactly the monthly figure; a grade requiring none: 0), ``done`` the inspections in
    the period up to the end of ``on``. ``overdue``, ``overdue_days``, ``next_due`` (the due date
    of :func:`geo.domain.venues.venue_status`) and ``interval_days`` are the one rule of an
    overdue venue (:mod:`geo.domain.venues`). ``status`` is ``none`` (no inspection required),
    ``overdue``, ``complete`` (the period's required inspections done) or ``on_schedule``.
    Totals: ``required`` and ``done`` in venue-visits (家次); ``venues``, ``venues_overdue``
    and ``venues_on_schedule`` (required and not overdue) in venues (家).
    """
    rules = validate_rules(rules or {})
    lo_d, hi_d = period_dates(start, end)
    day = hi_d if on is None else min(max(dt.date.fromisoformat(str(on)), lo_d), hi_d)
    lo, hi = period_instants(start, end)
    _, at = period_instants(day.isoformat(), day.isoformat())
    status = venue_status(venues, inspections, day.isoformat(), grades=rules["venues"])
    table = pd.DataFrame(rules["venues"], columns=VENUE_RULE_COLUMNS).set_index("risk_level")
    level = status["risk_level"].astype("string").fillna("medium")
    days = (hi - lo).total_seconds() / 86400
    per_month = level.map(table["per_month"]).fillna(0).to_numpy(float)
    required = np.round(per_month * days / MONTH_DAYS).astype(np.int64)
    required = np.where(per_month > 0, np.maximum(required, 1), 0)
    ins = inspections
    if len(ins):
        ins = ins.loc[(ins["ts"] >= lo) & (ins["ts"] < at)]
    done = status["venue_id"].map(ins.groupby("venue_id").size() if len(ins) else {})
    done = done.fillna(0).to_numpy(np.int64)
    overdue = status["overdue"].to_numpy(bool)
    out = pd.DataFrame(
        {
            "venue_id": status["venue_id"],
            "name": status["name"],
            "category": status["category"],
            "risk_level": level.to_numpy(object),
            "grade": status["grade"],
            "interval_days": status["interval_days"],
            "required": required,
            "done": done,
            "last_inspection": status["last_inspection"],
            "next_due": status["due"],
            "overdue": overdue,
            "overdue_days": status["overdue_days"],
            "status": np.select(
                [required == 0, overdue, done >= required],
                ["none", "overdue", "complete"],
                "on_schedule",
            ),
            "lat": status["lat"],
            "lng": status["lng"],
        },
        columns=SCHEDULE_COLUMNS,
    )
    totals = {
        "required": int(required.sum()),
        "done": int(done.sum()),
        "venues": len(out),
        "venues_overdue": int(overdue.sum()),
        "venues_on_schedule": int(((~overdue) & (required > 0)).sum()),
    }
    return out.reset_index(drop=True), totals


ALERT_COLUMNS = ["kind", "severity", "what", "id", "name", "since", "detail", "lat", "lng"]


LONG_STOP_MIN = 30.0  # a stop this long outside a post needs attention


POST_RADIUS_M = 150.0  # a stop this close to a post is standing at the post


HOT_CELL_HOURS = 4.0  # a hot cell not patrolled for this long in the night


HOT_CELL_TOP = 10  # the riskiest cells watched


def long_stops(
    pings: pd.DataFrame,
    posts: pd.DataFrame,
    *,
    min_minutes: float = LONG_STOP_MIN,
    post_radius_m: float = POST_RADIUS_M,
) -> pd.DataFrame:
    """Long stops: stops of at least ``min_minutes`` more than ``post_radius_m`` from every post.

    Stops (:func:`geo.domain.coverage.stops`) of at least ``min_minutes`` whose first fix is more
    than ``post_radius_m`` from every post: shift_id, unit_id, start, end, minutes, lat, lng,
    post_m (metres to the nearest post).
    """
    cols = ["shift_id", "unit_id", "start", "end", "minutes", "lat", "lng", "post_m"]
    if pings.empty:
        return pd.DataFrame(columns=cols)
    p = pings.sort_values(["shift_id", "ts"], kind="stable").reset_index(drop=True)
    st = coverage.stops(p)
    st = st.loc[st["duration_s"] >= min_minutes * 60].reset_index(drop=True)
    if st.empty:
        return pd.DataFrame(columns=cols)
    tz = p["ts"].dt.tz
    key = pd.DataFrame(
        {
            "shift_id": p["shift_id"],
            "ts": p["ts"].dt.tz_convert("UTC"),
            "lat": p["lat"],
            "lng": p["lng"],
            "unit_id": p.get("unit_id"),
        }
    )
    st = st.merge(key, left_on=["shift_id", "start"], right_on=["shift_id", "ts"], how="left")
    if len(posts):
        lat0 = float(posts["lat"].mean())
        a = _xy(st["lat"].to_numpy(float), st["lng"].to_numpy(float), lat0)
        b = _xy(posts["lat"].to_numpy(float), posts["lng"].to_numpy(float), lat0)
        d = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).min(axis=1)
    else:
        d = np.full(len(st), np.inf)
    st["post_m"] = np.round(d, 0)
    st["minutes"] = np.round(st["duration_s"] / 60.0, 1)
    st["start"] = st["start"].dt.tz_convert(tz)
    st["end"] = st["end"].dt.tz_convert(tz)
    return st.loc[st["post_m"] > post_radius_m, cols].reset_index(drop=True)


GRID_COLUMNS = [
    "area_id",
    "name",
    "owner",
    "checkin_required",
    "checkin_done",
    "checkin_rate",
    "hazards_found",
    "hazards_closed_on_time",
    "hazard_rate",
    "inspections_required",
    "inspections_done",
    "inspection_rate",
    "disputes",
    "disputes_settled",
    "dispute_rate",
    "score",
]

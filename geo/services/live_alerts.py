"""The live night for a user's scope: alerts as the night goes, the nearest unit to a call.

:func:`live_alerts` reads the units the reader may see (``PermissionError`` for a viewer: the
store refuses them rows of units), their positions of the last hours (live fixes and stored
pings, :func:`geo.store.live.tracks_between`), their beats (the area named in the unit's
``station`` column: a station or a grid), the jurisdiction (every stored area), the posts and
key points in scope with their duty rules, tonight's latest saved plan the reader may see, and
hands them to :mod:`geo.domain.live`; the minutes of each rule are the duty rules' ``live``
table (:func:`geo.services.duty.get_rules`). Places are named by grid and landmark
(:mod:`geo.services.places`). :func:`nearest_units` ranks the units by travel time to a point
given in WGS-84, GCJ-02 or BD-09. :func:`worded` puts an alert table in the users' words.

:func:`current_alerts` is what the API's readers get: the alerts the server's worker computed
last for the whole jurisdiction (:func:`store_alerts`, every ``QY_LIVE_ALERTS_S`` seconds, kept
in the store) for a reader of everything, while they are fresh; otherwise :func:`live_alerts`
of the reader's scope, kept a few seconds per role and areas so that many readers polling cost
one computation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from shapely import wkt as shapely_wkt

from geo import store
from geo.config import get_settings
from geo.domain import live, routing
from geo.domain.coords import normalise_crs_name, to_wgs84
from geo.domain.duty import gps_visits, live_minutes, merge_visits, site_rules
from geo.domain.period import shift_night, window_bounds
from geo.i18n import t
from geo.services import live as live_svc
from geo.services import networks
from geo.services.duty import get_rules
from geo.services.places import with_places
from geo.store import live as live_store

__all__ = [
    "LIVE_ALERT_COLUMNS",
    "NEAREST_UNIT_COLUMNS",
    "alerts_frame",
    "current_alerts",
    "live_alerts",
    "nearest_units",
    "save_worker_status",
    "store_alerts",
    "stored_alerts",
    "worded",
    "worker_status",
]


LIVE_ALERT_COLUMNS = [
    "alert",
    "unit_id",
    "unit_name",
    "since",
    "minutes",
    "place",
    "place_en",
    "lat",
    "lng",
    "detail",
    "severity",
    "what",
]

NEAREST_UNIT_COLUMNS = [
    "unit_id",
    "name",
    "kind",
    "travel_s",
    "travel_min",
    "tier",
    "distance_m",
    "age_s",
    "place",
    "place_en",
    "lat",
    "lng",
    "ts",
]

_ORDER = {a: i for i, a in enumerate(live.ALERTS)}
_CRS = ("wgs84", "gcj02", "bd09")


def _ms(ts: pd.Timestamp) -> int:
    return int(pd.Timestamp(ts).value // 1_000_000)


def _now(now: pd.Timestamp | str | None) -> pd.Timestamp:
    tz = get_settings().tz
    if now is None:
        return pd.Timestamp.now(tz=tz)
    at = pd.Timestamp(now)
    return at.tz_localize(tz) if at.tzinfo is None else at.tz_convert(tz)


def _tracks(engine: sa.Engine, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    """Every unit's positions (live fixes and stored pings) in ``[lo, hi]``; ts tz-aware."""
    got = live_store.tracks_between(engine, None, _ms(lo), _ms(hi))
    tz = get_settings().tz
    got["ts"] = (
        store.ms_to_ts(got["ts"], tz) if len(got) else pd.Series(dtype=f"datetime64[ns, {tz}]")
    )
    got["unit_id"] = got["unit_id"].astype(object)
    return got


def _positions(
    engine: sa.Engine, scope: store.Reader, now: pd.Timestamp, minutes: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last positions the reader may see (with each unit's ``station``) and recent tracks.

    :func:`geo.services.live.positions` and ``recent_tracks`` (the last ``minutes``), so the
    alerts see what the Live page shows (a viewer: PermissionError, from the store).
    """
    last = live_svc.positions(engine, scope, now=now)
    units = store.read(engine, "units", "all", columns=["unit_id", "station"])
    last = last.merge(units, on="unit_id", how="left")
    recent = (
        live_svc.recent_tracks(engine, scope, minutes=max(1, round(minutes)), now=now)
        if minutes > 0 and len(last)
        else pd.DataFrame(columns=["unit_id", "ts", "lat", "lng"])
    )
    return last, recent.reset_index(drop=True)


def _beats(engine: sa.Engine, last: pd.DataFrame) -> tuple[dict[str, Any], dict[str, str], Any]:
    """Each unit's beat polygon and name (its ``station`` column's area) and the jurisdiction."""
    areas = store.read(engine, "areas", "all", columns=["area_id", "name", "geometry"])
    if areas.empty:
        return {}, {}, None
    polys = {
        str(a): shapely_wkt.loads(g)
        for a, g in zip(areas["area_id"], areas["geometry"], strict=True)
    }
    names = dict(zip(areas["area_id"].astype(str), areas["name"].astype(str), strict=True))
    beats: dict[str, Any] = {}
    beat_names: dict[str, str] = {}
    for u, st in zip(last["unit_id"].astype(str), last["station"], strict=True):
        if isinstance(st, str) and st in polys:
            beats[u], beat_names[u] = polys[st], names[st]
    juris = shapely.union_all(list(polys.values()))
    shapely.prepare(juris)
    return beats, beat_names, juris


def _night(now: pd.Timestamp) -> tuple[str, pd.Timestamp, pd.Timestamp]:
    night = shift_night(pd.Series([now]))[0].isoformat()
    w0, w1 = window_bounds(night, get_settings().night)
    return night, w0, w1


def _key_points(
    engine: sa.Engine,
    scope: store.Reader,
    rules: dict[str, Any],
    w0: pd.Timestamp,
    now: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the scope's key sites with their rules, tonight's visits so far: GPS and check-ins)."""
    sc = store.figures_scope(scope)
    sites = store.read(engine, "sites", sc, columns=["site_id", "name", "category", "lat", "lng"])
    sites = site_rules(sites.sort_values("site_id"), rules)
    if sites.empty or now <= w0:
        return sites, pd.DataFrame(columns=["site_id", "unit_id", "start"])
    fixes = _tracks(engine, w0, now)
    gps = gps_visits(fixes.assign(shift_id=fixes["unit_id"]), sites)
    tz = get_settings().tz
    checks = store.read(
        engine,
        "site_checks",
        sc,
        start=w0.tz_convert(tz).date().isoformat(),
        end=now.tz_convert(tz).date().isoformat(),
        columns=["site_id", "ts", "unit_id"],
    )
    if len(checks):
        checks = checks.loc[(checks["ts"] >= w0) & (checks["ts"] <= now)]
    return sites, merge_visits(gps, checks)


def _plan_stops(engine: sa.Engine, scope: store.Reader, now: pd.Timestamp) -> pd.DataFrame:
    """Each unit's next planned stop not done, from tonight's plan progress.

    :func:`geo.services.live.plan_progress` (as the Live page shows it): unit_id, seq, place,
    lat, lng, latest (the stop's planned window end), done (False: the next stop is not done).
    """
    cols = ["unit_id", "seq", "place", "lat", "lng", "latest", "done"]
    prog = live_svc.plan_progress(engine, scope, now=now)
    if prog.empty:
        return pd.DataFrame(columns=cols)
    prog = prog.loc[prog["next_seq"].notna() & prog["due"].notna()]
    return pd.DataFrame(
        {
            "unit_id": prog["unit_id"].to_numpy(),
            "seq": prog["next_seq"].astype(int).to_numpy(),
            "place": prog["next_stop"].to_numpy(),
            "lat": prog["next_lat"].to_numpy(float),
            "lng": prog["next_lng"].to_numpy(float),
            "latest": prog["due"],
            "done": False,
        },
        columns=cols,
    ).reset_index(drop=True)


def live_alerts(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    now: pd.Timestamp | str | None = None,
    area: str | None = None,
) -> pd.DataFrame:
    """What needs attention now, the most severe first (see :mod:`geo.domain.live`).

    Parameters
    ----------
    scope
        The reader: its units, and units whose last position lies in its areas (a viewer:
        PermissionError, from the store).
    now
        The moment (default: now; naive is local time).
    area
        Narrow the reader's scope to this area (ValueError when unknown or outside it).

    Returns
    -------
    :data:`LIVE_ALERT_COLUMNS`: ``alert`` (gps_silent, long_stop, left_beat, left_jurisdiction,
    stop_window_passed, point_due), the unit (none for a key point), ``since``, ``minutes``,
    where (``place``, ``place_en``, ``lat``, ``lng``), ``detail`` (a short English code:
    :func:`worded` words it), ``severity`` (1-3) and ``what`` (the beat, planned stop or key
    point named).
    """
    at = _now(now)
    if area is not None:
        scope = store.narrowed(engine, scope, area)
    rules = get_rules(engine)
    minutes = live_minutes(rules)
    window = max(60.0, minutes["long_stop"] + 10.0)
    last, recent = _positions(engine, scope, at, window)
    beats, beat_names, juris = _beats(engine, last)
    _, w0, w1 = _night(at)
    sites, visits = _key_points(engine, scope, rules, w0, at)
    posts = sites.loc[sites["category"] == "post", ["lat", "lng", "radius_m"]]
    parts = [
        live.gps_silent(last, at, minutes["gps_silent"]),
        live.long_stops_now(recent, posts, minutes["long_stop"]),
        live.left_area(last, beats, juris, beat_names=beat_names, tracks=recent),
        live.stop_window_passed(_plan_stops(engine, scope, at), at),
        live.point_due(sites, visits, w0, w1, at, minutes["point_due"]),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        out = pd.DataFrame(columns=LIVE_ALERT_COLUMNS)
        out["since"] = pd.Series(dtype=f"datetime64[ns, {get_settings().tz}]")
        return out
    out = pd.concat(parts, ignore_index=True)
    names = dict(zip(last["unit_id"], last["name"], strict=True))
    out["unit_name"] = out["unit_id"].map(names)
    out = with_places(engine, scope, out, cell=None)
    out = out.assign(_o=out["alert"].map(_ORDER)).sort_values(
        ["severity", "_o", "minutes", "unit_id"],
        ascending=[False, True, False, True],
        kind="stable",
        na_position="last",
    )
    return out[LIVE_ALERT_COLUMNS].reset_index(drop=True)


def alerts_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Alert rows as JSON (``since`` ISO 8601 text) back as :func:`live_alerts` returns them.

    :data:`LIVE_ALERT_COLUMNS` in that order, ``since`` tz-aware in the store's zone.
    """
    tz = get_settings().tz
    frame = pd.DataFrame(rows, columns=LIVE_ALERT_COLUMNS)
    frame["since"] = pd.to_datetime(frame["since"], utc=True, format="ISO8601").dt.tz_convert(tz)
    return frame


def store_alerts(engine: sa.Engine, frame: pd.DataFrame, *, at_ms: int) -> None:
    """Keep the jurisdiction's live alerts computed at ``at_ms`` (epoch ms) in the store."""
    rows: list[dict[str, Any]] = []
    if len(frame):
        # JSON-ready as the API answers them: times ISO 8601, missing values null
        text = frame.reindex(columns=LIVE_ALERT_COLUMNS).reset_index(drop=True)
        text = text.assign(since=text["since"].map(lambda v: None if pd.isna(v) else v.isoformat()))
        rows = [
            {k: (None if _missing(v) else _plain(v)) for k, v in r.items()}
            for r in text.to_dict("records")
        ]
    with engine.begin() as conn:
        live_store.save_alerts(conn, rows, at_ms=at_ms)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and not np.isfinite(v)) or v is pd.NaT


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def stored_alerts(engine: sa.Engine) -> tuple[int, pd.DataFrame] | None:
    """The stored alerts of the whole jurisdiction: (computed at, epoch ms; the frame), or None."""
    got = live_store.stored_alerts(engine)
    if got is None:
        return None
    return int(got["at_ms"]), alerts_frame(list(got.get("alerts") or []))


def save_worker_status(engine: sa.Engine, status: dict[str, Any]) -> None:
    """Keep the live worker's status (JSON-ready: pid, cycles, errors, beat) in the store."""
    with engine.begin() as conn:
        live_store.save_worker(conn, status)


def worker_status(engine: sa.Engine) -> dict[str, Any]:
    """The live worker's status as it kept it last (empty before its first cycle)."""
    return live_store.worker_status(engine)


_cache: dict[tuple[Any, ...], tuple[float, pd.DataFrame]] = {}
_cache_lock = threading.Lock()


def current_alerts(
    engine: sa.Engine, scope: store.Reader, *, fresh_s: float, keep_s: float = 2.0
) -> pd.DataFrame:
    """The live alerts ``scope`` reads now, as :func:`live_alerts` gives them, read cheaply.

    A reader of everything (an admin, the scope ``all``) gets the alerts the worker stored
    (:func:`store_alerts`) when they were computed at most ``fresh_s`` seconds ago; any other
    reader, or when none are fresh, :func:`live_alerts` of its scope, kept ``keep_s`` seconds
    per store, role and areas while no new fix comes in (a viewer: PermissionError).
    """
    who = store.principal(scope)
    everything = scope == "all" if who is None else who.areas is None
    if everything:
        if who is not None and not who.may_read_rows("units"):
            msg = "the live alerts name units, which this role may not read"
            raise PermissionError(msg)
        got = stored_alerts(engine)
        if got is not None and time.time() * 1000 - got[0] <= fresh_s * 1000:
            return got[1]
    key = (
        str(engine.url),
        who.role if who is not None else "scope",
        _areas(scope),
        live_store.last_received_ms(engine),
    )
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    frame = live_alerts(engine, scope)
    with _cache_lock:
        _cache[key] = (time.monotonic() + keep_s, frame)
    return frame


def _areas(scope: store.Reader) -> frozenset[str] | None:
    """The area ids a reader names (None: every area)."""
    if isinstance(scope, store.Principal):
        return scope.areas
    if isinstance(scope, str):
        return None if scope == "all" else frozenset([scope])
    return frozenset(str(s) for s in scope)


def nearest_units(
    engine: sa.Engine,
    scope: store.Reader,
    lat: float,
    lng: float,
    *,
    crs: str = "wgs84",
    now: pd.Timestamp | str | None = None,
    kinds: Sequence[str] | None = None,
    network: str | Path | routing.RoadNetwork | None = None,
) -> pd.DataFrame:
    """The units ranked by travel time from their last fix to a point, with their 1-3-5 tier.

    Parameters
    ----------
    lat, lng
        The call's point in ``crs`` (degrees).
    crs
        ``wgs84``, ``gcj02`` (Amap, Tencent) or ``bd09`` (Baidu), or an alias of one.
    now
        The moment (default now): units whose last fix is older than the duty rules'
        ``close_shift`` minutes are off duty and left out.
    kinds
        Only units of these kinds (:func:`geo.domain.live.nearest`).
    network
        A road network (loaded, a stored network's id, a file; ``""`` the straight line x detour;
        None: the store's active network, :func:`geo.services.networks.resolve`).

    Returns
    -------
    :data:`NEAREST_UNIT_COLUMNS`, the quickest first: ``travel_s`` (seconds), ``travel_min``,
    ``tier`` (the duty rules' tier minutes reaching it, None beyond), ``distance_m`` (great
    circle, metres), ``age_s`` (seconds since the fix), where the unit is (``place``,
    ``place_en``, ``lat``, ``lng`` WGS-84) and its fix's time ``ts``.
    """
    try:
        y, x = float(lat), float(lng)
    except (TypeError, ValueError):
        msg = f"lat, lng: not numbers ({lat!r}, {lng!r})"
        raise ValueError(msg) from None
    if not (np.isfinite(y) and np.isfinite(x) and -90 <= y <= 90 and -180 <= x <= 180):
        msg = f"lat, lng: not a point in degrees ({lat!r}, {lng!r})"
        raise ValueError(msg)
    name = normalise_crs_name(crs)
    if name not in _CRS:
        msg = f"crs: {crs!r} is not one of {', '.join(_CRS)}"
        raise ValueError(msg)
    wx, wy = to_wgs84(np.array([x]), np.array([y]), name)
    at = _now(now)
    rules = get_rules(engine)
    minutes = live_minutes(rules)
    last = live_svc.positions(engine, scope, now=at)  # a viewer: PermissionError
    last = last.loc[last["age_s"] <= minutes["close_shift"] * 60.0]
    tiers = [float(r["minutes"]) for r in rules["tiers"]]
    ranked = live.nearest(
        last,
        float(wy[0]),
        float(wx[0]),
        tiers,
        kinds=kinds,
        network=networks.resolve(engine, network),
    )
    ranked["tier"] = pd.Series(
        [
            None if not np.isfinite(v) else (int(v) if float(v).is_integer() else float(v))
            for v in ranked["tier"].to_numpy(float)
        ],
        index=ranked.index,
        dtype=object,
    )
    return ranked[NEAREST_UNIT_COLUMNS].reset_index(drop=True)


def worded(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Live alerts (:func:`live_alerts`) with ``alert_name`` and ``text`` in ``lang``.

    ``alert_name`` is the alert's label (``v.alert.<code>``), ``text`` its detail in words (the
    minutes, the beat, the planned stop or the key point and when it falls due), ``where`` the
    place in ``lang``.
    """
    en = lang == "en"
    tz = get_settings().tz

    def hhmm(v: object) -> str:
        ts = pd.Timestamp(v)
        return "" if pd.isna(ts) else ts.tz_convert(tz).strftime("%H:%M")

    def text(r: Any) -> str:
        m = f"{float(r.minutes):g}"
        if r.alert == "gps_silent":
            return t("alerts.d.silent", lang, minutes=m)
        if r.alert == "long_stop":
            return t("alerts.d.stop", lang, minutes=m)
        if r.alert == "left_beat":
            return t("alerts.d.left_beat", lang, beat=r.what or "", minutes=m)
        if r.alert == "left_jurisdiction":
            return t("alerts.d.left_jurisdiction", lang, minutes=m)
        if r.alert == "stop_window_passed":
            seq = str(r.detail).split(",")[0].removeprefix("stop ").strip()
            stop = (r.place_en if en else r.place) or r.what or ""  # the stop's own place
            return t(
                "alerts.d.stop_window", lang, seq=seq, stop=stop, latest=hhmm(r.since), minutes=m
            )
        over = str(r.detail).startswith("overdue")
        key = "alerts.d.point_overdue" if over else "alerts.d.point_due"
        return t(key, lang, site=r.what or "", due=hhmm(r.since), minutes=m)

    out = table.copy()
    out["alert_name"] = [t(f"v.alert.{a}", lang) for a in out["alert"]]
    out["text"] = [text(r) for r in out.itertuples(index=False)]
    out["where"] = out["place_en" if en else "place"]
    return out

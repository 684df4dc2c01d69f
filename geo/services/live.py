"""The live night: fixes posted by devices, settled into shifts, positions, tracks, plan progress.

- :func:`accept_fixes`: a device's batch of fixes, validated as one frame (the unit is the
  token's; the time read from ISO 8601 or epoch milliseconds/seconds; coordinates converted
  from GCJ-02 or BD-09 to WGS-84 and held to the configured region), stored once per unit and
  time; every refused fix is listed with its index, field, reason code and the reason in
  zh-CN and en (``geo/strings/live.py``).
- :func:`settle`: the units with fixes received since the last settle get their live shifts
  cut again, exactly as an import of the same fixes as a GPS vendor's file cuts them
  (:func:`geo.domain.tracks.cut_shifts`, :func:`geo.domain.tracks.shift_table`; a lone fix is
  no shift and waits in ``fixes`` for a second one), and written with their pings and coverage
  rollups through :func:`geo.store.write.write_records`, in one transaction.
- :func:`positions`, :func:`recent_tracks`: each unit's last position in the last 12 hours
  (the live fixes, else the stored tracks) and its last minutes of track, for the units a
  reader may see: a commander or grid manager sees the units whose last position lies inside
  their areas or whose station is theirs; a viewer reads no units (``PermissionError``).
- :func:`plan_progress`: tonight's latest saved plan, per unit: stops done, the next stop, its
  ETA from the last fix by travel time, and whether that is late.

Times: epoch milliseconds (UTC) in the store; tz-aware timestamps in the store's zone
(``geo.config.get_settings().tz``) in the frames returned. Distances in metres, speeds km/h.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from geo import store
from geo.config import get_settings
from geo.domain import coords, hexes, schema, tracks
from geo.domain.circles import travel_from
from geo.domain.duty import live_minutes
from geo.domain.period import night_date, parse_night, shift_night
from geo.i18n import t
from geo.services.duty import get_rules
from geo.services.places import with_places
from geo.services.plan import list_plans, load_plan
from geo.store import live as stored
from geo.store.values import ms_to_ts
from geo.store.write import write_records

__all__ = [
    "CRS",
    "FUTURE_MS",
    "OVERLAP_MS",
    "POSITION_COLUMNS",
    "POSITION_HOURS",
    "PROGRESS_COLUMNS",
    "STOP_RADIUS_M",
    "DeviceToken",
    "FixResult",
    "accept_fixes",
    "plan_progress",
    "positions",
    "recent_tracks",
    "settle",
]

CRS = ("wgs84", "gcj02", "bd09")
"""Coordinate systems a fix may be sent in (default wgs84)."""
FUTURE_MS = 5 * 60_000
"""A fix more than this after the server's clock (ms) is refused (``future``)."""
MIN_MS = 946_684_800_000
"""2000-01-01 UTC (epoch ms): an earlier time is no device's clock (refused: ``time``)."""
MAX_MS = 253_402_300_799_000
"""9999-12-31 23:59:59 UTC (epoch ms)."""
OVERLAP_MS = 60_000
"""A settle reads again the fixes received this long (ms) before the last settle's clock.

A batch whose transaction began before that settle but committed after it is never missed;
cutting a unit's fixes again gives the same shifts, so reading some twice costs only time.
"""
POSITION_HOURS = 12
"""A unit's last position is shown when it is at most this many hours old."""
STOP_RADIUS_M = 100.0
"""A plan's stop is done when a fix of its unit came this close (metres), or inside its cell."""

POSITION_COLUMNS = [
    "unit_id",
    "name",
    "kind",
    "ts",
    "lat",
    "lng",
    "speed",
    "age_s",
    "silent",
    "place",
    "place_en",
]
PROGRESS_COLUMNS = [
    "unit_id",
    "name",
    "kind",
    "stops_total",
    "stops_done",
    "next_seq",
    "next_stop",
    "next_stop_en",
    "next_lat",
    "next_lng",
    "eta",
    "due",
    "late",
    "last_ts",
    "plan_id",
]

_FIELDS = ("unit_id", "device_id", "time", "lat", "lng", "speed", "accuracy", "crs")
# a time written with its zone: "...20:05[:07[.123]]" then Z or an offset
_ZONED = re.compile(r".*\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)$")
_NUMBER = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")


class DeviceToken(Protocol):
    """What :func:`accept_fixes` needs of a verified token (``geo.services.tokens.TokenInfo``)."""

    @property
    def token_id(self) -> str:
        """The token's public id."""
        ...

    @property
    def unit_id(self) -> str | None:
        """The unit a device's token posts for (None: a user's token, which posts nothing)."""
        ...


@dataclass
class FixResult:
    """What became of a batch of fixes.

    ``accepted``: fixes stored now; ``duplicates``: fixes stored already (or repeated in the
    batch); ``rejected``: one entry per refused fix and field: ``index`` (0-based, in the
    batch), ``field``, ``reason`` (a code: ``not_object``, ``other_unit``, ``missing``,
    ``time``, ``future``, ``not_number``, ``range``, ``negative``, ``crs``, ``region``),
    ``text`` (zh-CN) and ``text_en``.
    """

    accepted: int
    duplicates: int
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready values."""
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [dict(r) for r in self.rejected],
        }


# --------------------------------------------------------------------------------------------
# Fixes in


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _blank(s: pd.Series) -> pd.Series:
    """True where a value is absent: None, NaN or text of only spaces."""
    text = s.map(lambda v: isinstance(v, str))
    empty = pd.Series(False, index=s.index)
    if text.any():
        empty[text] = (s[text].astype(str).str.strip() == "").to_numpy(dtype=bool)
    return s.isna() | empty


def _numbers(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers of ``s`` (ints, floats, numeric text) and a mask of the unreadable non-blank ones.

    A boolean is no number; NaN and infinities are unreadable.
    """
    kind = s.map(type)
    num_like = kind.isin([int, float, np.int64, np.float64])
    text = kind.eq(str)
    out = pd.Series(np.nan, index=s.index, dtype=float)
    if num_like.any():
        out[num_like] = pd.to_numeric(s[num_like], errors="coerce").astype(float)
    if text.any():
        out[text] = pd.to_numeric(s[text].astype(str).str.strip(), errors="coerce")
    bad = ~_blank(s) & ~np.isfinite(out)
    return out.where(np.isfinite(out)), bad


def _times_ms(s: pd.Series, tz: str) -> pd.Series:
    """Epoch ms of each time (float, NaN where unreadable): ISO 8601 text or an epoch number.

    Text with a zone (``Z``, ``+08:00``) is read as written, naive text in ``tz``; a number
    (or numeric text) is epoch milliseconds when above 1e11, else epoch seconds.
    """
    out = pd.Series(np.nan, index=s.index, dtype=float)
    kind = s.map(type)
    text = kind.eq(str)
    numeric = kind.isin([int, float, np.int64, np.float64])
    if text.any():
        numeric_text = text & s.where(text, "").astype(str).str.fullmatch(_NUMBER)
        numeric = numeric | numeric_text
        text = text & ~numeric_text
    if numeric.any():
        n = pd.to_numeric(s[numeric].astype(object).map(str).str.strip(), errors="coerce")
        n = n.astype(float)
        out[numeric] = np.where(n > 1e11, n, n * 1000.0)
    if text.any():
        words = s[text].astype(str).str.strip()
        zoned = words.str.fullmatch(_ZONED)
        for part, has_zone in ((words[zoned], True), (words[~zoned], False)):
            if part.empty:
                continue
            if has_zone:
                when = pd.to_datetime(part, utc=True, format="ISO8601", errors="coerce")
            else:
                naive = pd.to_datetime(part, format="ISO8601", errors="coerce")
                when = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
            ok = when.notna()
            ms = pd.Series(np.nan, index=part.index, dtype=float)
            if ok.any():
                ns = when[ok].dt.as_unit("ns").astype("int64")
                ms[ok] = (ns // 1_000_000).astype(float)
            out[part.index] = ms
    out[(out < MIN_MS) | (out > MAX_MS)] = np.nan
    return out.round()


def _shown(v: Any) -> str:
    text = str(v)
    return text if len(text) <= 80 else text[:77] + "..."


def _entry(index: int, fld: str, code: str, **params: Any) -> dict[str, Any]:
    """One rejection: index, field, reason code and its words in both languages."""
    words = {}
    for lang in ("zh-CN", "en"):
        label = t(f"live.field.{fld}", lang)
        words[lang] = t(f"live.reject.{code}", lang, index=index, field=label, **params)
    return {
        "index": int(index),
        "field": fld,
        "reason": code,
        "text": words["zh-CN"],
        "text_en": words["en"],
    }


_FAST_MAX = 500
"""Batches up to this many fixes try :func:`_validate_plain` first (a device's usual batch)."""

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _plain_number(v: Any) -> float | None:
    """A finite int or float (no bool, no text); None otherwise."""
    if type(v) is int or type(v) is float:
        x = float(v)
        return x if math.isfinite(x) else None
    return None


def _plain_ms(v: Any) -> int | None:
    """Epoch ms of an epoch number or zoned ISO 8601 text, as :func:`_times_ms`; else None."""
    x = _plain_number(v)
    if x is not None:
        ms = x if x > 1e11 else x * 1000.0
        return round(ms)
    if type(v) is str and _ZONED.fullmatch(v.strip()):
        try:
            when = dt.datetime.fromisoformat(v.strip())
        except ValueError:
            return None
        if when.tzinfo is None:
            return None
        return (when - _EPOCH) // dt.timedelta(milliseconds=1)
    return None


def _validate_plain(
    items: list[Any], unit: str, *, now_ms: int, region: tuple[float, ...]
) -> pd.DataFrame | None:
    """The batch as :func:`_validate` reads it when every fix is plainly good, else None.

    A device's usual batch (a few fixes with numbers and zoned times) is read here in plain
    Python: building pandas objects per field costs ~20 ms for three fixes, which bounds how
    many devices one server takes. Any fix this does not read plainly (text numbers, naive
    times, a blank, a problem) sends the batch to :func:`_validate`, which words every problem.
    """
    rows: list[tuple[int, float, float, float, float, str]] = []
    for f in items:
        if type(f) is not dict:
            return None
        for fld in ("unit_id", "device_id"):
            named = f.get(fld)
            if named is not None and str(named).strip() != unit:
                return None
        ts = _plain_ms(f.get("time"))
        lat, lng = _plain_number(f.get("lat")), _plain_number(f.get("lng"))
        crs = f.get("crs")
        crs = "wgs84" if crs is None else str(crs).strip().lower()
        if ts is None or lat is None or lng is None or crs not in CRS:
            return None
        if not (MIN_MS <= ts <= MAX_MS) or ts > now_ms + FUTURE_MS:
            return None
        if abs(lat) > 90.0 or abs(lng) > 180.0:
            return None
        measures = []
        for fld in ("speed", "accuracy"):
            v = f.get(fld)
            x = None if v is None else _plain_number(v)
            if v is not None and (x is None or x < 0):
                return None
            measures.append(np.nan if x is None else x)
        rows.append((ts, lat, lng, measures[0], measures[1], crs))
    frame = pd.DataFrame(rows, columns=["ts", "lat", "lng", "speed", "accuracy", "crs"])
    for name in ("gcj02", "bd09"):
        m = (frame["crs"] == name).to_numpy()
        if m.any():
            wx, wy = coords.to_wgs84(
                frame.loc[m, "lng"].to_numpy(float), frame.loc[m, "lat"].to_numpy(float), name
            )
            frame.loc[m, "lng"] = np.asarray(wx, float)
            frame.loc[m, "lat"] = np.asarray(wy, float)
    min_lng, min_lat, max_lng, max_lat = region
    if not (frame["lng"].between(min_lng, max_lng) & frame["lat"].between(min_lat, max_lat)).all():
        return None
    frame.insert(0, "unit_id", unit)
    frame["ts"] = frame["ts"].astype("int64")
    return frame.drop(columns="crs")


def _validate(
    items: list[Any], unit: str, *, now_ms: int, tz: str, region: tuple[float, ...]
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The good fixes of a batch and the rejections, each check made over the whole batch.

    Good fixes: unit_id, ts (epoch ms), lat, lng (WGS-84), speed, accuracy, on the batch's index.
    """
    objs = [isinstance(f, dict) for f in items]
    rejected = [_entry(i, "fix", "not_object") for i, ok in enumerate(objs) if not ok]
    idx = pd.Index([i for i, ok in enumerate(objs) if ok])
    dicts = [items[i] for i in idx]
    col = {f: pd.Series([d.get(f) for d in dicts], index=idx, dtype=object) for f in _FIELDS}
    bad = pd.Series(False, index=idx)
    problems: list[tuple[pd.Series, str, str, pd.Series]] = []

    def fail(mask: pd.Series, fld: str, code: str, values: pd.Series) -> None:
        nonlocal bad
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            problems.append((mask, fld, code, values))
            bad = bad | mask

    # the unit: the token's, named as unit_id or device_id, or not named at all
    for fld in ("unit_id", "device_id"):
        named = ~_blank(col[fld])
        text = col[fld].map(lambda v: str(v).strip())
        fail(named & (text != unit), fld, "other_unit", col[fld])
    # the time
    t_missing = _blank(col["time"])
    fail(t_missing, "time", "missing", col["time"])
    ts = _times_ms(col["time"], tz)
    fail(~t_missing & ts.isna(), "time", "time", col["time"])
    fail(ts > now_ms + FUTURE_MS, "time", "future", col["time"])
    # the coordinate system, the coordinates
    crs = col["crs"].map(lambda v: str(v).strip().lower()).where(~_blank(col["crs"]), "wgs84")
    fail(~crs.isin(CRS), "crs", "crs", col["crs"])
    xy_ok = pd.Series(True, index=idx)
    xy: dict[str, pd.Series] = {}
    for fld, limit in (("lat", 90.0), ("lng", 180.0)):
        missing = _blank(col[fld])
        fail(missing, fld, "missing", col[fld])
        value, unreadable = _numbers(col[fld])
        fail(unreadable, fld, "not_number", col[fld])
        out_of_range = value.abs() > limit
        fail(out_of_range, fld, "range", col[fld])
        xy[fld] = value
        xy_ok &= ~missing & ~unreadable & ~out_of_range.fillna(False)
    lat, lng = xy["lat"].copy(), xy["lng"].copy()
    for name in ("gcj02", "bd09"):
        m = xy_ok & crs.eq(name)
        if m.any():
            x, y = coords.to_wgs84(lng[m].to_numpy(float), lat[m].to_numpy(float), name)
            lng[m], lat[m] = np.asarray(x, float), np.asarray(y, float)
    min_lng, min_lat, max_lng, max_lat = region
    inside = lng.between(min_lng, max_lng) & lat.between(min_lat, max_lat)
    where = col["lat"].map(_shown) + "," + col["lng"].map(_shown)
    fail(xy_ok & crs.isin(CRS) & ~inside, "lat", "region", where)
    # optional measures
    measures: dict[str, pd.Series] = {}
    for fld in ("speed", "accuracy"):
        value, unreadable = _numbers(col[fld])
        fail(unreadable, fld, "not_number", col[fld])
        fail(value < 0, fld, "negative", col[fld])
        measures[fld] = value
    region_text = ", ".join(f"{v:g}" for v in region)
    for mask, fld, code, values in problems:
        for i in mask.index[mask.to_numpy()]:
            rejected.append(
                _entry(
                    int(i),
                    fld,
                    code,
                    value=_shown(values.at[i]),
                    unit=unit,
                    region=region_text,
                )
            )
    good = ~bad
    frame = pd.DataFrame(
        {
            "unit_id": unit,
            "ts": ts[good].astype("int64"),
            "lat": lat[good],
            "lng": lng[good],
            "speed": measures["speed"][good],
            "accuracy": measures["accuracy"][good],
        },
        index=idx[good.to_numpy()],
    )
    order = {f: k for k, f in enumerate((*_FIELDS, "fix"))}
    rejected.sort(key=lambda r: (r["index"], order[r["field"]]))
    return frame, rejected


def accept_fixes(
    engine: sa.Engine,
    token: DeviceToken,
    fixes: list[dict[str, Any]],
    *,
    now_ms: int | None = None,
) -> FixResult:
    """Store a device's batch of fixes: each new (unit, time) once, the bad ones listed.

    Parameters
    ----------
    engine
        The store.
    token
        The verified device token (:func:`geo.services.tokens.verify_token`): its unit is the
        only one whose fixes it may post.
    fixes
        Fixes as sent: ``unit_id`` or ``device_id`` (the token's unit; missing: the token's
        unit), ``time`` (ISO 8601 with a zone; without one, in the store's zone; or epoch
        milliseconds or seconds), ``lat`` and ``lng`` (degrees), optional ``speed`` (km/h),
        ``accuracy`` (metres) and ``crs`` (``wgs84``, ``gcj02``, ``bd09``; default wgs84).
    now_ms
        The server's clock (UTC epoch ms): the fixes' received time, and a fix more than
        :data:`FUTURE_MS` after it is refused. Default: now.

    Returns
    -------
    FixResult
        Counts and the rejections; a malformed fix never stops the batch.

    Raises
    ------
    PermissionError
        When the token is no device's (it names no unit).
    """
    if not token.unit_id:
        msg = "only a device's token posts fixes"
        raise PermissionError(msg)
    if not isinstance(fixes, list):
        msg = "fixes must be a list of objects"
        raise ValueError(msg)
    now = _now_ms() if now_ms is None else int(now_ms)
    settings = get_settings()
    unit = str(token.unit_id)
    plain = (
        _validate_plain(fixes, unit, now_ms=now, region=settings.region)
        if len(fixes) <= _FAST_MAX
        else None
    )
    rejected: list[dict[str, Any]] = []
    if plain is not None:
        good = plain
    else:
        good, rejected = _validate(fixes, unit, now_ms=now, tz=settings.tz, region=settings.region)
    repeated = good["ts"].duplicated(keep="first")
    rows = good.loc[~repeated].assign(received_ms=now, token_id=str(token.token_id))
    accepted = 0
    if len(rows):
        with engine.begin() as conn:
            accepted = stored.insert_fixes(conn, rows)
    duplicates = int(repeated.sum()) + len(rows) - accepted
    return FixResult(accepted=accepted, duplicates=duplicates, rejected=rejected)


# --------------------------------------------------------------------------------------------
# Settling fixes into live shifts


def _rule_minutes(engine: sa.Engine) -> dict[str, float]:
    """The live rules' minutes (gps_silent, long_stop, point_due, close_shift)."""
    return live_minutes(get_rules(engine))


def settle(
    engine: sa.Engine, *, now_ms: int | None = None, gap_min: float | None = None
) -> dict[str, int]:
    """Cut the live shifts of the units with fixes received since the last settle again.

    For each such unit, its fixes of the span from the first new fix less the gap to the last
    new fix plus the gap, widened to the whole of every live shift of the unit it overlaps, are
    cut into shifts by :func:`geo.domain.tracks.cut_shifts` (a gap over ``gap_min`` starts a
    new shift) and named by :func:`geo.domain.tracks.shift_table` in the store's zone, as an
    import of the same fixes cuts them (:func:`geo.ingest.gps.cut_tracks`); a shift of one fix
    is none (the fix stays in ``fixes`` until a second one comes). The unit's previous live
    shifts in the span go with their pings and rollups; the new ones are written with their
    pings by :func:`geo.store.write.write_records` (keys, cells, content hashes and coverage
    rollups as an import's) under the night's live import row. Imported shifts are never
    touched; a cut shift whose id an imported shift holds with other times is not written.

    One transaction; a second settle at the same time waits for it
    (:func:`geo.store.live.lock_settle`).

    Parameters
    ----------
    now_ms
        The settle's clock (UTC epoch ms), stored as the watermark. Default: now.
    gap_min
        Minutes of silence that close a shift; default the live rule ``close_shift`` of the
        duty rules (30, :data:`geo.domain.tracks.DEFAULT_GAP_MIN`).

    Returns
    -------
    dict
        ``units`` re-cut, ``shifts`` written, ``pings`` written (new rows), ``ms`` taken.
    """
    began = time.perf_counter()
    now = _now_ms() if now_ms is None else int(now_ms)
    tz = get_settings().tz
    gap = float(gap_min) if gap_min is not None else _rule_minutes(engine)["close_shift"]
    if not gap > 0:
        msg = f"the gap that closes a shift must be more than 0 minutes, not {gap}"
        raise ValueError(msg)
    gap_ms = round(gap * 60_000)
    n_shifts = n_pings = 0
    with engine.begin() as conn:
        stored.lock_settle(conn)
        mark = stored.settled_ms(conn)
        todo = stored.fixes_received_after(conn, mark - OVERLAP_MS)
        parts: list[pd.DataFrame] = []
        old_ids: list[str] = []
        for unit, first, last in todo.itertuples(index=False):
            lo, hi = int(first) - gap_ms, int(last) + gap_ms
            old = stored.live_shifts(conn, unit, lo, hi)
            if len(old):
                lo, hi = min(lo, int(old["start"].min())), max(hi, int(old["end"].max()))
                old_ids += old["shift_id"].tolist()
            parts.append(stored.fixes_between(conn, [unit], lo, hi))
        stored.drop_shifts(conn, old_ids)
        fx = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if len(fx):
            n_shifts, n_pings = _write_cut(conn, fx, gap_min=gap, tz=tz, now_ms=now)
        stored.set_settled_ms(conn, max(now, mark))
    return {
        "units": len(todo),
        "shifts": n_shifts,
        "pings": n_pings,
        "ms": round((time.perf_counter() - began) * 1000),
    }


def _write_cut(
    conn: sa.Connection, fx: pd.DataFrame, *, gap_min: float, tz: str, now_ms: int
) -> tuple[int, int]:
    """Cut fixes into shifts and write shifts and pings; returns (shifts, pings) written."""
    when = ms_to_ts(fx["ts"].astype("int64"), tz)
    unit = fx["unit_id"].astype("string")
    number = tracks.cut_shifts(unit, when, gap_min=gap_min)
    ids, shifts = tracks.shift_table(unit, when, number, tz=tz)
    lone = shifts["end"] <= shifts["start"]
    shifts = shifts.loc[~lone].reset_index(drop=True)
    keep = ids.isin(shifts["shift_id"]).to_numpy()
    if not len(shifts):
        return 0, 0
    rows = pd.DataFrame(
        {c.name: c.default for c in schema.kind("shifts").columns}, index=shifts.index
    )
    rows[["shift_id", "unit_id", "start", "end"]] = shifts[["shift_id", "unit_id", "start", "end"]]
    rows["source_row"] = np.arange(1, len(rows) + 1)
    pings = pd.DataFrame(
        {
            "shift_id": ids[keep].to_numpy(),
            "unit_id": unit[keep].to_numpy(),
            "ts": when[keep].to_numpy(),
            "lat": fx.loc[keep, "lat"].astype(float).to_numpy(),
            "lng": fx.loc[keep, "lng"].astype(float).to_numpy(),
            "speed": pd.to_numeric(fx.loc[keep, "speed"]).astype(float).to_numpy(),
            "accuracy": pd.to_numeric(fx.loc[keep, "accuracy"]).astype(float).to_numpy(),
        }
    )
    pings["ts"] = pd.to_datetime(pings["ts"], utc=True).dt.tz_convert(tz)
    pings["source_row"] = np.arange(1, len(pings) + 1)
    nights = shift_night(shifts["start"], tz).map(lambda d: d.isoformat())
    n_shifts = n_pings = 0
    for night in sorted(nights.unique()):
        import_id = stored.live_import_id(conn, night, now_ms=now_ms)
        mine = rows.loc[(nights == night).to_numpy()]
        res = write_records(conn, "shifts", mine, import_id=import_id, source_file=stored.LIVE_FILE)
        refused = set(
            mine.loc[mine["source_row"].isin(res.conflicts["source_row"]), "shift_id"]
        ) | set(mine.loc[mine["source_row"].isin(res.rejected["source_row"]), "shift_id"])
        n_shifts += len(mine) - len(refused)
        its = pings["shift_id"].isin(mine["shift_id"]) & ~pings["shift_id"].isin(refused)
        if its.any():
            got = write_records(
                conn, "pings", pings.loc[its], import_id=import_id, source_file=stored.LIVE_FILE
            )
            n_pings += got.accepted
        stored.count_live(conn, import_id)
    return n_shifts, n_pings


# --------------------------------------------------------------------------------------------
# Positions, tracks and plan progress for a reader


def _now(now: pd.Timestamp | None, tz: str) -> pd.Timestamp:
    stamp = pd.Timestamp.now(tz=tz) if now is None else pd.Timestamp(now)
    return stamp.tz_localize(tz) if stamp.tzinfo is None else stamp.tz_convert(tz)


def _ms(stamp: pd.Timestamp) -> int:
    return int(stamp.as_unit("ns").value // 1_000_000)


def _units(engine: sa.Engine, scope: store.Reader) -> pd.DataFrame:
    """Every unit (unit_id, name, kind, station), once the store lets ``scope`` read units.

    ``store.read`` of units through the reader decides: a viewer reads none
    (``PermissionError``). The caller keeps the units the reader may see.
    """
    store.read(engine, "units", scope, columns=["unit_id"])
    return store.read(engine, "units", "all", columns=["unit_id", "name", "kind", "station"])


def _last_positions(
    engine: sa.Engine, scope: store.Reader, now: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last position (epoch ms) of each unit ``scope`` may see, and every unit.

    Seen: with every area, all; otherwise a unit whose last position lies inside the reader's
    areas or whose station is one of them.
    """
    units = _units(engine, scope)
    now_ms = _ms(now)
    since = now_ms - POSITION_HOURS * 3_600_000
    live = stored.last_fixes(engine, since_ms=since, until_ms=now_ms)
    # the stored tracks only for the units that sent no live fix (cheap when all do)
    silent = sorted(set(units["unit_id"].astype(str)) - set(live["unit_id"].astype(str)))
    tracked = stored.last_pings(engine, since_ms=since, until_ms=now_ms, units=silent)
    sides = [f for f in (live, tracked) if len(f)]  # concat warns on an empty side

    def joined(c: str) -> pd.Series:
        return pd.concat([f[c] for f in sides]) if sides else pd.Series([], dtype=object)

    last = pd.DataFrame(
        {
            "unit_id": joined("unit_id").astype(str),
            "ts": joined("ts").astype("int64"),
            **{c: pd.to_numeric(joined(c)).astype(float) for c in ("lat", "lng", "speed")},
        }
    )
    ids = store.resolve_scope(engine, scope)
    if ids is not None and len(last):
        station = last["unit_id"].map(dict(zip(units["unit_id"], units["station"], strict=True)))
        mine = station.isin(list(ids)).to_numpy()
        poly = store.area_polygon(engine, ids)
        if poly is not None:
            mine |= shapely.contains_xy(
                poly, last["lng"].to_numpy(float), last["lat"].to_numpy(float)
            )
        last = last.loc[mine]
    return last.sort_values("unit_id").reset_index(drop=True), units


def positions(
    engine: sa.Engine, scope: store.Reader, *, now: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Each unit's last position within :data:`POSITION_HOURS` hours of ``now``, for ``scope``.

    The live fixes, else (a unit that sent none) the stored tracks' last ping. A commander or
    grid manager sees the units whose last position lies inside their areas or whose station
    is theirs; a viewer reads no units (``PermissionError``).

    Returns
    -------
    pandas.DataFrame
        :data:`POSITION_COLUMNS`, one row per unit, by unit id: ``ts`` (tz-aware, the store's
        zone), ``lat``/``lng`` (WGS-84), ``speed`` (km/h, NaN when not sent), ``age_s``
        (seconds before ``now``), ``silent`` (older than the live rule ``gps_silent``
        minutes), ``place``/``place_en`` (grid and nearest landmark the reader may see).
    """
    tz = get_settings().tz
    at = _now(now, tz)
    last, units = _last_positions(engine, scope, at)
    if last.empty:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in POSITION_COLUMNS})
        out["ts"] = pd.Series(dtype=f"datetime64[ns, {tz}]")
        return out
    silent_s = _rule_minutes(engine)["gps_silent"] * 60.0
    by_id = units.set_index("unit_id")
    ts_ms = last["ts"].astype("int64")
    frame = pd.DataFrame(
        {
            "unit_id": last["unit_id"].astype(str),
            "name": last["unit_id"].map(by_id["name"]).fillna(last["unit_id"]),
            "kind": last["unit_id"].map(by_id["kind"]),
            "ts": ms_to_ts(ts_ms, tz),
            "lat": last["lat"].astype(float),
            "lng": last["lng"].astype(float),
            "speed": pd.to_numeric(last["speed"]).astype(float),
            "age_s": (_ms(at) - ts_ms) / 1000.0,
        }
    )
    frame["silent"] = frame["age_s"] > silent_s
    return with_places(engine, scope, frame, cell=None)[POSITION_COLUMNS]


def recent_tracks(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    minutes: int = 60,
    now: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The last ``minutes`` of track of each unit :func:`positions` shows to ``scope``.

    Live fixes and stored pings together (one row per unit and time). Columns ``unit_id``,
    ``ts`` (tz-aware), ``lat``, ``lng`` (WGS-84), by unit and time.
    """
    if not minutes > 0:
        msg = f"minutes must be more than 0, not {minutes}"
        raise ValueError(msg)
    tz = get_settings().tz
    at = _now(now, tz)
    last, _ = _last_positions(engine, scope, at)
    end = _ms(at)
    got = (
        stored.tracks_between(engine, last["unit_id"].tolist(), end - round(minutes * 60_000), end)
        if len(last)
        else pd.DataFrame(columns=["unit_id", "ts", "lat", "lng"])
    )
    got["ts"] = (
        ms_to_ts(got["ts"].astype("int64"), tz)
        if len(got)
        else pd.Series(dtype=f"datetime64[ns, {tz}]")
    )
    return got.reset_index(drop=True)


def tonight(now: pd.Timestamp | None = None) -> str:
    """The night (YYYY-MM-DD, the local date it starts on) that ``now`` belongs to.

    Before the night window's end hour it is the previous date's night, from then on the
    coming one (:func:`geo.domain.period.night_date`).
    """
    settings = get_settings()
    at = _now(now, settings.tz)
    end_hour = parse_night(settings.night)[1]
    day = night_date(pd.Series([at]), end_hour).iloc[0]
    return pd.Timestamp(day).date().isoformat()


def _due(stop: dict[str, Any], dwell_s: float) -> pd.Timestamp | None:
    """The end of a stop's planned window: its ``leave``, else arrival + dwell."""
    if stop.get("leave"):
        return pd.Timestamp(stop["leave"])
    if stop.get("arrive"):
        return pd.Timestamp(stop["arrive"]) + pd.Timedelta(seconds=dwell_s)
    return None


def plan_progress(
    engine: sa.Engine, scope: store.Reader, *, now: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Tonight's latest saved plan that ``scope`` may see, unit by unit, as of ``now``.

    A stop is done when a fix of its unit (live fixes or stored pings) after the plan's start
    came within :data:`STOP_RADIUS_M` metres of the stop's point or inside its cell (the plan's
    resolution). The next stop is the first not done in route order; its ETA is the unit's last
    fix time plus the travel time from there (:func:`geo.domain.circles.travel_from`, the
    unit's kind); late when the ETA (with no fix yet: ``now``) is after the stop's planned
    window end (``leave``: arrival + dwell).

    Returns
    -------
    pandas.DataFrame
        :data:`PROGRESS_COLUMNS`, one row per unit of the plan (none without a plan):
        ``next_stop``/``next_stop_en`` the stop's place, ``eta``/``due``/``last_ts``
        tz-aware timestamps (NaT when there is none), ``late`` bool.

    Raises
    ------
    PermissionError
        For a reader who may not read units (a viewer).
    """
    tz = get_settings().tz
    at = _now(now, tz)
    store.read(engine, "units", scope, columns=["unit_id"])  # a viewer reads no units
    night = tonight(at)
    saved = list_plans(engine, scope, start=night, end=night)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in PROGRESS_COLUMNS})
    if saved.empty:
        return empty
    plan = load_plan(engine, str(saved["plan_id"].iloc[0]), scope)
    start = pd.Timestamp(plan["start"]).tz_convert(tz)
    res = int(plan.get("res") or 9)
    dwell_s = float(plan.get("dwell_s") or 0)
    plan_units = plan.get("units") or []
    ids = [str(u["unit_id"]) for u in plan_units]
    track = stored.tracks_between(engine, ids, _ms(start), _ms(at)) if ids else None
    rows = []
    for u in plan_units:
        uid = str(u["unit_id"])
        stops = list(u.get("stops") or [])
        mine = (
            track.loc[track["unit_id"] == uid]
            if track is not None
            else pd.DataFrame(columns=["unit_id", "ts", "lat", "lng"])
        )
        lat = mine["lat"].to_numpy(float)
        lng = mine["lng"].to_numpy(float)
        cells = hexes.latlng_to_cells(lat, lng, res) if len(mine) else np.array([], np.uint64)
        done = []
        for s in stops:
            near = coords.haversine_m(lng, lat, float(s["lng"]), float(s["lat"])) <= STOP_RADIUS_M
            inside = False
            if s.get("h3") and len(cells):
                inside = bool(np.isin(cells, hexes.str_to_cells([s["h3"]])).any())
            done.append(bool(np.any(near)) or inside)
        nxt = next((s for s, d in zip(stops, done, strict=True) if not d), None)
        last_ts = ms_to_ts(pd.Series([int(mine["ts"].iloc[-1])]), tz).iloc[0] if len(mine) else None
        eta = due = None
        late = False
        if nxt is not None:
            due = _due(nxt, dwell_s)
            if last_ts is not None:
                travel = travel_from(
                    lat[-1:],
                    lng[-1:],
                    np.array([nxt["lat"]], float),
                    np.array([nxt["lng"]], float),
                    str(u.get("kind") or "police_car"),
                )
                eta = last_ts + pd.Timedelta(seconds=float(travel[0, 0]))
            late = due is not None and (at if eta is None else eta) > due
        rows.append(
            {
                "unit_id": uid,
                "name": u.get("name") or uid,
                "kind": u.get("kind"),
                "stops_total": len(stops),
                "stops_done": int(sum(done)),
                "next_seq": None if nxt is None else int(nxt.get("seq") or stops.index(nxt) + 1),
                "next_stop": None if nxt is None else nxt.get("place"),
                "next_stop_en": None if nxt is None else nxt.get("place_en"),
                "next_lat": np.nan if nxt is None else float(nxt["lat"]),
                "next_lng": np.nan if nxt is None else float(nxt["lng"]),
                "eta": eta,
                "due": due,
                "late": bool(late),
                "last_ts": last_ts,
                "plan_id": plan["plan_id"],
            }
        )
    if not rows:
        return empty
    out = pd.DataFrame(rows, columns=PROGRESS_COLUMNS)
    for c in ("eta", "due", "last_ts"):
        out[c] = pd.to_datetime(out[c], utc=True).dt.tz_convert(tz)
    return out

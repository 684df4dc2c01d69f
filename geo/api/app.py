"""The machine API: device positions in, the platform's figures out (FastAPI, under /api/v1).

:func:`create_app` builds the server on a store (``geo.services.connect``). Every request names a
token in ``Authorization: Bearer qy_<id>_<secret>`` (:mod:`geo.services.tokens`):

- a *device* token posts fixes of its unit (``POST /api/v1/positions``), nothing else;
- a *user* token reads what that user may read in the app, through the store's scopes (its
  :class:`~geo.services.Principal`): coverage, hotspots, risk and gaps, the night's plan, duty and
  alerts, and the live positions, plan progress, alerts (also as a server-sent event stream) and
  the nearest units to a place. ``format=geojson`` gives cells as polygons, rows with a place as
  points (WGS-84).

401: no token, an unknown or revoked one (or its user disabled); 403: the wrong kind of token,
an area outside the user's, a page the role may not open, or a batch whose every fix names
another unit; 400: bad input, naming the field and the reason; 413: a body over the limit; 429:
a token over its rate (a device's batches, a user's reads; ``Retry-After`` says when to come
back).

The worker (:class:`geo.api.worker.LiveWorker`) settles the fixes into live shifts and rollups,
computes the live alerts of the jurisdiction and stores them (readers of everything and the
event stream read those) and posts new ones to the webhook. ``python -m geo serve`` runs it in
a process of its own (:class:`geo.api.worker.WorkerProcess`); :func:`create_app` with a
``settle_every_s`` above 0 runs it on threads of this process instead (tests, one-process
use). The limits come from :class:`ApiSettings` (the environment, :func:`api_settings`).

The rate limits are per token and per server process: ``python -m geo serve`` runs one
request-serving process (on two cores a second one measured no faster: the worker process and
the database take the other core), so a token's bucket is one bucket.
"""

# no `from __future__ import annotations`: FastAPI reads the endpoints' annotations, and those
# of the endpoints defined inside create_app name its local dependencies (User)
import asyncio
import datetime as dt
import json
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse

from geo.api import geojson
from geo.api.docs_page import swagger_files, swagger_page
from geo.api.worker import LiveWorker, alert_key
from geo.config import get_settings
from geo.domain import period, schema
from geo.domain.period import DEFAULT_NIGHT, DEFAULT_RES, RESOLUTIONS
from geo.reports import plan_sheets
from geo.services import Principal, areas, coverage, duty, hotspots, live, live_alerts, risk, tokens
from geo.services import connect as connect_store
from geo.services import plan as plans

__all__ = ["API", "TITLE", "ApiSettings", "RateLimiter", "api_settings", "create_app"]

TITLE = "Qingyun Patrol API"
API = "/api/v1"
MIB = 1024 * 1024


@dataclass(frozen=True)
class ApiSettings:
    """The server's limits and its loop.

    ``max_body``: largest request body in bytes (``QY_API_MAX_BODY``, 1 MiB); ``rate``: fix
    batches per second a device token may post on average (``QY_API_RATE``, 5) with bursts of
    ``burst`` (``QY_API_BURST``, 20); ``read_rate``: reads per second a user token may make on
    average (``QY_API_READ_RATE``, 10) with bursts of twice that; ``settle_s``: seconds between
    two settles of the live fixes (``QY_LIVE_SETTLE_S``, 15; 0: no background loop);
    ``alerts_s``: seconds between two computations of the live alerts (``QY_LIVE_ALERTS_S``, 2);
    ``webhook``: internal URL new live alerts are posted to (``QY_ALERT_WEBHOOK``);
    ``stream_s``: seconds between two looks for new alerts on the event stream
    (``QY_API_STREAM_S``, 5).
    """

    max_body: int = MIB
    rate: float = 5.0
    burst: float = 20.0
    settle_s: float = 15.0
    webhook: str | None = None
    stream_s: float = 5.0
    read_rate: float = 10.0
    alerts_s: float = 2.0

    @property
    def fresh_s(self) -> float:
        """Stored alerts older than this (seconds) are not served: the worker is not running."""
        return max(10.0, 5 * self.alerts_s)


def api_settings(env: Mapping[str, str] | None = None) -> ApiSettings:
    """:class:`ApiSettings` from the settings (:func:`geo.config.get_settings` of ``env``)."""
    st = get_settings(None if env is None else dict(env))
    return ApiSettings(
        max_body=st.api_max_body,
        rate=st.api_rate,
        burst=st.api_burst,
        settle_s=st.live_settle_s,
        webhook=st.alert_webhook,
        stream_s=st.api_stream_s,
        read_rate=st.api_read_rate,
        alerts_s=st.live_alerts_s,
    )


class RateLimiter:
    """A token bucket per key (a device token): ``rate`` requests per second, ``burst`` at once.

    ``clock`` gives seconds (monotonic); thread-safe.
    """

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = float(rate)
        self.burst = max(1.0, float(burst))
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one request from ``key``'s bucket: 0 when allowed, else the seconds to wait."""
        with self._lock:
            now = self.clock()
            level, then = self._buckets.get(key, (self.burst, now))
            level = min(self.burst, level + (now - then) * self.rate)
            if level >= 1.0:
                self._buckets[key] = (level - 1.0, now)
                return 0.0
            self._buckets[key] = (level, now)
            return (1.0 - level) / self.rate


# --------------------------------------------------------------------------------------------
# what every request shares


def _fail(status: int, detail: Any, **headers: str) -> HTTPException:
    return HTTPException(status_code=status, detail=detail, headers=headers or None)


def _bearer(request: Request) -> str:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _fail(
            401, "authorization: a token is required (Bearer)", **{"WWW-Authenticate": "Bearer"}
        )
    return token.strip()


def _parse_date(field: str, text: str | None) -> str | None:
    if text is None or text == "":
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise _fail(400, f"{field}: not a date (YYYY-MM-DD): {text!r}") from None


def tonight(now: pd.Timestamp | None = None) -> str:
    """The night (the local date it starts on) of ``now`` (default: the clock).

    Before the configured night window's end hour it is the previous date's night.
    """
    s = get_settings()
    now = pd.Timestamp.now(tz=s.tz) if now is None else pd.Timestamp(now).tz_convert(s.tz)
    end_hour = period.parse_night(s.night)[1]
    return str(period.night_date(pd.Series([now]), end_hour).iloc[0].date().isoformat())


def _reply(fmt: str, document: dict[str, Any], features: Callable[[], dict[str, Any]]) -> Any:
    if fmt == "geojson":
        return JSONResponse(features(), media_type="application/geo+json")
    return document


Fmt = Annotated[
    str,
    Query(pattern="^(json|geojson)$", description="json (rows) or geojson (a FeatureCollection)"),
]
Start = Annotated[str | None, Query(description="first local date, YYYY-MM-DD (inclusive)")]
End = Annotated[str | None, Query(description="last local date, YYYY-MM-DD (inclusive)")]
Res = Annotated[
    int,
    Query(
        ge=min(RESOLUTIONS),
        le=max(RESOLUTIONS),
        description=f"H3 resolution, one of {', '.join(map(str, RESOLUTIONS))}",
    ),
]
Area = Annotated[str | None, Query(description="area id (station or grid) inside the user's")]
Night = Annotated[
    str, Query(description="night window HH:MM-HH:MM (default 20:00-06:00); 'all' for whole days")
]
NightDate = Annotated[
    str | None,
    Query(description="the night, as the local date it starts on (YYYY-MM-DD; default tonight)"),
]

_BATCH_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {
            "type": "object",
            "properties": {"fixes": {"type": "array", "items": {"$ref": "#/$defs/fix"}}},
            "required": ["fixes"],
        },
        {"type": "array", "items": {"$ref": "#/$defs/fix"}},
    ],
    "$defs": {
        "fix": {
            "type": "object",
            "properties": {
                "unit_id": {"type": "string", "description": "the token's unit (or device_id)"},
                "device_id": {"type": "string"},
                "time": {
                    "description": "ISO 8601 with a zone, or epoch seconds or milliseconds",
                    "type": ["string", "number"],
                },
                "lat": {"type": "number", "description": "degrees"},
                "lng": {"type": "number", "description": "degrees"},
                "speed": {"type": "number", "description": "km/h"},
                "accuracy": {"type": "number", "description": "metres"},
                "crs": {"type": "string", "enum": ["wgs84", "gcj02", "bd09"]},
            },
            "required": ["time", "lat", "lng"],
        }
    },
}


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes.

    Never buffered beyond the limit: the stream is read chunk by chunk and left there.
    """
    too_large = _fail(413, f"body: larger than {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _fixes_of(body: bytes) -> list[Any]:
    if not body.strip():
        raise _fail(400, "body: empty; expected JSON {'fixes': [...]} or a list of fixes")
    try:
        doc = json.loads(body)
    except UnicodeDecodeError:
        raise _fail(400, "body: not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise _fail(400, f"body: not JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    if isinstance(doc, dict):
        if "fixes" not in doc:
            raise _fail(400, "fixes: missing; expected {'fixes': [...]} or a list of fixes")
        doc = doc["fixes"]
    if not isinstance(doc, list):
        raise _fail(400, "fixes: not a list of fixes")
    return doc


# --------------------------------------------------------------------------------------------
# the app


def create_app(
    url: str | None = None,
    *,
    settle_every_s: float | None = None,
    settings: ApiSettings | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> FastAPI:
    """The API server on the store at ``url`` (default: the configured store).

    ``settle_every_s`` overrides ``QY_LIVE_SETTLE_S``: above 0 the worker runs on threads of
    this process (0: none, e.g. in tests that call ``app.state.worker.run_once()``, or under
    ``python -m geo serve``, which runs it in a process of its own); ``settings`` overrides the
    environment's limits; ``clock`` is the rate limiters' clock (seconds).
    """
    conf = settings or api_settings()
    every = conf.settle_s if settle_every_s is None else float(settle_every_s)
    engine: sa.Engine = connect_store(url)
    limiter = RateLimiter(conf.rate, conf.burst, clock)
    read_limiter = RateLimiter(conf.read_rate, 2 * conf.read_rate, clock)
    worker = LiveWorker(
        engine,
        every_s=every or 1.0,
        alerts_s=min(conf.alerts_s, every or 1.0),
        webhook=conf.webhook,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if every > 0:
            worker.start()
        try:
            yield
        finally:
            await run_in_threadpool(worker.stop)

    app = FastAPI(
        title=TITLE,
        version="1",
        summary="Device positions in; coverage, hotspots, risk, plans, duty and live figures out.",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,  # FastAPI's page loads Swagger UI from a CDN: served from here instead
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.worker = worker
    app.state.limiter = limiter
    app.state.read_limiter = read_limiter
    app.state.settings = conf

    @app.exception_handler(RequestValidationError)
    async def _bad_input(_request: Request, exc: RequestValidationError) -> JSONResponse:
        words = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ())[1:]) or "request"
            words.append(f"{where}: {err.get('msg', 'invalid')}")
        return JSONResponse({"detail": "; ".join(words)}, status_code=400)

    @app.exception_handler(PermissionError)
    async def _refused(_request: Request, exc: PermissionError) -> JSONResponse:
        return JSONResponse({"detail": str(exc) or "not allowed"}, status_code=403)

    @app.exception_handler(ValueError)
    async def _bad_value(_request: Request, exc: ValueError) -> JSONResponse:
        text = str(exc).strip().splitlines()
        return JSONResponse({"detail": text[0] if text else "bad input"}, status_code=400)

    # -- who asks ------------------------------------------------------------------------------

    def _token(request: Request) -> tokens.TokenInfo:
        try:
            return tokens.verify_token(engine, _bearer(request))
        except PermissionError as e:
            raise _fail(
                401, f"authorization: {e or 'unknown token'}", **{"WWW-Authenticate": "Bearer"}
            ) from None

    def device(request: Request) -> tokens.TokenInfo:
        info = _token(request)
        if info.kind != "device":
            raise _fail(403, "authorization: a device token posts positions; this is a user token")
        wait = limiter.take(info.token_id)
        if wait > 0:
            raise _fail(
                429,
                f"rate: over {conf.rate:g} batches per second (burst {conf.burst:g})",
                **{"Retry-After": str(max(1, math.ceil(wait)))},
            )
        return info

    def user(request: Request) -> Principal:
        info = _token(request)
        if info.kind != "user":
            raise _fail(403, "authorization: a user token reads; this is a device token")
        wait = read_limiter.take(info.token_id)
        if wait > 0:
            raise _fail(
                429,
                f"rate: over {conf.read_rate:g} reads per second (burst {2 * conf.read_rate:g})",
                **{"Retry-After": str(max(1, math.ceil(wait)))},
            )
        try:
            return tokens.principal_of_token(engine, info)
        except (PermissionError, ValueError) as e:
            raise _fail(401, f"authorization: {e}", **{"WWW-Authenticate": "Bearer"}) from None

    User = Annotated[Principal, Depends(user)]

    def area_of(who: Principal, area: str | None) -> str | None:
        """``area`` when the user may read it; 403 for an area outside theirs, 400 unknown."""
        if area is None or area == "":
            return None
        if area in set(areas.visible_areas(engine, who)["area_id"].astype(str)):
            return area
        if area in set(areas.visible_areas(engine, "all")["area_id"].astype(str)):
            raise _fail(403, f"area: {area!r} is outside the areas of {who.user}")
        raise _fail(400, f"area: unknown area {area!r}")

    def page(who: Principal, name: str) -> None:
        if not who.may(name):
            raise _fail(403, f"role: a {who.role} may not read the {name} page's figures")

    # -- positions in --------------------------------------------------------------------------

    async def batch(
        request: Request, info: Annotated[tokens.TokenInfo, Depends(device)]
    ) -> tuple[tokens.TokenInfo, list[Any]]:
        return info, _fixes_of(await _read_body(request, conf.max_body))

    @app.post(
        f"{API}/positions",
        summary="Post a batch of fixes of the device's unit",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _BATCH_SCHEMA}},
            }
        },
        responses={
            400: {"description": "not JSON, or not a list of fixes"},
            401: {"description": "no token, or an unknown or revoked one"},
            403: {"description": "a user token, or every fix names another unit"},
            413: {"description": "body over QY_API_MAX_BODY bytes"},
            429: {"description": "over the device's rate; Retry-After in seconds"},
        },
    )
    def post_positions(
        got: Annotated[tuple[tokens.TokenInfo, list[Any]], Depends(batch)],
    ) -> dict[str, Any]:
        """Store a device's fixes: idempotent on (unit, time), late ones placed in order.

        A malformed fix is reported (index, field, reason) and the rest are stored.

        Returns accepted, duplicates and rejected.
        """
        info, items = got
        result = live.accept_fixes(engine, info, items)
        other = {int(r["index"]) for r in result.rejected if r.get("reason") == "other_unit"}
        if items and len(other) == len(items):
            raise _fail(
                403,
                {"message": "fixes: every fix names another unit", "rejected": result.rejected},
            )
        return result.as_dict()

    # -- the figures out ----------------------------------------------------------------------

    @app.get(f"{API}/coverage", summary="Patrol coverage per cell (dwell, nights, stops)")
    def get_coverage(
        who: User,
        start: Start = None,
        end: End = None,
        night: Night = DEFAULT_NIGHT,
        res: Res = DEFAULT_RES,
        area: Area = None,
        units: Annotated[str | None, Query(description="unit kinds, comma-separated")] = None,
        format: Fmt = "json",
    ) -> Any:
        """As ``python -m geo coverage``: the same service, the same numbers for the user."""
        kinds = [u.strip() for u in units.split(",") if u.strip()] if units else None
        for k in kinds or []:
            if k not in schema.UNIT_KINDS:
                raise _fail(400, f"units: unknown unit kind {k!r}")
        a = area_of(who, area)
        s, e = _parse_date("start", start), _parse_date("end", end)
        result = coverage.coverage_cells(
            engine, who, start=s, end=e, night=night, res=res, area=a, unit_kinds=kinds
        )
        hours = (
            None
            if night in ("all", "")
            else coverage.night_patrol_hours(
                engine, who, start=s, end=e, night=night, area=a, unit_kinds=kinds
            )
        )
        document = {
            "res": res,
            "start": s,
            "end": e,
            "night": night,
            "area": a,
            "night_patrol_h": hours,
            "cells": geojson.records(geojson.cell_table(result)),
        }
        return _reply(format, document, lambda: geojson.cells_geojson(result))

    @app.get(f"{API}/hotspots", summary="Getis-Ord Gi* hot and cold spots of incidents per cell")
    def get_hotspots(
        who: User,
        start: Start = None,
        end: End = None,
        res: Res = DEFAULT_RES,
        area: Area = None,
        k: Annotated[int, Query(ge=1, le=5, description="k-ring of the weights")] = 1,
        category: Annotated[str | None, Query(description="incident categories, comma")] = None,
        fdr: bool = False,
        emerging: bool = False,
        format: Fmt = "json",
    ) -> Any:
        """As ``python -m geo hotspots``."""
        cats = [c.strip() for c in category.split(",") if c.strip()] if category else None
        for c in cats or []:
            if c not in schema.INCIDENT_CATEGORIES:
                raise _fail(400, f"category: unknown incident category {c!r}")
        a = area_of(who, area)
        result = hotspots.hotspot_cells(
            engine,
            who,
            start=_parse_date("start", start),
            end=_parse_date("end", end),
            res=res,
            k=k,
            area=a,
            categories=cats,
            fdr=fdr,
            emerging=emerging,
        )
        document = {
            "res": res,
            "k": k,
            "area": a,
            "cells": geojson.records(geojson.cell_table(result)),
        }
        return _reply(format, document, lambda: geojson.cells_geojson(result))

    @app.get(f"{API}/risk", summary="Risk, night coverage and gap per cell, ranked by gap")
    def get_risk(
        who: User,
        start: Start = None,
        end: End = None,
        night: Night = DEFAULT_NIGHT,
        res: Res = DEFAULT_RES,
        area: Area = None,
        top: Annotated[int | None, Query(ge=1, description="only the N largest gaps")] = None,
        format: Fmt = "json",
    ) -> Any:
        """As ``python -m geo risk``: risk (expected incidents per week), risk_pct, gap, rank."""
        a = area_of(who, area)
        result = risk.risk_cells(
            engine,
            who,
            start=_parse_date("start", start),
            end=_parse_date("end", end),
            res=res,
            area=a,
            night=night,
            top=top,
        )
        document = {"res": res, "area": a, "cells": geojson.records(geojson.cell_table(result))}
        return _reply(format, document, lambda: geojson.cells_geojson(result))

    def _night(date: str | None, night: str | None) -> str:
        return _parse_date("date", date) or _parse_date("night", night) or tonight()

    @app.get(f"{API}/plan", summary="The night's latest saved plan the user may see")
    def get_plan(
        who: User,
        date: NightDate = None,
        night: NightDate = None,
        plan_id: Annotated[str | None, Query(description="a saved plan by id instead")] = None,
        format: Fmt = "json",
    ) -> Any:
        """The plan document: units, stops with times and places.

        GeoJSON: the stops as points and each unit's route as a line through them.
        """
        page(who, "plan")
        if plan_id:
            doc = plans.load_plan(engine, plan_id, who)
        else:
            d = _night(date, night)
            saved = plans.list_plans(engine, who, start=d, end=d)
            if saved.empty:
                raise _fail(404, f"plan: no saved plan for the night of {d}")
            doc = plans.load_plan(engine, str(saved["plan_id"].iloc[0]), who)

        def features() -> dict[str, Any]:
            stops = plan_sheets.stops_frame(doc)
            fc = geojson.points_geojson(stops)
            for u in doc["units"]:
                line = [[float(s["lng"]), float(s["lat"])] for s in u["stops"]]
                if len(line) > 1:
                    fc["features"].append(
                        {
                            "type": "Feature",
                            "properties": {"plan_id": doc["plan_id"], "unit_id": u["unit_id"]},
                            "geometry": {"type": "LineString", "coordinates": line},
                        }
                    )
            return fc

        return _reply(format, doc, features)

    @app.get(f"{API}/duty", summary="The night's duty: key points required, done, late, missed")
    def get_duty(
        who: User,
        date: NightDate = None,
        night: NightDate = None,
        window: Annotated[str | None, Query(description="night window HH:MM-HH:MM")] = None,
        area: Area = None,
        format: Fmt = "json",
    ) -> Any:
        """As ``python -m geo duty``: the summary, the key points and the units."""
        page(who, "duty")
        d = _night(date, night)
        result = duty.night_duty(engine, who, d, window=window, area=area_of(who, area))
        document = {
            "date": d,
            "window": result["window"],
            "summary": result["summary"],
            "sites": geojson.records(result["sites"]),
            "units": geojson.records(result["units"]),
        }
        return _reply(format, document, lambda: geojson.points_geojson(result["sites"]))

    @app.get(f"{API}/alerts", summary="What needs attention on a night")
    def get_alerts(
        who: User,
        date: NightDate = None,
        night: NightDate = None,
        at: Annotated[str | None, Query(description="a moment in the night (ISO 8601)")] = None,
        hours: Annotated[float, Query(gt=0, description="hot cells not patrolled for hours")] = 4.0,
        area: Area = None,
        format: Fmt = "json",
    ) -> Any:
        """As ``python -m geo alerts``, the most severe first.

        Long stops, key points missed, hot cells, venues and hazards overdue.
        """
        page(who, "duty")
        d = _night(date, night)
        moment = None
        if at:
            try:
                moment = pd.Timestamp(at)
            except ValueError:
                raise _fail(400, f"at: not a time: {at!r}") from None
            if moment.tzinfo is None:
                moment = moment.tz_localize(get_settings().tz)
        table = duty.alerts(engine, who, d, at=moment, area=area_of(who, area), hot_hours=hours)
        document = {"date": d, "alerts": geojson.records(table)}
        return _reply(format, document, lambda: geojson.points_geojson(table))

    # -- live ---------------------------------------------------------------------------------

    @app.get(f"{API}/live/positions", summary="Each unit's last fix (age, silent)")
    def get_live_positions(who: User, format: Fmt = "json") -> Any:
        """One row per unit with a fix in the last 12 hours."""
        frame = live.positions(engine, who)
        return _reply(
            format, {"positions": geojson.records(frame)}, lambda: geojson.points_geojson(frame)
        )

    @app.get(f"{API}/live/plan", summary="Tonight's plan per unit: stops done, next stop, ETA")
    def get_live_plan(who: User, format: Fmt = "json") -> Any:
        """Progress of tonight's latest saved plan the user may see, per unit."""
        frame = live.plan_progress(engine, who)
        return _reply(
            format,
            {"units": geojson.records(frame)},
            lambda: geojson.points_geojson(frame, "next_lat", "next_lng"),
        )

    @app.get(f"{API}/live/alerts", summary="Live alerts now")
    def get_live_alerts(who: User, format: Fmt = "json") -> Any:
        """The live alerts of the user's areas now.

        GPS silent, long stops, leaving the beat or jurisdiction, stop windows passed, key
        points due.
        """
        frame = live_alerts.current_alerts(engine, who, fresh_s=conf.fresh_s, keep_s=conf.alerts_s)
        return _reply(
            format, {"alerts": geojson.records(frame)}, lambda: geojson.points_geojson(frame)
        )

    @app.get(f"{API}/live/nearest", summary="Units ranked by travel time to a place")
    def get_live_nearest(
        who: User,
        lat: Annotated[float, Query(ge=-90, le=90, description="degrees")],
        lng: Annotated[float, Query(ge=-180, le=180, description="degrees")],
        crs: Annotated[str, Query(pattern="^(wgs84|gcj02|bd09)$")] = "wgs84",
        kinds: Annotated[str | None, Query(description="unit kinds, comma-separated")] = None,
    ) -> Any:
        """From each unit's last fix: travel time, its 1-3-5 minute tier, distance (metres)."""
        ks = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else None
        frame = live_alerts.nearest_units(engine, who, lat, lng, crs=crs, kinds=ks)
        return {"lat": lat, "lng": lng, "crs": crs, "units": geojson.records(frame)}

    @app.get(
        f"{API}/live/alerts/stream",
        summary="Live alerts as server-sent events (event: alert, data: JSON)",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def stream_live_alerts(
        request: Request,
        who: User,
        every: Annotated[
            float | None, Query(gt=0, le=300, description="seconds between two looks")
        ] = None,
        limit: Annotated[int | None, Query(ge=1, description="end after N events")] = None,
    ) -> StreamingResponse:
        """The alerts active when the stream opens, then each new one as it appears.

        An alert is told once (keyed by alert, unit and since). A comment line every look keeps
        proxies from closing the stream.
        """
        pause = every or conf.stream_s

        def look() -> pd.DataFrame:
            return live_alerts.current_alerts(
                engine, who, fresh_s=conf.fresh_s, keep_s=conf.alerts_s
            )

        first = await run_in_threadpool(look)  # 403 before 200

        async def events() -> AsyncIterator[str]:
            seen: set[tuple[str, str, str]] = set()
            sent = 0
            frame = first
            yield ": qingyun live alerts\n\n"
            while True:
                keys = [alert_key(r) for r in frame.to_dict("records")] if len(frame) else []
                for row, key in zip(geojson.records(frame), keys, strict=True):
                    if key in seen:
                        continue
                    seen.add(key)
                    yield f"event: alert\ndata: {json.dumps(row, ensure_ascii=False)}\n\n"
                    sent += 1
                    if limit is not None and sent >= limit:
                        return
                await asyncio.sleep(pause)
                if await request.is_disconnected():
                    return
                yield ": ping\n\n"
                frame = await run_in_threadpool(look)

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    # -- the documentation, offline -----------------------------------------------------------

    @app.get(f"{API}/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        """Swagger UI on the OpenAPI document, its scripts and styles served from here."""
        return swagger_page(TITLE, f"{API}/openapi.json", f"{API}/docs/static")

    @app.get(f"{API}/docs/static/{{name}}", include_in_schema=False)
    def docs_file(name: str) -> FileResponse:
        """One of Swagger UI's files (the package swagger-ui-py's copy)."""
        files = swagger_files()
        if name not in files:
            raise _fail(404, f"docs: no file {name!r}")
        return FileResponse(files[name], headers={"Cache-Control": "max-age=86400"})

    return app

"""The machine API (geo/api, ``python -m geo serve``) on SQLite and PostgreSQL.

Tokens and scopes: no token, a revoked one, the wrong kind and another unit's fixes are refused;
a grid manager's token reads its grid and the numbers the services give that user, and is
refused another grid. Positions: idempotent on (unit, time), late and out-of-order fixes stored
in order, a malformed batch reported fix by fix, body and rate limits. The OpenAPI document, the
event stream of live alerts, the settle-and-webhook loop, and one real server in a subprocess.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
import pytest
import sqlalchemy as sa
from fastapi import HTTPException
from starlette.requests import Request

from geo import store
from geo.api import app as api_app
from geo.api.app import API, ApiSettings, RateLimiter, create_app
from geo.api.worker import LiveWorker, alert_key, post_webhook
from geo.domain import hexes
from geo.services import access, live_alerts, tokens
from geo.services import coverage as coverage_svc
from geo.store.tables import RECORD_TABLES
from geo.store.tables import fixes as fixes_table
from tests import tiny

with warnings.catch_warnings():
    # Starlette asks for its fork httpx2 and warns when the test client runs on httpx (pinned)
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "api-test-pass-1"


class Clock:
    """The rate limiter's clock, moved by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _build(engine: sa.Engine, folder: Path) -> dict[str, str]:
    """The tiny jurisdiction, users of three roles, a token for each of them and for U1."""
    tiny.load(engine, folder)
    access.add_user(engine, "g1", PASSWORD, "grid_manager", ["G1"])
    access.add_user(engine, "chief", PASSWORD, "commander", ["ST"])
    access.add_user(engine, "look", PASSWORD, "viewer", ["ST"])
    out = {
        name: tokens.create_user_token(engine, name, by="test")[1]
        for name in ("g1", "chief", "look")
    }
    out["u1_id"], out["u1"] = tokens.create_device_token(engine, "U1", by="test")
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A SQLite store of :func:`_build`, made once per module and copied by each test."""
    folder = tmp_path_factory.mktemp("api-city")
    url = f"sqlite:///{folder / 'city.db'}"
    eng = store.connect(url)
    made = _build(eng, folder)
    store.forget(url)
    eng.dispose()
    return folder / "city.db", made


@pytest.fixture
def city(db_url: str, template: tuple[Path, dict[str, str]], tmp_path: Path) -> dict[str, Any]:
    """The store of :func:`_build` on each backend (SQLite: a copy of the module's)."""
    if db_url.startswith("sqlite:///"):
        shutil.copyfile(template[0], db_url.removeprefix("sqlite:///"))
        eng = store.connect(db_url)
        return {"engine": eng, **template[1]}
    eng = store.connect(db_url)
    return {"engine": eng, **_build(eng, tmp_path)}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(
    city: dict[str, Any], db_url: str, clock: Clock
) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    """A TestClient on the app (no background loop: tests run its cycle by hand)."""
    app = create_app(
        db_url,
        settle_every_s=0,
        settings=ApiSettings(max_body=4096, rate=1.0, burst=50, stream_s=0.05),
        clock=clock,
    )
    with TestClient(app) as c:
        yield c, {**city, "app": app}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def iso(ts: pd.Timestamp) -> str:
    return ts.isoformat()


T0 = pd.Timestamp("2022-07-05 21:00", tz="Asia/Shanghai")


def fix(minute: float, lng: float = 115.975, unit: str = "U1", t0: pd.Timestamp = T0) -> dict:
    return {
        "unit_id": unit,
        "time": iso(t0 + pd.Timedelta(minutes=minute)),
        "lat": 28.700,
        "lng": lng,
    }


def stored_fixes(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        stmt = sa.select(fixes_table).order_by(fixes_table.c.unit_id, fixes_table.c.ts)
        rows = conn.execute(stmt).mappings()
        return pd.DataFrame(list(rows))


# --------------------------------------------------------------------------------------------
# tokens


def test_tokens_no_token_bad_token_revoked_and_the_wrong_kind_are_refused(client) -> None:
    c, city = client
    body = {"fixes": [fix(0)]}
    assert c.post(f"{API}/positions", json=body).status_code == 401
    r = c.post(f"{API}/positions", json=body, headers=bearer("qy_nope_nope"))
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert c.get(f"{API}/coverage").status_code == 401
    # the wrong kind: a user token posting, a device token reading
    assert c.post(f"{API}/positions", json=body, headers=bearer(city["chief"])).status_code == 403
    assert c.get(f"{API}/coverage", headers=bearer(city["u1"])).status_code == 403
    assert c.get(f"{API}/live/positions", headers=bearer(city["u1"])).status_code == 403
    # a revoked token: refused at once (the verification cache is cleared by the revocation)
    assert c.post(f"{API}/positions", json=body, headers=bearer(city["u1"])).status_code == 200
    tokens.revoke_token(city["engine"], city["u1_id"], by="test")
    assert c.post(f"{API}/positions", json=body, headers=bearer(city["u1"])).status_code == 401
    # a disabled user's token
    access.set_disabled(city["engine"], "chief", True, by="admin")
    tokens.clear_cache()
    assert c.get(f"{API}/coverage", headers=bearer(city["chief"])).status_code == 401


def test_another_units_fixes_are_refused(client) -> None:
    c, city = client
    h = bearer(city["u1"])
    r = c.post(f"{API}/positions", json={"fixes": [fix(0), fix(1, unit="U2")]}, headers=h)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["accepted"] == 1
    assert [(x["index"], x["reason"]) for x in got["rejected"]] == [(1, "other_unit")]
    r = c.post(f"{API}/positions", json=[fix(2, unit="U2"), fix(3, unit="U2")], headers=h)
    assert r.status_code == 403
    assert stored_fixes(city["engine"])["unit_id"].tolist() == ["U1"]


# --------------------------------------------------------------------------------------------
# positions


def test_the_same_batch_twice_is_stored_once(client) -> None:
    c, city = client
    batch = {"fixes": [fix(m, 115.972 + m / 1000) for m in range(5)]}
    first = c.post(f"{API}/positions", json=batch, headers=bearer(city["u1"])).json()
    again = c.post(f"{API}/positions", json=batch, headers=bearer(city["u1"])).json()
    assert (first["accepted"], first["duplicates"], first["rejected"]) == (5, 0, [])
    assert (again["accepted"], again["duplicates"], again["rejected"]) == (0, 5, [])
    assert len(stored_fixes(city["engine"])) == 5


def test_late_and_out_of_order_fixes_are_stored_in_order(client) -> None:
    c, city = client
    h = bearer(city["u1"])
    t0 = pd.Timestamp.now(tz="Asia/Shanghai").floor("s") - pd.Timedelta(hours=2)
    order = [30, 10, 20, 40]  # out of order in one batch
    r = c.post(f"{API}/positions", json=[fix(m, t0=t0) for m in order], headers=h)
    assert r.json()["accepted"] == 4
    # an hour late: a device that was offline sends its old fixes
    late = [fix(m, t0=t0 - pd.Timedelta(hours=1)) for m in (5, 0)]
    assert c.post(f"{API}/positions", json=late, headers=h).json()["accepted"] == 2
    got = stored_fixes(city["engine"])
    expected = sorted(
        [t0 + pd.Timedelta(minutes=m) for m in order]
        + [t0 - pd.Timedelta(hours=1) + pd.Timedelta(minutes=m) for m in (5, 0)]
    )
    assert got["ts"].tolist() == [int(t.value // 1_000_000) for t in expected]
    # the unit's position is its newest fix, not the last one posted
    pos = c.get(f"{API}/live/positions", headers=bearer(city["chief"]))
    assert pos.status_code == 200, pos.text
    (row,) = [p for p in pos.json()["positions"] if p["unit_id"] == "U1"]
    assert pd.Timestamp(row["ts"]) == t0 + pd.Timedelta(minutes=40)


def test_a_malformed_batch_is_reported_and_the_rest_stored(client) -> None:
    c, city = client
    h = {**bearer(city["u1"]), "Content-Type": "application/json"}
    r = c.post(f"{API}/positions", content=b"{not json", headers=h)
    assert r.status_code == 400
    assert r.json()["detail"].startswith("body: not JSON")
    assert c.post(f"{API}/positions", content=b'{"fix": []}', headers=h).status_code == 400
    assert c.post(f"{API}/positions", content=b'"text"', headers=h).status_code == 400
    batch = [
        fix(0),
        {"unit_id": "U1", "time": iso(T0 + pd.Timedelta(minutes=1)), "lng": 115.976},  # no lat
        "a string",
        {**fix(2), "lat": "north"},
        fix(3),
    ]
    got = c.post(f"{API}/positions", json={"fixes": batch}, headers=h).json()
    assert got["accepted"] == 2
    bad = {x["index"]: x for x in got["rejected"]}
    assert sorted(bad) == [1, 2, 3]
    assert (bad[1]["field"], bad[1]["reason"]) == ("lat", "missing")
    assert (bad[2]["field"], bad[2]["reason"]) == ("fix", "not_object")
    assert (bad[3]["field"], bad[3]["reason"]) == ("lat", "not_number")
    assert all(x["text"] and x["text_en"] for x in got["rejected"])  # said in both languages
    assert len(stored_fixes(city["engine"])) == 2


def test_a_body_over_the_limit_is_refused_with_413(client) -> None:
    c, city = client
    batch = [fix(m) for m in range(60)]  # ~4 KiB of JSON and more
    assert len(json.dumps(batch)) > 4096
    r = c.post(f"{API}/positions", json=batch, headers=bearer(city["u1"]))
    assert r.status_code == 413
    assert stored_fixes(city["engine"]).empty


def test_the_body_is_not_read_past_the_limit() -> None:
    """A body without a Content-Length is read chunk by chunk and left once over the limit."""
    chunks = [b"x" * 100] * 50
    read = []

    async def receive() -> dict:
        read.append(1)
        return {"type": "http.request", "body": chunks[len(read) - 1], "more_body": True}

    request = Request({"type": "http", "method": "POST", "headers": []}, receive)
    caught: list[BaseException] = []

    def read_apart() -> None:  # a thread of its own: a browser test's loop may run in this one
        try:
            asyncio.run(api_app._read_body(request, 1000))
        except BaseException as e:
            caught.append(e)

    worker = threading.Thread(target=read_apart)
    worker.start()
    worker.join()
    with pytest.raises(HTTPException) as e:
        raise caught[0]
    assert e.value.status_code == 413
    assert len(read) == 11  # 1,100 bytes read of 5,000


def test_a_device_over_its_rate_gets_429_until_its_bucket_refills(client, clock: Clock) -> None:
    c, city = client
    limiter = city["app"].state.limiter
    limiter.burst, limiter.rate = 3.0, 0.5
    h = bearer(city["u1"])
    codes = [c.post(f"{API}/positions", json=[fix(m)], headers=h).status_code for m in range(4)]
    assert codes == [200, 200, 200, 429]
    r = c.post(f"{API}/positions", json=[fix(9)], headers=h)
    assert r.status_code == 429
    assert r.headers["retry-after"] == "2"  # one request at 0.5 per second
    clock.now += 2.0
    assert c.post(f"{API}/positions", json=[fix(9)], headers=h).status_code == 200
    # another device has its own bucket
    other = tokens.create_device_token(city["engine"], "U2", by="test")[1]
    assert (
        c.post(f"{API}/positions", json=[fix(0, unit="U2")], headers=bearer(other)).status_code
        == 200
    )


def test_a_reader_over_its_rate_gets_429_and_devices_do_not_share_its_bucket(
    client, clock: Clock
) -> None:
    c, city = client
    app = city["app"]
    app.state.read_limiter.burst, app.state.read_limiter.rate = 2.0, 1.0
    h = bearer(city["chief"])
    codes = [c.get(f"{API}/live/positions", headers=h).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = c.get(f"{API}/live/alerts", headers=h)  # one bucket for every read of the token
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    assert "reads per second" in r.json()["detail"]
    # the device's posts have their own bucket, and another user's token its own
    assert c.post(f"{API}/positions", json=[fix(1)], headers=bearer(city["u1"])).status_code == 200
    assert c.get(f"{API}/live/positions", headers=bearer(city["g1"])).status_code == 200
    clock.now += 1.0
    assert c.get(f"{API}/live/positions", headers=h).status_code == 200


def test_the_rate_limiter_is_a_token_bucket() -> None:
    clock = Clock()
    bucket = RateLimiter(rate=2.0, burst=2.0, clock=clock)
    assert [bucket.take("a"), bucket.take("a")] == [0.0, 0.0]
    assert bucket.take("a") == pytest.approx(0.5)
    assert bucket.take("b") == 0.0
    clock.now += 0.5
    assert bucket.take("a") == 0.0


# --------------------------------------------------------------------------------------------
# reading with a user's token


def test_a_grid_managers_token_reads_its_grid_and_the_services_numbers(client) -> None:
    c, city = client
    h = bearer(city["g1"])
    eng = city["engine"]
    assert c.get(f"{API}/coverage", params={"area": "G2"}, headers=h).status_code == 403
    assert c.get(f"{API}/coverage", params={"area": "ST"}, headers=h).status_code == 403
    assert c.get(f"{API}/risk", params={"area": "G2"}, headers=h).status_code == 403
    assert c.get(f"{API}/coverage", params={"area": "NOPE"}, headers=h).status_code == 400
    g1 = access.principal_of(eng, "g1")
    for area, res, night in ((None, 9, "20:00-06:00"), ("G1", 9, "20:00-06:00"), (None, 10, "all")):
        params = {"res": res, "night": night} | ({"area": area} if area else {})
        r = c.get(f"{API}/coverage", params=params, headers=h)
        assert r.status_code == 200, r.text
        got = pd.DataFrame(r.json()["cells"])
        ref = coverage_svc.coverage_cells(eng, g1, res=res, night=night, area=area)
        assert len(ref) > 0
        assert got["h3"].tolist() == hexes.cells_to_str(ref["cell"].to_numpy()).tolist()
        assert got["dwell_s"].tolist() == pytest.approx(ref["dwell_s"].tolist())
    # the commander sees both grids: more cells than the grid manager
    mine = len(c.get(f"{API}/coverage", headers=h).json()["cells"])
    both = len(c.get(f"{API}/coverage", headers=bearer(city["chief"])).json()["cells"])
    assert both > mine


def test_geojson_cells_are_polygons_with_the_json_rows_as_properties(client) -> None:
    c, city = client
    h = bearer(city["chief"])
    rows = c.get(f"{API}/coverage", headers=h).json()["cells"]
    r = c.get(f"{API}/coverage", params={"format": "geojson"}, headers=h)
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    assert [f["properties"] for f in fc["features"]] == rows
    assert {f["geometry"]["type"] for f in fc["features"]} == {"Polygon"}
    assert c.get(f"{API}/coverage", params={"format": "kml"}, headers=h).status_code == 400


def test_roles_and_the_other_readers(client) -> None:
    c, city = client
    look = bearer(city["look"])
    assert c.get(f"{API}/coverage", headers=look).status_code == 200
    assert c.get(f"{API}/duty", params={"date": "2022-07-01"}, headers=look).status_code == 403
    assert c.get(f"{API}/live/positions", headers=look).status_code == 403
    chief = bearer(city["chief"])
    duty = c.get(f"{API}/duty", params={"date": "2022-07-01"}, headers=chief)
    assert duty.status_code == 200, duty.text
    assert duty.json()["summary"]["sites"] == 2
    alerts = c.get(f"{API}/alerts", params={"date": "2022-07-01"}, headers=chief)
    assert alerts.status_code == 200, alerts.text
    hot = c.get(
        f"{API}/hotspots", params={"start": "2022-07-01", "end": "2022-07-03"}, headers=chief
    )
    assert hot.status_code == 200, hot.text
    assert sum(cell["count"] for cell in hot.json()["cells"]) == 3
    assert c.get(f"{API}/risk", params={"top": 3}, headers=chief).status_code == 200
    assert c.get(f"{API}/coverage", params={"start": "July"}, headers=chief).status_code == 400
    assert c.get(f"{API}/coverage", params={"res": 12}, headers=chief).status_code == 400
    plan = c.get(f"{API}/plan", params={"night": "2022-07-01"}, headers=chief)
    assert plan.status_code == 404


def test_the_openapi_document_lists_the_endpoints(client) -> None:
    c, _city = client
    spec = c.get(f"{API}/openapi.json").json()
    assert spec["info"]["title"] == "Qingyun Patrol API"
    paths = set(spec["paths"])
    for p in (
        "positions",
        "coverage",
        "hotspots",
        "risk",
        "plan",
        "duty",
        "alerts",
        "live/positions",
        "live/plan",
        "live/alerts",
        "live/nearest",
        "live/alerts/stream",
    ):
        assert f"{API}/{p}" in paths
    assert "requestBody" in spec["paths"][f"{API}/positions"]["post"]


def test_the_docs_page_is_swagger_ui_served_from_here(client) -> None:
    c, _city = client
    docs = c.get(f"{API}/docs")
    assert docs.status_code == 200 and "SwaggerUIBundle" in docs.text
    # every script, style and icon the page loads comes from this server; nothing from outside
    loaded = re.findall(r"""(?:src|href)=["']([^"']+)["']""", docs.text)
    assert sorted(loaded) == sorted(
        f"{API}/docs/static/{n}"
        for n in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
    )
    assert not re.search(r"https?://", docs.text), docs.text
    assert "url: '/api/v1/openapi.json'" in docs.text and '"validatorUrl": null' in docs.text
    bundle = c.get(f"{API}/docs/static/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and "SwaggerUIBundle" in bundle.text[:2000]
    assert len(bundle.content) > 500_000  # the real bundle, not a placeholder
    assert c.get(f"{API}/docs/static/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert c.get(f"{API}/docs/static/..%2Fcore.py").status_code == 404
    assert c.get(f"{API}/docs/static/index.html").status_code == 404


# --------------------------------------------------------------------------------------------
# live alerts: the event stream and the webhook


def test_the_event_stream_tells_a_silent_unit(client) -> None:
    c, city = client
    ago = pd.Timestamp.now(tz="Asia/Shanghai").floor("s") - pd.Timedelta(minutes=40)
    batch = [fix(m, 115.975 + m / 2000, t0=ago) for m in range(5)]  # silent for 35 minutes
    assert c.post(f"{API}/positions", json=batch, headers=bearer(city["u1"])).status_code == 200
    now = c.get(f"{API}/live/alerts", headers=bearer(city["chief"])).json()["alerts"]
    events = []
    # the stream opens with the alerts active now (key points may fall due at this hour too)
    with c.stream(
        "GET",
        f"{API}/live/alerts/stream",
        params={"limit": len(now)},
        headers=bearer(city["chief"]),
    ) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = list(r.iter_lines())
    for i, line in enumerate(lines):
        if line == "event: alert":
            events.append(json.loads(lines[i + 1].removeprefix("data: ")))
    assert events, lines
    assert [(e["alert"], e["unit_id"]) for e in events] == [(a["alert"], a["unit_id"]) for a in now]
    silent = [e for e in events if e["alert"] == "gps_silent"]
    assert silent and silent[0]["unit_id"] == "U1", events
    # the grid manager of the west grid sees it too (U1 stands in G1); a viewer is refused
    look = c.get(f"{API}/live/alerts/stream", headers=bearer(city["look"]))
    assert look.status_code == 403


def test_the_worker_settles_and_posts_only_new_alerts(sqlite_engine: sa.Engine) -> None:
    now = pd.Timestamp("2022-07-05 22:00", tz="Asia/Shanghai")
    frame = pd.DataFrame(
        {"alert": ["gps_silent"], "unit_id": ["U1"], "since": [now], "minutes": [12.0]}
    )
    posted: list[list[dict]] = []
    settled: list[int] = []

    def settle(_engine: sa.Engine) -> dict[str, Any]:
        settled.append(1)
        return {"fixes": 0}

    def post(_url: str, alerts: list[dict[str, Any]]) -> bool:
        posted.append(alerts)
        return True

    worker = LiveWorker(
        sqlite_engine,
        every_s=0.01,
        webhook="http://hooks.internal/alerts",
        settle=settle,
        alerts=lambda _e: frame,
        post=post,
    )
    assert [a["unit_id"] for a in worker.run_once()["new_alerts"]] == ["U1"]
    assert worker.run_once()["new_alerts"] == []  # the same alert is not told twice
    frame = pd.concat(
        [frame, frame.assign(unit_id="U2", alert="long_stop", since=now + pd.Timedelta(minutes=5))]
    )
    assert [a["unit_id"] for a in worker.run_once()["new_alerts"]] == ["U2"]
    assert [[a["unit_id"] for a in p] for p in posted] == [["U1"], ["U2"]]
    assert len(settled) == 3
    # what was told is kept in the store, not in the worker: a restarted one tells nothing again
    at_ms, kept = live_alerts.stored_alerts(sqlite_engine)
    assert [(a, u) for a, u in zip(kept["alert"], kept["unit_id"], strict=True)] == [
        ("gps_silent", "U1"),
        ("long_stop", "U2"),
    ]
    assert kept["since"].tolist() == frame["since"].tolist()
    assert abs(at_ms - time.time() * 1000) < 60_000
    again = LiveWorker(sqlite_engine, every_s=1, settle=settle, alerts=lambda _e: frame, post=post)
    assert again.alerts_once() == [] and len(posted) == 2
    assert alert_key(frame.iloc[0].to_dict()) == ("gps_silent", "U1", now.isoformat())
    # a failing settle is logged and counted; the loop goes on
    worker._settle = lambda _e: {"fixes": 1 // 0}
    worker.run_once()
    assert worker.errors == 1
    # the thread: started, cycles, stops cleanly
    worker.start()
    deadline = time.monotonic() + 20
    while worker.cycles < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop()
    assert worker.cycles >= 6 and not worker.running


def test_the_app_starts_and_stops_its_worker(
    tmp_path: Path, template: tuple[Path, dict[str, str]]
) -> None:
    shutil.copyfile(template[0], tmp_path / "city.db")
    url = f"sqlite:///{tmp_path / 'city.db'}"
    try:
        app = create_app(url, settle_every_s=0.05)
        worker = app.state.worker
        with TestClient(app) as c:
            ago = pd.Timestamp.now(tz="Asia/Shanghai").floor("s") - pd.Timedelta(minutes=30)
            batch = [fix(m, 115.975 + m / 2000, t0=ago) for m in range(3)]
            h = bearer(template[1]["u1"])
            assert c.post(f"{API}/positions", json=batch, headers=h).json()["accepted"] == 3
            deadline = time.monotonic() + 60
            while worker.cycles < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert worker.running and worker.cycles >= 3 and worker.errors == 0
        assert not worker.running
        with store.connect(url).connect() as conn:  # the fixes were settled into a live shift
            shifts_t = RECORD_TABLES["shifts"]
            shifts = conn.execute(sa.select(shifts_t.c.unit_id)).scalars().all()
        assert shifts.count("U1") == 2  # tiny's S1 and the live one
    finally:
        store.forget(url)


def test_a_webhook_receives_the_alerts_as_json() -> None:
    got: list[Any] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        assert post_webhook(url, [{"alert": "gps_silent", "unit_id": "U1"}]) is True
    finally:
        thread.join(10)
        server.server_close()
    assert got == [{"alerts": [{"alert": "gps_silent", "unit_id": "U1"}]}]


def test_a_webhook_that_fails_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert post_webhook(f"http://127.0.0.1:{port}/hook", [{"alert": "gps_silent"}]) is False
    assert "alert webhook" in caplog.text


def test_settings_from_the_environment() -> None:
    s = api_app.api_settings(
        {"QY_API_MAX_BODY": "2048", "QY_API_RATE": "2", "QY_LIVE_SETTLE_S": "0"}
    )
    assert (s.max_body, s.rate, s.burst, s.settle_s, s.webhook) == (2048, 2.0, 20.0, 0.0, None)
    with pytest.raises(ValueError, match="QY_API_RATE"):
        api_app.api_settings({"QY_API_RATE": "-1"})


# --------------------------------------------------------------------------------------------
# a real server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow  # a fresh interpreter imports the app and opens the store: seconds
def test_python_m_geo_serve_answers_on_loopback(
    tmp_path: Path, template: tuple[Path, dict[str, str]]
) -> None:
    import httpx

    shutil.copyfile(template[0], tmp_path / "served.db")
    url = f"sqlite:///{tmp_path / 'served.db'}"
    device, reader = template[1]["u1"], template[1]["chief"]
    port = _free_port()
    env = {**os.environ, "QY_DEMO": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo", "serve", "--db", url, "--port", str(port), "--settle", "0.5"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}{API}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the server did not answer in 90 s"
            time.sleep(0.2)
        now = pd.Timestamp.now(tz="Asia/Shanghai").floor("s") - pd.Timedelta(minutes=1)
        r = httpx.post(
            f"{base}/positions",
            json={"fixes": [fix(0, t0=now)]},
            headers=bearer(device),
            timeout=30,
        )
        assert r.status_code == 200, r.text
        assert r.json()["accepted"] == 1
        got = httpx.get(f"{base}/live/positions", headers=bearer(reader), timeout=60)
        assert got.status_code == 200, got.text
        (row,) = [p for p in got.json()["positions"] if p["unit_id"] == "U1"]
        assert pd.Timestamp(row["ts"]) == now
        # the worker runs in a process of its own, a child of the server: it settles the fixes
        # (a second fix makes a shift) and stores the jurisdiction's alerts
        (child,) = psutil.Process(proc.pid).children()
        assert "--worker-only" in child.cmdline()
        r = httpx.post(
            f"{base}/positions",
            json={"fixes": [fix(0.5, t0=now)]},
            headers=bearer(device),
            timeout=30,
        )
        assert r.json()["accepted"] == 1
        engine = store.connect(url)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                live_units = (
                    conn.execute(
                        sa.select(RECORD_TABLES["shifts"].c.unit_id).where(
                            RECORD_TABLES["shifts"].c.source_file == "live"
                        )
                    )
                    .scalars()
                    .all()
                )
            if live_units and live_alerts.stored_alerts(engine) is not None:
                break
            time.sleep(0.2)
        assert live_units == ["U1"]
        assert live_alerts.stored_alerts(engine) is not None
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert json.loads(err.splitlines()[0])["listening"] == base
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["command"] == "serve" and summary["port"] == port
    assert summary["stopped_by"] == "SIGTERM"
    assert summary["worker_exit"] == 0 and summary["settle_cycles"] >= 1
    assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE


def test_tonight_is_the_night_the_moment_belongs_to() -> None:
    at = pd.Timestamp("2022-10-31 03:00", tz="Asia/Shanghai")  # before the window's end: last night
    assert api_app.tonight(at) == "2022-10-30"
    assert api_app.tonight(at + pd.Timedelta(hours=11)) == "2022-10-31"  # the coming night
    assert (
        api_app.tonight(pd.Timestamp("2022-10-31 22:00", tz="UTC")) == "2022-11-01"
    )  # 06:00 local

"""``python -m geo replay`` (issue 22, item 6): a stored night sent to a real server.

The server (geo.api.app.create_app) runs in uvicorn on a free loopback port in a thread, on a
small store holding one night of two units' pings (tests/tiny.py, the second unit's shift moved
onto the first one's night). The reference is the store itself: every stored ping arrives in
``fixes`` exactly once at its stored time plus the replay's constant, late and out-of-order
batches included, and a second replay of the same fixes is all duplicates.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
import uvicorn
from shapely import from_wkt

from geo import ingest, store
from geo.api.app import create_app
from geo.services import replay, tokens
from geo.store.tables import api_tokens, fixes
from tests import tiny

NIGHT = "2022-07-01"


def _frames() -> dict[str, pd.DataFrame]:
    """Areas, units, shifts and pings of tiny, both shifts on the night of 2022-07-01."""
    f = tiny.frames()
    shifts = f["shifts"].copy()
    shifts.loc[shifts["shift_id"] == "S2", "start"] = tiny.ts("2022-07-01 21:00")
    shifts.loc[shifts["shift_id"] == "S2", "end"] = tiny.ts("2022-07-01 23:30")
    pings = f["pings"].iloc[::2].reset_index(drop=True)  # a fix every 40 s (U1), 60 s (U2)
    s2 = pings["shift_id"] == "S2"
    pings.loc[s2, "ts"] = pings.loc[s2, "ts"] - pd.Timedelta(days=1)
    pings["speed"] = 20.0
    pings["accuracy"] = 5.0
    return {"areas": f["areas"], "units": f["units"], "shifts": shifts, "pings": pings}


def _load(engine: sa.Engine) -> None:
    for name, frame in _frames().items():
        raw = frame.copy()
        geometry = None
        if name == "areas":
            geometry = from_wkt(raw.pop("geometry").to_numpy())
        s = ingest.import_frame(engine, name, raw, file_name=f"{name}.csv", geometry=geometry)
        assert s.rejected == 0, s.rejects


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[sa.Engine, str]]:
    """The small store and the URL of a live server on it."""
    monkeypatch.setenv("QY_API_RATE", "10000")  # the replay's bursts are not what is tested here
    engine = store.connect(db_url)
    _load(engine)
    port = _free_port()
    app = create_app(db_url, settle_every_s=0)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield engine, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def _stored_fixes(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(fixes.c.unit_id, fixes.c.ts, fixes.c.lat, fixes.c.lng)).all()
    return pd.DataFrame(rows, columns=["unit_id", "ts", "lat", "lng"]).sort_values(
        ["unit_id", "ts"], ignore_index=True
    )


def _expected(shift_ms: int) -> pd.DataFrame:
    p = _frames()["pings"]
    return pd.DataFrame(
        {
            "unit_id": p["unit_id"],
            "ts": store.ts_to_ms(p["ts"]).astype("int64") + shift_ms,
            "lat": p["lat"],
            "lng": p["lng"],
        }
    ).sort_values(["unit_id", "ts"], ignore_index=True)


def _open_tokens(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(api_tokens)
                .where(api_tokens.c.revoked_ms.is_(None))
            ).scalar_one()
        )


def test_night_fixes_reads_the_shifts_starting_in_the_window(sqlite_engine: sa.Engine) -> None:
    _load(sqlite_engine)
    got = replay.night_fixes(sqlite_engine, NIGHT)
    want = _expected(0)
    assert (
        got[["unit_id", "ts_ms"]].to_numpy().tolist() == want[["unit_id", "ts"]].to_numpy().tolist()
    )
    assert replay.night_fixes(sqlite_engine, NIGHT, units=["U2"])["unit_id"].unique().tolist() == [
        "U2"
    ]
    assert replay.night_fixes(sqlite_engine, "2022-07-02").empty
    with pytest.raises(ValueError, match="units"):
        replay.night_fixes(sqlite_engine, NIGHT, units=["U9"])


def test_plan_batches_slices_late_and_shuffled() -> None:
    p = _frames()["pings"]
    f = pd.DataFrame(
        {
            "unit_id": p["unit_id"],
            "ts_ms": store.ts_to_ms(p["ts"]).astype("int64"),
            "lat": p["lat"],
            "lng": p["lng"],
            "speed": p["speed"],
            "accuracy": p["accuracy"],
        }
    )
    # two fixes per 5-s slice: each fix and one 2 s after it
    f = pd.concat([f, f.assign(ts_ms=f["ts_ms"] + 2000)], ignore_index=True)
    batches = replay.plan_batches(f, late=0.3, seed=3, shift_ms=1000)
    sent = sorted((b.unit_id, x["time"]) for b in batches for x in b.fixes)
    assert sent == sorted(zip(f["unit_id"], f["ts_ms"] + 1000, strict=True))
    first = int(f["ts_ms"].min())
    for b in batches:
        times = [x["time"] - 1000 for x in b.fixes]
        slot = {(t - first) // 5000 for t in times}
        assert len(slot) == 1 and {x["unit_id"] for x in b.fixes} == {b.unit_id}
        end_s = (slot.pop() + 1) * 5.0
        if b.late:
            assert end_s + replay.LATE_S[0] <= b.send_s <= end_s + replay.LATE_S[1]
        else:
            assert b.send_s == end_s
        assert (times != sorted(times)) == b.shuffled
    assert any(b.late for b in batches) and any(b.shuffled for b in batches)
    assert [b.send_s for b in batches] == sorted(b.send_s for b in batches)


def test_replay_sends_every_fix_once_then_only_duplicates(served: tuple[sa.Engine, str]) -> None:
    engine, url = served
    now_ms = int(time.time() * 1000)
    kw: dict[str, Any] = {"url": url, "speed": 20_000.0, "now_ms": now_ms, "late": 0.3}
    first = replay.replay(engine, NIGHT, **kw)
    n = len(_frames()["pings"])
    assert first["sent"] == first["accepted"] == n
    assert first["duplicates"] == first["rejected"] == 0
    assert first["late_batches"] > 0 and first["units"] == 2
    want = _expected(first["shift_ms"])
    got = _stored_fixes(engine)
    assert got[["unit_id", "ts"]].to_numpy().tolist() == want[["unit_id", "ts"]].to_numpy().tolist()
    assert got["lat"].to_numpy() == pytest.approx(want["lat"].to_numpy(), abs=1e-6)
    # the night ends a minute before it was sent; nothing from the future
    p = _frames()["pings"]
    span_ms = int((p["ts"].max() - p["ts"].min()).total_seconds() * 1000)
    assert int(got["ts"].max()) == now_ms - 60_000 + round(span_ms / kw["speed"])
    assert _open_tokens(engine) == 0  # the replay's tokens are revoked

    second = replay.replay(engine, NIGHT, **kw)
    assert second["sent"] == second["duplicates"] == n
    assert second["accepted"] == second["rejected"] == 0
    assert len(_stored_fixes(engine)) == n
    assert _open_tokens(engine) == 0
    labels = tokens.list_tokens(engine)["label"].tolist()
    assert labels == [f"replay {NIGHT}"] * 4


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the CLI's own path: one backend
def test_cli_replay_moves_the_night_to_now(
    served: tuple[sa.Engine, str], db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    engine, url = served
    before = int(time.time() * 1000)
    argv = ["replay", "--db", db_url, "--url", url, "--night", NIGHT, "--speed", "50000"]
    assert main([*argv, "--units", "U2", "--late", "0"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    after = int(time.time() * 1000)
    assert out["command"] == "replay" and out["shifted"] is True
    n2 = int((_frames()["pings"]["unit_id"] == "U2").sum())
    assert out["sent"] == out["accepted"] == n2 and out["late_batches"] == 0
    got = _stored_fixes(engine)
    want = _expected(out["shift_ms"])
    assert got["ts"].tolist() == want.loc[want["unit_id"] == "U2", "ts"].tolist()
    # at 50,000 times real time the night's last fix lands about a minute before now
    assert before - 60_000 <= int(got["ts"].max()) <= after - 60_000 + 1_000
    assert main(["replay", "--db", db_url, "--url", url, "--night", "2022-07-09"]) == 2
    assert "night" in capsys.readouterr().err

"""The login lockout under many processes on one store (issue 23, item 1), on SQLite and
PostgreSQL: each attempt is counted in one atomic statement of the store that also reads the
lockout, so exactly the configured number of wrong passwords is checked, however many processes
try at once, and every later attempt is refused as locked."""

from __future__ import annotations

import json
import multiprocessing as mp
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.config import get_settings
from geo.services import access

PROCESSES = 12
TRIES = 3
LIMIT = 3


def _wrong_logins(url: str, start: Any, results: Any) -> None:
    """One process: TRIES wrong passwords for ``chief``, each outcome's code put on ``results``."""
    eng = store.connect(url, migrate_schema=False)
    settings = get_settings().with_(login_attempts=LIMIT, lockout_minutes=10)
    start.wait()
    for _ in range(TRIES):
        try:
            access.login(eng, "chief", "not-the-password", settings=settings)
            results.put("ok")
        except access.LoginError as e:
            results.put(e.code)
    store.writes_waiting(eng, wait=60)
    eng.dispose()


def test_parallel_wrong_passwords_lock_after_exactly_the_limit(engine: sa.Engine) -> None:
    access.add_user(engine, "chief", "chief-pass-2022", "admin")
    url = engine.url.render_as_string(hide_password=False)
    ctx = mp.get_context("spawn")
    start = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_wrong_logins, args=(url, start, results)) for _ in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    codes = [results.get(timeout=120) for _ in range(PROCESSES * TRIES)]
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    # exactly LIMIT wrong passwords were checked; every later attempt was refused unchecked
    assert codes.count("bad") == LIMIT
    assert codes.count("locked") == PROCESSES * TRIES - LIMIT
    with engine.connect() as conn:
        row = conn.execute(sa.select(store.users).where(store.users.c.user_name == "chief")).one()
    assert row.failed == codes.count("bad")  # the attempts that reached the check
    assert row.locked_until_ms is not None and row.locked_until_ms > access.now_ms()
    with engine.connect() as conn:
        log = pd.DataFrame(conn.execute(sa.select(store.audit)).mappings().all())
    failed = [json.loads(d) for d in log.loc[log["action"] == "login_failed", "detail"]]
    assert [d["reason"] for d in failed].count("bad") == LIMIT
    assert [d["reason"] for d in failed].count("locked") == PROCESSES * TRIES - LIMIT
    assert sorted(d["failed"] for d in failed if "failed" in d) == list(range(1, LIMIT + 1))
    assert (log["action"] == "lockout").sum() == 1
    # the right password is refused while locked, and a success later resets the count
    settings = get_settings().with_(login_attempts=LIMIT, lockout_minutes=10)
    later = int(row.locked_until_ms) + 1
    access.login(engine, "chief", "chief-pass-2022", now=later, settings=settings)
    store.writes_waiting(engine, wait=60)
    with engine.connect() as conn:
        row = conn.execute(sa.select(store.users).where(store.users.c.user_name == "chief")).one()
    assert (row.failed, row.locked_until_ms) == (0, None)

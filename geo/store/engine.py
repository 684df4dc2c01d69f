"""Engines on the configured store (migrations applied) and small writes that must not wait.

:func:`connect` opens (and caches per URL) an engine on SQLite or PostgreSQL and applies every
Alembic migration. :func:`write_soon` runs small writes (audit rows, a login's counters) at once,
or, on SQLite while an import holds the single write lock, hands them to one background writer
that applies them in order once the lock frees.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from geo.config import get_settings

__all__ = [
    "BUSY_TIMEOUT_MS",
    "QUICK_WAIT_S",
    "connect",
    "dispose_all",
    "forget",
    "is_locked",
    "migrate",
    "write_now",
    "write_soon",
    "writes_waiting",
]

BUSY_TIMEOUT_MS = 30_000  # SQLite: how long a write waits for the write lock of another

# The connection pool of a file store or a server: as many connections as the API server's
# thread pool runs handlers at once (anyio's default, 40), so that no request waits for a
# connection while another thread holds one; a few more for the event stream and bursts.
# Connections open only when needed and stay open once opened.
POOL_SIZE = 40
POOL_OVERFLOW = 10
POOL_TIMEOUT_S = 10.0  # a request that still finds none gives up (a 500) instead of queueing

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


_engines: dict[str, sa.Engine] = {}


def _alembic_config(url: str) -> Any:
    # Alembic loads only when a store is opened (not for `python -m geo --help`)
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: sa.Engine) -> None:
    """Apply every Alembic migration up to head on ``engine`` (idempotent)."""
    # Alembic loads only when a store is opened (not for `python -m geo --help`)
    from alembic import command

    cfg = _alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def connect(url: str | None = None, *, migrate_schema: bool = True) -> sa.Engine:
    """An engine on ``url`` (default: the configured store), with migrations applied.

    The SQLite file and its folder are created on first use. Engines are cached per URL.
    """
    url = url or get_settings().database_url
    if url in _engines:
        return _engines[url]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    made = sa.make_url(url)
    if made.get_backend_name() == "sqlite" and made.database in (None, "", ":memory:"):
        engine = sa.create_engine(url, future=True)
    else:
        engine = sa.create_engine(
            url,
            future=True,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            pool_timeout=POOL_TIMEOUT_S,
        )
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.close()

    if migrate_schema:
        migrate(engine)
    _engines[url] = engine
    return engine


def forget(url: str) -> None:
    """Close and drop the cached engine of ``url``, if any (tests use it between databases)."""
    eng = _engines.pop(url, None)
    if eng is not None:
        eng.dispose()


# --------------------------------------------------------------------------------------------
# Small writes that must not wait behind a long import (SQLite)

# How long a small write (an audit row, a login's counters) waits for SQLite's single write lock
# before it is handed to the background writer (seconds).
QUICK_WAIT_S = 2.0


_log = logging.getLogger(__name__)
_T = TypeVar("_T")


def is_locked(err: sa.exc.OperationalError) -> bool:
    """True when ``err`` is SQLite's "database is locked": another writer held the lock."""
    text = str(getattr(err, "orig", err)).lower()
    return "database is locked" in text or "database is busy" in text


class _LaterWriter:
    """One background thread applying the small writes that found SQLite's write lock held.

    It applies them in the order they came (an import holds the lock until its file is stored,
    which can take minutes). Each write runs in its own transaction and is retried until the lock
    frees.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._jobs: list[
            tuple[sa.Engine, Callable[[sa.Connection], object], Callable[[], None] | None]
        ] = []
        self._waiting: dict[str, int] = {}
        self._thread: threading.Thread | None = None

    def waiting(self, engine: sa.Engine | None = None) -> int:
        with self._cond:
            if engine is None:
                return sum(self._waiting.values())
            return self._waiting.get(str(engine.url), 0)

    def submit(
        self,
        engine: sa.Engine,
        fn: Callable[[sa.Connection], object],
        after: Callable[[], None] | None,
    ) -> None:
        with self._cond:
            self._jobs.append((engine, fn, after))
            key = str(engine.url)
            self._waiting[key] = self._waiting.get(key, 0) + 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="qy-later-writes", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs:
                    self._cond.wait()
                engine, fn, after = self._jobs[0]
            while True:
                try:
                    with engine.begin() as conn:
                        fn(conn)
                    if after is not None:
                        after()
                    break
                except sa.exc.OperationalError as e:
                    if not is_locked(e):
                        _log.exception("a deferred write failed and is dropped")
                        break
                    time.sleep(0.2)  # the import still holds the lock: wait on
                except Exception:  # a bug in the write itself: keep the queue moving
                    _log.exception("a deferred write failed and is dropped")
                    break
            with self._cond:
                self._jobs.pop(0)
                key = str(engine.url)
                self._waiting[key] -= 1
                if not self._waiting[key]:
                    del self._waiting[key]
                self._cond.notify_all()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every deferred write is applied; False if ``timeout`` s passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._jobs:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
        return True


_later = _LaterWriter()


# a command-line run ends only once what it deferred is written (the import that held the lock
# is another process, which ends too)
atexit.register(_later.drain, 600.0)


def _set_busy_timeout(conn: sa.Connection, ms: int) -> None:
    conn.connection.dbapi_connection.execute(f"PRAGMA busy_timeout={int(ms)}")  # type: ignore[union-attr]


def write_now(engine: sa.Engine, fn: Callable[[sa.Connection], _T]) -> tuple[bool, _T | None]:
    """Run ``fn(conn)`` in one transaction now, unless SQLite's write lock stays held.

    For a small write whose result the caller needs at once (a login's atomic attempt count).
    On PostgreSQL it always runs. On SQLite it waits up to :data:`QUICK_WAIT_S` for the write
    lock; when an import still holds it, or small writes of this store are still deferred
    (:func:`write_soon`, whose order must be kept), nothing runs.

    Parameters
    ----------
    engine
        The store.
    fn
        The writes; what it returns is passed back.

    Returns
    -------
    tuple of (bool, object)
        ``(True, fn's result)`` when committed, ``(False, None)`` when nothing ran.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            return True, fn(conn)
    if _later.waiting(engine):
        return False, None
    try:
        with engine.connect() as conn:
            _set_busy_timeout(conn, int(QUICK_WAIT_S * 1000))
            try:
                with conn.begin():
                    result = fn(conn)
            finally:
                _set_busy_timeout(conn, BUSY_TIMEOUT_MS)
    except sa.exc.OperationalError as e:
        if not is_locked(e):
            raise
        return False, None
    return True, result


def write_soon(
    engine: sa.Engine,
    fn: Callable[[sa.Connection], object],
    *,
    after: Callable[[], None] | None = None,
) -> bool:
    """Run the writes of ``fn(conn)`` in one transaction now, or as soon as the store allows.

    What ``fn`` returns is ignored.

    For small writes that a user must not wait for (audit rows, a login's counters). On
    PostgreSQL they run at once (writers of other rows do not block them). SQLite has one write
    lock per database, which an import holds until its whole file is stored: if the lock does
    not free within :data:`QUICK_WAIT_S`, the writes go to a background thread that applies
    them, in order, once it does; until then every later small write of the same store queues
    behind them, so that their order is kept. ``after()`` runs once the writes are committed.
    Returns True when written now, False when deferred. A deferred write is lost only if the
    process ends before the lock frees (a command-line run waits for it at exit).
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            fn(conn)
        if after is not None:
            after()
        return True
    if _later.waiting(engine):
        _later.submit(engine, fn, after)
        return False
    try:
        with engine.connect() as conn:
            _set_busy_timeout(conn, int(QUICK_WAIT_S * 1000))
            try:
                with conn.begin():
                    fn(conn)
            finally:
                _set_busy_timeout(conn, BUSY_TIMEOUT_MS)
    except sa.exc.OperationalError as e:
        if not is_locked(e):
            raise
        _later.submit(engine, fn, after)
        return False
    if after is not None:
        after()
    return True


def writes_waiting(engine: sa.Engine | None = None, *, wait: float | None = None) -> int:
    """How many deferred small writes are not yet applied (of ``engine``'s store, or of all).

    With ``wait``, first wait up to that many seconds for them to be applied.
    """
    if wait is not None:
        _later.drain(wait)
    return _later.waiting(engine)


def dispose_all() -> None:
    """Close every cached engine (tests use it between databases)."""
    for e in _engines.values():
        e.dispose()
    _engines.clear()

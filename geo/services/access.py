"""Users, password hashing, sessions, lockout and the audit log.

Roles, principals and what each role may read live in the store (:mod:`geo.store.scope`): the
store enforces them on every read. This service creates and changes users, logs them in and out,
and records audited events.

Passwords are hashed with argon2id (argon2-cffi); neither passwords nor hashes reach the audit
log or any output. Demo users (:data:`DEMO_USERS`) exist only in a store holding the demo city
and log in only while demo mode is on (``QY_DEMO``): outside demo mode no default password
exists. The first admin comes from ``python -m geo users add NAME --role admin`` or from
``QY_ADMIN_USER``/``QY_ADMIN_PASSWORD`` on first start (:func:`bootstrap`).

Time: every function that depends on the clock takes ``now`` (epoch milliseconds); the default
is :func:`now_ms`, which reads :data:`clock` (tests replace it).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo.config import Settings, get_settings
from geo.domain.period import epoch_ms_bounds
from geo.store import accounts, ms_to_ts
from geo.store.engine import write_now, write_soon
from geo.store.info import is_demo
from geo.store.scope import PAGES, ROLES, VIEWER_HIDDEN_COLUMNS, VIEWER_ROW_KINDS, Principal

__all__ = [
    "ACTIONS",
    "DEMO_USERS",
    "PAGES",
    "ROLES",
    "VIEWER_HIDDEN_COLUMNS",
    "VIEWER_ROW_KINDS",
    "LoginError",
    "Principal",
    "Session",
    "add_user",
    "audit",
    "audit_filter_dates",
    "audit_log",
    "bootstrap",
    "clock",
    "login",
    "logout",
    "may_disable",
    "may_open",
    "now_ms",
    "principal_of",
    "resume",
    "set_disabled",
    "set_password",
    "set_role",
    "users",
]

ACTIONS = (
    "login",
    "login_failed",
    "lockout",
    "logout",
    "session_timeout",
    "import",
    "export",
    "download",
    "plan",
    "user_add",
    "user_role",
    "user_disable",
    "user_enable",
    "user_password",
    "settings",
    "token_create",
    "token_revoke",
)
MIN_PASSWORD = 8
_NAME = re.compile(r"^[\w.@\-\u4e00-\u9fff]{1,64}$")

# (user, password, role, areas): the demo city's users, listed in README.md
DEMO_USERS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("admin", "demo-admin-2022", "admin", ()),
    ("commander", "demo-commander-2022", "commander", ("ST01",)),
    ("grid03", "demo-grid-2022", "grid_manager", ("ST01-G03",)),
    ("viewer", "demo-viewer-2022", "viewer", ("ST01",)),
)

clock: Callable[[], float] = time.time  # seconds since the epoch; tests replace it
_hasher = PasswordHasher()
_dummy_hash: str | None = None
_login_lock = threading.RLock()
# (store url, user) -> (the last attempt, its failure count and lockout) while SQLite's write lock
# keeps that attempt's atomic count from the store (see login)
_deferred_attempts: dict[tuple[str, str], tuple[object, dict[str, Any]]] = {}


def now_ms() -> int:
    """The current time in epoch milliseconds, from :data:`clock`."""
    return int(clock() * 1000)


# --------------------------------------------------------------------------------------------
# Principal and session


def may_open(principal: Principal, page: str) -> bool:
    """True when ``principal`` may open ``page``."""
    return principal.may(page)


@dataclass(frozen=True)
class Session:
    """A login: who, when it began and when it was last used (epoch ms)."""

    user: str
    started_ms: int
    last_ms: int


class LoginError(PermissionError):
    """A refused login. ``code``: ``bad`` (unknown user or wrong password), ``locked``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------------------------
# Users


def _hash(password: str) -> str:
    return _hasher.hash(password)


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        msg = f"a password needs at least {MIN_PASSWORD} characters"
        raise ValueError(msg)
    if len(password) > 1024:
        msg = "a password may have at most 1024 characters"
        raise ValueError(msg)


def _check_areas(conn: sa.Connection, role: str, areas: Sequence[str]) -> list[str]:
    areas = sorted({str(a).strip() for a in areas if str(a).strip()})
    if role == "admin":
        if areas:
            msg = "an admin sees every area; give no --area"
            raise ValueError(msg)
        return []
    if not areas:
        msg = f"a {role} needs at least one area"
        raise ValueError(msg)
    known, any_area = accounts.area_levels(conn, areas)
    if any_area:  # before any area is imported, ids cannot be checked yet
        unknown = [x for x in areas if x not in known]
        if unknown:
            msg = f"unknown area {unknown[0]!r}"
            raise ValueError(msg)
        want = {"commander": "station", "grid_manager": "grid"}.get(role)
        wrong = [x for x in areas if want and known[x] != want]
        if wrong:
            msg = f"a {role} is given {want} areas; {wrong[0]!r} is a {known[wrong[0]]}"
            raise ValueError(msg)
    return areas


def add_user(
    engine: sa.Engine,
    name: str,
    password: str,
    role: str,
    areas: Sequence[str] = (),
    *,
    by: str | None = None,
    demo: bool = False,
    now: int | None = None,
) -> None:
    """Create a user (ValueError for a bad name, role, area or password, or a taken name)."""
    name = str(name).strip()
    if not _NAME.match(name):
        msg = "a user name is 1-64 letters, digits, '.', '_', '-' or '@'"
        raise ValueError(msg)
    if role not in ROLES:
        msg = f"unknown role {role!r}; expected one of {', '.join(ROLES)}"
        raise ValueError(msg)
    _check_password(password)
    now = now_ms() if now is None else now
    with engine.begin() as conn:
        areas = _check_areas(conn, role, areas)
        if accounts.user_row(conn, name) is not None:
            msg = f"user {name!r} exists"
            raise ValueError(msg)
        accounts.insert_user(
            conn,
            name=name,
            role=role,
            areas=areas,
            password_hash=_hash(password),
            demo=demo,
            now_ms=now,
        )
        audit(conn, by, "user_add", name, role=role, areas=areas, demo=demo, now=now)


def users(engine: sa.Engine) -> pd.DataFrame:
    """Every user: user_name, role, areas (list), disabled, demo, locked, created (no hashes)."""
    rows = accounts.list_users(engine)
    now = now_ms()
    tz = get_settings().tz
    return pd.DataFrame(
        {
            "user_name": [r.user_name for r in rows],
            "role": [r.role for r in rows],
            "areas": [json.loads(r.areas) for r in rows],
            "disabled": [bool(r.disabled) for r in rows],
            "demo": [bool(r.demo) for r in rows],
            "locked": [bool(r.locked_until_ms and r.locked_until_ms > now) for r in rows],
            "created": ms_to_ts(pd.Series([r.created_ms for r in rows], dtype="int64"), tz),
        }
    )


def _update(
    engine: sa.Engine,
    name: str,
    action: str,
    values: dict[str, Any],
    *,
    by: str | None,
    now: int,
    **detail: Any,
) -> None:
    with engine.begin() as conn:
        if accounts.user_row(conn, name) is None:
            msg = f"no user {name!r}"
            raise ValueError(msg)
        accounts.update_user(conn, name, **values)
        audit(conn, by, action, name, now=now, **detail)


def set_disabled(
    engine: sa.Engine,
    name: str,
    disabled: bool = True,
    *,
    by: str | None = None,
    now: int | None = None,
) -> None:
    """Disable (or enable again) a user; a disabled user's sessions end at their next step."""
    now = now_ms() if now is None else now
    _update(
        engine,
        name,
        "user_disable" if disabled else "user_enable",
        {"disabled": bool(disabled), "failed": 0, "locked_until_ms": None},
        by=by,
        now=now,
    )


def may_disable(name: str, by: str | None) -> bool:
    """True unless ``by`` would disable their own account ``name`` (and shut themselves out)."""
    return name != by


def set_password(
    engine: sa.Engine, name: str, password: str, *, by: str | None = None, now: int | None = None
) -> None:
    """Set a new password; it ends the user's sessions and lifts a lockout."""
    _check_password(password)
    now = now_ms() if now is None else now
    _update(
        engine,
        name,
        "user_password",
        {
            "password_hash": _hash(password),
            "password_ms": now,
            "failed": 0,
            "locked_until_ms": None,
        },
        by=by,
        now=now,
    )


def set_role(
    engine: sa.Engine,
    name: str,
    role: str,
    areas: Sequence[str] = (),
    *,
    by: str | None = None,
    now: int | None = None,
) -> None:
    """Change a user's role and areas (checked as in :func:`add_user`)."""
    if role not in ROLES:
        msg = f"unknown role {role!r}; expected one of {', '.join(ROLES)}"
        raise ValueError(msg)
    now = now_ms() if now is None else now
    with engine.connect() as conn:
        areas = _check_areas(conn, role, areas)
    _update(
        engine,
        name,
        "user_role",
        {"role": role, "areas": areas},
        by=by,
        now=now,
        role=role,
        areas=areas,
    )


def _principal_from_row(row: Any) -> Principal:
    areas = json.loads(row.areas)
    return Principal(row.user_name, row.role, None if row.role == "admin" else frozenset(areas))


def _usable(row: Any, settings: Settings) -> bool:
    return row is not None and not row.disabled and (settings.demo or not row.demo)


def principal_of(engine: sa.Engine, name: str, *, settings: Settings | None = None) -> Principal:
    """The principal of an existing, enabled user (for ``python -m geo ... --as USER``).

    ValueError when there is no such user, or it is disabled (or a demo user outside demo mode).
    """
    settings = settings or get_settings()
    with engine.connect() as conn:
        row = accounts.user_row(conn, str(name))
    if not _usable(row, settings):
        msg = f"no enabled user {name!r}"
        raise ValueError(msg)
    return _principal_from_row(row)


# --------------------------------------------------------------------------------------------
# Login, sessions, lockout


def login(
    engine: sa.Engine,
    name: str,
    password: str,
    *,
    now: int | None = None,
    settings: Settings | None = None,
) -> Session:
    """Check a user's password and start a session; every attempt is audited.

    Raises :class:`LoginError`: ``bad`` for an unknown, disabled or demo-outside-demo user or a
    wrong password (one message for all, so that names cannot be probed), ``locked`` while a
    user is locked out after ``settings.login_attempts`` failures in a row (for
    ``settings.lockout_minutes``).

    Every attempt at an enabled user is counted before its password is checked, in one atomic
    statement of the store that also reads the lockout
    (:func:`geo.store.accounts.count_attempt`): under any number of processes and servers on
    one store, exactly ``settings.login_attempts`` wrong passwords in a row are checked before
    the lockout, and every later attempt is refused as locked without a check. A success resets
    the count (:func:`geo.store.accounts.reset_attempts`).

    The audit rows go through :func:`geo.store.engine.write_soon`. On SQLite, while an import
    holds the store's write lock, the count cannot be stored at once: the attempt is then
    counted in this process (so a lockout still applies here) and its atomic count is stored,
    with the audit rows, once the lock frees; the login does not wait for the import.
    """
    global _dummy_hash
    settings = settings or get_settings()
    now = now_ms() if now is None else now
    name = str(name or "").strip()[:64]
    password = str(password or "")
    limit = int(settings.login_attempts)
    lock_ms = int(settings.lockout_minutes * 60_000)
    error: LoginError | None = None
    events: list[tuple[str | None, str, dict[str, Any]]] = []  # (user, action, detail)
    reset: dict[str, Any] | None = None  # a success: the columns set with the reset count
    count_later = False  # a wrong password whose count waits for SQLite's write lock
    deferred: dict[str, Any] | None = None  # this process's view of the deferred count
    with _login_lock:  # one attempt at a time in this process
        with engine.connect() as conn:
            row = accounts.user_row(conn, name) if name else None
        key = (str(engine.url), name)
        if not _usable(row, settings):
            _dummy_hash = _dummy_hash or _hash("not a password of anyone")
            try:  # the same work as a real check: no timing hint that the name is unknown
                _hasher.verify(_dummy_hash, password)
            except VerificationError:
                pass
            events.append((name or None, "login_failed", {"reason": "bad"}))
            error = LoginError("bad", "unknown user or wrong password")
        else:
            assert row is not None  # _usable(row) holds
            done, counted = (
                (False, None)
                if key in _deferred_attempts
                else write_now(
                    engine,
                    lambda c: accounts.count_attempt(
                        c, name, now_ms=now, limit=limit, lock_ms=lock_ms
                    ),
                )
            )
            if not done:  # SQLite's write lock is held: count here, store once it frees
                counted = _count_here(key, row, now, limit, lock_ms)
            if counted is None:
                events.append((name, "login_failed", {"reason": "locked"}))
                error = LoginError("locked", "too many failed logins; try again later")
            else:
                failed, locked_until = counted
                ok: bool
                try:
                    ok = _hasher.verify(row.password_hash, password)
                except (VerificationError, InvalidHashError):
                    ok = False
                if not ok:
                    events.append((name, "login_failed", {"reason": "bad", "failed": failed}))
                    if locked_until is not None:
                        events.append((name, "lockout", {"minutes": settings.lockout_minutes}))
                    error = LoginError("bad", "unknown user or wrong password")
                    count_later = not done
                    deferred = {"failed": failed, "locked_until_ms": locked_until}
                else:
                    reset = {}
                    if _hasher.check_needs_rehash(row.password_hash):
                        reset["password_hash"] = _hash(password)
                    events.append((name, "login", {"role": row.role}))
                    deferred = {"failed": 0, "locked_until_ms": None}

        def write(conn: sa.Connection) -> None:
            if count_later:  # the same atomic count, now that the lock is free
                accounts.count_attempt(conn, name, now_ms=now, limit=limit, lock_ms=lock_ms)
            if reset is not None:
                accounts.reset_attempts(conn, name, **reset)
            for who, action, detail in events:
                audit(conn, who, action, name, now=now, **detail)

        attempt = object()

        def applied() -> None:  # the store has this attempt's count now
            with _login_lock:
                if _deferred_attempts.get(key, (None, {}))[0] is attempt:
                    del _deferred_attempts[key]

        if not write_soon(engine, write, after=applied) and deferred is not None:
            _deferred_attempts[key] = (attempt, deferred)
    if error is not None:
        raise error
    return Session(user=name, started_ms=now, last_ms=now)


def _count_here(
    key: tuple[str, str], row: Any, now: int, limit: int, lock_ms: int
) -> tuple[int, int | None] | None:
    """The rule of :func:`geo.store.accounts.count_attempt`, on this process's view of the count.

    That view is the stored row and the counts still waiting for SQLite's write lock.
    """
    state = _deferred_attempts.get(
        key, (None, {"failed": int(row.failed or 0), "locked_until_ms": row.locked_until_ms})
    )[1]
    locked_until = state["locked_until_ms"]
    if locked_until is not None and locked_until > now:
        return None
    failed = (0 if locked_until is not None else int(state["failed"])) + 1
    return failed, (now + lock_ms if failed >= limit else None)


def resume(
    engine: sa.Engine,
    session: Session | None,
    *,
    now: int | None = None,
    settings: Settings | None = None,
) -> tuple[Principal, Session] | None:
    """The principal and the refreshed session of a live session, else None.

    A session ends after ``settings.session_minutes`` without activity, when its user is
    disabled or removed, or when the password changed after it began. The user's role and areas
    are read again at every step, so changes apply at once. A timed-out session is audited.
    """
    if not isinstance(session, Session):
        return None
    settings = settings or get_settings()
    now = now_ms() if now is None else now
    with engine.connect() as conn:
        row = accounts.user_row(conn, session.user)
    if not _usable(row, settings) or row.password_ms > session.started_ms:
        return None
    if now - session.last_ms > settings.session_minutes * 60_000:
        audit(
            engine,
            session.user,
            "session_timeout",
            session.user,
            now=now,
            idle_min=round((now - session.last_ms) / 60_000, 1),
        )
        return None
    return _principal_from_row(row), replace(session, last_ms=now)


def logout(engine: sa.Engine, session: Session | None, *, now: int | None = None) -> None:
    """Audit the end of a session (the caller forgets it)."""
    if isinstance(session, Session):
        audit(engine, session.user, "logout", session.user, now=now)


def bootstrap(engine: sa.Engine, settings: Settings | None = None) -> list[str]:
    """Create the start-up users and return the names created.

    On start: the admin from ``QY_ADMIN_USER``/``QY_ADMIN_PASSWORD`` when the store has no user
    yet, and the demo users while demo mode is on and the demo city is loaded.
    """
    settings = settings or get_settings()
    created: list[str] = []
    have = accounts.user_names(engine)
    if not have and settings.admin_user and settings.admin_password:
        add_user(engine, settings.admin_user, settings.admin_password, "admin", by="QY_ADMIN_USER")
        created.append(settings.admin_user)
        have.add(settings.admin_user)
    if settings.demo and is_demo(engine):
        for name, password, role, areas in DEMO_USERS:
            if name not in have:
                add_user(engine, name, password, role, areas, by="demo", demo=True)
                created.append(name)
    return created


# --------------------------------------------------------------------------------------------
# Audit log


def audit(
    target: sa.Engine | sa.Connection,
    user: str | None,
    action: str,
    what: object = "",
    *,
    rows: int | None = None,
    now: int | None = None,
    **detail: Any,
) -> None:
    """Record one audited event in the audit log.

    Who (``user``; None for nobody logged in), when, what (a file, plan, user or page), how many
    rows, and a JSON ``detail``. Never pass a password.
    """
    if action not in ACTIONS:
        msg = f"unknown audit action {action!r}"
        raise ValueError(msg)
    values = {
        "ts_ms": now_ms() if now is None else now,
        "user_name": None if user is None else str(user)[:64],
        "action": action,
        "what": str(what)[:500],
        "rows": None if rows is None else int(rows),
        "detail": json.dumps(detail, ensure_ascii=False, default=str),
    }
    accounts.insert_audit(target, values)  # on its own (an engine): never kept waiting


def audit_filter_dates(
    days: int = 30, *, now: int | None = None, tz: str | None = None
) -> tuple[dt.date, dt.date]:
    """The audit log's default date filter: ``days`` days before today to today (local dates).

    Local dates in ``tz`` (default the configured zone); today is by :func:`now_ms` (or ``now``,
    epoch ms).
    """
    now = now_ms() if now is None else now
    today = pd.Timestamp(now, unit="ms", tz="UTC").tz_convert(tz or get_settings().tz).date()
    return today - dt.timedelta(days=days), today


def audit_log(
    engine: sa.Engine,
    *,
    user: str | None = None,
    actions: Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    text: str | None = None,
    limit: int = 2000,
) -> pd.DataFrame:
    """Audited events, newest first: audit_id, ts, user_name, action, what, rows, detail.

    ``start``/``end`` are local dates (inclusive); ``text`` matches ``what`` (a bound LIKE).
    """
    tz = get_settings().tz
    lo, hi = epoch_ms_bounds(start, end, tz)
    df = accounts.audit_rows(
        engine, user=user, actions=actions, start_ms=lo, end_ms=hi, text=text, limit=limit
    )
    df.insert(
        1,
        "ts",
        ms_to_ts(df.pop("ts_ms"), tz) if len(df) else pd.Series(dtype=f"datetime64[ns, {tz}]"),
    )
    df["rows"] = df["rows"].astype("Int64")
    return df

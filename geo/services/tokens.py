"""Tokens of the machine API: a device's, bound to one unit, and a user's, with the user's scope.

A device token posts that unit's fixes only; a user token reads with the user's role and areas.

A token reads ``qy_<token_id>_<secret>``: ``token_id`` is 10 lowercase hex characters, public
(listed, audited, named when revoking); ``secret`` is 43 URL-safe characters
(:func:`secrets.token_urlsafe` of 32 bytes), shown once when the token is made. The store keeps
the SHA-256 hex of the secret (:mod:`geo.store.tokens`), never the secret, and
:func:`verify_token` compares hashes in constant time (:func:`hmac.compare_digest`).

Creating and revoking are audited (``token_create``, ``token_revoke``) with the token's id,
never its secret. :func:`verify_token` keeps what it read of a valid token in this process for
at most :data:`CACHE_S` seconds (a revoke in this process forgets it at once; one in another
process, or a user disabled, takes effect within that time) and writes ``last_used_ms`` at most
once a minute per token (:data:`LAST_USED_EVERY_MS`), not at every request.

Time: stored times are epoch milliseconds from :func:`geo.services.access.now_ms`; the cache's
expiry reads :data:`clock` (monotonic seconds; tests replace it).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.config import get_settings
from geo.services import access
from geo.store import accounts
from geo.store import tokens as stored
from geo.store.scope import Principal

__all__ = [
    "CACHE_S",
    "KINDS",
    "LAST_USED_EVERY_MS",
    "TOKEN_PREFIX",
    "TokenInfo",
    "clear_cache",
    "create_device_token",
    "create_user_token",
    "list_tokens",
    "principal_of_token",
    "revoke_token",
    "unit_choices",
    "verify_token",
]

TOKEN_PREFIX = "qy"
KINDS = ("device", "user")
CACHE_S = 5.0  # seconds a verified token is kept in this process
LAST_USED_EVERY_MS = 60_000  # last_used_ms is written at most this often per token
MAX_LABEL = 100  # characters of a token's label
_TOKEN = re.compile(rf"^{TOKEN_PREFIX}_([0-9a-f]{{10}})_([A-Za-z0-9_\-]{{16,128}})$")

clock: Callable[[], float] = time.monotonic  # seconds; the cache's expiry (tests replace it)


@dataclass(frozen=True)
class TokenInfo:
    """What a valid token stands for.

    Its id, its kind (``device`` or ``user``) and its unit (a device's) or user (a user's).
    """

    token_id: str
    kind: str
    unit_id: str | None
    user_name: str | None


# (store url, token_id) -> (info, secret hash, expiry by :data:`clock`)
_cache: dict[tuple[str, str], tuple[TokenInfo, str, float]] = {}
# (store url, token_id) -> last_used_ms as this process last wrote (or read) it
_used: dict[tuple[str, str], int] = {}
_lock = threading.Lock()


def _key(engine: sa.Engine, token_id: str) -> tuple[str, str]:
    return engine.url.render_as_string(hide_password=True), token_id


def _hash(secret: str) -> str:
    """SHA-256 hex of a token's secret (a random 256-bit secret needs no slow hash)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _label(label: str) -> str:
    label = str(label or "").strip()
    if len(label) > MAX_LABEL:
        msg = f"label: at most {MAX_LABEL} characters (got {len(label)})"
        raise ValueError(msg)
    return label


def clear_cache() -> None:
    """Forget every verified token of this process (as a new process would)."""
    with _lock:
        _cache.clear()
        _used.clear()


# --------------------------------------------------------------------------------------------
# Create, list, revoke


def _create(
    engine: sa.Engine,
    kind: str,
    *,
    unit_id: str | None,
    user_name: str | None,
    label: str,
    by: str | None,
    check: Callable[[sa.Connection], None],
) -> tuple[str, str]:
    label = _label(label)
    secret = secrets.token_urlsafe(32)
    now = access.now_ms()
    with engine.begin() as conn:
        check(conn)
        token_id = secrets.token_hex(5)
        while stored.token_row(conn, token_id) is not None:  # 1 in 10^12: draw again
            token_id = secrets.token_hex(5)
        stored.insert_token(
            conn,
            {
                "token_id": token_id,
                "kind": kind,
                "unit_id": unit_id,
                "user_name": user_name,
                "label": label,
                "secret_hash": _hash(secret),
                "created_ms": now,
                "created_by": None if by is None else str(by)[:64],
                "revoked_ms": None,
                "last_used_ms": None,
            },
        )
        detail: dict[str, Any] = {"kind": kind}
        detail["unit" if kind == "device" else "user_name"] = unit_id or user_name
        access.audit(conn, by, "token_create", token_id, now=now, label=label, **detail)
    return token_id, f"{TOKEN_PREFIX}_{token_id}_{secret}"


def _no_check(conn: sa.Connection) -> None:
    """A device's unit is checked before the transaction (a scoped read of the store)."""


def create_device_token(
    engine: sa.Engine, unit_id: str, *, label: str = "", by: str | None
) -> tuple[str, str]:
    """Make a token for the device of unit ``unit_id``: it may post that unit's fixes only.

    Returns ``(token_id, token)``; the token is shown once and never stored. ValueError for an
    empty or unknown unit or a label over :data:`MAX_LABEL` characters. Audited under ``by``.
    """
    unit_id = str(unit_id or "").strip()
    if not unit_id:
        msg = "unit_id: give the unit of the device"
        raise ValueError(msg)
    units = store.read(engine, "units", "all", columns=["unit_id"], where={"unit_id": [unit_id]})
    if units.empty:
        msg = f"unit_id: no unit {unit_id!r} in the store"
        raise ValueError(msg)
    return _create(
        engine, "device", unit_id=unit_id, user_name=None, label=label, by=by, check=_no_check
    )


def create_user_token(
    engine: sa.Engine, user_name: str, *, label: str = "", by: str | None
) -> tuple[str, str]:
    """Make a token for user ``user_name``: it reads what the user may read (role and areas).

    Returns ``(token_id, token)``; the token is shown once and never stored. ValueError for an
    unknown or disabled user or a label over :data:`MAX_LABEL` characters. Audited under ``by``.
    """
    user_name = str(user_name or "").strip()

    def check(conn: sa.Connection) -> None:
        row = accounts.user_row(conn, user_name)
        if row is None:
            msg = f"user: no user {user_name!r}"
            raise ValueError(msg)
        if row.disabled:
            msg = f"user: {user_name!r} is disabled"
            raise ValueError(msg)

    return _create(
        engine, "user", unit_id=None, user_name=user_name, label=label, by=by, check=check
    )


def list_tokens(engine: sa.Engine) -> pd.DataFrame:
    """Every token, newest first, never a secret or its hash.

    Columns: token_id, kind (``device``/``user``), unit_id, user_name, label, created,
    created_by, revoked, last_used (times tz-aware in the configured zone; NaT when never).
    """
    rows = stored.token_rows(engine)
    tz = get_settings().tz
    return rows[["token_id", "kind", "unit_id", "user_name", "label"]].assign(
        created=_times(rows["created_ms"], tz),
        created_by=rows["created_by"],
        revoked=_times(rows["revoked_ms"], tz),
        last_used=_times(rows["last_used_ms"], tz),
    )


def _times(values: pd.Series, tz: str) -> pd.Series:
    """Epoch milliseconds (None for never) -> tz-aware timestamps in ``tz`` (NaT for never)."""
    ms = pd.Series(values, dtype="float64")
    if ms.empty:
        return pd.Series(dtype=f"datetime64[ns, {tz}]")
    return store.ms_to_ts(ms, tz)


def revoke_token(
    engine: sa.Engine, token_id: str, *, by: str | None, kind: str | None = None
) -> None:
    """Revoke token ``token_id`` at once, audited under ``by``.

    This process forgets it now, other processes within :data:`CACHE_S` seconds.

    ValueError for an unknown token, one revoked already, or one not of ``kind`` when given.
    """
    token_id = str(token_id or "").strip()
    now = access.now_ms()
    with engine.begin() as conn:
        row = stored.token_row(conn, token_id)
        if row is None:
            msg = f"token_id: no token {token_id!r}"
            raise ValueError(msg)
        if kind is not None and row.kind != kind:
            msg = f"token_id: {token_id!r} is a {row.kind} token, not a {kind} token"
            raise ValueError(msg)
        if not stored.revoke(conn, token_id, now_ms=now):
            msg = f"token_id: {token_id!r} is revoked already"
            raise ValueError(msg)
        detail: dict[str, Any] = {"kind": row.kind}
        detail["unit" if row.kind == "device" else "user_name"] = row.unit_id or row.user_name
        access.audit(conn, by, "token_revoke", token_id, now=now, **detail)
    with _lock:
        for key in [k for k in _cache if k[1] == token_id]:
            del _cache[key]


def unit_choices(engine: sa.Engine) -> dict[str, str]:
    """Every stored unit for a picker: ``unit_id -> "name (unit_id)"``, by id."""
    units = store.read(engine, "units", "all", columns=["unit_id", "name"])
    units = units.sort_values("unit_id")
    return {
        str(u): f"{n} ({u})" if n and str(n) != str(u) else str(u)
        for u, n in zip(units["unit_id"], units["name"], strict=True)
    }


# --------------------------------------------------------------------------------------------
# Verify


def _load(engine: sa.Engine, token_id: str) -> tuple[TokenInfo, str, int | None]:
    """A valid token's info, secret hash and stored last use; PermissionError otherwise."""
    with engine.connect() as conn:
        row = stored.token_row(conn, token_id)
        if row is None:
            msg = "unknown token"
            raise PermissionError(msg)
        if row.revoked_ms is not None:
            msg = "revoked token"
            raise PermissionError(msg)
        if row.kind == "user":
            user = accounts.user_row(conn, row.user_name)
            if user is None or user.disabled or (user.demo and not get_settings().demo):
                msg = "the token's user is disabled or gone"
                raise PermissionError(msg)
    info = TokenInfo(row.token_id, row.kind, row.unit_id, row.user_name)
    return info, row.secret_hash, row.last_used_ms


def verify_token(engine: sa.Engine, token: str, *, kind: str | None = None) -> TokenInfo:
    """What ``token`` (``qy_<token_id>_<secret>``) stands for, if it is valid.

    PermissionError for no token, a malformed or unknown one, a wrong secret, a revoked token, a
    user token whose user is disabled or gone, or a token not of ``kind`` (``device``/``user``)
    when given. A valid token's row is kept in this process for at most :data:`CACHE_S` seconds;
    its ``last_used_ms`` is written at most once a minute.
    """
    if not token or not isinstance(token, str):
        msg = "no token"
        raise PermissionError(msg)
    m = _TOKEN.match(token.strip())
    if m is None:
        msg = "malformed token"
        raise PermissionError(msg)
    token_id, secret = m.group(1), m.group(2)
    key = _key(engine, token_id)
    now_s = clock()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[2] > now_s:
        info, secret_hash = hit[0], hit[1]
    else:
        info, secret_hash, last_used = _load(engine, token_id)
        with _lock:
            _cache[key] = (info, secret_hash, now_s + CACHE_S)
            if last_used is not None:
                _used[key] = max(_used.get(key, 0), int(last_used))
    if not hmac.compare_digest(_hash(secret), secret_hash):
        msg = "wrong token secret"
        raise PermissionError(msg)
    if kind is not None and info.kind != kind:
        msg = f"a {info.kind} token where a {kind} token is needed"
        raise PermissionError(msg)
    now = access.now_ms()
    with _lock:
        due = now - _used.get(key, -LAST_USED_EVERY_MS) >= LAST_USED_EVERY_MS
        if due:
            _used[key] = now
    if due:
        stored.mark_used(engine, token_id, now_ms=now)
    return info


def principal_of_token(engine: sa.Engine, info: TokenInfo) -> Principal:
    """The principal a user token reads as: its user's role and areas, read now.

    PermissionError for a device token (it reads nothing) or a user disabled or gone.
    """
    if info.kind != "user" or not info.user_name:
        msg = "a device token may only post its unit's fixes"
        raise PermissionError(msg)
    try:
        return access.principal_of(engine, info.user_name)
    except ValueError as e:
        raise PermissionError(str(e)) from None

"""Stored users and the audit trail: the rows behind :mod:`geo.services.access`.

Only this module reads and writes the ``users`` and ``audit`` tables. Password hashes are stored
(argon2id, made by the service) and never returned by a listing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo.store.engine import write_soon
from geo.store.tables import RECORD_TABLES, audit, users

__all__ = [
    "AUDIT_COLUMNS",
    "area_levels",
    "audit_rows",
    "count_attempt",
    "insert_audit",
    "insert_user",
    "list_users",
    "reset_attempts",
    "update_user",
    "user_names",
    "user_row",
]

AUDIT_COLUMNS = ["audit_id", "ts_ms", "user_name", "action", "what", "rows", "detail"]


def user_row(conn: sa.Connection, name: str) -> Any:
    """The stored row of user ``name`` (a SQLAlchemy Row), or None."""
    return conn.execute(sa.select(users).where(users.c.user_name == name)).first()


def user_names(engine: sa.Engine) -> set[str]:
    """Names of every stored user."""
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.select(users.c.user_name))}


def insert_user(
    conn: sa.Connection,
    *,
    name: str,
    role: str,
    areas: Sequence[str],
    password_hash: str,
    demo: bool,
    now_ms: int,
) -> None:
    """Store a new, enabled user without failed logins."""
    conn.execute(
        users.insert().values(
            user_name=name,
            role=role,
            areas=json.dumps(list(areas)),
            password_hash=password_hash,
            disabled=False,
            demo=demo,
            failed=0,
            locked_until_ms=None,
            created_ms=now_ms,
            password_ms=now_ms,
        )
    )


def update_user(conn: sa.Connection, name: str, **values: Any) -> None:
    """Set columns of user ``name`` (``areas`` as a list is stored as JSON)."""
    if "areas" in values:
        values["areas"] = json.dumps(list(values["areas"]))
    conn.execute(users.update().where(users.c.user_name == name).values(**values))


def count_attempt(
    conn: sa.Connection, name: str, *, now_ms: int, limit: int, lock_ms: int
) -> tuple[int, int | None] | None:
    """Count one login attempt of user ``name`` in one atomic statement, unless it is locked out.

    A single ``UPDATE ... RETURNING`` (SQLite >= 3.35 and PostgreSQL alike) reads the lockout and
    writes the count together, so that no other process or server slips in between: while
    ``locked_until_ms`` lies after ``now_ms`` nothing is counted; otherwise ``failed`` grows by
    one (starting again from zero once an earlier lockout has passed), and the attempt that
    reaches ``limit`` sets ``locked_until_ms`` to ``now_ms + lock_ms``. The caller counts every
    attempt before it checks the password, and resets the count on a success
    (:func:`reset_attempts`).

    Parameters
    ----------
    conn
        A connection inside a transaction.
    name
        The user's name.
    now_ms
        The attempt's time, epoch milliseconds.
    limit
        Failures in a row that lock the user out.
    lock_ms
        How long a lockout lasts, milliseconds.

    Returns
    -------
    tuple of (int, int or None), or None
        ``(failed, locked_until_ms)`` after this attempt, or None when the user is locked out
        (or does not exist): nothing was counted and the password must not be checked.
    """
    u = users
    passed = sa.and_(u.c.locked_until_ms.is_not(None), u.c.locked_until_ms <= now_ms)
    before = sa.case((passed, 0), else_=sa.func.coalesce(u.c.failed, 0))
    stmt = (
        u.update()
        .where(u.c.user_name == name)
        .where(sa.or_(u.c.locked_until_ms.is_(None), u.c.locked_until_ms <= now_ms))
        .values(
            failed=before + 1,
            locked_until_ms=sa.case(
                (before + 1 >= int(limit), sa.literal(int(now_ms) + int(lock_ms), sa.BigInteger)),
                else_=sa.null(),
            ),
        )
        .returning(u.c.failed, u.c.locked_until_ms)
    )
    row = conn.execute(stmt).first()
    return None if row is None else (int(row.failed), row.locked_until_ms)


def reset_attempts(conn: sa.Connection, name: str, **values: Any) -> None:
    """After a successful login: no failures counted and no lockout, in one ``UPDATE``.

    ``values`` are further columns to set with it (a rehashed ``password_hash``).
    """
    conn.execute(
        users.update()
        .where(users.c.user_name == name)
        .values(failed=0, locked_until_ms=None, **values)
    )


def list_users(engine: sa.Engine) -> list[Any]:
    """Every user's account row (no password hashes), ordered by name.

    Each row: name, role, areas (JSON text), disabled, demo, locked_until_ms and created_ms.
    """
    u = users
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(
                    u.c.user_name,
                    u.c.role,
                    u.c.areas,
                    u.c.disabled,
                    u.c.demo,
                    u.c.locked_until_ms,
                    u.c.created_ms,
                ).order_by(u.c.user_name)
            ).all()
        )


def area_levels(conn: sa.Connection, ids: Sequence[str]) -> tuple[dict[str, str], bool]:
    """``({area_id: level}`` of the stored ``ids``, whether any area is stored at all)."""
    a = RECORD_TABLES["areas"]
    known = {
        r[0]: r[1]
        for r in conn.execute(sa.select(a.c.area_id, a.c.level).where(a.c.area_id.in_(list(ids))))
    }
    any_area = conn.execute(sa.select(a.c.area_id).limit(1)).first() is not None
    return known, any_area


def insert_audit(target: sa.Engine | sa.Connection, values: dict[str, Any]) -> None:
    """Store one audit row, in ``target``'s transaction when it is a connection.

    Otherwise the row is stored on its own through :func:`geo.store.engine.write_soon` (never
    kept waiting behind an import).
    """
    if isinstance(target, sa.Engine):
        write_soon(target, lambda conn: conn.execute(audit.insert().values(**values)))
    else:
        target.execute(audit.insert().values(**values))


def audit_rows(
    engine: sa.Engine,
    *,
    user: str | None = None,
    actions: Sequence[str] | None = None,
    start_ms: int | None = None,
    end_ms: int | None = None,
    text: str | None = None,
    limit: int = 2000,
) -> pd.DataFrame:
    """Audit rows, newest first, with :data:`AUDIT_COLUMNS`.

    Rows with ``ts_ms`` in ``[start_ms, end_ms)``; ``text`` matches ``what`` as a bound LIKE with
    its wildcards escaped.
    """
    a = audit
    stmt = sa.select(a).order_by(a.c.ts_ms.desc(), a.c.audit_id.desc()).limit(int(limit))
    if user:
        stmt = stmt.where(a.c.user_name == user)
    if actions:
        stmt = stmt.where(a.c.action.in_(list(actions)))
    if start_ms is not None:
        stmt = stmt.where(a.c.ts_ms >= int(start_ms))
    if end_ms is not None:
        stmt = stmt.where(a.c.ts_ms < int(end_ms))
    if text:
        esc = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(a.c.what.like(f"%{esc}%", escape="\\"))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).all(), columns=AUDIT_COLUMNS)

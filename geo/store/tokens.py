"""Stored API tokens: the rows behind :mod:`geo.services.tokens`.

Only this module reads and writes the ``api_tokens`` table. A row keeps the SHA-256 of a token's
secret (made by the service), never the secret; :func:`token_rows` lists tokens without it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo.store.engine import write_soon
from geo.store.tables import api_tokens

__all__ = ["TOKEN_COLUMNS", "insert_token", "mark_used", "revoke", "token_row", "token_rows"]

# what a listing returns: every column but the secret's hash
TOKEN_COLUMNS = [
    "token_id",
    "kind",
    "unit_id",
    "user_name",
    "label",
    "created_ms",
    "created_by",
    "revoked_ms",
    "last_used_ms",
]


def insert_token(conn: sa.Connection, values: dict[str, Any]) -> None:
    """Store a new token row (``values``: the table's columns) in ``conn``'s transaction."""
    conn.execute(api_tokens.insert().values(**values))


def token_row(conn: sa.Connection, token_id: str) -> Any:
    """The stored row of token ``token_id`` (with its secret's hash), or None."""
    return conn.execute(sa.select(api_tokens).where(api_tokens.c.token_id == token_id)).first()


def token_rows(engine: sa.Engine) -> pd.DataFrame:
    """Every token with :data:`TOKEN_COLUMNS` (no hash), newest first (times in epoch ms)."""
    t = api_tokens
    stmt = sa.select(*(t.c[c] for c in TOKEN_COLUMNS)).order_by(t.c.created_ms.desc(), t.c.token_id)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).all(), columns=TOKEN_COLUMNS)


def revoke(conn: sa.Connection, token_id: str, *, now_ms: int) -> bool:
    """Set ``revoked_ms`` of token ``token_id`` unless it is revoked already; True when set."""
    t = api_tokens
    done = conn.execute(
        t.update()
        .where(t.c.token_id == token_id)
        .where(t.c.revoked_ms.is_(None))
        .values(revoked_ms=int(now_ms))
    )
    return bool(done.rowcount)


def mark_used(engine: sa.Engine, token_id: str, *, now_ms: int) -> None:
    """Record that token ``token_id`` was used at ``now_ms`` (epoch ms).

    Written on its own, never kept waiting (:func:`geo.store.engine.write_soon`).
    """
    t = api_tokens
    stmt = t.update().where(t.c.token_id == token_id).values(last_used_ms=int(now_ms))
    write_soon(engine, lambda conn: conn.execute(stmt))

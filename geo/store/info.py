"""Small stored values (settings users edit, the demo marker), row counts and the import history."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo.store.tables import RECORD_TABLES, imports, meta
from geo.store.values import ms_to_ts

__all__ = ["counts", "data_period", "get_meta", "import_history", "is_demo", "set_meta"]


def set_meta(conn: sa.Connection, name: str, value: object) -> None:
    """Store a small JSON value under ``name``."""
    conn.execute(meta.delete().where(meta.c.name == name))
    conn.execute(meta.insert().values(name=name, value=json.dumps(value, ensure_ascii=False)))


def get_meta(engine_or_conn: sa.Engine | sa.Connection, name: str, default: object = None) -> Any:
    """The JSON value stored under ``name``, or ``default``."""
    stmt = sa.select(meta.c.value).where(meta.c.name == name)
    if isinstance(engine_or_conn, sa.Engine):
        with engine_or_conn.connect() as conn:
            row = conn.execute(stmt).first()
    else:
        row = engine_or_conn.execute(stmt).first()
    return json.loads(row[0]) if row else default


def counts(engine: sa.Engine) -> dict[str, int]:
    """Row count of every record table (for status lines and tests)."""
    with engine.connect() as conn:
        return {
            name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for name, t in RECORD_TABLES.items()
        }


def import_history(engine: sa.Engine) -> pd.DataFrame:
    """Every import, newest first."""
    with engine.connect() as conn:
        return pd.read_sql(sa.select(imports).order_by(imports.c.import_id.desc()), conn)


def is_demo(engine: sa.Engine) -> bool:
    """True while the demo city is loaded in this store (pages and briefings then say so)."""
    return get_meta(engine, "demo") is not None


def data_period(engine: sa.Engine, tz: str) -> tuple[str, str] | None:
    """First and last local dates (YYYY-MM-DD) of the stored incidents and shifts.

    Incidents flagged outside every area are left out.

    None when the store holds neither.
    """
    lo, hi = [], []
    for kind, col in (("incidents", "ts"), ("shifts", "start")):
        t = RECORD_TABLES[kind]
        c = t.c[col]
        stmt = sa.select(sa.func.min(c), sa.func.max(c))
        if "outside" in t.c:  # records outside every area are counted nowhere
            stmt = stmt.where(sa.not_(t.c.outside))
        with engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row and row[0] is not None:
            lo.append(row[0])
            hi.append(row[1])
    if not lo:
        return None
    first, last = ms_to_ts(pd.Series([min(lo), max(hi)], dtype="int64"), tz).dt.date
    return first.isoformat(), last.isoformat()

"""Where the rows of a rollup job go: the store (one transaction), or a fingerprint (benchmarks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import pandas as pd
import sqlalchemy as sa

from geo.engines._job import digest

__all__ = ["DigestSink", "Sink", "StoreSink"]

_TABLES = ("coverage", "stops", "track_quality")


class Sink(Protocol):
    """Receives the rows of one bucket at a time, in whatever order the buckets finish."""

    def write(self, rows: dict[str, Any]) -> None:
        """Take ``rows["coverage"]``, ``rows["stops"]`` and ``rows["track_quality"]``."""


class StoreSink:
    """Writes the rollups into the store, replacing those of the same shifts, in one transaction.

    Use as a context manager: the rows are committed when the block ends without an error and
    rolled back otherwise, so a failed job leaves the store as it was.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._tx: Any = None
        self.conn: sa.Connection | None = None
        self.rows = dict.fromkeys(_TABLES, 0)

    def __enter__(self) -> StoreSink:
        self._tx = self.engine.begin()
        self.conn = self._tx.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        tx, self._tx, self.conn = self._tx, None, None
        tx.__exit__(*exc)

    def write(self, rows: dict[str, Any]) -> None:
        """Delete the rollups of the bucket's shifts, then insert the new rows."""
        from geo import store

        if self.conn is None:
            msg = "StoreSink.write outside its with-block"
            raise RuntimeError(msg)
        ids = rows["track_quality"]["shift_id"].astype(str).tolist()
        tables = {"coverage": store.coverage, "stops": store.stops,
                  "track_quality": store.track_quality}
        for i in range(0, len(ids), 5000):
            chunk = ids[i:i + 5000]
            for t in tables.values():
                self.conn.execute(t.delete().where(t.c.shift_id.in_(chunk)))
        for name, table in tables.items():
            frame = rows[name]
            if len(frame):
                _insert(self.conn, table, frame)
                self.rows[name] += len(frame)


def _python_columns(frame: pd.DataFrame) -> list[Sequence[Any]]:
    """Columns as lists of plain Python values (dates as ``datetime.date``)."""
    out: list[Sequence[Any]] = []
    for c in frame.columns:
        col = frame[c]
        if c == "date":
            out.append(list(pd.to_datetime(col).dt.date))
        elif col.dtype == object:
            out.append(col.astype(str).tolist())
        else:
            out.append(col.to_numpy().tolist())
    return out


def _insert(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame, chunk: int = 50_000) -> None:
    names = list(frame.columns)
    if conn.dialect.name == "postgresql":
        _copy(conn, table, frame)
        return
    cols = _python_columns(frame)
    rows = list(zip(*cols, strict=True))
    for i in range(0, len(rows), chunk):
        conn.execute(table.insert(), [dict(zip(names, r, strict=True))
                                      for r in rows[i:i + chunk]])


def _copy(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    """PostgreSQL COPY ... FROM STDIN: an order of magnitude faster than INSERTs."""
    names = list(frame.columns)
    cols = _python_columns(frame)
    raw = conn.connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cur:  # type: ignore[attr-defined]
        quoted = ", ".join(f'"{n}"' for n in names)
        with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in zip(*cols, strict=True):
                copy.write_row(row)


class DigestSink:
    """Keeps only an order-free fingerprint and totals of the rows (for benchmarks and tests).

    The fingerprints are taken where the rows are made (``summarise_on_worker``): only they
    travel back from a Dask worker.
    """

    summarise_on_worker = True

    def __init__(self) -> None:
        self.digests = dict.fromkeys(_TABLES, 0)
        self.rows = dict.fromkeys(_TABLES, 0)
        self.dwell_s = 0.0

    def write(self, rows: dict[str, Any]) -> None:
        """Fold the bucket's fingerprints (or rows) into the totals."""
        for name in _TABLES:
            if "digests" in rows:
                d, n = rows["digests"][name], rows["counts"][name]
            else:
                d, n = digest(rows[name]), len(rows[name])
            self.digests[name] = (self.digests[name] + d) % (1 << 64)
            self.rows[name] += n
        self.dwell_s += float(rows["dwell_s"])

    def result(self) -> dict[str, Any]:
        """Fingerprints (hex) and row counts."""
        return {"digests": {k: f"{v:016x}" for k, v in self.digests.items()},
                "rows": dict(self.rows)}

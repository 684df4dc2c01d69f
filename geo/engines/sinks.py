"""Where the rows of a rollup job go: the store (one transaction), or a fingerprint (benchmarks)."""

from __future__ import annotations

from typing import Any, Protocol

import sqlalchemy as sa

from geo.engines._job import digest
from geo.store import rollups

__all__ = ["DigestSink", "Sink", "StoreSink"]

_TABLES = rollups.TABLES


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
        """Replace the rollups of the bucket's shifts by its rows."""
        if self.conn is None:
            msg = "StoreSink.write outside its with-block"
            raise RuntimeError(msg)
        for name, n in rollups.replace(self.conn, rows).items():
            self.rows[name] += n


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
        return {
            "digests": {k: f"{v:016x}" for k, v in self.digests.items()},
            "rows": dict(self.rows),
        }

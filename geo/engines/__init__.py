"""Batch rollups of archive-size GPS logs: one interface, a local and a Dask engine.

>>> from geo.engines import open_engine, rollup_files          # doctest: +SKIP
>>> with open_engine("dask", workers=2) as eng:                 # doctest: +SKIP
...     summary = rollup_files(eng, "/data/pings/day=*/*.parquet", db=store.connect())

Input: a glob of Parquet or CSV ping files (partitioned by day, by unit or any other way), with
the columns of the pings kind (zh/en header aliases as for import): ``shift_id`` or ``unit_id``,
``ts``, ``lat``, ``lng``; ``speed`` and ``accuracy`` may be present and are not used. Times with
a zone are instants; naive times are local (QY_TZ), as import reads them. Coordinates are WGS-84
unless ``crs`` says otherwise (``gcj02``, ``bd09``, ``EPSG:...``); fixes outside QY_REGION or
without time, position or track are rejected and counted.

Tracks: a fix with a shift id belongs to that shift; a fix with only a unit id to the shift of
that unit running at its time (from the store's shifts, or ``shifts_file``), else to the unit's
duty day ``UNIT@YYYY-MM-DD`` (the local date of the fix minus the night's end hour, so a night
patrol is one track). Unit kinds come from the store (shifts joined to units, and units) and from
``shifts_file`` (CSV/XLSX/Parquet: ``shift_id`` or ``unit_id``, ``unit_kind``, optionally
``start``/``end``); a track without one is ``"unknown"``.

Output: the same rows as the store keeps per shift after an import (tables ``coverage``,
``stops``, ``track_quality``), replacing those of the same shifts, in one transaction. A shift's
rollup is computed from the files alone, so the files must hold all of a shift's fixes.

See :mod:`geo.engines._job` for how partitions are split, stitched and rolled up so that the
result does not depend on the engine, the workers or the partitioning.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from geo.engines._job import Job, plan_job
from geo.engines.base import Engine
from geo.engines.dask_engine import DaskEngine
from geo.engines.local import LocalEngine
from geo.engines.sinks import DigestSink, Sink, StoreSink

__all__ = [
    "ENGINES",
    "DigestSink",
    "Engine",
    "Job",
    "LocalEngine",
    "Sink",
    "StoreSink",
    "open_engine",
    "plan_job",
    "rollup_files",
]

ENGINES = ("local", "dask")


def open_engine(
    name: str = "local", *, scheduler: str | None = None, workers: int | None = None
) -> Engine:
    """An engine by name: ``"local"`` or ``"dask"``.

    For ``"dask"``: a ``scheduler`` address, or ``workers`` local processes (2 by default). Close
    it (or use ``with``) to stop a cluster it started.
    """
    if name == "local":
        if scheduler or workers:
            msg = "--scheduler and --workers go with --engine dask"
            raise ValueError(msg)
        return LocalEngine()
    if name == "dask":
        if scheduler and workers:
            msg = "give either --scheduler or --workers, not both"
            raise ValueError(msg)
        return DaskEngine(scheduler=scheduler, workers=workers or 2)
    msg = f"unknown engine {name!r}; expected one of {', '.join(ENGINES)}"
    raise ValueError(msg)


def rollup_files(
    engine: Engine,
    pattern: str,
    *,
    db: sa.Engine | None = None,
    sink: Sink | None = None,
    shifts_file: str | None = None,
    spill_dir: str | None = None,
    crs: str = "wgs84",
    progress: bool = True,
    **plan: Any,
) -> dict[str, Any]:
    """Roll up the ping files matching ``pattern`` with ``engine`` into the store ``db``.

    ``sink`` replaces the store (e.g. :class:`DigestSink`); unit kinds are still read from
    ``db`` when it is given. Raises ValueError on bad input (no file matches, a file lacks
    columns, ...). Returns the job summary.
    """
    job = plan_job(
        pattern, engine=db, shifts_file=shifts_file, spill_dir=spill_dir, crs=crs, **plan
    )
    if sink is not None:
        return engine.rollup(job, sink, progress=progress)
    if db is None:
        msg = "rollup_files needs a store (db) or a sink"
        raise ValueError(msg)
    with StoreSink(db) as store_sink:
        return engine.rollup(job, store_sink, progress=progress)

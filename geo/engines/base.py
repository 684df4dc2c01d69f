"""The engine interface: a rollup job (plan, pass 1 per file, pass 2 per bucket) over any executor.

An engine only decides *where* the task functions of :mod:`geo.engines._job` run: in this process
(:class:`geo.engines.local.LocalEngine`) or on a Dask cluster
(:class:`geo.engines.dask_engine.DaskEngine`). The tasks, their inputs and therefore their results
are the same, so both engines write the same rows.
"""

from __future__ import annotations

import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from tqdm import tqdm

from geo.engines import _job
from geo.engines.sinks import Sink

__all__ = ["Engine"]

Task = tuple[Callable[..., Any], tuple[Any, ...]]


class Engine(ABC):
    """Runs rollup jobs. Subclasses implement :meth:`_run_tasks`; use as a context manager."""

    name = "engine"

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the engine's resources (a cluster it started)."""

    @property
    def workers(self) -> int:
        """Processes (or threads) that run tasks at once."""
        return 1

    @abstractmethod
    def _run_tasks(
        self, fn: Callable[..., Any], job: _job.Job, args: Sequence[tuple[Any, ...]]
    ) -> Iterator[Any]:
        """Run ``fn(job, *a)`` for every ``a`` in ``args``; yield results as they finish."""

    def rollup(self, job: _job.Job, sink: Sink, *, progress: bool = True) -> dict[str, Any]:
        """Run ``job``: split every file into buckets, roll every bucket up into ``sink``.

        Returns a summary: files, pings read / used / rejected, shifts, buckets, batches, rows
        per table, dwell hours, seconds per pass.
        """
        bar = _bar(len(job.files), progress)
        t0 = time.perf_counter()
        spill: dict[int, list[str]] = {}
        read = kept = rejected = 0
        try:
            bar.set_description("split")
            for res in self._run_tasks(_job.split_file, job, [(i,) for i in range(len(job.files))]):
                read += res["read"]
                kept += res["kept"]
                rejected += res["rejected"]
                for b, paths in res["spill"].items():
                    spill.setdefault(int(b), []).extend(paths)
                bar.update(1)
            t1 = time.perf_counter()
            buckets = sorted(spill)
            bar.total = len(job.files) + len(buckets)
            bar.set_description("rollup")
            bar.refresh()
            shifts = batches = used = 0
            dwell_s = 0.0
            rows = dict.fromkeys(_job.TABLES, 0)
            summarise = bool(getattr(sink, "summarise_on_worker", False))
            for res in self._run_tasks(
                _job.roll_bucket, job, [(b, spill[b], summarise) for b in buckets]
            ):
                sink.write(res)
                shifts += res["shifts"]
                batches += res["batches"]
                used += res["pings"]
                dwell_s += res["dwell_s"]
                for k in rows:
                    rows[k] += res["counts"][k]
                bar.update(1)
            t2 = time.perf_counter()
        finally:
            bar.close()
            _job.remove_spill(job)
        return {
            "engine": self.name,
            "workers": self.workers,
            "files": len(job.files),
            "pings_read": read,
            "pings": used,
            "rejected": rejected,
            "shifts": shifts,
            "buckets": len(buckets),
            "batches": batches,
            "rows": rows,
            "dwell_h": round(dwell_s / 3600.0, 1),
            "split_s": round(t1 - t0, 2),
            "rollup_s": round(t2 - t1, 2),
        }


def _bar(total: int, enabled: bool) -> Any:
    return tqdm(
        total=total,
        unit="task",
        file=sys.stderr,
        disable=not enabled,
        leave=False,
        dynamic_ncols=True,
    )

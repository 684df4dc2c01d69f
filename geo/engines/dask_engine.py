"""The Dask engine: the rollup tasks run on a dask.distributed cluster.

Either an existing scheduler (``scheduler="tcp://host:8786"``; the workers must see the input
files and the spill folder at the same paths as the client, e.g. on NFS) or a
:class:`distributed.LocalCluster` of ``workers`` processes started here and stopped by
:meth:`DaskEngine.close`.

A worker runs one task per thread, and a task runs the numeric kernels of :mod:`geo.domain.coverage`
on that one thread: the parallelism is Dask's (processes x threads), never threads started under it,
so N single-threaded workers use N cores and no more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from geo.domain import hexes
from geo.engines import _job
from geo.engines.base import Engine

__all__ = ["DaskEngine"]


def _single_threaded_kernels() -> None:
    """Make geo.domain.hexes and geo.domain.coverage run on the calling thread only.

    Done once per worker process.
    """
    if getattr(hexes, "_engine_single_thread", False):
        return
    hexes._n_workers = lambda: 1  # read by geo.domain.coverage before it fans out over its pool
    hexes._engine_single_thread = True  # type: ignore[attr-defined]


def _on_worker(fn: Callable[..., Any], job: _job.Job, *args: Any) -> Any:
    _single_threaded_kernels()
    return fn(job, *args)


class DaskEngine(Engine):
    """Runs the tasks on a Dask cluster: ``scheduler`` address, or a local one of ``workers``."""

    name = "dask"

    def __init__(
        self,
        *,
        scheduler: str | None = None,
        workers: int = 2,
        memory_limit: str | float | int | None = "auto",
    ) -> None:
        # heavy (Dask's distributed): loaded only when a Dask engine is opened
        from distributed import Client, LocalCluster

        self.cluster: Any = None
        if scheduler:
            self.client = Client(scheduler, timeout="30s")
        else:
            if workers < 1:
                msg = f"--workers must be at least 1, got {workers}"
                raise ValueError(msg)
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
                memory_limit=memory_limit,
            )
            self.client = Client(self.cluster)
        self._job_key: tuple[int, Any] | None = None

    @property
    def workers(self) -> int:
        """Task slots of the cluster (worker threads)."""
        info = self.client.scheduler_info()
        return int(sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def close(self) -> None:
        """Close the client and stop the cluster this engine started."""
        self._job_key = None
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def _job_future(self, job: _job.Job) -> Any:
        if self._job_key is None or self._job_key[0] != id(job):
            fut = self.client.scatter(job, broadcast=True, hash=False)
            self._job_key = (id(job), fut)
        return self._job_key[1]

    def _run_tasks(
        self, fn: Callable[..., Any], job: _job.Job, args: Sequence[tuple[Any, ...]]
    ) -> Iterator[Any]:
        # distributed is loaded with the Dask engine only
        from distributed import as_completed

        job_f = self._job_future(job)
        futures = [self.client.submit(_on_worker, fn, job_f, *a, pure=False) for a in args]
        try:
            for fut in as_completed(futures):
                res = fut.result()
                fut.release()
                yield res
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def run(self, fn: Callable[..., Any]) -> dict[str, Any]:
        """Run ``fn()`` once on every worker: ``{worker address: result}`` (benchmarks)."""
        return self.client.run(fn)

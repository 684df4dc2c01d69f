"""The local engine: the rollup tasks run one after the other in this process (pandas/numpy).

The numeric kernels of :mod:`geo.domain.coverage` keep their own threads (all cores), as in the app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from geo.engines import _job
from geo.engines.base import Engine

__all__ = ["LocalEngine"]


class LocalEngine(Engine):
    """Runs every task in this process, one at a time: memory is that of one task."""

    name = "local"

    def _run_tasks(
        self, fn: Callable[..., Any], job: _job.Job, args: Sequence[tuple[Any, ...]]
    ) -> Iterator[Any]:
        for a in args:
            yield fn(job, *a)

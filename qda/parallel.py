"""Running a pure stage over batches: here, in worker processes, or on a Dask cluster.

Segmentation and rules coding are pure functions of plain data, so they can run
anywhere; the project file is written by the calling process alone. Work is cut into
batches of documents or segments (never spaCy's own ``n_process``, which ships Docs
back and is many times slower here), each batch is one task, and each task returns
plain tuples. Results come back in the order of the batches, so a parallel run gives
exactly the serial run's results.

- ``workers=N`` (N > 1): a ``concurrent.futures.ProcessPoolExecutor`` on this machine.
- ``scheduler="tcp://host:8786"``: the tasks go to a running Dask distributed cluster
  (``pip install 'qda[dask]'``; start one with ``dask scheduler`` and ``dask worker
  ADDRESS`` on each machine). Workers need qda and its spaCy data installed; they
  receive the texts, never the project.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from qda.errors import InputError

__all__ = ["Runner", "batched"]

T = TypeVar("T")


def batched(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """``items`` cut into consecutive batches of at most ``size``."""
    return [items[i : i + size] for i in range(0, len(items), size)]


class Runner:
    """Maps a module-level function over tasks: serially, in processes, or on Dask.

    ``Runner()`` runs in this process; ``Runner(workers=4)`` in four worker processes;
    ``Runner(scheduler="tcp://10.0.0.5:8786")`` on a Dask cluster. Use it as a context
    manager so pools and connections are closed.
    """

    def __init__(self, *, workers: int | None = None, scheduler: str | None = None):
        if workers is not None and workers < 1:
            raise InputError(f"--workers must be 1 or more, not {workers}")
        if workers is not None and scheduler:
            raise InputError("give either --workers or --scheduler, not both")
        self.workers = workers if workers and workers > 1 else None
        self.scheduler = scheduler or None
        self._pool: ProcessPoolExecutor | None = None
        self._client = None

    @property
    def parallel(self) -> bool:
        return bool(self.workers or self.scheduler)

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def map(self, fn: Callable[[Any], T], tasks: Iterable[Any]) -> Iterator[T]:
        """``fn(task)`` for each task, results in task order."""
        if self.scheduler:
            client = self._dask()
            futures = client.map(fn, list(tasks), pure=False)
            try:
                for future in futures:
                    yield future.result()
            finally:
                client.cancel(futures)
            return
        if self.workers:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.workers)
            yield from self._pool.map(fn, tasks)
            return
        for task in tasks:
            yield fn(task)

    def _dask(self):
        if self._client is None:
            try:
                from distributed import Client
            except ImportError as exc:
                raise InputError("--scheduler needs Dask: pip install 'qda[dask]'") from exc
            try:
                self._client = Client(self.scheduler, timeout=os.environ.get("QDA_DASK_TIMEOUT", "10s"))
            except (OSError, TimeoutError) as exc:
                raise InputError(
                    f"cannot reach the Dask scheduler at {self.scheduler}: {exc}; "
                    "start one with `dask scheduler` (and `dask worker ADDRESS` "
                    "on each machine) or check the address"
                ) from exc
        return self._client

"""The project, owned by one thread: SQLite connections stay in the thread that opened
them, and one writer at a time keeps each request one transaction of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from qda.project import Project

T = TypeVar("T")


class ProjectWorker:
    """Runs ``fn(project, ...)`` in the one thread that holds the open project."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qda-project")
        self._project: Project | None = None

    def _run(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        if self._project is None:
            from qda.project import Project

            self._project = Project.open(self.path)
        return fn(self._project, *args, **kw)

    async def __call__(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: self._run(fn, *args, **kw))

    def open_now(self) -> None:
        """Open the project at once (so a bad project fails before the address is printed)."""
        self._pool.submit(self._run, lambda p: None).result()

    def close(self) -> None:
        def shut(_):
            if self._project is not None:
                self._project.close()
                self._project = None

        self._pool.submit(shut, None).result()
        self._pool.shutdown(wait=True)

"""Backups and restore, and checking the project file.

Part of :class:`qda.Project`. Automatic backups are made before a migration (by the store, when the file is
opened), before destructive codebook edits (merge, delete, a load that removes
codes) and before a restore; other parts call ``_backup_before`` (in :mod:`.base`) before
theirs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

import pandas as pd

from qda.errors import InputError
from qda.project._util import _who
from qda.project.base import ProjectBase
from qda.store import Store


class Backups(ProjectBase):
    def backup(self, reason: str = "manual", *, out: str | Path | None = None) -> Path:
        """Copy the project as it is now (committed work) with SQLite's online backup API:
        to ``out``, or into ``<project>.backups/`` with a timestamped name (then only the
        :attr:`backup_limit` most recent automatic backups are kept). Returns the copy.
        Safe while other processes use the project. Not inside a transaction."""
        return self._store.backup(reason, out=out)

    def backups(self) -> pd.DataFrame:
        """The automatic backups, oldest first: ``file, at, reason, bytes``."""
        return self._store.backups()

    @property
    def backup_limit(self) -> int:
        """How many automatic backups are kept (setting ``backup_limit``, default 10)."""
        return self._store.backup_limit

    def set_backup_limit(self, n: int, *, who: str | None = None) -> None:
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise InputError(f"the number of backups to keep is a whole number from 1, not {n!r}")
        with self._store.transaction():
            self._store.set_setting("backup_limit", n)
            self._store.record(
                who=_who(who), action="set", entity="setting", entity_id="backup_limit", detail={"value": n}
            )

    @classmethod
    def restore(cls, path: str | Path, source: str | Path, **kw: Any) -> tuple[Self, Path | None]:
        """Replace the project at ``path`` by the backup ``source`` (checked first: a whole
        qda project, integrity ok). The current state is backed up first (a damaged file is
        moved into the backups folder instead). Returns the restored project, open, and
        where the previous state was kept."""
        store, kept = Store.restore(path, source)
        return cls(store, **kw), kept

    def check(self) -> str:
        """SQLite's full ``PRAGMA integrity_check``: ``"ok"`` or what is wrong."""
        return self._store.integrity_check()

    @property
    def warnings(self) -> list[str]:
        """What the person opening the project should know (e.g. a network filesystem)."""
        return list(self._store.warnings)

    @property
    def read_only(self) -> str | None:
        """Why the project cannot be changed (None: it can)."""
        return self._store.read_only

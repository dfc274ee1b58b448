"""Atomic file writes: write beside the target, then rename over it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qda.errors import InputError

__all__ = ["atomic_path"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success it replaces ``target``."""
    target = Path(target)
    if not target.parent.exists():
        raise InputError(f"{target}: folder {target.parent} does not exist; create it first")
    if target.is_dir():
        raise InputError(
            f"{target}: is a folder, so a file cannot be written there; "
            "rename or remove the folder, or write somewhere else"
        )
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    except OSError as exc:
        raise InputError(
            f"{target}: cannot write in {target.parent} ({exc.strerror}); choose a folder you can write to"
        ) from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); give it the mode a plain open() would
        # (or the mode of the file it replaces), so exports can be shared as usual.
        os.chmod(tmp_path, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask())
        # On disk before the rename, so a power cut cannot leave a renamed empty file.
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    except PermissionError as exc:
        raise InputError(
            f"{target}: cannot be written ({exc.strerror}); is it open in another "
            "program such as Excel? Close it and try again"
        ) from exc
    except IsADirectoryError as exc:  # made a folder while we wrote
        raise InputError(
            f"{target}: is a folder, so a file cannot be written there; "
            "rename or remove the folder, or write somewhere else"
        ) from exc
    except OSError as exc:  # a full disk, a filesystem gone read-only...
        raise InputError(
            f"{target}: cannot be written ({exc.strerror or exc}); the file "
            "you had is unchanged. Check the disk has space and try again"
        ) from exc
    finally:
        if tmp_path.exists():
            tmp_path.unlink()

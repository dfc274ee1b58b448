"""Zoom / Teams / Otter plain-text exports, asked for by name (``--format transcript-export``).

The text reader already recognises them (``[00:01:02] Name:``, ``00:01:02 Name:``,
``Name  0:02`` on its own line): see :mod:`qda.ingest.speakers`. Asking by name adds
one check, that the file really has timestamped speaker labels.
"""

from __future__ import annotations

from pathlib import Path

from qda.errors import InputError
from qda.ingest.source import ReadOptions, SourceDocument
from qda.ingest.text import read_text

__all__ = ["read_export"]


def read_export(path: Path, data: bytes, options: ReadOptions) -> SourceDocument:
    doc = read_text(path, data, options)
    if not any(t.begin_time is not None for t in doc.turns):
        raise InputError(
            f"{path}: has no timestamped speaker lines ('[00:01:02] Name: text', "
            "'00:01:02 Name: text' or 'Name  0:02' above the words); read it with "
            "--format text instead"
        )
    doc.format = "transcript-export"
    return doc

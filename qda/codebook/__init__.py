"""The codebook: the model (:mod:`.model`) and one module per file format.

:func:`load_codebook` and :func:`save_codebook` pick the format by the file's
extension: YAML (``.yaml``/``.yml``, the format in ``codebooks/``, described by
``codebooks/codebook.schema.json``), Excel (``.xlsx``, one row per code) and
REFI-QDA (``.qdc``; a ``.qdpx`` project's codebook can be loaded too).
"""

from __future__ import annotations

from pathlib import Path

from qda.codebook.model import Code, Codebook
from qda.codebook.qdc import read_codebook_qdc, write_codebook_qdc
from qda.codebook.xlsx import read_codebook_xlsx, write_codebook_xlsx
from qda.codebook.yamlfile import read_codebook_yaml
from qda.errors import CodebookError

__all__ = [
    "Code",
    "Codebook",
    "load_codebook",
    "save_codebook",
    "read_codebook_yaml",
    "read_codebook_xlsx",
    "write_codebook_xlsx",
    "read_codebook_qdc",
    "write_codebook_qdc",
    "CODEBOOK_FORMATS",
]

_READERS = {
    ".yaml": read_codebook_yaml,
    ".yml": read_codebook_yaml,
    ".xlsx": read_codebook_xlsx,
    ".qdc": read_codebook_qdc,
    ".qdpx": read_codebook_qdc,
}
_WRITERS = {
    ".yaml": Codebook.to_yaml,
    ".yml": Codebook.to_yaml,
    ".xlsx": write_codebook_xlsx,
    ".qdc": write_codebook_qdc,
}
CODEBOOK_FORMATS = ".yaml, .yml, .xlsx, .qdc"


def load_codebook(path: str | Path) -> Codebook:
    """Load a codebook file: YAML, Excel (.xlsx) or REFI-QDA (.qdc, or a .qdpx's codebook)."""
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        got = path.suffix or "a file without extension"
        raise CodebookError(
            f"{path}: codebooks are read from {CODEBOOK_FORMATS} (or a .qdpx "
            f"project), not {got}; name the file by its format"
        )
    return reader(path)


def save_codebook(codebook: Codebook, path: str | Path) -> Path:
    """Write a codebook in the format its extension names (.yaml/.yml, .xlsx, .qdc).

    The file is written beside the target and renamed into place, so a failed
    write never leaves half a codebook.
    """
    from qda.files import atomic_path

    path = Path(path)
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        got = path.suffix or "a file without extension"
        raise CodebookError(
            f"{path}: codebooks are written as {CODEBOOK_FORMATS}, not {got}; "
            "name the file by the format you want"
        )
    with atomic_path(path) as tmp:
        writer(codebook, tmp)
    return path

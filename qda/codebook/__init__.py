"""The codebook: the model (:mod:`.model`) and one module per file format.

:func:`load_codebook` picks the reader by the file's extension.
"""

from __future__ import annotations

from pathlib import Path

from qda.codebook.model import Code, Codebook
from qda.codebook.yamlfile import read_codebook_yaml
from qda.errors import CodebookError

__all__ = ["Code", "Codebook", "load_codebook", "read_codebook_yaml"]


def load_codebook(path: str | Path) -> Codebook:
    """Load a codebook file (YAML; more formats come by extension)."""
    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        got = path.suffix or "a file without extension"
        raise CodebookError(f"{path}: codebooks are read from YAML (.yaml or .yml), not {got}")
    return read_codebook_yaml(path)

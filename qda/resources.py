"""Where the bundled sample and default codebook are, installed or not.

A wheel carries them inside the package (``qda/_bundled/``); an editable install
or a checkout reads them from the repository's ``data/`` and ``codebooks/``.
"""

from __future__ import annotations

from pathlib import Path

from qda.errors import QdaError

__all__ = ["codebook_schema", "default_codebook", "sample_coding", "sample_dir"]

_PACKAGE = Path(__file__).resolve().parent


def _find(bundled: str, repo: str) -> Path:
    for candidate in (_PACKAGE / "_bundled" / bundled, _PACKAGE.parent / repo):
        if candidate.exists():
            return candidate
    raise QdaError(f"the bundled {bundled} is missing from this installation of qda; reinstall qda")


def sample_dir() -> Path:
    """The bundled sample transcripts and their participants sheet."""
    return _find("sample", "data/sample")


def default_codebook() -> Path:
    """The default codebook, ``family_involvement.yaml``."""
    return _find("codebooks/family_involvement.yaml", "codebooks/family_involvement.yaml")


def codebook_schema() -> Path:
    """The JSON Schema of the codebook YAML format, ``codebook.schema.json``."""
    return _find("codebooks/codebook.schema.json", "codebooks/codebook.schema.json")


def sample_coding() -> Path:
    """One researcher's hand coding of the sample (long coding CSV, coder ``researcher_a``)."""
    return _find("sample-coding/researcher_a.csv", "data/sample-coding/researcher_a.csv")

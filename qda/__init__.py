"""qda: thematic analysis of qualitative data.

Transcripts in, speaker turns and segments with exact character offsets, coding
by people, codebook rules and (later) learned suggestions, and out come the
participant-by-theme matrix, a research-database workbook, charts and a quote bank.

    >>> import qda
    >>> result = qda.run(out="qda-output")            # the bundled sample
    >>> project = qda.Project.open(result.project)
    >>> project.matrix(rows="role", value="presence")  # a DataFrame
"""

__version__ = "0.1.0"

from qda.errors import (  # light: the error tree every caller catches
    CodebookError,
    ConflictError,
    InputError,
    ParticipantsError,
    ProjectError,
    QdaError,
)

# The rest loads on first use (PEP 562), so `qda --help` or an early input error does
# not pay for importing spaCy, scikit-learn and pandas first.
_LAZY = {
    "Code": "qda.codebook",
    "Codebook": "qda.codebook",
    "load_codebook": "qda.codebook",
    "save_codebook": "qda.codebook",
    "SourceDocument": "qda.ingest",
    "Turn": "qda.ingest",
    "read_document": "qda.ingest",
    "read_participants": "qda.ingest",
    "Project": "qda.project",
    "default_codebook": "qda.resources",
    "sample_dir": "qda.resources",
    "make_nlp": "qda.segment",
    "segment_document": "qda.segment",
    "RunResult": "qda.workflow",
    "run": "qda.workflow",
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'qda' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    "Code",
    "Codebook",
    "CodebookError",
    "ConflictError",
    "InputError",
    "ParticipantsError",
    "Project",
    "ProjectError",
    "QdaError",
    "RunResult",
    "SourceDocument",
    "Turn",
    "default_codebook",
    "load_codebook",
    "make_nlp",
    "read_document",
    "read_participants",
    "run",
    "sample_dir",
    "save_codebook",
    "segment_document",
]

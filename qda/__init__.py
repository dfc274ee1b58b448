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

from qda.codebook import Code, Codebook, load_codebook, save_codebook  # noqa: E402
from qda.errors import (ConflictError, CodebookError, InputError,  # noqa: E402
                        ParticipantsError, ProjectError, QdaError)
from qda.ingest import SourceDocument, Turn, read_document, read_participants  # noqa: E402
from qda.project import Project  # noqa: E402
from qda.resources import default_codebook, sample_dir  # noqa: E402
from qda.segment import make_nlp, segment_document  # noqa: E402
from qda.workflow import RunResult, run  # noqa: E402

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

"""The one error tree of qda.

Every problem caused by the user's input or environment is a :class:`QdaError`;
the command line prints its message as ``Error: <message>`` and exits non-zero.
Anything else escaping qda is a bug in qda.

::

    QdaError
     ├── InputError        a file the user gave is missing, unreadable or malformed
     │    ├── CodebookError     a codebook file breaks the schema (names file and code)
     │    └── ParticipantsError a participants sheet is malformed (names file and row)
     ├── ProjectError      the project file is missing, not a qda project, or refuses a change
     └── ConflictError     a change would lose or overwrite a researcher's work

Messages say what was wrong, where (file, line, row, code), and what to do next.
"""

from __future__ import annotations

__all__ = [
    "QdaError",
    "InputError",
    "CodebookError",
    "ParticipantsError",
    "ProjectError",
    "ConflictError",
]


class QdaError(Exception):
    """Root of every error qda raises on purpose."""


class InputError(QdaError):
    """A file given to qda is missing, unreadable or malformed."""


class CodebookError(InputError):
    """A codebook breaks the schema; the message names the file and the code."""


class ParticipantsError(InputError):
    """A participants sheet is malformed; the message names the file and the row."""


class ProjectError(QdaError):
    """The project file cannot be opened or refuses the change."""


class ConflictError(QdaError):
    """The change would lose or overwrite a researcher's work."""

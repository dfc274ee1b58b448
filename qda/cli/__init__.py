"""The ``qda`` command line: thin commands over :class:`qda.Project`.

Every command takes ``--project FILE`` (default ``./project.qda``; also
``QDA_PROJECT``). A problem with the user's input prints one line ``Error: ...``
and exits 1; nothing is written.

One module per command group; each registers its commands on :data:`cli`
(``base.py``) when imported here.
"""

from qda.cli import (  # noqa: F401
    analysis,
    anonymise,
    backup,
    codebook,
    coding,
    explore,
    export,
    memos,
    participants,
    run,
    serve,
    tables,
)
from qda.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="qda")

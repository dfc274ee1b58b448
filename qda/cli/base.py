"""The ``qda`` command group and what its commands share.

Every command takes ``--project FILE`` (default ``./project.qda``; also
``QDA_PROJECT``). A problem with the user's input prints one line ``Error: ...``
and exits 1; nothing is written.
"""

from __future__ import annotations

import functools
import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path

import click

from qda.errors import QdaError
from qda.store.safety import DatabaseError, store_error

DEFAULT_PROJECT = "project.qda"


def _fail_cleanly(func):
    """Turn a QdaError into ``Error: message`` and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except QdaError as exc:
            raise click.ClickException(" ".join(str(exc).split())) from exc
        except DatabaseError as exc:
            # A project file damaged after it was opened (a page SQLite cannot read back):
            # the user's problem, not a bug, so no traceback; anything else is ours.
            error = store_error(kwargs.get("project_path") or Path(DEFAULT_PROJECT), exc)
            if error is None:
                raise
            raise click.ClickException(" ".join(str(error).split())) from exc

    return wrapper


#: where `qda run` puts its project (its default --out)
RUN_PROJECT = Path("qda-output") / "project.qda"


def _find_project(ctx, param, value: Path) -> Path:
    """No --project (nor QDA_PROJECT) and no ./project.qda: the project `qda run` made,
    ./qda-output/project.qda, when it exists (said once, on standard error)."""
    source = ctx.get_parameter_source(param.name)
    if source is click.core.ParameterSource.DEFAULT and not value.exists() and RUN_PROJECT.is_file():
        click.echo(
            f"Using {RUN_PROJECT} (no ./{DEFAULT_PROJECT} here; choose another with --project)", err=True
        )
        return RUN_PROJECT
    return value


def _project_option(func):
    return click.option(
        "--project",
        "project_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=DEFAULT_PROJECT,
        envvar="QDA_PROJECT",
        show_default=True,
        callback=_find_project,
        help=f"The project file (default: ./{DEFAULT_PROJECT}, else ./{RUN_PROJECT} when "
        "`qda run` made one).",
    )(func)


def _open(path: Path, spacy_model: str | None = None):
    from qda.project import Project

    project = Project.open(path, spacy_model=spacy_model)
    _warn(project.warnings)
    return project


def _warn(messages) -> None:
    for message in messages:
        click.echo(f"Warning: {message}", err=True)


def _account_for(report) -> None:
    """The files of an import that were not read: not transcripts, refused; exit status 1
    (after everything else was done) when any was refused."""
    for name, why in report.not_transcripts:
        click.echo(f"Not a transcript: {name}: {why}")
    for name, why in report.refused:
        click.echo(f"Refused: {why}" if why.startswith(name) else f"Refused: {name}: {why}", err=True)
    if report.refused:
        click.echo(
            f"Error: {len(report.refused)} file(s) refused (listed above); the others were imported", err=True
        )
        sys.exit(1)


@contextmanager
def _guard(project, *paths: Path | None, hint: str = ""):
    """Around writing files people work in (sheets to fill, the workbook, quote banks):
    a copy of each one changed since qda wrote it is kept first, and the user told."""
    from qda.reports import guard

    with guard.guarded(project, *[p for p in paths if p is not None]) as kept:
        yield
    _warn([guard.kept_note(original, copy, hint) for original, copy in kept])


def _write_table(df, out: Path | None, *, project=None, hint: str = "") -> None:
    """``df`` as CSV to ``out`` (standard output when None). With ``project``, the file is
    one people fill in or edit: an edited one is kept (:func:`_guard`)."""
    from qda.csvcells import write_csv  # cells a spreadsheet would run are quoted

    if out is None:
        write_csv(df)
        return
    from qda.files import atomic_path

    with _guard(project, out, hint=hint) if project is not None else nullcontext():
        with atomic_path(out) as tmp:
            write_csv(df, tmp)
    click.echo(f"Wrote {out} ({len(df)} rows)", err=True)


_UNIT = click.option(
    "--unit",
    type=click.Choice(["turn", "paragraph", "sentence"]),
    default="turn",
    show_default=True,
    help="What one segment is.",
)
_INTERVIEWER = click.option(
    "--interviewer",
    "interviewer_labels",
    multiple=True,
    metavar="LABEL",
    help="An extra speaker label to treat as the "
    "interviewer (repeatable). Built in: Interviewer, Facilitator, "
    "Moderator, Researcher, Int, I, Q.",
)


def _read_options(func):
    """Options that say how to read the input files (shared by ``run`` and ``ingest``)."""
    options = [
        click.option(
            "--format",
            "format_",
            default=None,
            metavar="NAME",
            help="Read every file with this reader instead of choosing by extension "
            "(text, docx, odt, rtf, html, pdf, vtt, srt, transcript-export, survey).",
        ),
        click.option(
            "--speaker-pattern",
            default=None,
            metavar="REGEX",
            help="A house-style speaker label: a regular expression with a group "
            "named 'label', matched at the start of a line.",
        ),
        click.option(
            "--utterances",
            is_flag=True,
            default=False,
            help="Keep consecutive turns of one speaker apart (one per utterance, "
            "cue or label line); by default a run of one speaker is one turn.",
        ),
        click.option(
            "--skip-bad",
            is_flag=True,
            default=False,
            help="Import every file that can be read, each on its own, and list the "
            "refused ones (exit status 1 at the end). Default: the first file that "
            "cannot be read stops the import and nothing is imported.",
        ),
        click.option(
            "--text-column",
            "text_columns",
            multiple=True,
            metavar="COLUMN",
            help="Survey tables: a column holding answers (repeatable; default: the free-text columns).",
        ),
        click.option(
            "--id-column",
            default=None,
            metavar="COLUMN",
            help="Survey tables: the column naming the respondent.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


_CSV_OUT = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV file to write (default: standard output).",
)

_SPACY = click.option(
    "--spacy-model",
    default=None,
    metavar="NAME",
    help="An installed trained spaCy pipeline to use instead of the built-in blank English one.",
)


def _parallel(fn):
    """``--workers N`` and ``--scheduler ADDRESS``: parallel segmentation and rules coding."""
    fn = click.option(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Segment and code on a Dask cluster (e.g. tcp://10.0.0.5:8786; "
        "needs qda[dask]); only this machine writes the project.",
    )(fn)
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Read, segment and code in N processes on this machine.",
    )(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qda")
def cli() -> None:
    """qda: thematic analysis of interview and focus-group transcripts.

    Start with `qda run` (the bundled sample) or `qda run my_transcripts/`.
    """

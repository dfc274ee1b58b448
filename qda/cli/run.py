"""``qda run``, ``qda init``, ``qda ingest``: the main job and getting files in."""

from __future__ import annotations

from pathlib import Path

import click

from qda.cli.base import (
    _INTERVIEWER,
    _SPACY,
    _UNIT,
    _account_for,
    _fail_cleanly,
    _open,
    _parallel,
    _project_option,
    _read_options,
    _warn,
    cli,
)


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--codebook",
    type=click.Path(path_type=Path),
    default=None,
    help="Codebook YAML (default: the bundled family_involvement.yaml).",
)
@click.option(
    "--participants",
    type=click.Path(path_type=Path),
    default=None,
    help="Participants sheet (CSV/XLSX); default: participants.csv in an input folder.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default="qda-output",
    show_default=True,
    help="Folder for the project and the exports.",
)
@_UNIT
@_INTERVIEWER
@_read_options
@_SPACY
@_parallel
@_fail_cleanly
def run(
    inputs,
    codebook,
    participants,
    out,
    unit,
    interviewer_labels,
    format_,
    speaker_pattern,
    utterances,
    skip_bad,
    text_columns,
    id_column,
    spacy_model,
    workers,
    scheduler,
) -> None:
    """The whole job: ingest, segment, code by rules, analyse, export.

    With no INPUT, runs on the bundled sample into ./qda-output/.
    """
    from qda.workflow import run as run_job

    result = run_job(
        inputs,
        codebook=codebook,
        participants=participants,
        out=out,
        unit=unit,
        interviewer_labels=interviewer_labels,
        spacy_model=spacy_model,
        format=format_,
        speaker_pattern=speaker_pattern,
        utterances=utterances,
        skip_bad=skip_bad,
        text_columns=text_columns,
        id_column=id_column,
        progress=True,
        workers=workers,
        scheduler=scheduler,
    )
    _warn(result.warnings)
    for line in result.ingest.documents:
        click.echo(f"Read {line}")
    s = result.summary
    added = len(result.ingest.added)
    click.echo(
        f"Imported {added} document(s)"
        + (f", skipped {len(result.ingest.skipped)} unchanged" if result.ingest.skipped else "")
        + f"; project has {s['documents']} documents, {s['participants']} participants, "
        f"{s['segments']} segments (+{s['interviewer_turns']} interviewer turns), "
        f"{s['codes']} codes."
    )
    rules = result.rules
    recoded = (
        f" (coded again: {rules.segments_recoded} new or changed segment(s), "
        f"{len(rules.codes_recoded)} code(s) with changed rules)"
        if rules.incremental
        else ""
    )
    click.echo(
        f"Rules coder: {rules.suggestions} suggestions on "
        f"{rules.segments_coded} of {rules.segments} segments{recoded}."
    )
    click.echo(f"Analyses use: {result.codings_used}.")
    click.echo("Wrote:")
    for path in result.outputs:
        click.echo(f"  {path}")
    _account_for(result.ingest)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_fail_cleanly
def init(file) -> None:
    """Create an empty project FILE."""
    from qda.project import Project

    Project.create(file).close()
    click.echo(f"Created {file}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--participants",
    type=click.Path(path_type=Path),
    default=None,
    help="Participants sheet (CSV/XLSX) mapping documents and speakers.",
)
@_UNIT
@_INTERVIEWER
@_read_options
@_project_option
@_parallel
@_fail_cleanly
def ingest(
    paths,
    participants,
    unit,
    interviewer_labels,
    format_,
    speaker_pattern,
    utterances,
    skip_bad,
    text_columns,
    id_column,
    project_path,
    workers,
    scheduler,
) -> None:
    """Import transcripts and survey tables (files or folders).

    Reads .txt/.md, .docx, .odt, .rtf, .html/.htm, .pdf (with a text layer), .vtt/.srt,
    WhisperX and Zoom/Teams/Otter text
    exports and survey tables (.csv/.xlsx). The same file again changes nothing; a changed
    file becomes a new version of its document, with every coding moved to the same words.
    A REFI-QDA project (.qdpx, from NVivo, ATLAS.ti, MAXQDA...) is imported whole: texts,
    codes, codings, cases; what qda cannot take is listed. So is a Taguette database
    (.sqlite3): documents, tags as codes, highlights as codings. (A .qdc codebook: `qda
    codebook load F.qdc`.)
    """
    projects, paths = _refi_projects(paths)
    if projects:
        _import_refi(projects, project_path)
        if not paths:
            return
    with _open(project_path) as project:
        report = project.ingest(
            paths,
            participants=participants,
            unit=unit,
            interviewer_labels=interviewer_labels,
            format=format_,
            speaker_pattern=speaker_pattern,
            utterances=utterances,
            skip_bad=skip_bad,
            text_columns=text_columns,
            id_column=id_column,
            progress=True,
            workers=workers,
            scheduler=scheduler,
        )
    _warn(report.warnings)
    for line in report.documents:
        click.echo(f"Read {line}")
    for line in report.surveys:
        click.echo(f"Survey {line}")
    for name, why in report.skipped:
        click.echo(f"Skipped {name}: {why}")
    for rev in report.versions:
        click.echo(
            f"Updated {rev.document} to version {rev.version}: {rev.segments} segments "
            f"({rev.segments_kept} unchanged), {rev.codings_placed} coding(s) re-anchored, "
            f"{len(rev.codings_unplaced)} archived."
        )
    click.echo(
        f"Imported {len(report.added)} document(s), {report.segments} segments; "
        f"{report.participants} participants in the project."
    )
    _account_for(report)


def _refi_projects(paths) -> tuple[list[Path], list[Path]]:
    """Split REFI-QDA projects (.qdpx) from transcripts; a project is imported whole. (A
    .qdpx inside a folder of transcripts, or a .qdc, is refused by the readers.)"""
    from qda.refi.taguette import is_taguette

    projects = [p for p in paths if (p.suffix.lower() == ".qdpx" and not p.is_dir()) or is_taguette(p)]
    return projects, [p for p in paths if p not in projects]


def _import_refi(projects: list[Path], project_path: Path) -> None:
    with _open(project_path) as project:
        for path in projects:
            report = (
                project.import_qdpx(path) if path.suffix.lower() == ".qdpx" else project.import_taguette(path)
            )
            _warn(report.warnings)
            for line in report.conversions:
                click.echo(f"Converted {line}")
            for name, existing in report.reused:
                click.echo(f"Kept {existing}: {name} has the same text")
            for what, why in report.skipped:
                click.echo(f"Skipped {what}: {why}")
            for u in report.unplaced:
                click.echo(
                    f"Not placed: {u['source']}, code {u['code']}, positions "
                    f"{u['start']}-{u['end']} ({u['coder']}): {u['why']}"
                )
            click.echo(
                f"Imported {path.name} ({report.origin or 'unknown program'}): "
                f"{len(report.documents)} document(s), {report.codes_added} code(s), "
                f"{report.codings} coding(s), {report.participants} participant(s), "
                f"{report.memos} memo(s); "
                f"{len(report.skipped)} item(s) skipped, {len(report.unplaced)} "
                "selection(s) not placed."
            )

"""The ``qda`` command line: thin commands over :class:`qda.Project`.

Every command takes ``--project FILE`` (default ``./project.qda``; also
``QDA_PROJECT``). A problem with the user's input prints one line ``Error: ...``
and exits 1; nothing is written.
"""

from __future__ import annotations

import functools
import sys
import textwrap
from pathlib import Path

import click

from qda.errors import QdaError

DEFAULT_PROJECT = "project.qda"


def _fail_cleanly(func):
    """Turn a QdaError into ``Error: message`` and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except QdaError as exc:
            raise click.ClickException(" ".join(str(exc).split())) from exc

    return wrapper


def _project_option(func):
    return click.option(
        "--project", "project_path", type=click.Path(dir_okay=False, path_type=Path),
        default=DEFAULT_PROJECT, envvar="QDA_PROJECT", show_default=True,
        help="The project file.")(func)


def _open(path: Path, spacy_model: str | None = None):
    from qda.project import Project
    return Project.open(path, spacy_model=spacy_model)


def _warn(messages) -> None:
    for message in messages:
        click.echo(f"Warning: {message}", err=True)


def _write_table(df, out: Path | None) -> None:
    if out is None:
        df.to_csv(sys.stdout, index=False)
        return
    from qda.export import atomic_path
    with atomic_path(out) as tmp:
        df.to_csv(tmp, index=False, encoding="utf-8")
    click.echo(f"Wrote {out} ({len(df)} rows)", err=True)


_UNIT = click.option("--unit", type=click.Choice(["turn", "paragraph", "sentence"]),
                     default="turn", show_default=True, help="What one segment is.")
_INTERVIEWER = click.option("--interviewer", "interviewer_labels", multiple=True,
                            metavar="LABEL", help="An extra speaker label to treat as the "
                            "interviewer (repeatable). Built in: Interviewer, Facilitator, "
                            "Moderator, Researcher, Int, I, Q.")


def _read_options(func):
    """Options that say how to read the input files (shared by ``run`` and ``ingest``)."""
    options = [
        click.option("--format", "format_", default=None, metavar="NAME",
                     help="Read every file with this reader instead of choosing by extension "
                     "(text, docx, pdf, vtt, srt, transcript-export, survey)."),
        click.option("--speaker-pattern", default=None, metavar="REGEX",
                     help="A house-style speaker label: a regular expression with a group "
                     "named 'label', matched at the start of a line."),
        click.option("--text-column", "text_columns", multiple=True, metavar="COLUMN",
                     help="Survey tables: a column holding answers (repeatable; default: "
                     "the free-text columns)."),
        click.option("--id-column", default=None, metavar="COLUMN",
                     help="Survey tables: the column naming the respondent."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


_SPACY = click.option("--spacy-model", default=None, metavar="NAME",
                      help="An installed trained spaCy pipeline to use instead of the "
                      "built-in blank English one.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qda")
def cli() -> None:
    """qda: thematic analysis of interview and focus-group transcripts.

    Start with `qda run` (the bundled sample) or `qda run my_transcripts/`.
    """


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--codebook", type=click.Path(path_type=Path), default=None,
              help="Codebook YAML (default: the bundled family_involvement.yaml).")
@click.option("--participants", type=click.Path(path_type=Path), default=None,
              help="Participants sheet (CSV/XLSX); default: participants.csv in an input folder.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default="qda-output",
              show_default=True, help="Folder for the project and the exports.")
@_UNIT
@_INTERVIEWER
@_read_options
@_SPACY
@_fail_cleanly
def run(inputs, codebook, participants, out, unit, interviewer_labels, format_, speaker_pattern,
        text_columns, id_column, spacy_model) -> None:
    """The whole job: ingest, segment, code by rules, analyse, export.

    With no INPUT, runs on the bundled sample into ./qda-output/.
    """
    from qda.workflow import run as run_job

    result = run_job(inputs, codebook=codebook, participants=participants, out=out, unit=unit,
                     interviewer_labels=interviewer_labels, spacy_model=spacy_model,
                     format=format_, speaker_pattern=speaker_pattern,
                     text_columns=text_columns, id_column=id_column, progress=True)
    _warn(result.warnings)
    s = result.summary
    added = len(result.ingest.added)
    click.echo(f"Imported {added} document(s)"
               + (f", skipped {len(result.ingest.skipped)} unchanged" if result.ingest.skipped
                  else "")
               + f"; project has {s['documents']} documents, {s['participants']} participants, "
               f"{s['segments']} segments (+{s['interviewer_turns']} interviewer turns), "
               f"{s['codes']} codes.")
    click.echo(f"Rules coder: {result.rules.suggestions} suggestions on "
               f"{result.rules.segments_coded} of {result.rules.segments} segments.")
    click.echo(f"Analyses use: {result.codings_used}.")
    click.echo("Wrote:")
    for path in result.outputs:
        click.echo(f"  {path}")


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
@click.option("--participants", type=click.Path(path_type=Path), default=None,
              help="Participants sheet (CSV/XLSX) mapping documents and speakers.")
@_UNIT
@_INTERVIEWER
@_read_options
@_project_option
@_fail_cleanly
def ingest(paths, participants, unit, interviewer_labels, format_, speaker_pattern, text_columns,
           id_column, project_path) -> None:
    """Import transcripts and survey tables (files or folders).

    Reads .txt/.md, .docx, .pdf (with a text layer), .vtt/.srt, Zoom/Teams/Otter text
    exports and survey tables (.csv/.xlsx). The same file again changes nothing; a changed
    file becomes a new version of its document, with every coding moved to the same words.
    """
    with _open(project_path) as project:
        report = project.ingest(paths, participants=participants, unit=unit,
                                interviewer_labels=interviewer_labels, format=format_,
                                speaker_pattern=speaker_pattern, text_columns=text_columns,
                                id_column=id_column, progress=True)
    _warn(report.warnings)
    for name, why in report.skipped:
        click.echo(f"Skipped {name}: {why}")
    for rev in report.versions:
        click.echo(f"Updated {rev.document} to version {rev.version}: {rev.segments} segments "
                   f"({rev.segments_kept} unchanged), {rev.codings_placed} coding(s) re-anchored, "
                   f"{len(rev.codings_unplaced)} archived.")
    click.echo(f"Imported {len(report.added)} document(s), {report.segments} segments; "
               f"{report.participants} participants in the project.")


@cli.group()
def participants() -> None:
    """The participants sheet."""


@participants.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@_project_option
@_fail_cleanly
def participants_load(file, project_path) -> None:
    """Map every document's speakers to participants by a sheet (CSV/XLSX)."""
    with _open(project_path) as project:
        unmapped = project.load_participants(file)
        n = len(project.participants())
    if unmapped:
        _warn([f"{len(unmapped)} speaker(s) are still not in a sheet: " + "; ".join(
            f"{d}: {s or '(whole document)'}" for d, s in unmapped[:12])])
    click.echo(f"Loaded {file}; {n} participants in the project.")


@participants.command("template")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the sheet here (CSV); default: print it.")
@_project_option
@_fail_cleanly
def participants_template(out, project_path) -> None:
    """A participants sheet to fill in for the speakers no sheet maps yet."""
    with _open(project_path) as project:
        sheet = project.participants_template()
    if sheet.empty:
        click.echo("Every speaker is mapped to a participant; nothing to fill in.", err=True)
    _write_table(sheet, out)


@participants.command("show")
@_project_option
@_fail_cleanly
def participants_show(project_path) -> None:
    """Print the participants and their attributes."""
    with _open(project_path) as project:
        click.echo(project.participants().to_string(index=False))


@cli.group()
def codebook() -> None:
    """Load, show and export the codebook."""


@codebook.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@_project_option
@_fail_cleanly
def codebook_load(file, project_path) -> None:
    """Load a codebook (.yaml, .xlsx or REFI-QDA .qdc); codings are kept."""
    with _open(project_path) as project:
        report = project.load_codebook(file)
        n = len(project.codebook)
    click.echo(f"Loaded {file} (version {report.version}): {n} codes; "
               f"{len(report.added)} added, {len(report.changed)} changed, "
               f"{len(report.removed)} removed.")


@codebook.command("show")
@click.option("--definitions", is_flag=True, help="Also print each code's definition.")
@_project_option
@_fail_cleanly
def codebook_show(definitions, project_path) -> None:
    """Print the code tree with the number of coded segments by source."""
    with _open(project_path) as project:
        cb = project.codebook
        codings = project.codings()
    if not len(cb):
        click.echo("The project has no codebook yet; load one with `qda codebook load F`.")
        return
    counts = (codings.groupby(["code", "source"])["segment_id"].nunique()
              .unstack(fill_value=0) if not codings.empty else None)
    click.echo(f"{cb.name} (version {cb.version}, {len(cb)} codes)")
    width = max(len(c.id) + 2 * cb.depth(c.id) for c in cb)
    for code in cb:
        indent = "  " * (cb.depth(code.id) - 1)
        tally = ""
        if counts is not None and code.id in counts.index:
            row = counts.loc[code.id]
            tally = ", ".join(f"{src} {int(n)}" for src, n in row.items() if n)
        click.echo(f"{indent}{code.id:<{width - len(indent)}}  {code.name}"
                   + (f"  [{tally}]" if tally else ""))
        if definitions and code.description:
            for line in textwrap.wrap(code.description, 88):
                click.echo(f"{indent}    {line}")


@codebook.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_project_option
@_fail_cleanly
def codebook_export(file, project_path) -> None:
    """Write the project's codebook to FILE: .yaml, .xlsx or REFI-QDA .qdc, by extension."""
    from qda.codebook import save_codebook

    with _open(project_path) as project:
        cb = project.codebook
    save_codebook(cb, file)
    click.echo(f"Wrote {file} ({len(cb)} codes)")


@cli.group()
def code() -> None:
    """Code segments."""


@code.command("rules")
@_SPACY
@_project_option
@_fail_cleanly
def code_rules(spacy_model, project_path) -> None:
    """Suggest codes by the codebook's keywords and patterns (never human codings)."""
    with _open(project_path, spacy_model) as project:
        report = project.code_rules()
    _warn(report.warnings)
    click.echo(f"{report.suggestions} suggestions on {report.segments_coded} of "
               f"{report.segments} segments (replaced {report.replaced} earlier open "
               f"suggestions; kept {report.kept_reviewed} already reviewed).")


@code.command("sheet")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--coder", default=None, help="Who will fill it: their codings so far are "
              "pre-filled, and only they can import it.")
@click.option("--codes", default=None, metavar="A,B,...",
              help="Only these codes (comma-separated ids); default: the whole codebook.")
@click.option("--document", "documents", multiple=True, metavar="D",
              help="Only this document's segments (id or file name; repeatable).")
@click.option("--no-suggestions", is_flag=True, help="Leave out the suggestions column's hints.")
@_project_option
@_fail_cleanly
def code_sheet(file, coder, codes, documents, no_suggestions, project_path) -> None:
    """Write a coding sheet (.xlsx) for a person to fill with x marks."""
    with _open(project_path) as project:
        project.coding_sheet(file, coder=coder, documents=documents or None,
                             codes=[c.strip() for c in codes.split(",") if c.strip()]
                             if codes else None, include_suggestions=not no_suggestions)
    click.echo(f"Wrote {file}; fill it in, then: qda code import {file} --coder "
               f"{coder or 'NAME'}")


@code.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--coder", required=True, help="Whose coding this is.")
@click.option("--remove-unmarked", is_flag=True,
              help="Archive this coder's codings that the file covers but no longer marks "
              "(default: keep them and report them as conflicts).")
@_project_option
@_fail_cleanly
def code_import(file, coder, remove_unmarked, project_path) -> None:
    """Read a filled coding sheet (.xlsx) or a long coding CSV as CODER's codings."""
    with _open(project_path) as project:
        r = project.import_coding(file, coder=coder, remove_unmarked=remove_unmarked)
    _warn(r.warnings)
    click.echo(f"Imported {file} for {r.coder}: {r.added} coding(s) added, {r.already} already "
               f"there; {r.reviewed} segment(s) recorded as reviewed ({r.reviewed_already} "
               "already)" + (f"; {r.untouched} row(s) not yet coded" if r.kind == "sheet" else "")
               + (f"; {r.removed} unmarked coding(s) archived" if r.removed else "") + ".")
    if r.conflicts:
        shown = "; ".join(f"{c['segment_id']} {c['code']}" for c in r.conflicts[:5])
        more = f" and {len(r.conflicts) - 5} more" if len(r.conflicts) > 5 else ""
        hint = ("" if remove_unmarked else "; to archive them, import again with "
                "--remove-unmarked")
        click.echo(f"Conflicts: {len(r.conflicts)} coding(s) by {r.coder} are in the project "
                   f"but not marked in the file, and were kept ({shown}{more}){hint}.")


@cli.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV file to write (default: standard output).")
@click.option("--interviewer", is_flag=True, help="Include interviewer turns.")
@_project_option
@_fail_cleanly
def segments(out, interviewer, project_path) -> None:
    """The segment table as CSV."""
    with _open(project_path) as project:
        _write_table(project.segments(interviewer=interviewer), out)


@cli.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV file to write (default: standard output).")
@click.option("--coder", "coders", multiple=True, help="Only this coder (repeatable).")
@click.option("--source", "sources", multiple=True,
              type=click.Choice(["human", "rules", "model", "import"]),
              help="Only this source (repeatable).")
@click.option("--reviewed", is_flag=True, help="Also a row with an empty code for each "
              "segment a coder reviewed and found no code for.")
@_project_option
@_fail_cleanly
def codings(out, coders, sources, reviewed, project_path) -> None:
    """The long coding table as CSV (`qda code import` reads it back)."""
    with _open(project_path) as project:
        df = project.coding_table(coders=coders or None, sources=sources or None,
                                  reviewed=reviewed)
    df["evidence"] = df["evidence"].map(lambda v: "" if v is None else
                                        "; ".join(f"{e['term']}@{e['start']}" for e in v))
    _write_table(df, out)


@cli.command()
@click.option("--rows", default="participant", show_default=True,
              help="participant, document, or a participant attribute (role, group, ...).")
@click.option("--value", type=click.Choice(["count", "presence", "share", "words"]),
              default="count", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV file to write (default: standard output).")
@_project_option
@_fail_cleanly
def matrix(rows, value, out, project_path) -> None:
    """The cross-reference matrix of rows by codes (sub-codes rolled up)."""
    with _open(project_path) as project:
        table = project.matrix(rows=rows, value=value)
        click.echo(f"# {project.select_codings().description}", err=True)
    _write_table(table, out)


@cli.command()
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The research-database workbook.")
@click.option("--charts", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A folder for PNG charts.")
@click.option("--quotes", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The quote bank (.md).")
@_project_option
@_fail_cleanly
def export(xlsx, charts, quotes, project_path) -> None:
    """Write the workbook, charts and quote bank."""
    from qda import reports
    from qda.errors import InputError

    if not (xlsx or charts or quotes):
        raise InputError("say what to export: --xlsx F, --charts DIR and/or --quotes F")
    if quotes and quotes.suffix.lower() != ".md":
        raise InputError(f"{quotes}: the quote bank is written as Markdown; name it .md")
    with _open(project_path) as project:
        written = []
        if xlsx:
            written.append(reports.export_workbook(project, xlsx))
        if charts:
            written += reports.export_charts(project, charts)
        if quotes:
            written.append(reports.export_quotes(project, quotes))
    for path in written:
        click.echo(f"Wrote {path}")


def main() -> None:
    cli(prog_name="qda")


if __name__ == "__main__":
    main()

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
    """Load, show, edit and export the codebook (every edit keeps every coding)."""


def _pairs(values, option: str) -> dict[str, str]:
    from qda.errors import InputError

    out = {}
    for value in values:
        old, sep, new = value.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise InputError(f"{option} takes OLD=NEW (two code ids), not {value!r}")
        out[old.strip()] = new.strip()
    return out


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _edited(edit, message: str) -> None:
    click.echo(f"{message} Codebook is now version {edit.version}.")


@codebook.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--map", "maps", multiple=True, metavar="OLD=NEW",
              help="A code the file no longer has: merge its codings into NEW (repeatable).")
@click.option("--archive", "archive", multiple=True, metavar="OLD",
              help="A code the file no longer has: move its codings to the archive "
              "(repeatable).")
@_project_option
@_fail_cleanly
def codebook_load(file, maps, archive, project_path) -> None:
    """Load a codebook (.yaml, .xlsx or REFI-QDA .qdc); a changed file is applied as
    edits and codings are kept.

    A code that the file removes but that has codings needs --map OLD=NEW or
    --archive OLD (asked for when run in a terminal).
    """
    mapping = _pairs(maps, "--map")
    archive = list(archive)
    with _open(project_path) as project:
        if _stdin_is_terminal():
            for code, n, guess in project.unresolved_removals(file, mapping=mapping,
                                                              archive=archive):
                answer = click.prompt(
                    f"Code {code!r} has {n} coding(s) but is not in {file}. Merge them into "
                    "which code (or 'archive')", default=guess or "archive")
                if answer.strip() == "archive":
                    archive.append(code)
                else:
                    mapping[code] = answer.strip()
        report = project.load_codebook(file, mapping=mapping, archive=archive)
        n = len(project.codebook)
    if report.diff is not None and report.diff.empty:
        click.echo(f"Loaded {file}: no change; {n} codes (version {report.version}).")
        return
    extra = "".join([f", {len(report.moved)} moved" if report.moved else "",
                     f", {len(report.merged)} merged" if report.merged else "",
                     f", {sum(report.archived.values())} codings archived"
                     if report.archived else ""])
    click.echo(f"Loaded {file} (version {report.version}): {n} codes; "
               f"{len(report.added)} added, {len(report.changed)} changed, "
               f"{len(report.removed)} removed{extra}.")


@codebook.command("diff")
@click.argument("file", type=click.Path(path_type=Path))
@_project_option
@_fail_cleanly
def codebook_diff(file, project_path) -> None:
    """What loading FILE would change in the project's codebook.

    Lines: '+' added, '-' removed (with its codings and a likely rename), '~' changed
    fields, '>' moved.
    """
    with _open(project_path) as project:
        diff = project.diff_codebook(file)
        counts = project.code_counts().set_index("code")["all"] if len(project.codebook) \
            else None
    if diff.empty:
        click.echo(f"No differences between {file} and the project's codebook.")
        return
    for line in diff.lines():
        if line.startswith("- ") and counts is not None:
            code = line[2:].split()[0]
            n = int(counts.get(code, 0))
            if n:
                line += f"  [{n} coded segment(s): needs --map {code}=NEW or --archive {code}]"
        click.echo(line)


@codebook.command("show")
@click.option("--brief", is_flag=True, help="Only the tree and the counts, no definitions.")
@click.option("--full", is_flag=True, help="Also include/exclude notes, keywords and patterns.")
@click.option("--definitions", is_flag=True, hidden=True)   # the default now; kept for scripts
@_project_option
@_fail_cleanly
def codebook_show(brief, full, definitions, project_path) -> None:
    """The code tree with definitions and the segments coded at each code by source.

    Counts are rolled up: a segment coded at a sub-code counts for its parents too
    (each segment once). Rejected codings and interviewer turns are not counted.
    """
    with _open(project_path) as project:
        cb = project.codebook
        counts = project.code_counts()
    if not len(cb):
        click.echo("The project has no codebook yet; load one with `qda codebook load F`.")
        return
    sources = ["human", "rules", "model"] + (["import"] if counts["import"].any() else [])
    click.echo(f"{cb.name} (version {cb.version}, {len(cb)} codes)")
    click.echo("Segments coded at each code or under it, by source (rolled up; rejected "
               "codings not counted).")
    width = max(len(c.id) + 2 * (cb.depth(c.id) - 1) for c in cb)
    width = max(width, len("code"))
    click.echo(f"{'code':<{width}}  " + "  ".join(f"{s:>5}" for s in sources) + "  name")
    for row in counts.itertuples(index=False):
        code = cb.get(row.code)
        indent = "  " * (row.depth - 1)
        numbers = "  ".join(f"{getattr(row, s):>5}" for s in sources)
        click.echo(f"{indent + code.id:<{width}}  {numbers}  {code.name}")
        pad = " " * (len(indent) + 4)
        notes = [] if brief else [("", code.description)]
        if full:
            notes += [("Include: ", code.include), ("Exclude: ", code.exclude),
                      ("Keywords: ", ", ".join(code.keywords)),
                      ("Patterns: ", "; ".join(map(str, code.patterns))),
                      ("Proximity: ", "; ".join(
                          (" then " if r.get("ordered") else " + ").join(r["terms"])
                          + f" within {r['within']}" for r in code.proximity))]
        for label, text in notes:
            if text:
                for line in textwrap.wrap(label + " ".join(text.split()), 88,
                                          initial_indent=pad, subsequent_indent=pad):
                    click.echo(line)


@codebook.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--under", "parent", default=None, metavar="PARENT",
              help="The parent code (default: a top-level theme).")
@click.option("--description", default=None, help="What the code means.")
@click.option("--include", default=None, help="When to use it.")
@click.option("--exclude", default=None, help="When not to (and what to use instead).")
@click.option("--keyword", "keywords", multiple=True, help="A keyword, base form (repeatable).")
@click.option("--color", default=None, help="#rrggbb.")
@_project_option
@_fail_cleanly
def codebook_add(code, name, parent, description, include, exclude, keywords, color,
                 project_path) -> None:
    """Add code CODE called NAME."""
    fields = {k: v for k, v in (("description", description), ("include", include),
                                ("exclude", exclude), ("color", color)) if v is not None}
    if keywords:
        fields["keywords"] = list(keywords)
    with _open(project_path) as project:
        edit = project.add_code(code, name, parent, **fields)
    _edited(edit, f"Added {code} under {parent or '(top level)'}.")


@codebook.command("rename")
@click.argument("code")
@click.option("--name", default=None, help="The new name.")
@click.option("--id", "new_id", default=None, help="A new id; codings and children follow it.")
@_project_option
@_fail_cleanly
def codebook_rename(code, name, new_id, project_path) -> None:
    """Rename CODE (its id stays unless --id is given)."""
    with _open(project_path) as project:
        edit = project.rename_code(code, name=name, new_id=new_id)
    after = edit.detail.get("after", {})
    if not after:
        click.echo(f"{code}: nothing to change.")
        return
    before = edit.detail["before"]
    what = [f"id {code} -> {after['id']}"] if after["id"] != code else []
    what += [f"name {before['name']!r} -> {after['name']!r}"] if after["name"] != before["name"] \
        else []
    _edited(edit, f"Renamed {code}: {'; '.join(what)}; {edit.codings} coding(s) kept.")


@codebook.command("move")
@click.argument("code")
@click.option("--under", "parent", default=None, metavar="PARENT", help="The new parent code.")
@click.option("--top", is_flag=True, help="Make CODE a top-level theme.")
@click.option("--position", type=click.IntRange(min=1), default=None,
              help="Place among its new siblings (1 = first; default last).")
@_project_option
@_fail_cleanly
def codebook_move(code, parent, top, position, project_path) -> None:
    """Move CODE (and the codes under it) under PARENT, or to the top with --top."""
    from qda.errors import InputError

    if bool(parent) == bool(top):
        raise InputError("say where to move the code: --under PARENT or --top")
    with _open(project_path) as project:
        edit = project.move_code(code, None if top else parent,
                                 position=None if position is None else position - 1)
    _edited(edit, f"Moved {code} under {parent or '(top level)'}; "
                  f"{edit.detail['codings']} coding(s) kept.")


@codebook.command("merge")
@click.argument("source")
@click.argument("into")
@_project_option
@_fail_cleanly
def codebook_merge(source, into, project_path) -> None:
    """Merge code SOURCE into code INTO: its codings and children move, SOURCE goes."""
    with _open(project_path) as project:
        edit = project.merge_codes(source, into)
    kids = f"; {len(edit.children)} child code(s) moved" if edit.children else ""
    dup = (f"; {edit.collapsed} duplicate(s) collapsed (the other copy archived)"
           if edit.collapsed else "")
    _edited(edit, f"Merged {source} into {into}: {edit.codings} coding(s) moved{dup}{kids}.")


@codebook.command("split")
@click.argument("code")
@click.option("--into", "children", multiple=True, required=True, metavar="ID:NAME",
              help="A new child code (repeatable), e.g. --into home_visits_planned:'Planned'.")
@_project_option
@_fail_cleanly
def codebook_split(code, children, project_path) -> None:
    """Split CODE: add child codes; its codings stay on it, flagged for review."""
    from qda.errors import InputError

    specs = []
    for value in children:
        child_id, sep, name = value.partition(":")
        if not sep or not child_id.strip() or not name.strip():
            raise InputError(f"--into takes ID:NAME (e.g. home_visits_planned:Planned visits), "
                             f"not {value!r}")
        specs.append((child_id.strip(), name.strip()))
    with _open(project_path) as project:
        edit = project.split_code(code, specs)
    _edited(edit, f"Split {code} into {', '.join(edit.children)}; {edit.flagged} coding(s) "
                  "flagged for review (column 'review' of `qda codings`).")


@codebook.command("delete")
@click.argument("code")
@click.option("--archive", is_flag=True,
              help="Move the codings of the deleted codes to the archive first.")
@click.option("--keep-children", is_flag=True,
              help="Delete only CODE; its children take its place.")
@_project_option
@_fail_cleanly
def codebook_delete(code, archive, keep_children, project_path) -> None:
    """Delete CODE and the codes under it (refused while they have codings, unless --archive)."""
    with _open(project_path) as project:
        edit = project.delete_code(code, archive=archive, keep_children=keep_children)
    archived = f"; {edit.archived} coding(s) archived" if edit.archived else ""
    _edited(edit, f"Deleted {', '.join(edit.removed)}{archived}.")


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
@click.argument("segment_ids", nargs=-1, metavar="[SEGMENT_ID]...")
@click.option("--explain", is_flag=True, help="Change nothing; show why each segment (the "
              "ones named, or every one the rules find something in) gets each code: the "
              "matched words in [brackets], the kind of rule, and exclusions that block a code.")
@_SPACY
@_project_option
@_fail_cleanly
def code_rules(segment_ids, explain, spacy_model, project_path) -> None:
    """Suggest codes by the codebook's keywords, patterns and proximity windows (never
    human codings)."""
    from qda.errors import InputError

    if segment_ids and not explain:
        raise InputError("segment ids are only taken with --explain (the rules code every "
                         "segment); add --explain to see why those segments get their codes")
    if explain:
        with _open(project_path, spacy_model) as project:
            table = project.explain_rules(segment_ids or None)
        _print_explanation(table, segment_ids)
        return
    with _open(project_path, spacy_model) as project:
        report = project.code_rules()
    _warn(report.warnings)
    click.echo(f"{report.suggestions} suggestions on {report.segments_coded} of "
               f"{report.segments} segments (replaced {report.replaced} earlier open "
               f"suggestions; kept {report.kept_reviewed} already reviewed).")


def _print_explanation(table, segment_ids) -> None:
    shown = set(table["segment_id"])
    for segment_id in segment_ids:
        if segment_id not in shown:
            click.echo(f"{segment_id}: no rule matches")
    for segment_id, rows in table.groupby("segment_id", sort=False):
        click.echo(f"{segment_id}")
        for code, hits in rows.groupby("code", sort=False):
            outcome = hits["outcome"].iloc[0]
            status = hits["status"].iloc[0]
            stored = f" (now {status})" if status and status != outcome else ""
            click.echo(f"  {code}: {outcome}{stored}")
            for hit in hits.itertuples(index=False):
                label = "excluded by" if hit.kind == "exclude" else hit.kind
                click.echo(f"    {label} \"{hit.term}\" at {hit.start}-{hit.end}: "
                           f"{hit.context}")


@code.command("consensus")
@click.option("--coders", required=True, metavar="A,B[,C]",
              help="The coders to build the consensus from (comma-separated).")
@click.option("--rule", default="all", show_default=True, metavar="all|majority|any",
              help="all: every coder applied the code; majority: more than half; any: one.")
@click.option("--as", "name", default="final", show_default=True, metavar="NAME",
              help="The coder name the consensus is written as.")
@click.option("--keep-edits", is_flag=True, help="Rebuild around codings of NAME a person "
              "added or removed by hand (they are never overwritten).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the disagreements to this CSV (default: print them).")
@_project_option
@_fail_cleanly
def code_consensus(coders, rule, name, keep_edits, out, project_path) -> None:
    """Build a consensus coder (default `final`) from several coders' codings."""
    with _open(project_path) as project:
        report = project.build_consensus(coders.split(","), rule=rule, name=name,
                                         keep_edits=keep_edits)
    click.echo(f"Consensus {report.name!r} ({report.rule} of {', '.join(report.coders)}) on "
               f"{report.segments} segments every coder reviewed: {report.added} added, "
               f"{report.kept} kept, {report.removed} no longer agreed (archived).")
    if report.hand_codings:
        click.echo(f"{report.hand_codings} coding(s) of {report.name!r} made or removed by hand "
                   "were left as they are.")
    dis = report.disagreements
    click.echo(f"{len(dis)} disagreement(s) for a person to settle"
               + (" (in_final says whether the consensus kept the code):" if len(dis) else "."))
    if len(dis) and out is None:
        _write_table(dis, None)
    elif out is not None:
        _write_table(dis, out)


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
@click.option("--from", "from_coder", required=True, metavar="CODER",
              help="Learn from this coder's codings (their reviewed segments).")
@click.option("--evaluate", "evaluate_", is_flag=True,
              help="Cross-validate instead of suggesting: per-code support, precision, "
              "recall, F1 and kappa against the coder, for the model and the rules coder.")
@click.option("--folds", default=5, show_default=True, help="Folds for --evaluate.")
@click.option("--next", "next_n", type=int, default=None, metavar="N",
              help="Active learning: write a coding sheet (--sheet) of the N uncoded segments "
              "whose coding would teach the model most.")
@click.option("--sheet", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --next: the coding sheet to write (default: next-<coder>.xlsx).")
@click.option("--threshold", default=0.5, show_default=True,
              help="Suggest a code when its probability is at least this.")
@click.option("--seed", default=0, show_default=True, help="Random seed (same seed, same result).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --evaluate: also write the table as CSV.")
@_project_option
@_fail_cleanly
def suggest(from_coder, evaluate_, folds, next_n, sheet, threshold, seed, out,
            project_path) -> None:
    """Learn from a coder's codings and suggest codes for the segments they have not coded.

    Suggestions are source 'model' with a calibrated confidence; human codings are never
    touched. --evaluate measures first how far to trust it, code by code.
    """
    with _open(project_path) as project:
        if evaluate_:
            report = project.evaluate_suggester(from_coder=from_coder, folds=folds, seed=seed,
                                                threshold=threshold)
            table = report.table()
            click.echo(report.summary() + ".")
            click.echo(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
            if report.skipped:
                click.echo("Not evaluated: " + "; ".join(
                    f"{c} ({why})" for c, why in sorted(report.skipped.items())) + ".")
            if out is not None:
                _write_table(table, out)
            return
        if next_n is not None:
            ranked = project.next_to_code(from_coder=from_coder, n=next_n, seed=seed)
            target = sheet or Path(f"next-{from_coder}.xlsx")
            project.coding_sheet(target, coder=from_coder, segments=list(ranked["segment_id"]))
            click.echo(f"Wrote {target}: the {len(ranked)} segment(s) whose coding would teach "
                       f"the model most; fill it in, then: qda code import {target} --coder "
                       f"{from_coder}")
            return
        r = project.suggest(from_coder=from_coder, threshold=threshold, seed=seed)
    click.echo(f"Learned {len(r.codes)} code(s) from {r.taught} segment(s) {from_coder} "
               f"reviewed; {r.suggestions} suggestion(s) on {r.segments_suggested} segment(s) "
               f"(replaced {r.replaced} earlier open model suggestions; kept "
               f"{r.kept_reviewed} already reviewed).")
    if r.skipped:
        click.echo("Not learned: " + "; ".join(f"{c} ({why})" for c, why in
                                                sorted(r.skipped.items())) + ".")


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


@cli.group()
def review() -> None:
    """Accept or reject suggestions (rules, model)."""


def _review_filters(func):
    options = [
        click.option("--code", "codes", multiple=True, metavar="C",
                     help="Only suggestions of this code (repeatable; not its children)."),
        click.option("--source", "sources", multiple=True, metavar="rules|model",
                     help="Only suggestions from this source (repeatable)."),
        click.option("--segment", "segments", multiple=True, metavar="S",
                     help="Only suggestions on this segment (repeatable)."),
        click.option("--id", "ids", multiple=True, metavar="N",
                     help="This suggestion (coding id, see `qda review list`; repeatable)."),
        click.option("--min-confidence", default=None, metavar="X",
                     help="Only suggestions with a confidence of at least X (0-1); the rules' "
                     "have none and never match."),
        click.option("--max-confidence", default=None, metavar="X",
                     help="Only suggestions with a confidence of at most X (0-1)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@review.command("list")
@_review_filters
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV file to write (default: standard output).")
@_project_option
@_fail_cleanly
def review_list(codes, sources, segments, ids, min_confidence, max_confidence, out,
                project_path) -> None:
    """The open suggestions (with their coding ids), chosen by the filters."""
    with _open(project_path) as project:
        table = project.suggestions(ids=ids, segments=segments, codes=codes, sources=sources,
                                    min_confidence=min_confidence,
                                    max_confidence=max_confidence)
        texts = {r.document: r.text for r in project.documents(text=True).itertuples()}
    table = table.assign(text=[texts[d][s:e] for d, s, e in
                               zip(table["document_id"], table["start"], table["end"])])
    table["evidence"] = table["evidence"].map(
        lambda v: "; ".join(f"{e.get('kind', '')} {e['term']!r}" for e in v)
        if isinstance(v, list) else "")
    _write_table(table[["coding_id", "segment_id", "code_id", "source", "confidence",
                        "evidence", "text"]], out)


def _review(action, codes, sources, segments, ids, min_confidence, max_confidence, coder,
            all_, project_path) -> None:
    with _open(project_path) as project:
        report = project.review(action, coder=coder, ids=ids, segments=segments, codes=codes,
                                sources=sources, min_confidence=min_confidence,
                                max_confidence=max_confidence, all=all_)
    done = "accepted" if action == "accept" else "rejected"
    line = f"{report.changed} suggestion(s) {done} of {report.matched} matched"
    if report.duplicates:
        line += (f"; {report.duplicates} the coder already had (archived, kept whole)")
    click.echo(line + ".")
    for code, n in report.by_code.items():
        click.echo(f"  {code}: {n}")


def _review_command(action: str, whose: str, doc: str):
    """``qda review accept|reject``: the same filters, one verb."""
    @review.command(action, help=doc)
    @_review_filters
    @click.option("--coder", default=None, metavar="NAME",
                  help=f"{whose} (default: your login name).")
    @click.option("--all", "all_", is_flag=True, help=f"{action.capitalize()} every open "
                  "suggestion (needed when no filter is given).")
    @_project_option
    @_fail_cleanly
    def command(codes, sources, segments, ids, min_confidence, max_confidence, coder, all_,
                project_path) -> None:
        _review(action, codes, sources, segments, ids, min_confidence, max_confidence, coder,
                all_, project_path)
    return command


review_accept = _review_command(
    "accept", "Whose codings they become",
    "Accept suggestions: each becomes the coder's human coding, keeping where it came from.")
review_reject = _review_command(
    "reject", "Who rejects them", "Reject suggestions: kept as rejected, and never suggested again.")


def main() -> None:
    cli(prog_name="qda")


if __name__ == "__main__":
    main()

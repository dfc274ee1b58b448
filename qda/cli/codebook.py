"""``qda codebook``: load, show, diff, edit and export the codebook."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import click

from qda.cli.base import (
    _fail_cleanly,
    _open,
    _project_option,
    cli,
)


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
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="OLD=NEW",
    help="A code the file no longer has: merge its codings into NEW (repeatable).",
)
@click.option(
    "--archive",
    "archive",
    multiple=True,
    metavar="OLD",
    help="A code the file no longer has: move its codings to the archive (repeatable).",
)
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
            for code, n, guess in project.unresolved_removals(file, mapping=mapping, archive=archive):
                answer = click.prompt(
                    f"Code {code!r} has {n} coding(s) but is not in {file}. Merge them into "
                    "which code (or 'archive')",
                    default=guess or "archive",
                )
                if answer.strip() == "archive":
                    archive.append(code)
                else:
                    mapping[code] = answer.strip()
        report = project.load_codebook(file, mapping=mapping, archive=archive)
        n = len(project.codebook)
    if report.diff is not None and report.diff.empty:
        click.echo(f"Loaded {file}: no change; {n} codes (version {report.version}).")
        return
    extra = "".join(
        [
            f", {len(report.moved)} moved" if report.moved else "",
            f", {len(report.merged)} merged" if report.merged else "",
            f", {sum(report.archived.values())} codings archived" if report.archived else "",
        ]
    )
    click.echo(
        f"Loaded {file} (version {report.version}): {n} codes; "
        f"{len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.removed)} removed{extra}."
    )


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
        counts = project.code_counts().set_index("code")["all"] if len(project.codebook) else None
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
@click.option("--definitions", is_flag=True, hidden=True)  # the default now; kept for scripts
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
    sources = ["human", "rules", "model"] + [s for s in ("llm", "import") if counts[s].any()]
    click.echo(f"{cb.name} (version {cb.version}, {len(cb)} codes)")
    click.echo(
        "Segments coded at each code or under it, by source (rolled up; rejected codings not counted)."
    )
    width = max(len(c.id) + 2 * (cb.depth(c.id) - 1) for c in cb)
    width = max(width, len("code"))
    click.echo(f"{'code':<{width}}  " + "  ".join(f"{s:>5}" for s in sources) + "  name")
    for row in counts.to_dict("records"):  # records: a column named 'import' is no attribute
        code = cb.get(row["code"])
        indent = "  " * (row["depth"] - 1)
        numbers = "  ".join(f"{row[s]:>5}" for s in sources)
        click.echo(f"{indent + code.id:<{width}}  {numbers}  {code.name}")
        pad = " " * (len(indent) + 4)
        notes = [] if brief else [("", code.description)]
        if full:
            notes += [
                ("Include: ", code.include),
                ("Exclude: ", code.exclude),
                ("Keywords: ", ", ".join(code.keywords)),
                ("Patterns: ", "; ".join(map(str, code.patterns))),
                (
                    "Proximity: ",
                    "; ".join(
                        (" then " if r.get("ordered") else " + ").join(r["terms"]) + f" within {r['within']}"
                        for r in code.proximity
                    ),
                ),
            ]
        for label, text in notes:
            if text:
                for line in textwrap.wrap(
                    label + " ".join(text.split()), 88, initial_indent=pad, subsequent_indent=pad
                ):
                    click.echo(line)


@codebook.command("add")
@click.argument("code")
@click.argument("name")
@click.option(
    "--under", "parent", default=None, metavar="PARENT", help="The parent code (default: a top-level theme)."
)
@click.option("--description", default=None, help="What the code means.")
@click.option("--include", default=None, help="When to use it.")
@click.option("--exclude", default=None, help="When not to (and what to use instead).")
@click.option("--keyword", "keywords", multiple=True, help="A keyword, base form (repeatable).")
@click.option("--color", default=None, help="#rrggbb.")
@_project_option
@_fail_cleanly
def codebook_add(code, name, parent, description, include, exclude, keywords, color, project_path) -> None:
    """Add code CODE called NAME."""
    fields = {
        k: v
        for k, v in (
            ("description", description),
            ("include", include),
            ("exclude", exclude),
            ("color", color),
        )
        if v is not None
    }
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
    what += [f"name {before['name']!r} -> {after['name']!r}"] if after["name"] != before["name"] else []
    _edited(edit, f"Renamed {code}: {'; '.join(what)}; {edit.codings} coding(s) kept.")


@codebook.command("move")
@click.argument("code")
@click.option("--under", "parent", default=None, metavar="PARENT", help="The new parent code.")
@click.option("--top", is_flag=True, help="Make CODE a top-level theme.")
@click.option(
    "--position",
    type=click.IntRange(min=1),
    default=None,
    help="Place among its new siblings (1 = first; default last).",
)
@_project_option
@_fail_cleanly
def codebook_move(code, parent, top, position, project_path) -> None:
    """Move CODE (and the codes under it) under PARENT, or to the top with --top."""
    from qda.errors import InputError

    if bool(parent) == bool(top):
        raise InputError("say where to move the code: --under PARENT or --top")
    with _open(project_path) as project:
        edit = project.move_code(
            code, None if top else parent, position=None if position is None else position - 1
        )
    _edited(edit, f"Moved {code} under {parent or '(top level)'}; {edit.detail['codings']} coding(s) kept.")


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
    dup = f"; {edit.collapsed} duplicate(s) collapsed (the other copy archived)" if edit.collapsed else ""
    _edited(edit, f"Merged {source} into {into}: {edit.codings} coding(s) moved{dup}{kids}.")


@codebook.command("split")
@click.argument("code")
@click.option(
    "--into",
    "children",
    multiple=True,
    required=True,
    metavar="ID:NAME",
    help="A new child code (repeatable), e.g. --into home_visits_planned:'Planned'.",
)
@_project_option
@_fail_cleanly
def codebook_split(code, children, project_path) -> None:
    """Split CODE: add child codes; its codings stay on it, flagged for review."""
    from qda.errors import InputError

    specs = []
    for value in children:
        child_id, sep, name = value.partition(":")
        if not sep or not child_id.strip() or not name.strip():
            raise InputError(f"--into takes ID:NAME (e.g. home_visits_planned:Planned visits), not {value!r}")
        specs.append((child_id.strip(), name.strip()))
    with _open(project_path) as project:
        edit = project.split_code(code, specs)
    _edited(
        edit,
        f"Split {code} into {', '.join(edit.children)}; {edit.flagged} coding(s) "
        "flagged for review (column 'review' of `qda codings`).",
    )


@codebook.command("delete")
@click.argument("code")
@click.option("--archive", is_flag=True, help="Move the codings of the deleted codes to the archive first.")
@click.option("--keep-children", is_flag=True, help="Delete only CODE; its children take its place.")
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

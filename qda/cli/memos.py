"""``qda memo add|list|edit|delete``: notes on the project, a document, a participant, a
code or a coding (:class:`qda.Project` ``add_memo``, ``memos``, ``edit_memo``,
``delete_memo``)."""

from __future__ import annotations

import functools
import sys

import click

from qda.cli.base import _CSV_OUT, _fail_cleanly, _open, _project_option, _write_table, cli

_TARGETS = ("document", "participant", "code", "coding")


def _text(text: str | None) -> str | None:
    """``-`` reads the memo from standard input (a long note, a file piped in)."""
    return sys.stdin.read() if text == "-" else text


def _target_options(fn, *, listing: bool = False):
    what = "memos about" if listing else "the memo is about"
    fn = (
        click.option(
            "--coder",
            default=None,
            metavar="NAME",
            help="With --coding SEGMENT:CODE: whose coding, when several coded it.",
        )(fn)
        if not listing
        else fn
    )
    fn = click.option(
        "--coding",
        default=None,
        metavar="ID" if listing else "ID|SEGMENT:CODE",
        help=f"The coding {what} (its id" + (")." if listing else ", or segment and code)."),
    )(fn)
    fn = click.option("--code", default=None, metavar="ID", help=f"The code {what}.")(fn)
    fn = click.option("--participant", default=None, metavar="ID", help=f"The participant {what}.")(fn)
    return click.option(
        "--document", default=None, metavar="ID", help=f"The document {what} (default: the whole project)."
    )(fn)


@cli.group()
def memo() -> None:
    """Memos: notes on the project, a document, a participant, a code or a coding."""


@memo.command("add")
@click.argument("text")
@_target_options
@click.option("--title", default="", help="A short title.")
@click.option("--author", default=None, metavar="NAME", help="Who wrote it (default: your user name).")
@_project_option
@_fail_cleanly
def memo_add(text, document, participant, code, coding, coder, title, author, project_path) -> None:
    """Write a memo (TEXT, or - to read it from standard input). Without a target it is
    about the whole project."""
    with _open(project_path) as project:
        memo_id = project.add_memo(
            _text(text),
            document=document,
            participant=participant,
            code=code,
            coding=coding,
            coder=coder,
            title=title,
            who=author,
        )
        row = project.memos().set_index("memo_id").loc[memo_id]
    click.echo(f"Memo {memo_id} added ({row['target']}: {row['about']}).")


@memo.command("list")
@functools.partial(_target_options, listing=True)
@click.option("--author", default=None, metavar="NAME", help="Only this author's memos.")
@click.option("--full", is_flag=True, help="Print every memo whole, not one line each.")
@_CSV_OUT
@_project_option
@_fail_cleanly
def memo_list(document, participant, code, coding, author, full, out, project_path) -> None:
    """List the memos (all, or those about one thing or by one author)."""
    given = {k: v for k, v in zip(_TARGETS, (document, participant, code, coding)) if v is not None}
    target, target_id = next(iter(given.items())) if given else (None, None)
    with _open(project_path) as project:
        table = project.memos(target=target, target_id=target_id, author=author)
    if out is not None:
        _write_table(table, out)
    elif table.empty:
        click.echo("No memos.")
    else:
        for row in table.itertuples():
            click.echo(_full(row) if full else _line(row))


@memo.command("edit")
@click.argument("memo_id")
@click.argument("text", required=False)
@click.option("--title", default=None, help="A new title.")
@click.option("--author", default=None, metavar="NAME", help="Who is editing (default: your user name).")
@_project_option
@_fail_cleanly
def memo_edit(memo_id, text, title, author, project_path) -> None:
    """Give memo MEMO_ID a new TEXT (or - to read it from standard input) and/or title;
    the history keeps what it said before."""
    with _open(project_path) as project:
        project.edit_memo(memo_id, _text(text), title=title, who=author)
    click.echo(f"Memo {memo_id} changed.")


@memo.command("delete")
@click.argument("memo_id")
@click.option("--author", default=None, metavar="NAME", help="Who is deleting (default: your user name).")
@_project_option
@_fail_cleanly
def memo_delete(memo_id, author, project_path) -> None:
    """Delete memo MEMO_ID (its text stays in the project's history)."""
    with _open(project_path) as project:
        project.delete_memo(memo_id, who=author)
    click.echo(f"Memo {memo_id} deleted.")


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _line(row) -> str:
    title = f"{row.title}: " if row.title else ""
    return (
        f"{row.memo_id:>3}  {row.target:<11}  {_clip(row.about, 34):<34}  "
        f"{_clip(title + row.text, 60)}  ({row.author}, {row.updated_at[:10]})"
    )


def _full(row) -> str:
    about = row.about if row.target == "project" else f"{row.target} {row.about}"
    head = f"Memo {row.memo_id} on {about}"
    edited = "" if row.updated_at == row.created_at else f", changed by {row.updated_by} {row.updated_at}"
    lines = [head, f"  by {row.author} {row.created_at}{edited}"]
    if row.title:
        lines.append(f"  {row.title}")
    lines += [f"  {line}" for line in row.text.splitlines()] + [""]
    return "\n".join(lines)

"""``qda search``, ``qda words``, ``qda query``, ``qda show``: exploring the data.

Thin faces over :meth:`qda.Project.search`, ``words``, ``query`` / ``query_matrix`` /
``save_query`` and ``show``; tables print readably, or go to ``--out`` as CSV or
``.xlsx``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from qda.cli.base import _fail_cleanly, _guard, _open, _project_option, cli
from qda.errors import InputError

_TABLE_FORMATS = (".csv", ".xlsx")

_WHERE = click.option(
    "--where",
    "where",
    multiple=True,
    metavar="ATTR=VALUE",
    help="Only segments of participants with this attribute value "
    "(repeatable: the same attribute twice means either value).",
)
_OUT = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the table to this .csv or .xlsx file instead of printing it.",
)


def _check_out(out: Path | None) -> None:
    if out is not None and out.suffix.lower() not in _TABLE_FORMATS:
        raise InputError(f"{out}: write the table as .csv or .xlsx")


def _write(df, out: Path, *, sheet: str, about: list[tuple[str, str]], project=None) -> None:
    """``df`` to ``out`` (.csv or .xlsx), atomically; with ``project``, a file people
    fill in (an edited one is kept first)."""
    from contextlib import nullcontext

    from qda.export.excel import Sheet, write_workbook
    from qda.files import atomic_path

    with _guard(project, out) if project is not None else nullcontext():
        if out.suffix.lower() == ".xlsx":
            write_workbook(out, about=about, sheets=[Sheet(sheet, df, freeze_columns=1)])
        else:
            with atomic_path(out) as tmp:
                df.to_csv(tmp, index=False, encoding="utf-8")
    click.echo(f"Wrote {out} ({len(df)} rows)", err=True)


def _print(df) -> None:
    if df.empty:
        return
    import pandas as pd

    with pd.option_context(
        "display.max_rows",
        None,
        "display.max_columns",
        None,
        "display.width",
        250,
        "display.max_colwidth",
        60,
        "display.float_format",
        "{:.4g}".format,
    ):
        click.echo(df.to_string(index=False))


def _kwic_lines(hits, width: int) -> list[str]:
    side = max(20, (width - 50) // 2)
    lines = []
    for h in hits.itertuples(index=False):
        left = h.left if len(h.left) <= side else "…" + h.left[-(side - 1) :]
        right = h.right if len(h.right) <= side else h.right[: side - 1] + "…"
        lines.append(f"{h.segment_id:<28} {left:>{side}}[{h.hit}]{right}")
    return lines


@cli.command()
@click.argument("term")
@click.option("--regex", is_flag=True, help="TERM is a regular expression (case ignored).")
@click.option(
    "--lemma",
    is_flag=True,
    help="Find every form of TERM's words (visit: "
    "visits, visited, visiting), by the project's spaCy pipeline.",
)
@click.option(
    "--code", default=None, metavar="CODE", help="Only segments coded at CODE (or a code below it)."
)
@_WHERE
@click.option(
    "--context",
    type=int,
    default=8,
    show_default=True,
    metavar="N",
    help="Words of context each side of a hit.",
)
@click.option("--interviewer", is_flag=True, help="Search interviewer turns too.")
@_OUT
@click.option(
    "--code-as",
    default=None,
    metavar="CODE",
    help="Code every hit with CODE, as --coder's human coding of the hit's words.",
)
@click.option("--coder", default=None, metavar="NAME", help="Whose coding --code-as makes.")
@_project_option
@_fail_cleanly
def search(term, regex, lemma, code, where, context, interviewer, out, code_as, coder, project_path) -> None:
    """Find TERM (a word or phrase; `visit*` for any ending) in the segments: one line per
    hit with its context, or a table (--out F.csv or F.xlsx); the CSV is a long coding
    CSV that `qda code import` reads back once its `code` column is filled in (or written
    filled with --code-as C --coder NAME, which also codes the hits)."""
    _check_out(out)
    if code_as and not (coder and coder.strip()):
        raise InputError("--code-as needs --coder NAME: whose coding the hits become")
    if coder and not code_as:
        raise InputError("--coder is for --code-as CODE (coding the hits); add --code-as")
    with _open(project_path) as project:
        if code_as and code_as not in project.codebook:
            raise InputError(f"--code-as: unknown code {code_as!r}; see `qda codebook show` for the ids")
        hits = project.search(
            term, regex=regex, lemma=lemma, code=code, where=where, context=context, interviewer=interviewer
        )
        kind = "regular expression" if regex else "every form of" if lemma else "words"
        segments = hits["segment_id"].nunique()
        click.echo(
            f"{len(hits)} hit(s) of {kind} {term!r} in {segments} segment(s) of "
            f"{hits['document'].nunique()} document(s).",
            err=True,
        )
        if out is not None:
            table = project.hits_table(hits, code=code_as, coder=coder)
            about = [
                ("Search", f"{kind} {term!r}"),
                ("Hits", str(len(hits))),
                (
                    "Offsets",
                    "start and end are character offsets into the document's stored text; text is the hit",
                ),
            ]
            _write(table, out, sheet="Search", about=about, project=project)
        else:
            width = shutil.get_terminal_size((140, 20)).columns
            for line in _kwic_lines(hits, width):
                click.echo(line)
        if code_as and len(hits):
            r = project.code_hits(hits, code_as, coder=coder, label=f"search {term!r}")
            click.echo(
                f"Coded {r.added} hit(s) as {code_as} for {r.coder} ({r.already} already coded so).", err=True
            )


@cli.command()
@click.option(
    "--by", default=None, metavar="ATTR", help="Count per value of this participant attribute, with keyness."
)
@click.option(
    "--codes",
    default=None,
    metavar="A,B,...",
    help="Only segments coded at these codes (or codes below them).",
)
@_WHERE
@click.option(
    "--top",
    type=int,
    default=20,
    show_default=True,
    metavar="N",
    help="The N most frequent words (of each group).",
)
@click.option(
    "--min-count",
    type=int,
    default=1,
    show_default=True,
    metavar="K",
    help="Only words counted at least K times (in the group).",
)
@click.option(
    "--sort",
    type=click.Choice(["count", "keyness"]),
    default="count",
    show_default=True,
    help="Order within each group.",
)
@_OUT
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A bar chart of the words, .png or .svg.",
)
@_project_option
@_fail_cleanly
def words(by, codes, where, top, min_count, sort, out, chart, project_path) -> None:
    """Word frequencies (lemmas, stop words left out), per group with each word's share
    and its keyness (log-likelihood against the other groups)."""
    from qda.cli.analysis import parse_list

    _check_out(out)
    if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
        raise InputError(f"{chart}: draw the chart as .png or .svg")
    with _open(project_path) as project:
        table = project.words(
            by=by, codes=parse_list(codes), where=where, top=top, min_count=min_count, sort=sort
        )
        if out is not None:
            _write(
                table,
                out,
                sheet="Words",
                about=[("Words", "lemmas, stop words left out; keyness: log-likelihood")],
            )
        else:
            _print(table)
        if chart is not None:
            from qda.export.charts import save_figure, word_chart

            title = ("Key words" if sort == "keyness" else "Most frequent words") + (
                f" by {by}" if by else ""
            )
            save_figure(word_chart(table, by=by, top=top, title=title), chart)
            click.echo(f"Wrote {chart}", err=True)


@cli.command()
@click.argument("expression")
@_WHERE
@click.option(
    "--coder",
    "coders",
    multiple=True,
    metavar="NAME",
    help="Query this coder's codings (repeatable; default: the codings the analyses use).",
)
@_OUT
@click.option(
    "--matrix",
    "rows",
    default=None,
    metavar="ROWS",
    help="Counts instead of passages: participant, document or an attribute by "
    "each code of the query and the query.",
)
@click.option(
    "--save",
    "name",
    default=None,
    metavar="NAME",
    help="Keep the query by NAME (use it in `qda matrix --query NAME`).",
)
@_project_option
@_fail_cleanly
def query(expression, where, coders, out, rows, name, project_path) -> None:
    """Passages coded by EXPRESSION: codes with AND, OR, NOT, parentheses and NEAR/N (at
    most N turns apart in a document); a code includes the codes below it. E.g.
    "direct_involvement AND NOT home_visits"."""
    _check_out(out)
    with _open(project_path) as project:
        coders = list(coders) or None
        if rows is not None:
            table = project.query_matrix(expression, rows=rows, where=where, coders=coders)
        else:
            table = project.query(expression, where=where, coders=coders)
            click.echo(f"{len(table)} passage(s) for {expression!r}.", err=True)
        if name is not None:
            project.save_query(name, expression, where=where, coders=coders)
            click.echo(f"Saved as {name!r} (qda matrix --query {name}).", err=True)
        if out is not None:
            _write(table, out, sheet="Query", about=[("Query", expression)])
        elif rows is not None:
            _print(table)
        else:
            width = max(100, shutil.get_terminal_size((140, 20)).columns)
            for r in table.itertuples(index=False):
                who = r.participant if isinstance(r.participant, str) else "no participant"
                if isinstance(r.attribution, str) and r.attribution:
                    who += f", {r.attribution}"
                head = f"{r.segment_id} ({who}) [{r.codes}]: "
                text, room = " ".join(str(r.text).split()), max(40, width - len(head))
                click.echo(head + (text[: room - 1] + "…" if len(text) > room else text))


@cli.command()
@click.argument("segment")
@click.option(
    "--context",
    type=int,
    default=2,
    show_default=True,
    metavar="N",
    help="Turns before and after the passage.",
)
@_project_option
@_fail_cleanly
def show(segment, context, project_path) -> None:
    """A passage (SEGMENT id, as in the quote bank) with N turns each side, and its
    codings."""
    with _open(project_path) as project:
        passage = project.show(segment, context=context)
    width = shutil.get_terminal_size((100, 20)).columns
    click.echo(passage.to_text(width=max(60, min(width, 120))))

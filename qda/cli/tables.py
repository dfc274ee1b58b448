"""``qda segments``, ``qda codings``, ``qda matrix``: the project's tables as CSV."""

from __future__ import annotations

import click

from qda.cli.analysis import (
    codes_option,
    depth_option,
    filter_options,
    filters,
    parse_depth,
    parse_list,
)
from qda.cli.base import (
    _CSV_OUT,
    _fail_cleanly,
    _open,
    _project_option,
    _write_table,
    cli,
)


@cli.command()
@_CSV_OUT
@click.option("--interviewer", is_flag=True, help="Include interviewer turns.")
@_project_option
@_fail_cleanly
def segments(out, interviewer, project_path) -> None:
    """The segment table as CSV."""
    with _open(project_path) as project:
        _write_table(project.segments(interviewer=interviewer), out)


@cli.command()
@_CSV_OUT
@click.option("--coder", "coders", multiple=True, help="Only this coder (repeatable).")
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(["human", "rules", "model", "llm", "import"]),
    help="Only this source (repeatable).",
)
@click.option(
    "--reviewed",
    is_flag=True,
    help="Also a row with an empty code for each segment a coder reviewed and found no code for.",
)
@_project_option
@_fail_cleanly
def codings(out, coders, sources, reviewed, project_path) -> None:
    """The long coding table as CSV (`qda code import` reads it back)."""
    with _open(project_path) as project:
        df = project.coding_table(coders=coders or None, sources=sources or None, reviewed=reviewed)
        from qda.coding import evidence  # loads spaCy: only once a table is written

        df["evidence"] = df["evidence"].map(evidence.located)
        # the long coding CSV goes out to be edited and comes back with `qda code import`
        _write_table(
            df,
            out,
            project=project,
            hint="codings edited in it go into the project with `qda code import {kept} --coder NAME`",
        )


@cli.command()
@click.option(
    "--rows",
    default="participant",
    show_default=True,
    help="participant, document, or a participant attribute (role, group, ...).",
)
@click.option(
    "--value", type=click.Choice(["count", "presence", "share", "words"]), default="count", show_default=True
)
@depth_option("all")
@codes_option
@filter_options
@click.option(
    "--query",
    "queries",
    multiple=True,
    metavar="NAME",
    help="A saved coding query (qda query EXPR --save NAME) as one more column (repeatable).",
)
@click.option(
    "--totals",
    is_flag=True,
    help="Add a Total column and row (distinct segments, "
    "never a plain sum: a segment coded at two codes counts once).",
)
@_CSV_OUT
@_project_option
@_fail_cleanly
def matrix(rows, value, depth, codes, coders, sources, statuses, queries, totals, out, project_path) -> None:
    """The cross-reference matrix of rows by codes (sub-codes rolled up)."""
    chosen = filters(coders, sources, statuses)
    with _open(project_path) as project:
        table = project.matrix(
            rows=rows,
            value=value,
            depth=parse_depth(depth, None),
            codes=parse_list(codes),
            totals=totals,
            queries=list(queries) or None,
            **chosen,
        )
        click.echo(f"# {project.select_codings(**chosen).description}", err=True)
    _write_table(table, out)


@cli.command()
@_CSV_OUT
@_project_option
@_fail_cleanly
def documents(out, project_path) -> None:
    """The documents with their import report (speakers, turns, words, warnings) as CSV."""
    with _open(project_path) as project:
        _write_table(project.import_report(), out)

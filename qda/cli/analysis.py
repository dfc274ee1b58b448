"""``qda agreement``, ``crosstab``, ``cooccurrence``, ``saturation``, ``framework``: the
analyses as CSV (or, for the framework matrix, a workbook to fill in and import).

The options shared with ``qda matrix`` (``--depth``, ``--codes`` and the coding
filters) are defined here.
"""

from __future__ import annotations

import math
from pathlib import Path

import click

from qda.cli.base import (
    _CSV_OUT,
    _fail_cleanly,
    _guard,
    _open,
    _project_option,
    _write_table,
    cli,
)
from qda.errors import InputError


def parse_depth(text: str | None, default: int | None) -> int | None:
    """``--depth``: a whole number from 1 (themes) or ``all`` (every code)."""
    if text is None:
        return default
    if text.strip().lower() == "all":
        return None
    try:
        depth = int(text)
    except ValueError:
        raise InputError(f"--depth must be a whole number from 1 (themes) or all, not {text!r}") from None
    if depth < 1:
        raise InputError(f"--depth must be 1 (themes) or more, or all; not {depth}")
    return depth


def parse_list(text: str | None) -> list[str] | None:
    """``A,B,C`` -> ``["A", "B", "C"]`` (blanks dropped); None stays None."""
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    return items or None


def depth_option(default: str):
    return click.option(
        "--depth",
        default=None,
        metavar="N|all",
        help=f"Codes down to this depth, sub-codes rolled up (1 = themes; "
        f"all = every code). Default: {default}.",
    )


def codes_option(func):
    return click.option(
        "--codes",
        default=None,
        metavar="A,B,...",
        help="Only these codes (comma-separated ids, each with its sub-codes rolled up); overrides --depth.",
    )(func)


def filter_options(func):
    """``--coder``, ``--source``, ``--status``: which codings (default: human and accepted
    codings, or the open suggestions on a project nobody has coded yet)."""
    options = [
        click.option(
            "--coder", "coders", multiple=True, metavar="NAME", help="Only this coder's codings (repeatable)."
        ),
        click.option(
            "--source",
            "sources",
            multiple=True,
            type=click.Choice(["human", "rules", "model", "llm", "import"]),
            help="Only codings of this source (repeatable).",
        ),
        click.option(
            "--status",
            "statuses",
            multiple=True,
            type=click.Choice(["suggested", "accepted", "rejected"]),
            help="Only codings with this status (repeatable).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def filters(coders, sources, statuses) -> dict:
    return {
        "coders": list(coders) or None,
        "sources": list(sources) or None,
        "statuses": list(statuses) or None,
    }


def _basis(project, **chosen) -> None:
    click.echo(f"# {project.select_codings(**chosen).description}", err=True)


# ---------------------------------------------------------------------- agreement
@cli.command()
@click.option(
    "--coders", required=True, metavar="A,B[,C]", help="The coders to compare (comma-separated, two or more)."
)
@depth_option("all")
@codes_option
@_CSV_OUT
@_project_option
@_fail_cleanly
def agreement(coders, depth, codes, out, project_path) -> None:
    """Agreement between coders per code and overall: percent agreement, Cohen's kappa
    (two coders) and Krippendorff's alpha (nominal), on the segments they reviewed."""
    with _open(project_path) as project:
        result = project.agreement(
            parse_list(coders) or [], depth=parse_depth(depth, None), codes=parse_list(codes)
        )
    table = result.to_frame()
    click.echo(result.note, err=True)
    if out is not None:
        _write_table(table, out)
        return
    shown = (
        table.assign(
            percent_agreement=table["percent_agreement"].map(lambda v: _fmt(v, "{:.1f}%")),
            cohen_kappa=table["cohen_kappa"].map(lambda v: _fmt(v, "{:.3f}")),
            krippendorff_alpha=table["krippendorff_alpha"].map(lambda v: _fmt(v, "{:.3f}")),
        )
        .drop(columns=["code"])
        .rename(
            columns={
                "code_id": "code",
                "percent_agreement": "agreement",
                "cohen_kappa": "kappa",
                "krippendorff_alpha": "alpha",
            }
        )
    )
    click.echo(shown.to_string(index=False))


def _fmt(value, pattern: str) -> str:
    return (
        "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else pattern.format(value)
    )


# ----------------------------------------------------------------------- crosstab
@cli.command()
@click.argument("attribute")
@click.option(
    "--unit",
    type=click.Choice(["segments", "participants"]),
    default="segments",
    show_default=True,
    help="Count coded segments, or participants once per code.",
)
@depth_option("1 (themes)")
@codes_option
@filter_options
@_CSV_OUT
@_project_option
@_fail_cleanly
def crosstab(attribute, unit, depth, codes, coders, sources, statuses, out, project_path) -> None:
    """Codes by the values of a participant ATTRIBUTE (counts, row and column %)."""
    chosen = filters(coders, sources, statuses)
    with _open(project_path) as project:
        table = project.crosstab(
            attribute, unit=unit, depth=parse_depth(depth, 1), codes=parse_list(codes), **chosen
        )
        _basis(project, **chosen)
    click.echo(f"# {table.note}", err=True)
    _write_table(table.to_frame().round(1), out)  # percentages to one decimal


# ------------------------------------------------------------------ co-occurrence
@cli.command()
@click.option(
    "--value",
    type=click.Choice(["counts", "c"]),
    default="counts",
    show_default=True,
    help="Segments coded at both codes, or the c-coefficient n12 / (n1 + n2 - n12).",
)
@click.option("--pairs", is_flag=True, help="One row per pair of codes instead of a square.")
@depth_option("1 (themes)")
@codes_option
@filter_options
@_CSV_OUT
@_project_option
@_fail_cleanly
def cooccurrence(value, pairs, depth, codes, coders, sources, statuses, out, project_path) -> None:
    """Codes co-occurring within segments: counts (diagonal: segments at the code) or
    the c-coefficient."""
    chosen = filters(coders, sources, statuses)
    with _open(project_path) as project:
        result = project.cooccurrence(depth=parse_depth(depth, 1), codes=parse_list(codes), **chosen)
        _basis(project, **chosen)
    if pairs:
        _write_table(result.pairs(), out)
    else:
        _write_table(result.to_frame(value="counts" if value == "counts" else "c_coefficient"), out)


# --------------------------------------------------------------------- saturation
@cli.command()
@depth_option("all")
@codes_option
@filter_options
@_CSV_OUT
@_project_option
@_fail_cleanly
def saturation(depth, codes, coders, sources, statuses, out, project_path) -> None:
    """New codes first seen in each successive document (import order)."""
    chosen = filters(coders, sources, statuses)
    with _open(project_path) as project:
        table = project.saturation(depth=parse_depth(depth, None), codes=parse_list(codes), **chosen)
        _basis(project, **chosen)
    _write_table(table, out)


# ---------------------------------------------------------------------- framework
@cli.group(invoke_without_command=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="An .xlsx workbook (sheet Framework) or a .csv (default: CSV to standard output).",
)
@depth_option("1 (themes)")
@codes_option
@filter_options
@_project_option
@click.pass_context
@_fail_cleanly
def framework(ctx, out, depth, codes, coders, sources, statuses, project_path) -> None:
    """The framework matrix: participants by themes, their quotes and a summary column
    to fill in (then: qda framework import F --by NAME)."""
    if ctx.invoked_subcommand is not None:
        return
    if out is not None and out.suffix.lower() not in (".xlsx", ".csv"):
        raise InputError(f"{out}: write the framework matrix as .xlsx or .csv")
    chosen = filters(coders, sources, statuses)
    from qda.reports.guard import WORKBOOK_HINT

    with _open(project_path) as project:
        table = project.framework(depth=parse_depth(depth, 1), codes=parse_list(codes), **chosen)
        basis = project.select_codings(**chosen).description
        click.echo(f"# {basis}", err=True)
        if out is None or out.suffix.lower() == ".csv":
            _write_table(table, out, project=project, hint=WORKBOOK_HINT)
            return
        from qda.reports import write_framework

        with _guard(project, out, hint=WORKBOOK_HINT):
            write_framework(out, table, project=project.path.name, basis=basis)
    click.echo(
        f"Wrote {out} ({len(table)} participants); fill in the summary columns, "
        f"then: qda framework import {out.name} --by NAME",
        err=True,
    )


@framework.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--by", required=True, metavar="NAME", help="Who wrote the summaries (history).")
@_project_option
@_fail_cleanly
def framework_import(file, by, project_path) -> None:
    """Read the summary columns of a filled framework sheet (.xlsx or .csv) back."""
    with _open(project_path) as project:
        report = project.import_framework(file, by=by)
    click.echo(str(report))

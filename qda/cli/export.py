"""``qda export``: the workbook, charts and quote bank."""

from __future__ import annotations

from pathlib import Path

import click

from qda.cli.base import (
    _fail_cleanly,
    _open,
    _project_option,
    cli,
)


@cli.command()
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The research-database workbook.")
@click.option("--constant-memory/--no-constant-memory", default=None,
              help="Write the workbook in xlsxwriter's streaming mode (flat memory; filters "
              "instead of Excel tables). Default: only for large projects.")
@click.option("--charts", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A folder for the charts (each as .png and .svg).")
@click.option("--quotes", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The quote bank: Markdown (.md) or Word (.docx).")
@click.option("--order", type=click.Choice(["document", "confidence", "length"]),
              default="document", show_default=True,
              help="Quotes within each code: document order, the coder's confidence "
              "(highest first), or length (longest first).")
@_project_option
@_fail_cleanly
def export(xlsx, constant_memory, charts, quotes, order, project_path) -> None:
    """Write the workbook, charts and quote bank (the same codings as the matrix)."""
    from qda import reports
    from qda.errors import InputError

    if not (xlsx or charts or quotes):
        raise InputError("say what to export: --xlsx F, --charts DIR and/or --quotes F")
    if quotes and quotes.suffix.lower() not in reports.QUOTE_FORMATS:
        raise InputError(f"{quotes}: the quote bank is written as Markdown (.md) or Word "
                         "(.docx); name the file with one of those extensions")
    with _open(project_path) as project:
        written = []
        if xlsx:
            written.append(reports.export_workbook(project, xlsx,
                                                   constant_memory=constant_memory))
        if charts:
            written += reports.export_charts(project, charts)
        if quotes:
            written.append(reports.export_quotes(project, quotes, order=order))
    for path in written:
        click.echo(f"Wrote {path}")

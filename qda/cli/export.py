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

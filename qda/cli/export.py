"""``qda export``: the workbook, charts, quote bank and REFI-QDA files (.qdpx, .qdc)."""

from __future__ import annotations

from pathlib import Path

import click

from qda.cli.base import (
    _fail_cleanly,
    _open,
    _project_option,
    _warn,
    cli,
)


@cli.command()
@click.option(
    "--xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The research-database workbook.",
)
@click.option(
    "--constant-memory/--no-constant-memory",
    default=None,
    help="Write the workbook in xlsxwriter's streaming mode (flat memory; filters "
    "instead of Excel tables). Default: only for large projects.",
)
@click.option(
    "--charts",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A folder for the charts (each as .png and .svg).",
)
@click.option(
    "--group",
    "groups",
    multiple=True,
    metavar="ATTR",
    help="With --charts: draw theme prevalence by this participant attribute "
    "(repeatable; default: group, else the first attribute that makes groups).",
)
@click.option(
    "--quotes",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The quote bank: Markdown (.md) or Word (.docx).",
)
@click.option(
    "--order",
    type=click.Choice(["document", "confidence", "length"]),
    default="document",
    show_default=True,
    help="Quotes within each code: document order, the coder's confidence "
    "(highest first), or length (longest first).",
)
@click.option(
    "--qdpx",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder...",
)
@click.option(
    "--qdc",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The codebook as a REFI-QDA codebook (.qdc).",
)
@click.option(
    "--suggestions",
    is_flag=True,
    default=False,
    help="With --qdpx: also export open suggestions (other programs show them as "
    "codings; each says so in its selection's description).",
)
@_project_option
@_fail_cleanly
def export(
    xlsx, constant_memory, charts, groups, quotes, order, qdpx, qdc, suggestions, project_path
) -> None:
    """Write the workbook, charts and quote bank (the same codings as the matrix), and
    REFI-QDA files for other QDA programs."""
    from qda import reports
    from qda.errors import InputError

    if not (xlsx or charts or quotes or qdpx or qdc):
        raise InputError("say what to export: --xlsx F, --charts DIR, --quotes F, --qdpx F and/or --qdc F")
    if quotes:
        reports.check_quote_path(quotes)
    if qdpx and qdpx.suffix.lower() != ".qdpx":
        raise InputError(f"{qdpx}: a REFI-QDA project is written as .qdpx; name it .qdpx")
    if qdc and qdc.suffix.lower() != ".qdc":
        raise InputError(f"{qdc}: a REFI-QDA codebook is written as .qdc; name it .qdc")
    if groups and not charts:
        raise InputError("--group is for --charts (the prevalence chart); add --charts DIR")
    if suggestions and not qdpx:
        raise InputError("--suggestions is for --qdpx (the project file); add --qdpx F")
    with _open(project_path) as project:
        written = []
        if xlsx or charts or quotes:
            result = reports.export_all(
                project,
                workbook=xlsx,
                charts=charts,
                quotes=quotes,
                group=list(groups) or None,
                order=order,
                constant_memory=constant_memory,
            )
            _warn(result.warnings)
            written += result.paths
        if qdpx:
            written.append(project.export_qdpx(qdpx, suggestions=suggestions))
        if qdc:
            written.append(project.export_qdc(qdc))
    for path in written:
        click.echo(f"Wrote {path}")

"""``qda participants``: the participants sheet."""

from __future__ import annotations

import warnings
from pathlib import Path

import click

from qda.cli.base import (
    _fail_cleanly,
    _open,
    _project_option,
    _warn,
    _write_table,
    cli,
)


@cli.group()
def participants() -> None:
    """The participants sheet."""


@participants.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@_project_option
@_fail_cleanly
def participants_load(file, project_path) -> None:
    """Map every document's speakers to participants by a sheet (CSV/XLSX)."""
    with _open(project_path) as project, warnings.catch_warnings(record=True) as noted:
        warnings.simplefilter("always", UserWarning)
        unmapped = project.load_participants(file)
        n = len(project.participants())
    _warn([str(w.message) for w in noted if issubclass(w.category, UserWarning)])
    if unmapped:
        _warn(
            [
                f"{len(unmapped)} speaker(s) are still not in a sheet: "
                + "; ".join(f"{d}: {s or '(whole document)'}" for d, s in unmapped[:12])
            ]
        )
    click.echo(f"Loaded {file}; {n} participants in the project.")


@participants.command("template")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the sheet here (CSV); default: print it.",
)
@_project_option
@_fail_cleanly
def participants_template(out, project_path) -> None:
    """A participants sheet to fill in for the speakers no sheet maps yet."""
    with _open(project_path) as project:
        sheet = project.participants_template()
        if sheet.empty:
            click.echo("Every speaker is mapped to a participant; nothing to fill in.", err=True)
        _write_table(
            sheet,
            out,
            project=project,
            hint="rows filled in it go into the project with `qda participants load {kept}`",
        )


@participants.command("show")
@_project_option
@_fail_cleanly
def participants_show(project_path) -> None:
    """Print the participants and their attributes."""
    with _open(project_path) as project:
        click.echo(project.participants().to_string(index=False))

"""``qda backup`` and ``qda restore``: copies of the project, and putting one back."""

from __future__ import annotations

from pathlib import Path

import click

from qda.cli.base import _fail_cleanly, _open, _project_option, _warn, cli


@cli.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the copy here (default: a timestamped file in PROJECT.backups/).",
)
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Keep the N most recent automatic backups from now on (default 10).",
)
@click.option("--list", "list_", is_flag=True, help="List the automatic backups instead.")
@_project_option
@_fail_cleanly
def backup(out, keep, list_, project_path) -> None:
    """Back the project up (safe while other qda commands use it).

    qda also backs up by itself before upgrading a project's schema, before a codebook
    merge or delete, and before a restore; put one back with `qda restore FILE`.
    """
    with _open(project_path) as project:
        if list_:
            table = project.backups()
            if table.empty:
                click.echo(f"No automatic backups yet (they go in {project_path}.backups/).")
            for row in table.itertuples():
                click.echo(f"{row.at}  {row.reason:<28} {row.bytes:>10} bytes  {row.file}")
            return
        if keep is not None:
            project.set_backup_limit(keep)
        copy = project.backup("manual", out=out)
    click.echo(f"Backed up {project_path} to {copy}")


@cli.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@_project_option
@_fail_cleanly
def restore(source, project_path) -> None:
    """Put the backup SOURCE in place of the project.

    SOURCE must be a whole qda project (checked first; nothing changes otherwise). The
    project as it is now is backed up first, so a restore can itself be undone.
    """
    from qda.project import Project

    project, kept = Project.restore(project_path, source)
    with project:
        _warn(project.warnings)
        summary = project.summary()
    click.echo(
        f"Restored {project_path} from {source} ({summary['documents']} documents, "
        f"{summary['codings']} codings)." + (f" The previous state is kept in {kept}." if kept else "")
    )

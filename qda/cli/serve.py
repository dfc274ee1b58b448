"""``qda serve``: the local coding page."""

from __future__ import annotations

from pathlib import Path

import click

from qda.cli.base import _fail_cleanly, _project_option, cli
from qda.errors import ProjectError


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. 0.0.0.0 lets anyone on the network with the "
    "printed address reach the project.",
)
@click.option("--no-browser", is_flag=True, help="Print the address; do not open a browser.")
@_project_option
@_fail_cleanly
def serve(port, host, no_browser, project_path: Path) -> None:
    """Read, code and review the project in a browser.

    Prints the address with its access token on one line, then serves until Ctrl-C.
    """
    from qda.serve import serve as run

    if not project_path.exists():
        raise ProjectError(
            f"{project_path}: no such project; create one with `qda run` or "
            f"`qda init {project_path}`, or give --project FILE"
        )
    try:
        run(project_path, host=host, port=port, open_browser=not no_browser)
    except KeyboardInterrupt:
        pass

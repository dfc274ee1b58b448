"""The command line in this process."""

from __future__ import annotations

from click.testing import CliRunner

from qda.cli import cli


def invoke(*args):
    """``qda ARGS`` through click's runner, every argument as a string."""
    return CliRunner().invoke(cli, [str(a) for a in args])

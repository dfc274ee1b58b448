"""``qda suggest --llm URL --model NAME``: the options and the command's LLM branch."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click

from qda.cli.base import _open, _warn, _write_table


def llm_options(func):
    """``--llm``, ``--model``, ``--allow-remote``, ``--timeout`` on ``qda suggest``."""
    options = [
        click.option(
            "--llm",
            "llm_url",
            default=None,
            metavar="URL",
            help="Ask an LLM through an OpenAI-compatible endpoint instead of "
            "learning from a coder, e.g. http://localhost:11434/v1 (Ollama) or "
            "http://127.0.0.1:8080 (llama.cpp server). Answers are cached in the "
            "project.",
        ),
        click.option(
            "--model",
            default=None,
            metavar="NAME",
            help="With --llm: the model to ask (as the server names it).",
        ),
        click.option(
            "--allow-remote",
            is_flag=True,
            help="With --llm: allow an endpoint that is not on this machine "
            "(participants' words are sent to it).",
        ),
        click.option(
            "--timeout",
            default=120.0,
            show_default=True,
            metavar="S",
            help="With --llm: seconds to wait for one answer.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@contextmanager
def _progress():
    """A progress bar on standard error (a terminal only): (done, total) callbacks."""
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="segment", file=sys.stderr, disable=None, leave=False)
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()


def suggest_llm(*, url, model, allow_remote, timeout, from_coder, evaluate_, out, project_path) -> None:
    """The LLM branch of ``qda suggest``."""
    from qda.coding.endpoint import Endpoint

    if not model:
        raise click.UsageError(
            "--llm needs --model NAME (the model as the server names it, e.g. gemma3:4b for Ollama)"
        )
    if from_coder and not evaluate_:
        raise click.UsageError(
            "with --llm, --from CODER goes with --evaluate (whose coding to "
            "compare the LLM with); the LLM learns from the codebook only"
        )
    endpoint = Endpoint.at(url, model=model, timeout=timeout)
    click.echo(endpoint.describe())
    endpoint.check_allowed(allow_remote)
    with _open(project_path) as project, _progress() as progress:
        if evaluate_:
            if not from_coder:
                raise click.UsageError("--evaluate needs --from CODER: whose coding to compare the LLM with")
            ev = project.evaluate_llm(
                endpoint, from_coder=from_coder, allow_remote=allow_remote, progress=progress
            )
        else:
            r = project.suggest_llm(endpoint, allow_remote=allow_remote, progress=progress)
    if evaluate_:
        _warn(ev.report.warnings())
        table = ev.table()
        click.echo(ev.summary() + ".")
        click.echo(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        if ev.other_codes:
            click.echo(
                "Also suggested, codes the coder never applied: "
                + "; ".join(f"{c} ({n})" for c, n in sorted(ev.other_codes.items()))
                + "."
            )
        if out is not None:
            _write_table(table, out)
        return
    _warn(r.warnings())
    click.echo(
        f"Asked {r.model} about {r.segments} segment(s): {r.asked} sent, {r.cached} "
        f"answered from the project's cache; {r.suggestions} suggestion(s) on "
        f"{r.segments_suggested} segment(s) (replaced {r.replaced} earlier open llm "
        f"suggestions; kept {r.kept_reviewed} already reviewed)."
    )

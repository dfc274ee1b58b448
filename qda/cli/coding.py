"""``qda code``, ``qda suggest``, ``qda review``: coding by rules, people and models."""

from __future__ import annotations

from pathlib import Path

import click

from qda.cli.base import (
    _CSV_OUT,
    _SPACY,
    _fail_cleanly,
    _guard,
    _open,
    _parallel,
    _project_option,
    _warn,
    _write_table,
    cli,
)
from qda.cli.llm import llm_options, suggest_llm
from qda.errors import InputError


def suggest_cold(*, evaluate_, against, next_n, helpers, seed, out, project_path) -> None:
    """``qda suggest`` with no --from: suggestions from the codebook alone."""
    if next_n is not None or helpers:
        raise click.UsageError("--next and --helper learn from a coder: give --from CODER")
    if evaluate_ != (against is not None):
        raise click.UsageError(
            "the cold start's --evaluate needs --against CODER (the coder "
            "to score it against), and --against goes with --evaluate"
        )
    with _open(project_path) as project:
        if evaluate_:
            table = project.evaluate_cold_start(against=against, seed=seed)
            click.echo(
                f"The cold start (no coding used) against {against}'s "
                f"{int(table['support'].iloc[-1])} codings:"
            )
            click.echo(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
            if out is not None:
                _write_table(table, out)
            return
        r = project.suggest_from_codebook(seed=seed)
    click.echo(
        f"Suggested from the codebook alone ({r.path} path, no coding used): "
        f"{r.suggestions} suggestion(s) on {r.segments_suggested} segment(s), "
        f"{len(r.codes)} code(s) compared (replaced {r.replaced} earlier open model "
        f"suggestions; kept {r.kept_reviewed} already reviewed)."
    )
    if r.name_only:
        shown = ", ".join(r.name_only[:8]) + (
            f" and {len(r.name_only) - 8} more" if len(r.name_only) > 8 else ""
        )
        _warn(
            [
                f"{len(r.name_only)} code(s) have no description, include notes or examples "
                f"and were compared by their name alone: {shown}"
            ]
        )


def _print_evaluation(report, out: Path | None) -> None:
    """``qda suggest --from --evaluate``'s table, the basis of its figures, what was left
    out; the table also as CSV to ``out``."""
    table = report.table()
    click.echo(report.summary() + ".")
    click.echo(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    click.echo(report.basis())
    if report.skipped:
        click.echo(
            "Not evaluated: " + "; ".join(f"{c} ({why})" for c, why in sorted(report.skipped.items())) + "."
        )
    if out is not None:
        _write_table(table, out)


def _write_next_sheet(project, from_coder: str, next_n: int, *, seed: int, sheet: Path | None) -> None:
    """``qda suggest --next N``: a coding sheet of the segments that would teach most."""
    from qda.reports.guard import SHEET_HINT

    ranked = project.next_to_code(from_coder=from_coder, n=next_n, seed=seed)
    target = sheet or Path(f"next-{from_coder}.xlsx")
    with _guard(project, target, hint=SHEET_HINT):
        project.coding_sheet(target, coder=from_coder, segments=list(ranked["segment_id"]))
    click.echo(
        f"Wrote {target}: the {len(ranked)} segment(s) whose coding would teach "
        f"the model most; fill it in, then: qda code import {target} --coder "
        f"{from_coder}"
    )


@cli.group()
def code() -> None:
    """Code segments."""


@code.command("rules")
@click.argument("segment_ids", nargs=-1, metavar="[SEGMENT_ID]...")
@click.option(
    "--explain",
    is_flag=True,
    help="Change nothing; show why each segment (the "
    "ones named, or every one the rules find something in) gets each code: the "
    "matched words in [brackets], the kind of rule, and exclusions that block a code.",
)
@click.option(
    "--incremental",
    is_flag=True,
    help="Code again only new or changed segments, "
    "and on the others only the codes whose rules changed since the last run (same "
    "suggestions as coding everything).",
)
@_SPACY
@_project_option
@_parallel
@_fail_cleanly
def code_rules(segment_ids, explain, incremental, spacy_model, project_path, workers, scheduler) -> None:
    """Suggest codes by the codebook's keywords, patterns and proximity windows (never
    human codings)."""
    from qda.errors import InputError

    if segment_ids and not explain:
        raise InputError(
            "segment ids are only taken with --explain (the rules code every "
            "segment); add --explain to see why those segments get their codes"
        )
    if explain:
        with _open(project_path, spacy_model) as project:
            table = project.explain_rules(segment_ids or None)
        _print_explanation(table, segment_ids)
        return
    with _open(project_path, spacy_model) as project:
        report = project.code_rules(incremental=incremental, workers=workers, scheduler=scheduler)
    _warn(report.warnings)
    click.echo(
        f"{report.suggestions} suggestions on {report.segments_coded} of "
        f"{report.segments} segments (replaced {report.replaced} earlier open "
        f"suggestions; kept {report.kept_reviewed} already reviewed)."
    )


def _print_explanation(table, segment_ids) -> None:
    shown = set(table["segment_id"])
    for segment_id in segment_ids:
        if segment_id not in shown:
            click.echo(f"{segment_id}: no rule matches")
    for segment_id, rows in table.groupby("segment_id", sort=False):
        click.echo(f"{segment_id}")
        for code, hits in rows.groupby("code", sort=False):
            outcome = hits["outcome"].iloc[0]
            status = hits["status"].iloc[0]
            stored = f" (now {status})" if status and status != outcome else ""
            click.echo(f"  {code}: {outcome}{stored}")
            for hit in hits.itertuples(index=False):
                label = "excluded by" if hit.kind == "exclude" else hit.kind
                click.echo(f'    {label} "{hit.term}" at {hit.start}-{hit.end}: {hit.context}')


@code.command("consensus")
@click.option(
    "--coders",
    required=True,
    metavar="A,B[,C]",
    help="The coders to build the consensus from (comma-separated).",
)
@click.option(
    "--rule",
    default="all",
    show_default=True,
    metavar="all|majority|any",
    help="all: every coder applied the code; majority: more than half; any: one.",
)
@click.option(
    "--as",
    "name",
    default="final",
    show_default=True,
    metavar="NAME",
    help="The coder name the consensus is written as.",
)
@click.option(
    "--keep-edits",
    is_flag=True,
    help="Rebuild around codings of NAME a person added or removed by hand (they are never overwritten).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the disagreements to this CSV (default: print them).",
)
@_project_option
@_fail_cleanly
def code_consensus(coders, rule, name, keep_edits, out, project_path) -> None:
    """Build a consensus coder (default `final`) from several coders' codings."""
    with _open(project_path) as project:
        report = project.build_consensus(coders.split(","), rule=rule, name=name, keep_edits=keep_edits)
    click.echo(
        f"Consensus {report.name!r} ({report.rule} of {', '.join(report.coders)}) on "
        f"{report.segments} segments every coder reviewed: {report.added} added, "
        f"{report.kept} kept, {report.removed} no longer agreed (archived)."
    )
    if report.hand_codings:
        click.echo(
            f"{report.hand_codings} coding(s) of {report.name!r} made or removed by hand "
            "were left as they are."
        )
    dis = report.disagreements
    click.echo(
        f"{len(dis)} disagreement(s) for a person to settle"
        + (" (in_final says whether the consensus kept the code):" if len(dis) else ".")
    )
    if len(dis) and out is None:
        _write_table(dis, None)
    elif out is not None:
        _write_table(dis, out)


@code.command("sheet")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--coder",
    default=None,
    help="Who will fill it: their codings so far are pre-filled, and only they can import it.",
)
@click.option(
    "--codes",
    default=None,
    metavar="A,B,...",
    help="Only these codes (comma-separated ids); default: the whole codebook.",
)
@click.option(
    "--document",
    "documents",
    multiple=True,
    metavar="D",
    help="Only this document's segments (id or file name; repeatable).",
)
@click.option("--no-suggestions", is_flag=True, help="Leave out the suggestions column's hints.")
@_project_option
@_fail_cleanly
def code_sheet(file, coder, codes, documents, no_suggestions, project_path) -> None:
    """Write a coding sheet (.xlsx) for a person to fill with x marks."""
    from qda.reports.guard import SHEET_HINT

    with _open(project_path) as project, _guard(project, file, hint=SHEET_HINT):
        project.coding_sheet(
            file,
            coder=coder,
            documents=documents or None,
            codes=[c.strip() for c in codes.split(",") if c.strip()] if codes else None,
            include_suggestions=not no_suggestions,
        )
    click.echo(f"Wrote {file}; fill it in, then: qda code import {file} --coder {coder or 'NAME'}")


@code.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--coder", required=True, help="Whose coding this is.")
@click.option(
    "--remove-unmarked",
    is_flag=True,
    help="Archive this coder's codings that the file covers but no longer marks "
    "(default: keep them and report them as conflicts).",
)
@_project_option
@_fail_cleanly
def code_import(file, coder, remove_unmarked, project_path) -> None:
    """Read a filled coding sheet (.xlsx) or a long coding CSV as CODER's codings."""
    with _open(project_path) as project:
        r = project.import_coding(file, coder=coder, remove_unmarked=remove_unmarked)
    _warn(r.warnings)
    click.echo(
        f"Imported {file} for {r.coder}: {r.added} coding(s) added, {r.already} already "
        f"there; {r.reviewed} segment(s) recorded as reviewed ({r.reviewed_already} "
        "already)"
        + (f"; {r.untouched} row(s) not yet coded" if r.kind == "sheet" else "")
        + (f"; {r.removed} unmarked coding(s) archived" if r.removed else "")
        + "."
    )
    if r.conflicts:
        shown = "; ".join(f"{c['segment_id']} {c['code']}" for c in r.conflicts[:5])
        more = f" and {len(r.conflicts) - 5} more" if len(r.conflicts) > 5 else ""
        hint = "" if remove_unmarked else "; to archive them, import again with --remove-unmarked"
        click.echo(
            f"Conflicts: {len(r.conflicts)} coding(s) by {r.coder} are in the project "
            f"but not marked in the file, and were kept ({shown}{more}){hint}."
        )


@cli.command()
@click.option(
    "--from",
    "from_coder",
    default=None,
    metavar="CODER",
    help="Learn from this coder's codings (their reviewed segments).",
)
@click.option(
    "--evaluate",
    "evaluate_",
    is_flag=True,
    help="Cross-validate instead of suggesting: per-code support, precision, "
    "recall, F1 and kappa against the coder, for the model and the rules coder.",
)
@click.option("--folds", default=5, show_default=True, help="Folds for --evaluate.")
@click.option(
    "--next",
    "next_n",
    type=int,
    default=None,
    metavar="N",
    help="Active learning: write a coding sheet (--sheet) of the N uncoded segments "
    "whose coding would teach the model most.",
)
@click.option(
    "--sheet",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --next: the coding sheet to write (default: next-<coder>.xlsx).",
)
@click.option(
    "--threshold",
    default=0.5,
    show_default=True,
    help="With --helper calibrated: suggest a code when its probability is at least "
    "this (the chosen helper learns a threshold per code).",
)
@click.option("--seed", default=0, show_default=True, help="Random seed (same seed, same result).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --evaluate: also write the table as CSV.",
)
@click.option(
    "--helper",
    "helpers",
    multiple=True,
    metavar="chosen|calibrated",
    help="The learned helper: 'chosen' (the default: features and threshold per code "
    "by inner cross-validation) or 'calibrated' (one model, --threshold for every "
    "code). --evaluate compares both (rows 'chosen' and 'model') unless one is named; "
    "repeatable there.",
)
@click.option(
    "--against",
    default=None,
    metavar="CODER",
    help="With --evaluate and no --from: score the cold start (suggestions from the "
    "codebook alone) against this coder's reviewed segments.",
)
@llm_options
@_project_option
@_fail_cleanly
def suggest(
    from_coder,
    evaluate_,
    folds,
    next_n,
    sheet,
    threshold,
    seed,
    out,
    helpers,
    against,
    llm_url,
    model,
    allow_remote,
    timeout,
    project_path,
) -> None:
    """Learn from a coder's codings and suggest codes for the segments they have not coded.

    Without --from: the cold start, suggestions from the codebook alone (its definitions,
    include/exclude notes, examples, names and rules; coder 'codebook').

    Suggestions are source 'model' with the helper's confidence; human codings are never
    touched. --helper chosen (default) learns features and a threshold per code; --helper
    calibrated is one model with --threshold for all. --evaluate measures first how far to
    trust each, code by code.

    With --llm URL --model NAME: ask an LLM (OpenAI-compatible endpoint) instead; source
    'llm', each code with the exact words that show it.
    """
    if llm_url is not None and helpers:
        raise click.UsageError("--helper is for the learned helpers, not --llm")
    if llm_url is not None:
        return suggest_llm(
            url=llm_url,
            model=model,
            allow_remote=allow_remote,
            timeout=timeout,
            from_coder=from_coder,
            evaluate_=evaluate_,
            out=out,
            project_path=project_path,
        )
    if model or allow_remote:
        raise click.UsageError("--model and --allow-remote go with --llm URL")
    if from_coder is None:
        return suggest_cold(
            evaluate_=evaluate_,
            against=against,
            next_n=next_n,
            helpers=helpers,
            seed=seed,
            out=out,
            project_path=project_path,
        )
    return suggest_learned(
        from_coder=from_coder,
        evaluate_=evaluate_,
        folds=folds,
        next_n=next_n,
        sheet=sheet,
        threshold=threshold,
        seed=seed,
        out=out,
        helpers=helpers,
        against=against,
        project_path=project_path,
    )


def suggest_learned(
    *, from_coder, evaluate_, folds, next_n, sheet, threshold, seed, out, helpers, against, project_path
) -> None:
    """``qda suggest --from CODER``: the learned helpers (evaluate, next sheet, or suggest)."""
    if against is not None:
        raise click.UsageError(
            "--against is for the cold start (no --from); with --from, --evaluate measures against that coder"
        )
    helpers = list(helpers) or (["chosen", "calibrated"] if evaluate_ else ["chosen"])
    if len(helpers) > 1 and not evaluate_:
        raise InputError(
            "--helper can be repeated only with --evaluate (to compare helpers); "
            "give one helper to suggest with"
        )
    with _open(project_path) as project:
        if evaluate_:
            return _print_evaluation(
                project.evaluate_suggester(
                    from_coder=from_coder, folds=folds, seed=seed, threshold=threshold, helper=helpers
                ),
                out,
            )
        if next_n is not None:
            return _write_next_sheet(project, from_coder, next_n, seed=seed, sheet=sheet)
        r = project.suggest(from_coder=from_coder, threshold=threshold, seed=seed, helper=helpers[0])
    click.echo(
        f"Learned {len(r.codes)} code(s) from {r.taught} segment(s) {from_coder} "
        f"reviewed; {r.suggestions} suggestion(s) on {r.segments_suggested} segment(s) "
        f"(replaced {r.replaced} earlier open model suggestions; kept "
        f"{r.kept_reviewed} already reviewed); helper {helpers[0]}."
    )
    if r.skipped:
        click.echo("Not learned: " + "; ".join(f"{c} ({why})" for c, why in sorted(r.skipped.items())) + ".")


@cli.group()
def review() -> None:
    """Accept or reject suggestions (rules, model)."""


def _review_filters(func):
    options = [
        click.option(
            "--code",
            "codes",
            multiple=True,
            metavar="C",
            help="Only suggestions of this code (repeatable; not its children).",
        ),
        click.option(
            "--source",
            "sources",
            multiple=True,
            metavar="rules|model|llm",
            help="Only suggestions from this source (repeatable).",
        ),
        click.option(
            "--segment",
            "segments",
            multiple=True,
            metavar="S",
            help="Only suggestions on this segment (repeatable).",
        ),
        click.option(
            "--id",
            "ids",
            multiple=True,
            metavar="N",
            help="This suggestion (coding id, see `qda review list`; repeatable).",
        ),
        click.option(
            "--min-confidence",
            default=None,
            metavar="X",
            help="Only suggestions with a confidence of at least X (0-1); the rules' "
            "have none and never match.",
        ),
        click.option(
            "--max-confidence",
            default=None,
            metavar="X",
            help="Only suggestions with a confidence of at most X (0-1).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@review.command("list")
@_review_filters
@_CSV_OUT
@_project_option
@_fail_cleanly
def review_list(codes, sources, segments, ids, min_confidence, max_confidence, out, project_path) -> None:
    """The open suggestions (with their coding ids), chosen by the filters."""
    with _open(project_path) as project:
        table = project.suggestions(
            ids=ids,
            segments=segments,
            codes=codes,
            sources=sources,
            min_confidence=min_confidence,
            max_confidence=max_confidence,
        )
        texts = {r.document: r.text for r in project.documents(text=True).itertuples()}
    table = table.assign(
        text=[texts[d][s:e] for d, s, e in zip(table["document_id"], table["start"], table["end"])]
    )
    from qda.coding import evidence  # loads spaCy: only once a table is written

    table["evidence"] = table["evidence"].map(evidence.summary)
    _write_table(
        table[["coding_id", "segment_id", "code_id", "source", "confidence", "evidence", "text"]], out
    )


def _review(
    action, codes, sources, segments, ids, min_confidence, max_confidence, coder, all_, project_path
) -> None:
    with _open(project_path) as project:
        report = project.review(
            action,
            coder=coder,
            ids=ids,
            segments=segments,
            codes=codes,
            sources=sources,
            min_confidence=min_confidence,
            max_confidence=max_confidence,
            all=all_,
        )
    done = "accepted" if action == "accept" else "rejected"
    line = f"{report.changed} suggestion(s) {done} of {report.matched} matched"
    if report.duplicates:
        line += f"; {report.duplicates} the coder already had (archived, kept whole)"
    click.echo(line + ".")
    for code, n in report.by_code.items():
        click.echo(f"  {code}: {n}")


def _review_command(action: str, whose: str, doc: str):
    """``qda review accept|reject``: the same filters, one verb."""

    @review.command(action, help=doc)
    @_review_filters
    @click.option("--coder", default=None, metavar="NAME", help=f"{whose} (default: your login name).")
    @click.option(
        "--all",
        "all_",
        is_flag=True,
        help=f"{action.capitalize()} every open suggestion (needed when no filter is given).",
    )
    @_project_option
    @_fail_cleanly
    def command(
        codes, sources, segments, ids, min_confidence, max_confidence, coder, all_, project_path
    ) -> None:
        _review(
            action, codes, sources, segments, ids, min_confidence, max_confidence, coder, all_, project_path
        )

    return command


review_accept = _review_command(
    "accept",
    "Whose codings they become",
    "Accept suggestions: each becomes the coder's human coding, keeping where it came from.",
)
review_reject = _review_command(
    "reject", "Who rejects them", "Reject suggestions: kept as rejected, and never suggested again."
)

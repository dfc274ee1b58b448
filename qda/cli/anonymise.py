"""``qda anonymise`` (apply a key, find identifiers, audit) and ``qda attribution``."""

from __future__ import annotations

from pathlib import Path

import click

from qda.cli.base import _SPACY, _fail_cleanly, _open, _project_option, _warn, _write_table, cli


@cli.command()
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The key CSV: original,replacement,kind[,case_sensitive]"
    "[,whole_word]. Applied to the whole project unless --check is given.",
)
@click.option(
    "--keep-original",
    is_flag=True,
    help="Keep the original words in a separate "
    "table (anonymisation_originals) that no export reads, instead of removing them.",
)
@click.option(
    "--wipe-backups",
    is_flag=True,
    help="After applying the key, overwrite and "
    "delete the backups in PROJECT.backups/ that still hold key terms (the one made "
    "just before anonymising too).",
)
@click.option("--by", "who", default=None, metavar="NAME", help="Who anonymised (history).")
@click.option(
    "--find", "find", is_flag=True, help="List likely identifiers to review into a key (changes nothing)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --find: write the list as a key CSV to fill in (else to stdout).",
)
@click.option(
    "--check",
    "check",
    is_flag=True,
    help="List every place a term of --key still "
    "occurs in the project and in the FILES given; exit status 1 if any does.",
)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@_SPACY
@_project_option
@_fail_cleanly
def anonymise(
    key_path, keep_original, wipe_backups, who, find, out, check, files, spacy_model, project_path
) -> None:
    """Pseudonymise the project with a key, find identifiers, or audit.

    \b
      qda anonymise --find --out key.csv      draft a key (fill in the replacements)
      qda anonymise --key key.csv             apply it to every document
      qda anonymise --key key.csv --check export.xlsx quotes.md
    """
    from qda.errors import InputError

    if sum(map(bool, (find, check))) > 1:
        raise InputError("give one of --find or --check (or --key alone to apply a key)")
    if files and not check:
        raise InputError("files to check are given only with --check")
    if out and not find:
        raise InputError("--out goes with --find")
    if wipe_backups and (find or check):
        raise InputError("--wipe-backups goes with --key alone (it wipes after applying it)")
    if find:
        _find_identifiers(project_path, spacy_model, out)
    elif key_path is None:
        raise InputError("give --key FILE (to apply or --check it) or --find")
    elif check:
        _check_key(project_path, key_path, files)
    else:
        _apply_key(project_path, key_path, keep_original=keep_original, wipe_backups=wipe_backups, who=who)


def _find_identifiers(project_path, spacy_model, out) -> None:
    """--find: the likely identifiers as a key to fill in."""
    with _open(project_path) as project:
        table = project.find_identifiers(spacy_model=spacy_model)
    ner = table.attrs.get("ner")
    click.echo(
        f"Named entities: {ner}"
        if ner
        else "Named entities: none (no trained spaCy pipeline installed; give --spacy-model NAME to use one)",
        err=True,
    )
    click.echo(
        f"{len(table)} likely identifiers; fill in 'replacement' (delete rows to "
        "keep) and pass the file to --key",
        err=True,
    )
    _write_table(table, out)


def _check_key(project_path, key_path, files) -> None:
    """--check: every place a key term still occurs; exit status 1 if any does."""
    with _open(project_path) as project:
        found = project.check_anonymity(key_path, files)
    for r in found.itertuples():
        where = f"{r.source} {r.place}" + (f" {r.column}" if r.column else "")
        click.echo(f"{where}: {r.found!r} ({r.kind}): {r.context}")
    checked = f"the project and {len(files)} files" if files else "the project"
    if len(found):
        backups = found["source"].str.startswith("backup:")
        if backups.any():
            checked += (
                f" ({found.loc[backups, 'source'].nunique()} backup(s) made before "
                "the key was applied hold some: --key F --wipe-backups wipes them)"
            )
        click.echo(
            f"Found {len(found)} occurrences of {found['term'].nunique()} key terms in {checked}", err=True
        )
        raise SystemExit(1)
    click.echo(f"Clean: no key term occurs in {checked}", err=True)


def _apply_key(project_path, key_path, *, keep_original, wipe_backups, who) -> None:
    """--key alone: pseudonymise the project, then say which backups hold original words."""
    with _open(project_path) as project:
        report = project.anonymise(key_path, keep_original=keep_original, wipe_backups=wipe_backups, who=who)
    for line in report.lines():
        click.echo(line)
    for path in report.backups_wiped:
        click.echo(f"Wiped backup {path} (it held original words)")
    if report.backups_with_originals:
        click.echo(
            f"{len(report.backups_with_originals)} backup(s) still hold original words "
            "(delete them, or keep them somewhere safe, once you have checked the "
            f"result; --wipe-backups overwrites and deletes them):"
        )
        for path in report.backups_with_originals:
            click.echo(f"  {path}" + (" (made just before anonymising)" if path == report.backup else ""))
    _warn(report.warnings + report.skipped)


@cli.group()
def attribution() -> None:
    """How quotes are attributed: template, role folding, dropped fields, group size."""


@attribution.command("load")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--by", "who", default=None, metavar="NAME", help="Who set the rules (history).")
@_project_option
@_fail_cleanly
def attribution_load(path, who, project_path) -> None:
    """Set the project's attribution rules from a YAML file."""
    with _open(project_path) as project:
        project.set_attribution_rules(path, who=who)
        labels = project.attributions()
    click.echo(
        f"Loaded attribution rules from {path} ({len(set(labels.values()))} distinct "
        f"attributions for {len(labels)} participants)"
    )


@attribution.command("show")
@_project_option
@_fail_cleanly
def attribution_show(project_path) -> None:
    """The rules, then each participant's attribution (CSV)."""
    import pandas as pd
    import yaml

    with _open(project_path) as project:
        rules = project.attribution_rules
        labels = project.attributions()
    click.echo(yaml.safe_dump(rules.to_dict(), sort_keys=False, allow_unicode=True).rstrip())
    click.echo("")
    _write_table(pd.DataFrame({"participant": list(labels), "attribution": list(labels.values())}), None)

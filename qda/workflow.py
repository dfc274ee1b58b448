"""``qda run``: the whole job in one call, transcripts in, research database out.

This module orchestrates: the codebook, ingest and the rules coder in one transaction,
then :func:`qda.reports.export_all` into the same folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qda.display import Shown
from qda.errors import InputError
from qda.project import IngestReport, Project, RulesReport
from qda.reports import export_all
from qda.resources import default_codebook, sample_dir

__all__ = ["RunResult", "run"]


@dataclass
class RunResult(Shown):
    project: Path
    workbook: Path
    charts: list[Path]
    quotes: Path
    ingest: IngestReport
    rules: RulesReport
    summary: dict[str, int]
    codings_used: str
    warnings: list[str] = field(default_factory=list)

    @property
    def outputs(self) -> list[Path]:
        return [self.project, self.workbook, *self.charts, self.quotes]


def run(
    inputs: Sequence[str | Path] = (),
    *,
    codebook: str | Path | None = None,
    participants: str | Path | None = None,
    out: str | Path = "qda-output",
    unit: str = "turn",
    interviewer_labels: Sequence[str] = (),
    spacy_model: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    **read_options: Any,
) -> RunResult:
    """Ingest, segment, code by the codebook's rules, analyse and export.

    With no ``inputs``: the bundled sample and default codebook. Re-running into
    the same ``out`` folder is safe: unchanged files are skipped, open rules
    suggestions are refreshed, and human coding in the project is kept. The rules code
    again only what changed: new or changed documents' segments, and the codes whose
    rules changed (the suggestions are the same as coding everything afresh).
    ``workers`` (processes on this machine) or ``scheduler`` (a Dask cluster's address,
    ``tcp://host:8786``) segment and code in parallel; only this process writes the
    project. The exports are :func:`qda.reports.export_all` into ``out`` (with
    ``workers`` of 2 or more, the charts and the quote bank are drawn in a process of
    their own while this one writes the workbook).
    A workbook or quote bank changed since the last run (summaries typed in the
    Framework sheet, quotes picked) is kept as ``<name>.edited-<time>.<ext>``, said in
    ``warnings``, before the new one is written.
    ``read_options`` go to :meth:`Project.ingest` (``format``, ``speaker_pattern``,
    ``text_columns``, ``id_column``, ``progress``).
    """
    inputs = list(inputs) or [sample_dir()]
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder; choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    project_path = out / "project.qda"
    with Project.open_or_create(project_path, spacy_model=spacy_model) as project:
        with project.transaction():
            project.load_codebook(codebook or default_codebook())
            ingest = project.ingest(
                inputs,
                participants=participants,
                unit=unit,
                interviewer_labels=interviewer_labels,
                workers=workers,
                scheduler=scheduler,
                **read_options,
            )
            rules = project.code_rules(incremental=True, workers=workers, scheduler=scheduler)
        written = export_all(project, out, workers=workers)
    assert written.workbook is not None and written.quotes is not None  # given a folder
    return RunResult(
        project=project_path,
        workbook=written.workbook,
        charts=written.charts,
        quotes=written.quotes,
        ingest=ingest,
        rules=rules,
        summary=written.counts,
        codings_used=written.codings_used,
        warnings=[*ingest.warnings, *rules.warnings, *written.warnings],
    )

"""``qda run``: the whole job in one call, transcripts in, research database out."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from qda import outputs, reports
from qda.display import Shown
from qda.errors import InputError
from qda.project import IngestReport, Project, RulesReport
from qda.resources import default_codebook, sample_dir

__all__ = ["RunResult", "run"]

# what `qda run` writes into its folder, beside project.qda
WORKBOOK, CHARTS, QUOTES = "qda-database.xlsx", "charts", "quotes.md"


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


def run(inputs: Sequence[str | Path] = (), *, codebook: str | Path | None = None,
        participants: str | Path | None = None, out: str | Path = "qda-output",
        unit: str = "turn", interviewer_labels: Sequence[str] = (),
        spacy_model: str | None = None, workers: int | None = None,
        scheduler: str | None = None, **read_options) -> RunResult:
    """Ingest, segment, code by the codebook's rules, analyse and export.

    With no ``inputs``: the bundled sample and default codebook. Re-running into
    the same ``out`` folder is safe: unchanged files are skipped, open rules
    suggestions are refreshed, and human coding in the project is kept. The rules code
    again only what changed: new or changed documents' segments, and the codes whose
    rules changed (the suggestions are the same as coding everything afresh).
    ``workers`` (processes on this machine) or ``scheduler`` (a Dask cluster's address,
    ``tcp://host:8786``) segment and code in parallel; only this process writes the
    project. With ``workers`` of 2 or more, the charts and the quote bank are also drawn
    in a process of their own while this one writes the workbook.
    A workbook or quote bank changed since the last run (summaries typed in the
    Framework sheet, quotes picked) is kept as ``<name>.edited-<time>.<ext>``, said in
    ``warnings``, before the new one is written.
    ``read_options`` go to :meth:`Project.ingest` (``format``, ``speaker_pattern``,
    ``text_columns``, ``id_column``, ``progress``).
    """
    inputs = list(inputs) or [sample_dir()]
    codebook = codebook or default_codebook()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder; choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    project_path = out / "project.qda"
    with Project.open_or_create(project_path, spacy_model=spacy_model) as project:
        with project.transaction():
            project.load_codebook(codebook)
            ingest = project.ingest(inputs, participants=participants, unit=unit,
                                    interviewer_labels=interviewer_labels, workers=workers,
                                    scheduler=scheduler, **read_options)
            rules = project.code_rules(incremental=True, workers=workers, scheduler=scheduler)
        data = reports.read_snapshot(project)        # read once, for every export
        book, bank = out / WORKBOOK, out / QUOTES
        # people write in these two (the Framework summaries, a report's quotes): a
        # changed one is kept, never overwritten
        with outputs.guarded(project, book, bank) as kept:
            workbook, charts, quotes = _export(project, out, data, workers=workers)
        notes = [outputs.kept_note(original, copy, outputs.WORKBOOK_HINT if original == book
                                   else "") for original, copy in kept]
        return RunResult(
            project=project_path, workbook=workbook, charts=charts, quotes=quotes,
            ingest=ingest, rules=rules, summary=project.summary(segments=data.segments),
            codings_used=data.chosen.description,
            warnings=[*ingest.warnings, *rules.warnings, *notes],
        )


def _export(project: Project, out: Path, data: reports.Snapshot, *, workers: int | None
            ) -> tuple[Path, list[Path], Path]:
    """The workbook, the charts and the quote bank, from ``data``. With two or more
    workers, the charts and quotes are made in a forked process (it reads the committed
    project through a read-only connection of its own) while this process writes the
    workbook: the two take about as long, so the exports take about half the time on two
    cores."""
    if not workers or workers < 2:
        return (reports.export_workbook(project, out / WORKBOOK, data=data),
                *_charts_and_quotes(project, out, data))
    with ProcessPoolExecutor(max_workers=1) as pool:
        side = pool.submit(_charts_and_quotes_of, project.path, out)
        workbook = reports.export_workbook(project, out / WORKBOOK, data=data)
        charts, quotes = side.result()
    return workbook, charts, quotes


def _charts_and_quotes(project: Project, out: Path, data: reports.Snapshot | None = None
                       ) -> tuple[list[Path], Path]:
    return (reports.export_charts(project, out / CHARTS, data=data),
            reports.export_quotes(project, out / QUOTES, data=data))


def _charts_and_quotes_of(path: Path, out: Path) -> tuple[list[Path], Path]:
    with Project.open(path, read_only=True) as project:
        return _charts_and_quotes(project, out)

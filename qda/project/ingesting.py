"""Ingest: files in, documents, segments, speakers and participants stored.

Part of :class:`qda.Project`, over the shared state of :mod:`.base`.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from qda.documents import (
    VersionReport,
    add_document,
    add_respondents,
    add_version,
    document_unit,
    import_report,
    map_participants,
    report_line,
    segment_documents,
)
from qda.errors import InputError
from qda.ingest import (
    MAX_FILE_BYTES,
    ParticipantsSheet,
    ReadOptions,
    SourceDocument,
    collect_inputs,
    format_for,
    read_document,
    read_participants,
)
from qda.ingest.plan import IngestPlan, check_survey_columns, plan_ingest, unchanged_files
from qda.parallel import Runner
from qda.project._util import _clip, _progress, _some, _who
from qda.project.base import ProjectBase
from qda.project.results import IngestReport
from qda.segment import UNITS, Segment


def _file_sha256(path: Path) -> str | None:
    """The sha256 of a file's bytes (as :func:`read_document` stores it), None if unreadable
    (reading it properly then says why)."""
    try:
        if not 0 < Path(path).stat().st_size <= MAX_FILE_BYTES:
            return None
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _read_one(task) -> SourceDocument:
    """Read one file in a worker process."""
    path, options = task
    return read_document(path, options=options)


class Ingesting(ProjectBase):
    # --------------------------------------------------------------------- ingest
    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        participants: str | Path | None = None,
        unit: str = "turn",
        interviewer_labels: Sequence[str] = (),
        format: str | None = None,
        speaker_pattern: str | None = None,
        text_columns: Sequence[str] = (),
        id_column: str | None = None,
        utterances: bool = False,
        skip_bad: bool = False,
        progress: bool = False,
        who: str | None = None,
        workers: int | None = None,
        scheduler: str | None = None,
    ) -> IngestReport:
        """Read transcripts and tables (files or folders), segment them and store them.

        One transaction: every file is read and checked before anything is written, so a
        bad file leaves the project as it was. A ``participants.csv``/``.xlsx`` inside a
        given folder is the participants sheet unless ``participants`` names one. A file
        already in the project with the same content is skipped; a changed file with the
        name of a document becomes that document's next version, its codings re-anchored
        (those whose words are gone are archived and listed in ``report.unplaced``).
        ``utterances`` keeps consecutive turns of one speaker apart (by default a run of
        one speaker is one turn: :mod:`qda.ingest.runs`).
        ``progress`` shows a progress bar on a terminal (nothing when output is piped).
        ``workers`` reads and segments files in that many processes; ``scheduler`` (a Dask
        cluster's address) segments new documents there. This process alone writes.
        ``skip_bad``: each file is imported in a transaction of its own and a file that
        cannot be read is listed in ``report.refused`` instead of stopping the import.
        Without it a bad file among several stops everything, the project unchanged.
        """
        if unit not in UNITS:
            raise InputError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")
        others: list[tuple[Path, str]] = []
        files, folder_sheet = collect_inputs(paths, others=others)
        if not files:
            raise InputError("no transcripts given; name files or a folder of transcripts")
        options: dict[str, Any] = dict(
            participants=participants or folder_sheet,
            unit=unit,
            interviewer_labels=interviewer_labels,
            format=format,
            speaker_pattern=speaker_pattern,
            text_columns=text_columns,
            id_column=id_column,
            utterances=utterances,
            progress=progress,
            who=who,
            workers=workers,
            scheduler=scheduler,
        )
        if skip_bad:
            report = self._ingest_each(files, options)
        else:
            try:
                report = self._ingest(files, **options)
            except InputError as exc:
                if len(files) < 2 or not str(exc).startswith(tuple(str(f) for f in files)):
                    raise
                raise InputError(
                    f"{exc} (nothing was imported; to import the files that can "
                    "be read and list the refused ones, give --skip-bad)"
                ) from exc
        report.not_transcripts = [(str(p), why) for p, why in others]
        if options["participants"]:
            report.warnings.extend(self._unmatched_rows(read_participants(options["participants"])))
        if report.unmapped:
            report.warnings.append(_unmapped_warning(report.unmapped))
        return report

    def _unmatched_rows(self, sheet: ParticipantsSheet) -> list[str]:
        speakers = self._store.speakers()
        return sheet.unmatched_speakers(zip(speakers["document_id"], speakers["speaker"]))

    def _ingest_each(self, files: list[Path], options: dict) -> IngestReport:
        """Each file in a transaction of its own; a refused file is listed, not fatal."""
        report = IngestReport()
        if options["participants"]:
            read_participants(options["participants"])  # a bad sheet stops everything
        for path in files:
            try:
                one = self._ingest([path], **options)
            except InputError as exc:
                report.refused.append((str(path), " ".join(str(exc).split())))
                continue
            for name in ("added", "skipped", "versions", "surveys", "documents"):
                getattr(report, name).extend(getattr(one, name))
            report.warnings.extend(w for w in one.warnings if w not in report.warnings)
            report.segments += one.segments
            report.unmapped = one.unmapped
            report.participants = one.participants
        return report

    def _ingest(
        self,
        files: list[Path],
        *,
        participants: str | Path | None,
        unit: str,
        interviewer_labels: Sequence[str],
        format: str | None,
        speaker_pattern: str | None,
        text_columns: Sequence[str],
        id_column: str | None,
        utterances: bool,
        progress: bool,
        who: str | None,
        workers: int | None,
        scheduler: str | None,
    ) -> IngestReport:
        """Read ``files`` and store them in one transaction (see :meth:`ingest`): read and
        plan (:func:`qda.ingest.plan.plan_ingest`), segment
        (:func:`qda.documents.segment_documents`), write, then word the report."""
        sheet = read_participants(participants) if participants else None
        # Several survey tables at once (a folder): --text-column/--id-column name columns
        # of some of them; each table uses those it has, else finds its own (a warning),
        # and a name no table has is an error. One table alone must have them.
        surveys = [f for f in files if format_for(f, format) == "survey"]
        options = ReadOptions(
            format=format,
            interviewer_labels=tuple(interviewer_labels),
            speaker_pattern=speaker_pattern,
            text_columns=tuple(text_columns),
            id_column=id_column,
            lenient_columns=len(surveys) > 1,
            utterances=utterances,
        )
        known = self._store.documents()
        unchanged = unchanged_files(files, known, _file_sha256)
        todo = [path for path in files if path not in unchanged]
        with Runner(workers=workers, scheduler=scheduler) as runner:
            tasks = [(path, options) for path in todo]
            read = runner.map(_read_one, tasks) if runner.workers else map(_read_one, tasks)
            plan = plan_ingest(
                files,
                iter(_progress(read, progress, "Reading", total=len(todo))),
                unchanged=unchanged,
                known=known,
            )
            if options.lenient_columns and not any(path in unchanged for path in surveys):
                named = [*text_columns, *([id_column] if id_column else [])]
                check_survey_columns(plan, surveys, named)
            units = [document_unit(d, unit) for _, d in plan.new] + [
                document_unit(d, row["unit"] if unit == "turn" else unit) for row, d in plan.versions
            ]
            docs = [d for _, d in plan.new] + [d for _, d in plan.versions]
            segmented = segment_documents(
                list(zip(docs, units)),
                spacy_model=self._spacy_model,
                runner=runner if runner.parallel else None,
            )
        report = IngestReport(skipped=plan.skipped, surveys=plan.surveys, warnings=list(plan.warnings))
        report.documents = [report_line(d.name, import_report(d)) for d in plan.read]
        if sheet is not None:
            unknown = sheet.unknown_documents_warning(plan.taken)
            if unknown:
                report.warnings.append(unknown)
        self._write_plan(plan, units, segmented, sheet, report, who=_who(who))
        report.participants = len(self._store.participant_ids())
        report.warnings.extend(_version_warnings(report.versions))
        return report

    def _write_plan(
        self,
        plan: IngestPlan,
        units: list[str],
        segmented: list[list[Segment]],
        sheet: ParticipantsSheet | None,
        report: IngestReport,
        *,
        who: str,
    ) -> None:
        """Store the planned documents and versions (cut into ``segmented``, in the plan's
        order: new ones, then versions) and map the speakers, in one transaction."""
        n_new = len(plan.new)
        with self._store.transaction():
            for (doc_id, doc), doc_unit, segs in zip(plan.new, units, segmented):
                n_segs = add_document(self._store, doc_id, doc, unit=doc_unit, segments=segs)
                report.warnings.extend(add_respondents(self._store, doc_id, doc, sheet))
                report.added.append(doc_id)
                report.segments += n_segs
                self._store.record(
                    who=who,
                    action="ingest",
                    entity="document",
                    entity_id=doc_id,
                    detail={"file": doc.path, "sha256": doc.sha256, "unit": doc_unit, "segments": n_segs},
                )
            for (row, doc), doc_unit, segs in zip(plan.versions, units[n_new:], segmented[n_new:]):
                existing = self._store.document(row["id"])
                assert existing is not None, "a document the plan found is still there"
                rev = add_version(self._store, existing, doc, unit=doc_unit, who=who, segments=segs)
                report.warnings.extend(add_respondents(self._store, row["id"], doc, sheet))
                report.versions.append(rev)
                report.segments += rev.segments
                self._store.record(
                    who=who,
                    action="new version",
                    entity="document",
                    entity_id=row["id"],
                    detail={
                        "file": doc.path,
                        "sha256": doc.sha256,
                        "version": rev.version,
                        "segments": rev.segments,
                        "segments_kept": rev.segments_kept,
                        "codings_placed": rev.codings_placed,
                        "codings_archived": len(rev.codings_unplaced),
                        "codings_flagged": len(rev.codings_flagged),
                        "segments_replaced": rev.segments_replaced,
                    },
                )
            report.unmapped = map_participants(self._store, sheet, who=who)

    def participants_template(self) -> pd.DataFrame:
        """A participants sheet to fill in: one row per speaker no sheet has mapped yet
        (``participant`` suggested, attribute columns empty)."""
        speakers = self._store.speakers()
        parts = self._store.participants()
        auto = set(parts.loc[parts["auto"], "participant_id"]) if not parts.empty else set()
        todo = speakers[~speakers["is_interviewer"] & speakers["participant_id"].isin(auto)]
        attrs = [c for c in parts.columns if c not in ("participant_id", "label", "auto")]
        out = pd.DataFrame(
            {
                "participant": todo["participant_id"].values,
                "document": todo["document_id"].values,
                "speaker": todo["speaker"].values,
            }
        )
        for col in attrs or ["group", "role", "location"]:
            out[col] = ""
        return out.reset_index(drop=True)

    def import_report(self) -> pd.DataFrame:
        """The import report of every document: ``document, name, format, speakers, turns,
        words, warnings`` (a count) and ``notes`` (the warnings' text, one per line)."""
        docs = self._store.documents()
        reports = self._store.import_reports()
        rows = []
        for doc in docs.itertuples():
            rep = reports.get(doc.document_id) or {}
            rows.append(
                {
                    "document": doc.document_id,
                    "name": doc.name,
                    "format": doc.format,
                    "speakers": "; ".join(s or "(unlabelled respondent)" for s in rep.get("speakers", []))
                    if rep.get("labelled", True)
                    else "",
                    "turns": rep.get("turns"),
                    "words": rep.get("words"),
                    "warnings": len(rep.get("warnings", [])),
                    "notes": "\n".join(rep.get("warnings", [])),
                }
            )
        return pd.DataFrame(
            rows, columns=["document", "name", "format", "speakers", "turns", "words", "warnings", "notes"]
        )

    def archived_codings(self) -> pd.DataFrame:
        """Codings taken out of use (never deleted): quote, code, coder, why, when, by whom."""
        return self._store.archived_codings()

    def document_versions(self, document: str) -> pd.DataFrame:
        """Earlier versions of a document's text (the current one is in :meth:`documents`)."""
        return self._store.document_versions(document)

    def load_participants(self, path: str | Path, *, who: str | None = None) -> list[tuple[str, str]]:
        """Apply a participants sheet to every document; returns unmapped speakers. Rows
        naming documents not in the project (yet) are a ``UserWarning``, not an error."""
        sheet = read_participants(path)
        unknown = sheet.unknown_documents_warning(self._store.document_ids())
        if unknown:
            warnings.warn(unknown, UserWarning, stacklevel=2)
        with self._store.transaction():
            unmapped = map_participants(self._store, sheet, who=_who(who))
        for message in self._unmatched_rows(sheet):
            warnings.warn(message, UserWarning, stacklevel=2)
        return unmapped


def _version_warnings(versions: list[VersionReport]) -> list[str]:
    """What a person should check after new versions: codings that followed an edited
    segment, codings whose words are gone (archived)."""
    out = []
    for rev in versions:
        if rev.codings_flagged:
            shown = _some(
                [f"{r['code_id']} by {r['coder']} on {r['segment_id']}" for r in rev.codings_flagged]
            )
            out.append(
                f"{rev.document} version {rev.version}: {len(rev.codings_flagged)} coding(s) "
                f"of whole segments followed their edited segment ({shown}); check them: "
                "`qda codings` shows why in the 'review' column"
            )
        if rev.codings_unplaced:
            shown = _some(
                [f"{r['code_id']} by {r['coder']}: {_clip(r['quote'])!r}" for r in rev.codings_unplaced]
            )
            out.append(
                f"{rev.document} version {rev.version}: {len(rev.codings_unplaced)} coding(s) "
                f"could not be placed because their words are no longer in the text ({shown}); "
                "they are kept in the archive: see `Project.archived_codings()`"
            )
    return out


def _unmapped_warning(unmapped: list[tuple[str, str]]) -> str:
    listed = "; ".join(f"{d}: {s or '(whole document)'}" for d, s in unmapped[:12])
    more = f" and {len(unmapped) - 12} more" if len(unmapped) > 12 else ""
    return (
        f"{len(unmapped)} speaker(s) have no row in a participants sheet and were made "
        f"participants of their own ({listed}{more}); fill in a sheet with columns "
        "participant,document,speaker,... (`qda participants template` writes one) and "
        "load it with `qda participants load`"
    )

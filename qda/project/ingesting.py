"""Ingest: files in, documents, segments, speakers and participants stored.

Part of :class:`qda.Project` (a mixin): ``self._store`` is the project's store.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from qda.documents import add_document, add_version, document_unit, import_report, report_line
from qda.errors import InputError
from qda.ingest import (
    MAX_FILE_BYTES,
    ParticipantsSheet,
    ReadOptions,
    SourceDocument,
    collect_inputs,
    document_key,
    format_for,
    read_document,
    read_participants,
)
from qda.parallel import Runner, batched
from qda.project._util import _clip, _progress, _some, _who
from qda.project.results import IngestReport
from qda.segment import UNITS, segment_batch

_SEGMENT_BATCH = 20  # documents per parallel segmentation task


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


class Ingesting:
    # --------------------------------------------------------------------- ingest
    def ingest(self, paths: Iterable[str | Path], *, participants: str | Path | None = None,
               unit: str = "turn", interviewer_labels: Sequence[str] = (),
               format: str | None = None, speaker_pattern: str | None = None,
               text_columns: Sequence[str] = (), id_column: str | None = None,
               utterances: bool = False, skip_bad: bool = False, progress: bool = False,
               who: str | None = None, workers: int | None = None,
               scheduler: str | None = None) -> IngestReport:
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
        options = dict(participants=participants or folder_sheet, unit=unit,
                       interviewer_labels=interviewer_labels, format=format,
                       speaker_pattern=speaker_pattern, text_columns=text_columns,
                       id_column=id_column, utterances=utterances, progress=progress,
                       who=who, workers=workers, scheduler=scheduler)
        if skip_bad:
            report = self._ingest_each(files, options)
        else:
            try:
                report = self._ingest(files, **options)
            except InputError as exc:
                if len(files) < 2 or not str(exc).startswith(tuple(str(f) for f in files)):
                    raise
                raise InputError(f"{exc} (nothing was imported; to import the files that can "
                                 "be read and list the refused ones, give --skip-bad)") from exc
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
            read_participants(options["participants"])   # a bad sheet stops everything
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

    def _ingest(self, files: list[Path], *, participants, unit, interviewer_labels, format,
                speaker_pattern, text_columns, id_column, utterances, progress, who,
                workers, scheduler) -> IngestReport:
        """Read ``files`` and store them in one transaction (see :meth:`ingest`)."""
        sheet = read_participants(participants) if participants else None
        # Several survey tables at once (a folder): --text-column/--id-column name columns
        # of some of them; each table uses those it has, else finds its own (a warning),
        # and a name no table has is an error below. One table alone must have them.
        surveys = [f for f in files if format_for(f, format) == "survey"]
        options = ReadOptions(format=format, interviewer_labels=tuple(interviewer_labels),
                              speaker_pattern=speaker_pattern, text_columns=tuple(text_columns),
                              id_column=id_column, lenient_columns=len(surveys) > 1,
                              utterances=utterances)
        used_columns: set[str] = set()
        report = IngestReport()
        new_docs: list[tuple[str, SourceDocument]] = []
        versions: list[tuple[dict, SourceDocument]] = []
        taken = self._store.document_ids()
        seen_sha: dict[str, str] = {}
        # a file already in the project under its name, byte for byte, is not read again
        unchanged = {}
        for path in files:
            same = self._store.document_by_sha(_file_sha256(path))
            if same is not None and same["name"] == path.name:
                unchanged[path] = same["id"]
        todo = [path for path in files if path not in unchanged]
        runner = Runner(workers=workers, scheduler=scheduler)
        if runner.workers:
            read = runner.map(_read_one, [(path, options) for path in todo])
        else:
            read = (read_document(path, options=options) for path in todo)
        read = iter(_progress(read, progress, "Reading", total=len(todo)))
        try:
            for path in files:
                if path in unchanged:
                    report.skipped.append((str(path), f"unchanged, already {unchanged[path]}"))
                    continue
                doc = next(read)
                if doc.format == "survey":
                    used_columns.update(c.casefold() for c in doc.metadata["text_columns"])
                    if doc.metadata["id_column"]:
                        used_columns.add(doc.metadata["id_column"].casefold())
                    report.surveys.append(_survey_line(doc))
                existing = self._store.document_by_name(doc.name)
                same = self._store.document_by_sha(doc.sha256)
                if same is not None:
                    why = ("unchanged" if same["name"] == doc.name
                           else "same content as document")
                    report.skipped.append((str(path), f"{why}, already {same['id']}"))
                    continue
                if doc.sha256 in seen_sha:
                    report.skipped.append((str(path),
                                           f"same content as {seen_sha[doc.sha256]}"))
                    continue
                seen_sha[doc.sha256] = str(path)
                report.warnings.extend(doc.warnings)
                report.documents.append(report_line(doc.name, import_report(doc)))
                if existing is not None:
                    versions.append((existing, doc))
                    continue
                doc_id = document_key(doc.name)
                base, n = doc_id, 2
                while doc_id in taken:
                    doc_id, n = f"{base}-{n}", n + 1
                taken.add(doc_id)
                new_docs.append((doc_id, doc))
        except BaseException:
            runner.close()
            raise
        # A table skipped unread (already in the project) cannot say which columns it
        # has, so the check that every named column was found is made only when every
        # survey table was read.
        if options.lenient_columns and not any(path in unchanged for path in surveys):
            for name in (*text_columns, *([id_column] if id_column else [])):
                if name.strip().casefold() not in used_columns:
                    runner.close()
                    raise InputError(
                        f"no survey table has the column {name!r} (tables: "
                        f"{', '.join(f.name for f in surveys)}); check its spelling in "
                        "--text-column/--id-column")
        if sheet is not None:
            unknown = sheet.unknown_documents_warning(taken)
            if unknown:
                report.warnings.append(unknown)

        nlp = self.nlp if unit == "sentence" else None
        actor = _who(who)
        segmented: list = [None] * len(new_docs)
        with runner:
            if runner.parallel:  # segment new documents in batches, in order
                tasks = [(self._spacy_model, [(d.text, d.turns, document_unit(d, unit))
                                              for _, d in batch])
                         for batch in batched(new_docs, _SEGMENT_BATCH)]
                segmented = [segs for result in runner.map(segment_batch, tasks)
                             for segs in result]
        with self._store.transaction():
            for (doc_id, doc), segs in zip(new_docs, segmented):
                doc_unit = document_unit(doc, unit)
                n_segs = add_document(self._store, doc_id, doc, unit=doc_unit, nlp=nlp,
                                      segments=segs)
                self._respondents(doc_id, doc, sheet, report)
                report.added.append(doc_id)
                report.segments += n_segs
                self._store.record(who=actor, action="ingest", entity="document",
                                   entity_id=doc_id, detail={"file": doc.path, "sha256": doc.sha256,
                                                             "unit": doc_unit, "segments": n_segs})
            for existing, doc in versions:
                doc_unit = document_unit(doc, existing["unit"] if unit == "turn" else unit)
                rev = add_version(self._store, existing, doc, unit=doc_unit, who=actor, nlp=nlp)
                self._respondents(existing["id"], doc, sheet, report)
                report.versions.append(rev)
                report.segments += rev.segments
                self._store.record(who=actor, action="new version", entity="document",
                                   entity_id=existing["id"], detail={
                                       "file": doc.path, "sha256": doc.sha256,
                                       "version": rev.version, "segments": rev.segments,
                                       "segments_kept": rev.segments_kept,
                                       "codings_placed": rev.codings_placed,
                                       "codings_archived": len(rev.codings_unplaced),
                                       "codings_flagged": len(rev.codings_flagged),
                                       "segments_replaced": rev.segments_replaced})
            report.unmapped = self._map_participants(sheet, who=who)
        report.participants = len(self._store.participant_ids())
        for rev in report.versions:
            if rev.codings_flagged:
                shown = _some([f"{r['code_id']} by {r['coder']} on {r['segment_id']}"
                               for r in rev.codings_flagged])
                report.warnings.append(
                    f"{rev.document} version {rev.version}: {len(rev.codings_flagged)} coding(s) "
                    f"of whole segments followed their edited segment ({shown}); check them: "
                    "`qda codings` shows why in the 'review' column")
            if rev.codings_unplaced:
                shown = _some([f"{r['code_id']} by {r['coder']}: {_clip(r['quote'])!r}"
                               for r in rev.codings_unplaced])
                report.warnings.append(
                    f"{rev.document} version {rev.version}: {len(rev.codings_unplaced)} coding(s) "
                    f"could not be placed because their words are no longer in the text ({shown}); "
                    "they are kept in the archive: see `Project.archived_codings()`")
        return report

    def _respondents(self, doc_id: str, doc: SourceDocument, sheet: ParticipantsSheet | None,
                     report: IngestReport) -> None:
        """A survey's respondents become participants (id = respondent id) with the table's
        other columns as attributes, unless the participants sheet maps them."""
        if not doc.respondents:
            return
        current = self._store.participants().set_index("participant_id")
        rows = []
        for label, attributes in doc.respondents.items():
            if sheet is not None and sheet.lookup(doc_id, label) is not None:
                continue
            attrs = {k: v for k, v in attributes.items() if v is not None and v == v}
            if label in current.index:
                old = current.loc[label]
                clash = [k for k, v in attrs.items()
                         if k in old.index and isinstance(old[k], str) and old[k] != str(v)]
                if clash:
                    report.warnings.append(
                        f"{doc.name}: respondent {label!r} is already a participant with a "
                        f"different {clash[0]!r} ({old[clash[0]]!r}, the table says "
                        f"{attrs[clash[0]]!r}); the participant's value was kept")
                attrs = {k: v for k, v in attrs.items() if k not in clash}
            rows.append((label, label, {k: str(v) for k, v in attrs.items()}))
        self._store.upsert_participants(rows)
        self._store.upsert_speakers(doc_id, [(label, label, False) for label, _, _ in rows])

    def participants_template(self) -> pd.DataFrame:
        """A participants sheet to fill in: one row per speaker no sheet has mapped yet
        (``participant`` suggested, attribute columns empty)."""
        speakers = self._store.speakers()
        parts = self._store.participants()
        auto = set(parts.loc[parts["auto"], "participant_id"]) if not parts.empty else set()
        todo = speakers[~speakers["is_interviewer"] & speakers["participant_id"].isin(auto)]
        attrs = [c for c in parts.columns if c not in ("participant_id", "label", "auto")]
        out = pd.DataFrame({"participant": todo["participant_id"].values,
                            "document": todo["document_id"].values,
                            "speaker": todo["speaker"].values})
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
            rows.append({"document": doc.document_id, "name": doc.name, "format": doc.format,
                         "speakers": "; ".join(s or "(unlabelled respondent)"
                                               for s in rep.get("speakers", []))
                         if rep.get("labelled", True) else "",
                         "turns": rep.get("turns"), "words": rep.get("words"),
                         "warnings": len(rep.get("warnings", [])),
                         "notes": "\n".join(rep.get("warnings", []))})
        return pd.DataFrame(rows, columns=["document", "name", "format", "speakers", "turns",
                                           "words", "warnings", "notes"])

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
            unmapped = self._map_participants(sheet, who=who)
        for message in self._unmatched_rows(sheet):
            warnings.warn(message, UserWarning, stacklevel=2)
        return unmapped

    def _map_participants(self, sheet: ParticipantsSheet | None, *, who: str | None
                          ) -> list[tuple[str, str]]:
        """(Re)map every speaker of every document to a participant. In a transaction."""
        if sheet is not None:
            for pid, info in sheet.participants().items():
                self._store.upsert_participant(pid, label=info["label"],
                                               attributes=info["attributes"])
            self._store.record(who=_who(who), action="load", entity="participants",
                               entity_id=str(sheet.path),
                               detail={"participants": len(sheet.participants())})
        speakers = self._store.speakers()
        current = self._store.participants()
        auto_ids = set(current.loc[current["auto"], "participant_id"]) if not current.empty else set()
        unmapped = []
        for spk in speakers.itertuples():
            if spk.is_interviewer:
                continue
            pid = sheet.lookup(spk.document_id, spk.speaker or None) if sheet is not None else None
            current = spk.participant_id if isinstance(spk.participant_id, str) else None
            if pid is None and current and current not in auto_ids:
                continue  # mapped by an earlier sheet; keep it
            if pid is None:
                pid = f"{spk.document_id}/{spk.speaker}" if spk.speaker else spk.document_id
                if pid not in auto_ids:
                    self._store.upsert_participant(pid, label=spk.speaker or spk.document_id,
                                                   attributes={}, auto=True)
                    auto_ids.add(pid)
                unmapped.append((spk.document_id, spk.speaker))
            if pid != current:
                self._store.upsert_speaker(spk.document_id, spk.speaker, participant_id=pid,
                                           is_interviewer=False)
        self._store.drop_unused_auto_participants()
        return unmapped


def _survey_line(doc: SourceDocument) -> str:
    """Which columns of a survey table were read as answers, which as the respondent id
    and which became attributes (so that a researcher can correct the choice)."""
    meta = doc.metadata
    quoted = lambda cols: ", ".join(repr(c) for c in cols) or "none"
    found = " (found by qda: name them with --text-column/--id-column to choose)" \
        if meta.get("detected") else ""
    return (f"{doc.name}: answers read from {quoted(meta['text_columns'])}; respondent id "
            f"{meta['id_column']!r}" if meta["id_column"] else
            f"{doc.name}: answers read from {quoted(meta['text_columns'])}; respondents by "
            "row number") + f"; attributes: {quoted(meta['attribute_columns'])}{found}"


def _unmapped_warning(unmapped: list[tuple[str, str]]) -> str:
    listed = "; ".join(f"{d}: {s or '(whole document)'}" for d, s in unmapped[:12])
    more = f" and {len(unmapped) - 12} more" if len(unmapped) > 12 else ""
    return (f"{len(unmapped)} speaker(s) have no row in a participants sheet and were made "
            f"participants of their own ({listed}{more}); fill in a sheet with columns "
            "participant,document,speaker,... (`qda participants template` writes one) and "
            "load it with `qda participants load`")

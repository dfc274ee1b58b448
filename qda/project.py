"""Project: one qda project file, and every operation on it.

The command line and notebooks call this class and nothing below it. Each
method that writes is one transaction: it happens entirely or not at all.
"""

from __future__ import annotations

import dataclasses
import getpass
import json
import uuid
from contextlib import contextmanager
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qda import analysis
from qda.attribution import DEFAULT_TEMPLATE, attribute
from qda.codebook import Codebook, load_codebook
from qda.codebook import edits
from qda.codebook.diff import CodebookDiff, diff_codebooks
from qda.coding.longcsv import read_long_csv, resolve_csv, write_long_csv
from qda.coding import review as reviewing
from qda.coding.rules import RulesCoder
from qda.coding.sheets import plan_import, read_coding_sheet, resolve_sheet, write_coding_sheet
from qda.errors import ConflictError, InputError, ProjectError
from qda.documents import VersionReport, add_document, add_version, document_unit
from qda.ingest import (ParticipantsSheet, ReadOptions, SourceDocument, collect_inputs,
                        document_key, read_document, read_participants)
from qda.segment import UNITS, make_nlp
from qda.store import Store, now

__all__ = ["Project", "IngestReport", "RulesReport", "SuggestReport", "CodebookReport",
           "CodeEdit", "CodingImportReport", "ReviewReport", "ConsensusReport"]

#: Where a coding came from, in the order counts are shown.
SOURCES = ("human", "rules", "model", "import")


def _who(who: str | None) -> str:
    if who:
        return who
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)            # document ids
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    segments: int = 0
    participants: int = 0
    unmapped: list[tuple[str, str]] = field(default_factory=list)  # (document, speaker)
    versions: list[VersionReport] = field(default_factory=list)   # changed files re-imported
    warnings: list[str] = field(default_factory=list)

    @property
    def unplaced(self) -> list[dict]:
        """Codings archived because their words are gone from a new version."""
        return [row for v in self.versions for row in v.codings_unplaced]


@dataclass
class CodebookReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    version: str = ""                                          # the state now, e.g. 1.0+r2
    moved: list[str] = field(default_factory=list)
    merged: dict[str, str] = field(default_factory=dict)      # removed code -> code it joined
    archived: dict[str, int] = field(default_factory=dict)    # removed code -> codings archived
    diff: CodebookDiff | None = None


_EDIT_COUNTS = ("codings", "collapsed", "flagged", "archived")


@dataclass
class CodeEdit:
    """What one codebook edit did. ``codings``: codings that moved or followed the code;
    ``collapsed``: duplicates merged into one (the other copy archived); ``flagged``:
    codings marked for review; ``archived``: codings moved to the archive."""
    action: str
    code: str
    version: str = ""                                          # codebook state after the edit
    codings: int = 0
    collapsed: int = 0
    flagged: int = 0
    archived: int = 0
    children: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class SuggestReport:
    coder: str
    taught: int                                   # segments the coder reviewed or coded
    codes: list[str] = field(default_factory=list)   # codes learned
    skipped: dict[str, str] = field(default_factory=dict)  # codes not learned, and why
    suggestions: int = 0
    segments_suggested: int = 0
    replaced: int = 0
    kept_reviewed: int = 0


@dataclass
class ReviewReport:
    """What one review call did (:meth:`Project.review`)."""
    action: str                 # accept | reject
    matched: int = 0            # open suggestions the filters chose
    changed: int = 0            # accepted (now the coder's human codings) or rejected
    duplicates: int = 0         # accepted ones the coder already had: archived, kept whole
    by_code: dict[str, int] = field(default_factory=dict)


@dataclass
class ConsensusReport:
    """What :meth:`Project.build_consensus` did, and what needs a person."""
    name: str
    coders: list[str]
    rule: str
    segments: int = 0           # segments every coder reviewed
    added: int = 0
    kept: int = 0
    removed: int = 0            # earlier consensus codings no longer agreed: archived
    hand_codings: int = 0       # codings of ``name`` a person made or removed (left alone)
    disagreements: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=reviewing.DISAGREEMENT_COLUMNS))


@dataclass
class RulesReport:
    suggestions: int = 0
    segments_coded: int = 0
    segments: int = 0
    replaced: int = 0
    kept_reviewed: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class CodingImportReport:
    """What :meth:`Project.import_coding` did (counts) and what it wants a person to see."""
    file: str
    coder: str
    kind: str                      # "sheet" or "csv"
    rows: int = 0
    added: int = 0                 # new human codings
    already: int = 0               # marks the project already had
    reviewed: int = 0              # segments newly recorded as reviewed
    reviewed_already: int = 0
    untouched: int = 0             # sheet rows with no mark and no 'done': not yet coded
    removed: int = 0               # codings archived (remove_unmarked)
    conflicts: list[dict] = field(default_factory=list)  # the coder's codings not marked
    edited: list[tuple[str, str]] = field(default_factory=list)  # (row, segment) text edited
    warnings: list[str] = field(default_factory=list)


class Project:
    """A qda project: ``Project.create(path)``, ``Project.open(path)``."""

    def __init__(self, store: Store, *, spacy_model: str | None = None):
        self._store = store
        self._spacy_model = spacy_model
        self._codebook: Codebook | None = None
        self._codebook_stamp = -1

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, path: str | Path, **kw) -> Project:
        return cls(Store.create(path), **kw)

    @classmethod
    def open(cls, path: str | Path, **kw) -> Project:
        return cls(Store.open(path), **kw)

    @classmethod
    def open_or_create(cls, path: str | Path, **kw) -> Project:
        return cls.open(path, **kw) if Path(path).exists() else cls.create(path, **kw)

    @property
    def path(self) -> Path:
        return self._store.path

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self):
        """Group several operations into one transaction (they nest)."""
        try:
            with self._store.transaction():
                yield
        finally:
            self._codebook = None   # a rollback may have undone codebook edits

    @property
    def nlp(self):
        return make_nlp(self._spacy_model)

    # --------------------------------------------------------------------- ingest
    def ingest(self, paths: Iterable[str | Path], *, participants: str | Path | None = None,
               unit: str = "turn", interviewer_labels: Sequence[str] = (),
               format: str | None = None, speaker_pattern: str | None = None,
               text_columns: Sequence[str] = (), id_column: str | None = None,
               progress: bool = False, who: str | None = None) -> IngestReport:
        """Read transcripts and tables (files or folders), segment them and store them.

        One transaction: every file is read and checked before anything is written, so a
        bad file leaves the project as it was. A ``participants.csv``/``.xlsx`` inside a
        given folder is the participants sheet unless ``participants`` names one. A file
        already in the project with the same content is skipped; a changed file with the
        name of a document becomes that document's next version, its codings re-anchored
        (those whose words are gone are archived and listed in ``report.unplaced``).
        ``progress`` shows a progress bar on a terminal (nothing when output is piped).
        """
        if unit not in UNITS:
            raise InputError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")
        files, folder_sheet = collect_inputs(paths)
        if not files:
            raise InputError("no transcripts given; name files or a folder of transcripts")
        sheet_path = participants or folder_sheet
        sheet = read_participants(sheet_path) if sheet_path else None
        options = ReadOptions(format=format, interviewer_labels=tuple(interviewer_labels),
                              speaker_pattern=speaker_pattern, text_columns=tuple(text_columns),
                              id_column=id_column)
        report = IngestReport()
        new_docs: list[tuple[str, SourceDocument]] = []
        versions: list[tuple[dict, SourceDocument]] = []
        taken = self._store.document_ids()
        seen_sha: dict[str, str] = {}
        for path in _progress(files, progress, "Reading"):
            doc = read_document(path, options=options)
            existing = self._store.document_by_name(doc.name)
            same = self._store.document_by_sha(doc.sha256)
            if same is not None:
                why = "unchanged" if same["name"] == doc.name else "same content as document"
                report.skipped.append((str(path), f"{why}, already {same['id']}"))
                continue
            if doc.sha256 in seen_sha:
                report.skipped.append((str(path), f"same content as {seen_sha[doc.sha256]}"))
                continue
            seen_sha[doc.sha256] = str(path)
            if existing is not None:
                versions.append((existing, doc))
                continue
            doc_id = document_key(doc.name)
            base, n = doc_id, 2
            while doc_id in taken:
                doc_id, n = f"{base}-{n}", n + 1
            taken.add(doc_id)
            new_docs.append((doc_id, doc))
        if sheet is not None:
            sheet.check_documents(taken)

        nlp = self.nlp if unit == "sentence" else None
        actor = _who(who)
        with self._store.transaction():
            for doc_id, doc in new_docs:
                doc_unit = document_unit(doc, unit)
                n_segs = add_document(self._store, doc_id, doc, unit=doc_unit, nlp=nlp)
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
                                       "codings_archived": len(rev.codings_unplaced)})
            report.unmapped = self._map_participants(sheet, who=who)
        report.participants = len(self._store.participant_ids())
        for rev in report.versions:
            if rev.codings_unplaced:
                shown = "; ".join(f"{r['code_id']} by {r['coder']}: {_clip(r['quote'])!r}"
                                  for r in rev.codings_unplaced[:5])
                more = len(rev.codings_unplaced) - 5
                report.warnings.append(
                    f"{rev.document} version {rev.version}: {len(rev.codings_unplaced)} coding(s) "
                    f"could not be placed because their words are no longer in the text ({shown}"
                    f"{f' and {more} more' if more > 0 else ''}); they are kept in the archive: "
                    "see `Project.archived_codings()`")
        if report.unmapped:
            listed = "; ".join(f"{d}: {s or '(whole document)'}" for d, s in report.unmapped[:12])
            more = f" and {len(report.unmapped) - 12} more" if len(report.unmapped) > 12 else ""
            report.warnings.append(
                f"{len(report.unmapped)} speaker(s) have no row in a participants sheet and were "
                f"made participants of their own ({listed}{more}); fill in a sheet with columns "
                "participant,document,speaker,... (`qda participants template` writes one) and "
                "load it with `qda participants load`"
            )
        return report

    def _respondents(self, doc_id: str, doc: SourceDocument, sheet: ParticipantsSheet | None,
                     report: IngestReport) -> None:
        """A survey's respondents become participants (id = respondent id) with the table's
        other columns as attributes, unless the participants sheet maps them."""
        current = self._store.participants().set_index("participant_id")
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
            self._store.upsert_participant(label, label=label, attributes={
                k: str(v) for k, v in attrs.items()})
            self._store.upsert_speaker(doc_id, label, participant_id=label, is_interviewer=False)

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

    def archived_codings(self) -> pd.DataFrame:
        """Codings taken out of use (never deleted): quote, code, coder, why, when, by whom."""
        return self._store.archived_codings()

    def document_versions(self, document: str) -> pd.DataFrame:
        """Earlier versions of a document's text (the current one is in :meth:`documents`)."""
        return self._store.document_versions(document)

    def load_participants(self, path: str | Path, *, who: str | None = None) -> list[tuple[str, str]]:
        """Apply a participants sheet to every document; returns unmapped speakers."""
        sheet = read_participants(path)
        sheet.check_documents(self._store.document_ids())
        with self._store.transaction():
            return self._map_participants(sheet, who=who)

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
            if pid is None and spk.participant_id and spk.participant_id not in auto_ids:
                continue  # mapped by an earlier sheet; keep it
            if pid is None:
                pid = f"{spk.document_id}/{spk.speaker}" if spk.speaker else spk.document_id
                if pid not in auto_ids:
                    self._store.upsert_participant(pid, label=spk.speaker or spk.document_id,
                                                   attributes={}, auto=True)
                    auto_ids.add(pid)
                unmapped.append((spk.document_id, spk.speaker))
            if pid != spk.participant_id:
                self._store.upsert_speaker(spk.document_id, spk.speaker, participant_id=pid,
                                           is_interviewer=False)
        self._store.drop_unused_auto_participants()
        return unmapped

    # ------------------------------------------------------------------- codebook
    @property
    def codebook(self) -> Codebook:
        """The project's codebook. Its ``version`` says exactly which state this is: the
        loaded file's version, then ``+rN`` after N edits (``1.0+r3``). Cached; every
        codebook write (and every rolled-back transaction, and a commit by another
        connection to the file) refreshes it."""
        stamp = self._store.data_version()
        if self._codebook is None or stamp != self._codebook_stamp:
            self._codebook_stamp = stamp
            self._codebook = Codebook.from_rows(
                self._store.codes().to_dict("records"),
                name=self._store.get_setting("codebook_name", "Codebook"),
                version=_version_label(self._store.get_setting("codebook_version", "0"),
                                       self.codebook_revision),
                description=self._store.get_setting("codebook_description", ""),
            )
        return self._codebook

    @property
    def codebook_revision(self) -> int:
        """Edits since the codebook file (its ``version``) was loaded."""
        return int(self._store.get_setting("codebook_revision", 0))

    def diff_codebook(self, source: str | Path | Codebook) -> CodebookDiff:
        """What loading ``source`` would change (see :func:`qda.codebook.diff.diff_codebooks`)."""
        new = source if isinstance(source, Codebook) else load_codebook(source)
        return diff_codebooks(self._stored_codebook(), new)

    def _stored_codebook(self) -> Codebook:
        """The codebook with the loaded file's own version (no ``+rN``), to compare files."""
        return dataclasses.replace(
            self.codebook, version=str(self._store.get_setting("codebook_version", "0")))

    def unresolved_removals(self, source: str | Path | Codebook, *,
                            mapping: Mapping[str, str] | None = None,
                            archive: Iterable[str] = ()) -> list[tuple[str, int, str | None]]:
        """Codes ``source`` removes that have codings and neither a mapping nor an archive
        order: (code, codings, likely new id) each."""
        new = source if isinstance(source, Codebook) else load_codebook(source)
        diff = diff_codebooks(self._stored_codebook(), new)
        counts = self._store.coding_counts_by_code()
        skip = set(mapping or {}) | set(archive)
        return [(c, counts[c], diff.rename_of(c)) for c in diff.removed
                if counts.get(c) and c not in skip]

    def load_codebook(self, source: str | Path | Codebook, *,
                      mapping: Mapping[str, str] | None = None, archive: Iterable[str] = (),
                      who: str | None = None) -> CodebookReport:
        """Load a codebook file and apply its difference from the project as edits.

        Codes are added, updated in place and moved; every coding is kept. A code the
        file removes that has codings needs ``mapping[old] = new`` (its codings are
        merged into ``new``, which must be in the file) or to be listed in ``archive``
        (its codings go to the archive); otherwise a ConflictError lists each such code.
        A removed code without codings is deleted. Loading the same state again changes
        nothing. A file with a new ``version`` resets the revision; edits it brings to
        the same version count as one revision.
        """
        new = source if isinstance(source, Codebook) else load_codebook(source)
        where = "" if isinstance(source, Codebook) else f"{source}: "
        mapping = dict(mapping or {})
        archive = list(dict.fromkeys(archive))
        old = self._stored_codebook()
        diff = diff_codebooks(old, new)
        counts = self._store.coding_counts_by_code()
        for old_id, new_id in mapping.items():
            if old_id not in old:
                raise InputError(f"{where}--map {old_id}={new_id}: the project has no code "
                                 f"{old_id!r}; see `qda codebook show` for the ids")
            if old_id in new:
                raise InputError(f"{where}--map {old_id}={new_id}: {old_id!r} is still in the "
                                 "file; --map is for codes the file removes")
            if new_id not in new:
                raise InputError(f"{where}--map {old_id}={new_id}: {new_id!r} is not in the "
                                 "file; map to a code the file has")
            if old_id in archive:
                raise InputError(f"{where}{old_id!r} is both mapped and archived; choose one")
        for code_id in archive:
            if code_id not in old:
                raise InputError(f"{where}--archive {code_id}: the project has no code "
                                 f"{code_id!r}; see `qda codebook show` for the ids")
            if code_id in new:
                raise InputError(f"{where}--archive {code_id}: {code_id!r} is still in the file;"
                                 " --archive is for codes the file removes")
        blocked = [(c, counts[c], diff.rename_of(c)) for c in diff.removed
                   if counts.get(c) and c not in mapping and c not in archive]
        if blocked:
            listed = "; ".join(
                f"code {c!r} has {n} coding(s)" + (f" (likely renamed to {g!r})" if g else "")
                for c, n, g in blocked)
            hint = " ".join(f"--map {c}={g or 'NEW'}" for c, _, g in blocked[:3])
            raise ConflictError(
                f"{where}{listed}, but the file no longer has it; nothing was changed. Say "
                f"where the codings go: --map OLD=NEW merges them into a code of the file "
                f"(e.g. {hint}), or --archive OLD moves them to the archive")

        report = CodebookReport(version=new.version, removed=list(diff.removed), diff=diff)
        if diff.empty:
            report.version = self.codebook.version
            return report
        who = _who(who)
        base = self._store.get_setting("codebook_version", None)
        revision = self.codebook_revision + 1 if base == new.version else 0
        label = _version_label(new.version, revision)
        try:
            with self._store.transaction():
                self._write_codes(new)
                for old_id, new_id in mapping.items():
                    moved, collapsed = self._store.merge_codings(
                        old_id, new_id, reason=f"merge {old_id} into {new_id}", who=who)
                    report.merged[old_id] = new_id
                    self._record(who, "merge", old_id, label, {
                        "into": new_id, "codings": moved, "collapsed": collapsed,
                        "file": str(source) if where else None})
                for code_id in archive:
                    n = self._store.archive_codings(
                        self._store.coding_ids([code_id]),
                        reason=f"code {code_id} removed from the codebook", who=who)
                    report.archived[code_id] = n
                    self._record(who, "archive", code_id, label, {"codings": n},
                                 entity="codings")
                for code_id in reversed(diff.removed):
                    self._store.delete_code(code_id)
                    self._record(who, "delete", code_id, label, {"before": _code_dict(
                        old.get(code_id))})
                for code_id in diff.added:
                    self._record(who, "add", code_id, label, {"after": _code_dict(new.get(code_id))})
                for code_id, changes in diff.changed.items():
                    self._record(who, "change", code_id, label, {
                        "fields": [ch.field for ch in changes],
                        "before": {ch.field: ch.before for ch in changes},
                        "after": {ch.field: ch.after for ch in changes}})
                for code_id in diff.reordered:
                    self._record(who, "move", code_id, label, {
                        "before": {"position": _sibling_index(old, code_id)},
                        "after": {"position": _sibling_index(new, code_id)}, "codings": 0})
                for move in diff.moved:
                    self._record(who, "move", move.code, label, {
                        "before": {"parent": move.old_parent},
                        "after": {"parent": move.new_parent},
                        "codings": self._subtree_codings(new, move.code)})
                self._store.set_setting("codebook_name", new.name)
                self._store.set_setting("codebook_version", new.version)
                self._store.set_setting("codebook_description", new.description)
                self._store.set_setting("codebook_revision", revision)
                self._store.record(who=who, action="load", entity="codebook",
                                   entity_id=str(source) if where else new.name, detail={
                                       "codebook_version": label, "added": len(diff.added),
                                       "changed": len(diff.changed), "moved": len(diff.moved),
                                       "removed": len(diff.removed), "merged": mapping,
                                       "archived": report.archived})
        finally:
            self._codebook = None
        report.added = list(diff.added)
        report.changed = list(diff.changed)
        report.moved = [m.code for m in diff.moved]
        report.version = label
        return report

    # -------------------------------------------------------------- codebook edits
    def add_code(self, code_id: str, name: str, parent: str | None = None, *,
                 position: int | None = None, who: str | None = None, **fields) -> CodeEdit:
        """Add a code (``fields``: description, include, exclude, examples, keywords,
        patterns, color) under ``parent`` (None: a top-level theme), last among its
        siblings unless ``position`` (0 = first) says otherwise."""
        cb = self.codebook
        code = edits.make_code(code_id, name, parent, fields)
        new = edits.add_code(cb, code, position=position)
        return self._apply(new, "add", code_id, who, {"after": _code_dict(code)})

    def rename_code(self, code_id: str, *, name: str | None = None, new_id: str | None = None,
                    who: str | None = None) -> CodeEdit:
        """Rename a code. The id stays unless ``new_id`` is given; then every coding and
        child follows it (history keeps the old id)."""
        cb = self.codebook
        if name is None and new_id is None:
            raise InputError(f"rename {code_id!r}: give a new name, a new id, or both")
        new = edits.rename_code(cb, code_id, name=name, new_id=new_id)
        before = cb.get(code_id)
        after = new.get(new_id or code_id)
        if (before.id, before.name) == (after.id, after.name):
            return CodeEdit("rename", code_id, version=cb.version)

        def store_ops() -> dict[str, Any]:
            n = self._store.rename_code_id(code_id, after.id) if after.id != code_id else \
                self._count([code_id])
            return {"codings": n}

        return self._apply(new, "rename", code_id, who, {
            "before": {"id": before.id, "name": before.name},
            "after": {"id": after.id, "name": after.name}}, store_ops)

    def move_code(self, code_id: str, parent: str | None = None, *, position: int | None = None,
                  who: str | None = None) -> CodeEdit:
        """Move a code (with everything under it) under ``parent``, or to the top level
        with None; refused if ``parent`` is the code itself or inside it."""
        cb = self.codebook
        new = edits.move_code(cb, code_id, parent, position=position)
        old_code = cb.get(code_id)
        if new.codes == cb.codes:   # already there: nothing to record
            return CodeEdit("move", code_id, version=cb.version)
        return self._apply(new, "move", code_id, who, {
            "before": {"parent": old_code.parent, "position": _sibling_index(cb, code_id)},
            "after": {"parent": parent, "position": _sibling_index(new, code_id)},
            "codings": self._subtree_codings(cb, code_id)})

    def merge_codes(self, source_id: str, into_id: str, *, who: str | None = None) -> CodeEdit:
        """Merge code ``source_id`` into ``into_id``: every coding moves to the target
        (a coding the target already has, same span, coder and source, collapses into
        one, keeping a person's decision; the other copy is archived), the source's
        children move under the target, its examples, keywords and patterns join the
        target's, and the source code is removed."""
        cb = self.codebook
        new = edits.merge_code(cb, source_id, into_id)
        by_source = self._by_source([source_id])
        children = [c.id for c in cb.children(source_id)]
        added_rules = {k: [v for v in getattr(new.get(into_id), k)
                           if v not in getattr(cb.get(into_id), k)] for k in edits.MERGED_FIELDS}
        label_who = _who(who)

        def store_ops() -> dict[str, Any]:
            moved, collapsed = self._store.merge_codings(
                source_id, into_id, reason=f"merge {source_id} into {into_id}", who=label_who)
            return {"codings": moved, "collapsed": collapsed}

        return self._apply(new, "merge", source_id, who, {
            "into": into_id, "by_source": by_source, "children": children,
            "added_to_target": {k: v for k, v in added_rules.items() if v},
            "before": _code_dict(cb.get(source_id))}, store_ops, removed=[source_id],
            children=children)

    def split_code(self, code_id: str, children: Iterable[Any], *,
                   who: str | None = None) -> CodeEdit:
        """Add new child codes to ``code_id``. Its codings stay on it and are flagged
        for review (``review`` = "split into a, b") so a person can recode them.
        ``children``: ``(id, name)`` or ``(id, name, {fields})`` tuples, or mappings
        with ``id``, ``name`` and fields."""
        cb = self.codebook
        edits.require(cb, code_id)
        kids = [_make_child(spec, code_id) for spec in children]
        if not kids:
            raise InputError(f"split {code_id!r}: name at least one new child (id and name)")
        new = edits.add_children(cb, code_id, kids)
        ids = [k.id for k in kids]
        note = f"split into {', '.join(ids)}"

        def store_ops() -> dict[str, Any]:
            return {"flagged": self._store.flag_for_review(code_id, note)}

        return self._apply(new, "split", code_id, who, {
            "children": [_code_dict(k) for k in kids], "review": note,
            "by_source": self._by_source([code_id])}, store_ops, children=ids)

    def delete_code(self, code_id: str, *, archive: bool = False, keep_children: bool = False,
                    who: str | None = None) -> CodeEdit:
        """Delete a code and every code under it (as NVivo and MAXQDA do), or only the
        code with ``keep_children=True`` (its children take its place).

        Refused with a ConflictError while the deleted codes have codings, unless
        ``archive=True``: then the codings go to the archive (whole, with their quote,
        the reason, who and when) before the codes are deleted."""
        cb = self.codebook
        new, gone = edits.remove_code(cb, code_id, keep_children=keep_children)
        counts = self._store.coding_counts_by_code()
        coded = {c: counts[c] for c in gone if counts.get(c)}
        total = sum(coded.values())
        if total and not archive:
            parts = ", ".join(f"{c}: {n}" for c, n in coded.items())
            under = "" if keep_children else " and the codes under it"
            raise ConflictError(
                f"code {code_id!r}{under} have {total} coding(s) ({parts}); nothing was "
                f"deleted. Archive them with `qda codebook delete {code_id} --archive` "
                "(API: archive=True), or keep them in use by merging: "
                f"`qda codebook merge {code_id} OTHER`")
        label_who = _who(who)
        lifted = [c.id for c in cb.children(code_id)] if keep_children else []

        def store_ops() -> dict[str, Any]:
            n = self._store.archive_codings(self._store.coding_ids(gone),
                                            reason=f"code {code_id} deleted", who=label_who)
            if n:
                self._store.record(who=label_who, action="archive", entity="codings",
                                   entity_id=code_id, detail={"codings": n, "codes": coded,
                                                              "reason": f"code {code_id} deleted"})
            return {"archived": n}

        return self._apply(new, "delete", code_id, who, {
            "codes": gone, "lifted": lifted, "before": [_code_dict(cb.get(c)) for c in gone]},
            store_ops, removed=gone, children=lifted)

    def code_counts(self) -> pd.DataFrame:
        """Segments coded at each code, by source, in tree order: ``code, name, parent,
        depth``, then ``human, rules, model, import`` rolled up (the code or any code
        under it, each segment once), then ``all`` (any source, rolled up), then
        ``human_own, ...`` (at the code itself). Rejected codings and interviewer turns
        are not counted."""
        cb = self.codebook
        codings = self._store.codings()
        segs = self._store.segments()
        interviewer = set(segs.loc[segs["is_interviewer"], "segment_id"])
        codings = codings[(codings["status"] != "rejected")
                          & ~codings["segment_id"].isin(interviewer)
                          & codings["code_id"].isin(cb.ids)]
        key = [s if isinstance(s, str) else f"{d}:{a}:{b}" for s, d, a, b in
               zip(codings["segment_id"], codings["document_id"], codings["start"],
                   codings["end"])]
        pairs = pd.DataFrame({"key": key, "code_id": codings["code_id"].to_numpy(),
                              "source": codings["source"].to_numpy()})
        rolled = pairs.merge(cb.rollup(), on="code_id")

        def table(df: pd.DataFrame, by: str) -> pd.DataFrame:
            return (df.groupby([by, "source"])["key"].nunique().unstack(fill_value=0)
                    .reindex(index=cb.ids, columns=list(SOURCES), fill_value=0)
                    .fillna(0).astype("int64"))

        up, own = table(rolled, "theme_id"), table(pairs, "code_id")
        total = rolled.groupby("theme_id")["key"].nunique().reindex(cb.ids).fillna(0)
        frame = cb.to_frame()[["code_id", "name", "parent_id", "depth"]].rename(
            columns={"code_id": "code", "parent_id": "parent"})
        for src in SOURCES:
            frame[src] = up[src].to_numpy()
        frame["all"] = total.astype("int64").to_numpy()
        for src in SOURCES:
            frame[f"{src}_own"] = own[src].to_numpy()
        return frame

    # ------------------------------------------------------------ codebook helpers
    def _apply(self, new: Codebook, action: str, code_id: str, who: str | None,
               detail: dict[str, Any], store_ops=None, *, removed: Sequence[str] = (),
               children: Sequence[str] = ()) -> CodeEdit:
        """Write an edited codebook in one transaction: the store operations on codings,
        the code rows, removed codes, the revision and a history row."""
        who = _who(who)
        revision = self.codebook_revision + 1
        label = _version_label(self._store.get_setting("codebook_version", "0"), revision)
        try:
            with self._store.transaction():
                counts = store_ops() if store_ops else {}   # first: a new id must be free
                self._write_codes(new)
                for gone in removed:
                    self._store.delete_code(gone)
                self._store.set_setting("codebook_revision", revision)
                self._record(who, action, code_id, label, {**detail, **counts})
        finally:
            self._codebook = None
        return CodeEdit(action, code_id, version=label, children=list(children),
                        removed=list(removed), detail={**detail, **counts}, **{
                            k: v for k, v in counts.items() if k in _EDIT_COUNTS})

    def _write_codes(self, cb: Codebook) -> None:
        for row in cb.to_frame().to_dict("records"):
            self._store.upsert_code({**row, "id": row["code_id"]})

    def _record(self, who: str, action: str, code_id: str, label: str, detail: dict[str, Any],
                *, entity: str = "code") -> None:
        self._store.record(who=who, action=action, entity=entity, entity_id=code_id,
                           detail={**detail, "codebook_version": label})

    def _count(self, code_ids: Iterable[str]) -> int:
        counts = self._store.coding_counts_by_code()
        return sum(counts.get(c, 0) for c in code_ids)

    def _subtree_codings(self, cb: Codebook, code_id: str) -> int:
        return self._count([code_id, *edits.descendants(cb, code_id)])

    def _by_source(self, code_ids: Sequence[str]) -> dict[str, int]:
        codings = self._store.codings()
        mine = codings[codings["code_id"].isin(list(code_ids))]
        return {str(k): int(v) for k, v in mine["source"].value_counts().items()}

    # --------------------------------------------------------------------- coding
    def code_rules(self, *, who: str | None = None) -> RulesReport:
        """Suggest codes by the codebook's keywords and patterns (source ``rules``).

        Replaces earlier open rules suggestions; suggestions a person accepted or
        rejected are kept as they are, and human codings are never touched.
        """
        cb = self.codebook
        if not len(cb):
            raise ProjectError("the project has no codebook; load one with `qda codebook load F`")
        report = RulesReport()
        if not any(c.keywords or c.patterns or c.proximity for c in cb):
            report.warnings.append("no code in the codebook has keywords, patterns or proximity "
                                   "rules; "
                                   "the rules coder has nothing to match")
        segs = self._store.segments()
        segs = segs[~segs["is_interviewer"]]
        found = RulesCoder(cb, nlp=self.nlp).code(segs, self._store.document_texts())
        reviewed = self._store.reviewed_keys(source="rules")
        keep = [(s, c) not in reviewed for s, c in zip(found["segment_id"], found["code_id"])]
        report.kept_reviewed = len(found) - sum(keep)
        found = found[keep]
        stamp, version = now(), cb.version
        with self._store.transaction():
            report.replaced = self._store.delete_suggestions(source="rules")
            report.suggestions = self._store.insert_codings(
                {**r, "coder": "rules", "source": "rules", "status": "suggested",
                 "confidence": None, "codebook_version": version, "created_at": stamp}
                for r in found.to_dict("records")
            )
            self._store.record(who=_who(who), action="code", entity="codings", entity_id="rules",
                               detail={"suggestions": report.suggestions,
                                       "replaced": report.replaced, "codebook_version": version})
        report.segments = len(segs)
        report.segments_coded = found["segment_id"].nunique()
        return report

    def add_coding(self, segment_id: str, code_id: str, *, coder: str,
                   who: str | None = None) -> bool:
        """Record a person's coding of a whole segment (source ``human``, ``accepted``).

        Returns False, changing nothing, when that coder already has that coding.
        """
        if not coder or not coder.strip():
            raise InputError("a human coding needs the coder's name")
        if code_id not in self.codebook:
            raise InputError(f"unknown code {code_id!r}; see `qda codebook show` for the ids")
        seg = self._store.segment(segment_id)
        if seg is None:
            raise InputError(f"unknown segment {segment_id!r}; see `qda segments` for the ids")
        if self._store.has_coding(seg["document_id"], seg["start"], seg["end"], code_id,
                                  coder=coder.strip(), source="human"):
            return False
        with self._store.transaction():
            self._store.insert_codings([{
                "segment_id": segment_id, "document_id": seg["document_id"],
                "start": seg["start"], "end": seg["end"], "code_id": code_id,
                "coder": coder.strip(), "source": "human", "status": "accepted",
                "confidence": None, "evidence": None, "codebook_version": None,
                "created_at": now(),
            }])
            self._store.record(who=_who(who or coder), action="add", entity="coding",
                               entity_id=segment_id, detail={"code": code_id, "coder": coder})
        return True

    # --------------------------------------------------------------- human coding
    @property
    def project_id(self) -> str:
        """The project's id (a UUID), written into coding sheets so a sheet is only read
        back into the project it came from. Made on first need; copies share it."""
        pid = self._store.get_setting("project_id")
        if not pid:
            pid = str(uuid.uuid4())
            with self._store.transaction():
                self._store.set_setting("project_id", pid)
        return pid

    def coding_sheet(self, path: str | Path, *, coder: str | None,
                     codes: Sequence[str] | None = None, documents: Sequence[str] | None = None,
                     segments: Sequence[str] | None = None,
                     include_suggestions: bool = True) -> Path:
        """Write a coding sheet (.xlsx) for a person to fill: one row per segment (no
        interviewer turns), one column per code grouped under its theme. The coder's own
        codings and reviewed rows are pre-filled; open suggestions are shown as hints.
        ``segments`` limits the rows to those segment ids, in that order (e.g. from
        :meth:`next_to_code`). Read it back with :meth:`import_coding`."""
        cb = self.codebook
        if not len(cb):
            raise ProjectError("the project has no codebook; load one with `qda codebook load F`")
        coder = coder.strip() if coder else None
        chosen = cb.ids
        if codes:
            unknown = [c for c in codes if c not in cb]
            if unknown:
                raise InputError(f"unknown code(s) {', '.join(map(repr, unknown))}; see `qda "
                                 "codebook show` for the ids")
            wanted = set(codes)
            chosen = [c for c in cb.ids if c in wanted]
        segs = self.segments()
        if documents:
            docs = self._store.documents()
            ids = set(docs["document_id"])
            by_name = dict(zip(docs["name"], docs["document_id"]))
            picked = []
            for d in documents:
                if d not in ids and d not in by_name:
                    raise InputError(f"unknown document {d!r}; see `qda segments` for the ids")
                picked.append(d if d in ids else by_name[d])
            segs = segs[segs["document"].isin(picked)]
        if segments is not None:
            unknown = [sid for sid in segments if sid not in set(segs["segment_id"])]
            if unknown:
                raise InputError(f"unknown segment {unknown[0]!r}; see `qda segments` for the ids")
            segs = segs.set_index("segment_id").loc[list(segments)].reset_index()
        if segs.empty:
            raise ProjectError("there are no segments to code; ingest transcripts first "
                               "(`qda ingest FILES`)")
        attrs = [c for c in self._store.participants().columns
                 if c not in ("participant_id", "label", "auto")]
        attrs += [c for c in ("question",) if c in segs.columns]
        marks: set[tuple[str, str]] = set()
        done: set[str] = set()
        if coder:
            mine = self._store.coder_codings(coder)
            marks = set(zip(mine["segment_id"], mine["code_id"]))
            done = set(self._store.reviews(coder)["segment_id"])
        hints: dict[str, str] = {}
        if include_suggestions:
            hints = _suggestion_hints(self._store.codings(), cb.ids)
        meta = {"project_id": self.project_id, "project": self.path.name, "coder": coder or "",
                "codebook_version": cb.version, "created_at": now(),
                "segments": str(len(segs))}
        return write_coding_sheet(path, segments=segs, attributes=attrs, codebook=cb,
                                  codes=chosen, marks=marks, done=done, suggestions=hints,
                                  meta=meta)

    def import_coding(self, path: str | Path, *, coder: str, remove_unmarked: bool = False,
                      who: str | None = None) -> CodingImportReport:
        """Read a filled coding sheet (.xlsx) or a long coding CSV as ``coder``'s codings.

        Idempotent: a coding already there is not added again. Marks become human codings
        (source ``human``, status ``accepted``) of the whole segment, CSV span rows of their
        span; open suggestions and other coders' codings are never touched. A row with a
        mark or ``done`` (a CSV row, even with an empty code) records the segment as
        reviewed by the coder. A coding of this coder that the file covers but no longer
        marks is a *conflict*: reported, kept, unless ``remove_unmarked`` (then it is moved
        to the archive: the file is then the truth for that coder within its rows and code
        columns; codings outside them are never touched). A row whose text
        was edited is reported, its marks applied (the segment id decides). Anything the
        file gets wrong (unknown code or segment, a mark other than x/1, another project's
        sheet, missing columns, bad offsets) raises an error before anything is written.
        One transaction, recorded in history.
        """
        path = Path(path)
        coder = (coder or "").strip()
        if not coder:
            raise InputError("say whose coding this is: --coder NAME")
        segs = self._store.segments()
        spans = {sid: (doc, int(s), int(e)) for sid, doc, s, e in
                 zip(segs["segment_id"], segs["document_id"], segs["start"], segs["end"])}
        texts = self._store.document_texts()
        cb = self.codebook
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            found = resolve_sheet(read_coding_sheet(path), project_id=self.project_id,
                                  coder=coder, codebook=cb, spans=spans, texts=texts)
        elif suffix == ".csv":
            docs = self._store.documents()
            found = resolve_csv(path, read_long_csv(path), coder=coder, codes=cb.ids,
                                spans=spans, texts=texts,
                                names=dict(zip(docs["name"], docs["document_id"])))
        else:
            raise InputError(f"{path}: import reads a coding sheet (.xlsx) or a long coding "
                             "CSV (.csv), not " + (suffix or "a file without extension"))
        existing = self._store.coder_codings(coder)
        plan = plan_import(found.marks, existing, segments=found.segments, codes=found.codes)
        unmarked = plan.unmarked
        report = CodingImportReport(file=str(path), coder=coder, kind=found.kind,
                                    rows=found.rows, already=plan.already,
                                    untouched=found.untouched, edited=found.edited,
                                    warnings=list(found.warnings))
        stamp, actor = now(), _who(who or coder)
        with self._store.transaction():
            report.added = self._store.insert_codings(
                {"segment_id": m.segment_id, "document_id": m.document_id, "start": m.start,
                 "end": m.end, "code_id": m.code_id, "coder": coder, "source": "human",
                 "status": "accepted", "confidence": None, "evidence": None,
                 "codebook_version": cb.version, "created_at": stamp}
                for m in plan.add)
            report.reviewed = self._store.insert_reviews(
                {"segment_id": sid, "document_id": doc, "coder": coder, "reviewed_at": stamp,
                 "source_file": str(path)} for sid, doc in found.reviewed.items())
            report.reviewed_already = len(found.reviewed) - report.reviewed
            if remove_unmarked and not unmarked.empty:
                report.removed = self._store.archive_codings(
                    unmarked["coding_id"].tolist(), who=actor,
                    reason=f"not marked by {coder} in {path.name} (imported with "
                    "remove_unmarked)")
            else:
                report.conflicts = [
                    {"segment_id": r["segment_id"], "code": r["code_id"],
                     "start": int(r["start"]), "end": int(r["end"]),
                     "text": _clip(texts[r["document_id"]][r["start"]:r["end"]])}
                    for r in unmarked.to_dict("records")]
            self._store.record(who=actor, action="import", entity="codings", entity_id=str(path),
                               detail={"coder": coder, "kind": found.kind, "rows": found.rows,
                                       "added": report.added, "already": report.already,
                                       "reviewed": report.reviewed,
                                       "conflicts": len(report.conflicts),
                                       "removed": report.removed,
                                       "edited": len(report.edited)})
        if report.edited:
            report.warnings.append(
                f"{len(report.edited)} row(s) have text that differs from the project's "
                f"({', '.join(f'{w}: {s}' for w, s in report.edited[:5])}"
                f"{' and more' if len(report.edited) > 5 else ''}); their marks were applied to "
                "the segment their id names. Edit transcripts by re-importing the file instead")
        return report

    def reviews(self, *, coder: str | None = None) -> pd.DataFrame:
        """Segments each coder has reviewed: ``segment_id, document, coder, reviewed_at,
        source_file``. A reviewed segment without a coding of that coder means "no code
        applies"; a segment not here and without codings is not yet coded."""
        return self._store.reviews(coder).rename(columns={"document_id": "document"})

    def coding_table(self, *, coders: Iterable[str] | None = None,
                     sources: Iterable[str] | None = None, reviewed: bool = False
                     ) -> pd.DataFrame:
        """The long coding table (:meth:`codings`); with ``reviewed``, also one row with an
        empty ``code`` per segment a coder reviewed without coding it (the design's long
        coding CSV, which :meth:`import_coding` reads back)."""
        df = self.codings(coders=coders, sources=sources)
        if not reviewed or (sources is not None and "human" not in set(sources)):
            return df
        rv = self._store.reviews()
        if coders is not None:
            rv = rv[rv["coder"].isin(list(coders))]
        human = self._store.codings()
        human = human[human["source"] == "human"]
        coded = set(zip(human["segment_id"], human["coder"]))
        rv = rv[[(s, c) not in coded for s, c in zip(rv["segment_id"], rv["coder"])]]
        if rv.empty:
            return df
        segs = self.segments(interviewer=True).set_index("segment_id")
        seg = segs.loc[rv["segment_id"]]
        extra = pd.DataFrame({
            "segment_id": rv["segment_id"].values, "document": seg["document"].values,
            "participant": seg["participant"].values, "start": seg["start"].values,
            "end": seg["end"].values, "code": "", "coder": rv["coder"].values,
            "source": "human", "status": "", "confidence": float("nan"),
            "text": seg["text"].values, "evidence": None, "codebook_version": None,
            "created_at": rv["reviewed_at"].values})
        order = {d: i for i, d in enumerate(self._store.documents()["document_id"])}
        out = pd.concat([df, extra], ignore_index=True)
        out = out.assign(_d=out["document"].map(order)).sort_values(
            ["_d", "start", "end", "coder"], kind="stable").drop(columns="_d")
        return out.reset_index(drop=True)

    def codings_csv(self, path: str | Path, *, coders: Iterable[str] | None = None,
                    sources: Iterable[str] | None = None, reviewed: bool = True) -> Path:
        """Write the long coding CSV (design columns, then evidence, codebook_version,
        created_at), reviewed-without-code rows included unless ``reviewed=False``."""
        df = self.coding_table(coders=coders, sources=sources, reviewed=reviewed)
        df["evidence"] = df["evidence"].map(
            lambda v: "; ".join(f"{e['term']}@{e['start']}" for e in v)
            if isinstance(v, list) else "")
        return write_long_csv(df, path)

    # --------------------------------------------------------- learned suggestions
    def training_set(self, coder: str) -> tuple[pd.Series, list[frozenset[str]]]:
        """What ``coder`` has taught: the text of every segment they reviewed or coded
        (a Series indexed by segment id, in document order, no interviewer turns) and the
        set of codes they applied to each (empty: reviewed, no code applies)."""
        coder = (coder or "").strip()
        mine = self._store.coder_codings(coder)
        reviewed = set(self._store.reviews(coder)["segment_id"]) | set(mine["segment_id"])
        if not reviewed:
            coders = sorted(set(self._store.codings().query("source == 'human'")["coder"])
                            | set(self._store.reviews()["coder"]))
            raise InputError(f"coder {coder!r} has coded no segments in this project"
                             + (f"; coders with codings: {', '.join(coders)}" if coders else
                                "; import a coding sheet or CSV first (`qda code import`)"))
        segs = self.segments()
        segs = segs[segs["segment_id"].isin(reviewed)]
        codes: dict[str, set[str]] = {}
        for sid, code in zip(mine["segment_id"], mine["code_id"]):
            codes.setdefault(sid, set()).add(code)
        texts = segs.set_index("segment_id")["text"]
        return texts, [frozenset(codes.get(sid, ())) for sid in texts.index]

    def _fit_suggester(self, coder: str, *, seed: int, features: str):
        from qda.coding.learn import SuggestModel

        texts, labels = self.training_set(coder)
        return SuggestModel(features=features, random_state=seed).fit(texts, labels), texts

    def _uncoded(self, coder: str, taught: pd.Series) -> pd.Series:
        segs = self.segments()
        segs = segs[~segs["segment_id"].isin(taught.index)]
        return segs.set_index("segment_id")["text"]

    def suggest(self, *, from_coder: str, threshold: float = 0.5, seed: int = 0,
                features: str = "words+chars", who: str | None = None) -> SuggestReport:
        """Learn from ``from_coder``'s coding and suggest codes for the segments they have
        not reviewed (source ``model``, status ``suggested``, with a calibrated confidence).

        Replaces earlier open model suggestions; those a person accepted or rejected stay
        and are not suggested again; human codings are never touched. One transaction.
        """
        if not 0 < threshold < 1:
            raise InputError(f"the threshold is a probability between 0 and 1, not {threshold}")
        model, taught = self._fit_suggester(from_coder, seed=seed, features=features)
        found = model.suggestions(self._uncoded(from_coder, taught), threshold=threshold)
        reviewed = self._store.reviewed_keys(source="model")
        keep = [(s, c) not in reviewed for s, c in zip(found["segment_id"], found["code_id"])]
        report = SuggestReport(coder=from_coder, taught=len(taught), codes=list(model.codes_),
                               skipped=dict(model.skipped_), kept_reviewed=len(keep) - sum(keep))
        found = found[keep]
        segs = self._store.segments().set_index("segment_id")
        cb, stamp = self.codebook, now()
        evidence = {"from": from_coder, "features": features, "seed": seed,
                    "threshold": threshold, "taught": len(taught)}
        with self._store.transaction():
            report.replaced = self._store.delete_suggestions(source="model")
            report.suggestions = self._store.insert_codings(
                {"segment_id": sid, "document_id": segs.at[sid, "document_id"],
                 "start": int(segs.at[sid, "start"]), "end": int(segs.at[sid, "end"]),
                 "code_id": code, "coder": "model", "source": "model", "status": "suggested",
                 "confidence": round(float(conf), 4), "evidence": evidence,
                 "codebook_version": cb.version, "created_at": stamp}
                for sid, code, conf in zip(found["segment_id"], found["code_id"],
                                           found["confidence"]))
            self._store.record(who=_who(who), action="suggest", entity="codings",
                               entity_id="model", detail={
                                   **evidence, "suggestions": report.suggestions,
                                   "replaced": report.replaced, "codes": report.codes,
                                   "codebook_version": cb.version})
        report.segments_suggested = found["segment_id"].nunique()
        return report

    def evaluate_suggester(self, *, from_coder: str, folds: int = 5, seed: int = 0,
                           threshold: float = 0.5, features: str = "words+chars"):
        """Cross-validate the suggester on ``from_coder``'s segments, beside the rules
        coder on the same segments (see :func:`qda.coding.evaluate.evaluate`)."""
        from qda.coding.evaluate import evaluate

        texts, labels = self.training_set(from_coder)
        cb = self.codebook
        hits = None
        if any(c.keywords or c.patterns for c in cb):
            segs = self._store.segments()
            segs = segs[segs["segment_id"].isin(texts.index)]
            found = RulesCoder(cb, nlp=self.nlp).code(segs, self._store.document_texts())
            by_seg: dict[str, set[str]] = {}
            for sid, code in zip(found["segment_id"], found["code_id"]):
                by_seg.setdefault(sid, set()).add(code)
            hits = [frozenset(by_seg.get(sid, ())) for sid in texts.index]
        return evaluate(texts, labels, folds=folds, seed=seed, rules_hits=hits,
                        threshold=threshold, features=features)

    def next_to_code(self, *, from_coder: str, n: int = 20, seed: int = 0,
                     features: str = "words+chars") -> pd.DataFrame:
        """Active learning: the ``n`` segments ``from_coder`` has not coded whose coding
        would teach the suggester most (least certain first): ``segment_id, score, code,
        probability``."""
        from qda.coding.learn import rank_uncertain

        model, taught = self._fit_suggester(from_coder, seed=seed, features=features)
        ranked = rank_uncertain(model, self._uncoded(from_coder, taught), n)
        return ranked.rename_axis("segment_id").reset_index()

    # -------------------------------------------------------- review and consensus
    def explain_rules(self, segment_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """Why the rules suggest what they do: one row per piece of evidence.

        Columns: ``segment_id, document, code, kind`` (keyword, pattern, window, or
        exclude: an exclude keyword that blocks the code), ``term, matched, start, end,
        context`` (the segment's text with the match in [brackets]), ``outcome``
        (suggested, blocked by an exclusion, or not coded: an interviewer turn) and
        ``status`` (the stored rules coding's status now: suggested, accepted,
        rejected, or empty). Without ids: every segment the rules find something in.
        """
        segs = self._store.segments()
        if segment_ids is not None:
            wanted = list(dict.fromkeys(segment_ids))
            unknown = [s for s in wanted if s not in set(segs["segment_id"])]
            if unknown:
                raise InputError(f"unknown segment {unknown[0]!r}; see `qda segments` for "
                                 "the ids")
            segs = segs.set_index("segment_id").loc[wanted].reset_index()
        else:
            segs = segs[~segs["is_interviewer"]]
        texts = self._store.document_texts()
        found = RulesCoder(self.codebook, nlp=self.nlp).explain(segs, texts)
        interviewer = set(segs.loc[segs["is_interviewer"], "segment_id"])
        stored = self._store.codings()
        stored = stored[(stored["source"] == "rules") | (stored["origin"] == "rules")]
        status = {(s, c): ("accepted" if src == "human" else st)
                  for s, c, src, st in zip(stored["segment_id"], stored["code_id"],
                                           stored["source"], stored["status"])}
        rows = []
        bounds = segs.set_index("segment_id")[["start", "end"]]
        for rec in found.to_dict("records"):
            seg_start, seg_end = bounds.loc[rec["segment_id"]]
            text = texts[rec["document_id"]][seg_start:seg_end]
            outcome = ("not coded (interviewer turn)" if rec["segment_id"] in interviewer
                       else "blocked by an exclusion" if rec["blocked_by"] else "suggested")
            for ev in [*rec["evidence"], *rec["blocked_by"]]:
                rows.append({
                    "segment_id": rec["segment_id"], "document": rec["document_id"],
                    "code": rec["code_id"], "kind": ev["kind"], "term": ev["term"],
                    "matched": ev["text"], "start": ev["start"], "end": ev["end"],
                    "context": reviewing.bracket(text, ev["start"] - seg_start,
                                                 ev["end"] - seg_start),
                    "outcome": outcome,
                    "status": status.get((rec["segment_id"], rec["code_id"]), "")})
        return pd.DataFrame(rows, columns=["segment_id", "document", "code", "kind", "term",
                                           "matched", "start", "end", "context", "outcome",
                                           "status"])

    def suggestions(self, **filters) -> pd.DataFrame:
        """Open suggestions (the long coding table's columns plus ``coding_id``), chosen by
        the filters of :meth:`review` (``ids, segments, codes, sources, min_confidence,
        max_confidence``)."""
        chosen = self._choose_suggestions(**filters)
        table = self._store.codings()
        return table[table["coding_id"].isin(chosen["coding_id"])].reset_index(drop=True)

    def review(self, action: str, *, coder: str | None = None,
               ids: Iterable[int] = (), segments: Iterable[str] = (),
               codes: Iterable[str] = (), sources: Iterable[str] = (),
               min_confidence: float | None = None, max_confidence: float | None = None,
               all: bool = False) -> ReviewReport:  # noqa: A002 - the CLI's --all
        """Accept or reject open suggestions (rules, model, import) chosen by the filters.

        Filters combine (a suggestion must match each one given): coding ``ids``,
        ``segments`` (ids), ``codes`` (exact code ids, not their children),
        ``sources``, and a confidence range (suggestions without a confidence, like the
        rules', never match a range). With no filter at all nothing is reviewed unless
        ``all=True``.

        ``accept``: each suggestion *becomes* a human coding of ``coder`` (default: the
        user's login name), keeping its provenance (``origin`` = the suggesting source,
        evidence, confidence, ``reviewed_by``/``reviewed_at``): one row, never counted
        twice. If the coder already has that coding (same words and code) the suggestion is
        archived whole instead. ``reject``: status ``rejected``; kept, and the rules do not
        suggest it again. One transaction and one history row per call.
        """
        if action not in ("accept", "reject"):
            raise InputError(f"unknown review action {action!r}; use accept or reject")
        if coder is not None and not coder.strip():
            raise InputError("the coder's name is empty; give --coder NAME")
        person = _who(coder.strip() if coder else None)
        filters = {"ids": list(ids), "segments": list(segments), "codes": list(codes),
                   "sources": list(sources), "min_confidence": min_confidence,
                   "max_confidence": max_confidence}
        chosen = self._choose_suggestions(**filters)
        if not all and not any(v not in (None, []) for v in filters.values()):
            raise InputError(
                f"no filter given: this would {action} every open suggestion "
                f"({len(chosen)}); choose some with --code, --source, --segment, --id or a "
                "confidence bound, or pass --all")
        report = ReviewReport(action=action, matched=len(chosen))
        if chosen.empty:
            return report
        with self._store.transaction():
            if action == "accept":
                mine = self._store.coder_codings(person)
                convert, duplicates = reviewing.plan_accept(chosen, mine)
                report.changed = self._store.accept_suggestions(convert, coder=person)
                for dup, original in duplicates.items():
                    self._store.archive_codings(
                        [dup], who=person,
                        reason=f"accepted by {person}, who already had this coding "
                               f"(coding {original})")
                report.duplicates = len(duplicates)
            else:
                report.changed = self._store.reject_suggestions(chosen["coding_id"],
                                                                who=person)
            report.by_code = {str(k): int(v)
                              for k, v in chosen["code_id"].value_counts().sort_index().items()}
            self._store.record(
                who=person, action=action, entity="codings", entity_id="review",
                detail={"filters": {k: v for k, v in filters.items() if v not in (None, [])},
                        "all": bool(all), "matched": report.matched,
                        "changed": report.changed, "duplicates": report.duplicates,
                        "coder": person, "by_code": report.by_code,
                        "coding_ids": [int(i) for i in chosen["coding_id"]]})
        return report

    def _choose_suggestions(self, *, ids: Iterable[int] = (), segments: Iterable[str] = (),
                            codes: Iterable[str] = (), sources: Iterable[str] = (),
                            min_confidence: float | None = None,
                            max_confidence: float | None = None) -> pd.DataFrame:
        """Check the review filters (one InputError naming the bad value) and apply them."""
        ids, segments, codes, sources = list(ids), list(segments), list(codes), list(sources)
        cb = self.codebook
        for code_id in codes:
            if code_id not in cb:
                raise InputError(f"unknown code {code_id!r}; see `qda codebook show` for the ids")
        for source in sources:
            if source not in reviewing.AUTOMATIC_SOURCES:
                raise InputError(f"unknown suggestion source {source!r}; use one of "
                                 f"{', '.join(reviewing.AUTOMATIC_SOURCES)}")
        low = reviewing.check_confidence(min_confidence, "--min-confidence")
        high = reviewing.check_confidence(max_confidence, "--max-confidence")
        if low is not None and high is not None and low > high:
            raise InputError(f"--min-confidence {low} is above --max-confidence {high}; "
                             "nothing could match")
        for segment_id in segments:
            if self._store.segment(segment_id) is None:
                raise InputError(f"unknown segment {segment_id!r}; see `qda segments` for "
                                 "the ids")
        table = self._store.codings()
        if ids:
            try:
                ids = [int(i) for i in ids]
            except (TypeError, ValueError):
                raise InputError(f"coding ids are whole numbers, not {ids!r}") from None
            known = table.set_index("coding_id")
            for cid in ids:
                if cid not in known.index:
                    raise InputError(f"no coding with id {cid}; see `qda review list` for the "
                                     "open suggestions and their ids")
                row = known.loc[cid]
                if row["status"] != "suggested" or row["source"] == "human":
                    raise InputError(f"coding {cid} is not an open suggestion (it is "
                                     f"{row['source']}, {row['status']}); only open "
                                     "suggestions are reviewed")
        return reviewing.select_suggestions(table, ids=ids, segments=segments, codes=codes,
                                            sources=sources, min_confidence=low,
                                            max_confidence=high)

    def coders(self) -> pd.DataFrame:
        """Every person who coded or reviewed: ``coder, codings, reviewed``."""
        return self._store.coders()

    def build_consensus(self, coders: Sequence[str], *, rule: str = "all",
                        name: str = "final", keep_edits: bool = False,
                        who: str | None = None) -> ConsensusReport:
        """Write ``name``'s codings (source ``human``, status ``accepted``) from several
        coders' human codings, on the segments every one of them reviewed (a review row or
        a coding of theirs), and report the disagreements a person should settle.

        ``rule``: ``all`` (every coder applied the code to the segment), ``majority``
        (more than half) or ``any``. A consensus coding covers the span the agreeing
        coders used when they all used the same spans, else the whole segment; its
        evidence (one item of kind ``consensus``) names who agreed and who did not. The
        segments become reviewed by ``name``.

        Re-running rebuilds what an earlier consensus wrote: codings still agreed stay,
        new ones are added, ones no longer agreed are archived. Codings of ``name`` that
        a person made (no consensus evidence) or removed are never touched; while there
        are any, the call is refused (ConflictError) unless ``keep_edits=True``, which
        builds around them (a removed one is not added again).
        """
        coders = [c.strip() for c in coders if c and c.strip()]
        if len(set(coders)) < 2:
            raise InputError("a consensus needs two or more different coders, e.g. "
                             "--coders alice,bob")
        coders = list(dict.fromkeys(coders))
        if rule not in reviewing.CONSENSUS_RULES:
            raise InputError(f"unknown consensus rule {rule!r}; use one of "
                             f"{', '.join(reviewing.CONSENSUS_RULES)}")
        name = (name or "").strip()
        if not name:
            raise InputError("the consensus needs a coder name to write as, e.g. --as final")
        if name in coders:
            raise InputError(f"the consensus cannot be written as {name!r}, one of the coders "
                             "it is built from; choose another name with --as")
        if name in reviewing.AUTOMATIC_SOURCES:
            raise InputError(f"{name!r} is the name of an automatic coder; choose another "
                             "name with --as")
        known = self._store.coders()
        people = [c for c in known["coder"] if c != name]
        for c in coders:
            if c not in set(known["coder"]):
                raise InputError(f"unknown coder {c!r}: no human codings or reviews by that "
                                 f"name; coders in this project: {', '.join(people) or 'none'}")
        table = self._store.codings()
        human = table[(table["source"] == "human") & (table["status"] == "accepted")]
        reviewed = {c: set(self._store.reviews(c)["segment_id"])
                    | set(human.loc[human["coder"] == c, "segment_id"].dropna())
                    for c in coders}
        segs = self._store.segments()
        final, disagreements = reviewing.consensus(
            human[human["coder"].isin(coders)], reviewed, segs, coders=coders, rule=rule)

        mine = human[human["coder"] == name]
        is_consensus = mine["evidence"].map(_is_consensus)
        written, by_hand = mine[is_consensus], mine[~is_consensus]
        archived = self._store.archived_codings()
        archived = archived[(archived["coder"] == name) & (archived["source"] == "human")]
        removed_by_hand = archived[
            archived["evidence"].map(lambda v: _is_consensus(json.loads(v))
                                     if isinstance(v, str) else False)
            & ~archived["reason"].str.startswith("consensus")]
        report = ConsensusReport(name=name, coders=coders, rule=rule,
                                 segments=len(set.intersection(*reviewed.values())),
                                 hand_codings=len(by_hand) + len(removed_by_hand),
                                 disagreements=disagreements)
        if report.hand_codings and not keep_edits:
            raise ConflictError(
                f"coder {name!r} has {len(by_hand)} coding(s) a person added and "
                f"{len(removed_by_hand)} a person removed since a consensus wrote them; they "
                "are never overwritten. Rebuild around them with --keep-edits, or write the "
                "consensus under another name with --as")

        def key(r) -> tuple:
            return (r["document_id"], int(r["start"]), int(r["end"]), r["code_id"])

        blocked = {key(r) for r in by_hand.to_dict("records")}
        blocked |= {key(r) for r in removed_by_hand.to_dict("records")}
        old = {key(r): r for r in written.to_dict("records")}
        stamp, texts = now(), self._store.document_texts()
        new_rows, keep_keys = [], set()
        with self._store.transaction():
            for r in final.to_dict("records"):
                k = key(r)
                if k in blocked:
                    continue
                evidence = [{
                    "kind": "consensus", "term": f"{rule}: " + ", ".join(r["agreed"]),
                    "rule": rule, "coders": coders, "agreed": r["agreed"],
                    "not_agreed": r["not_agreed"], "start": r["start"], "end": r["end"],
                    "text": texts[r["document_id"]][r["start"]:r["end"]]}]
                keep_keys.add(k)
                if k in old:
                    report.kept += 1
                    if old[k]["evidence"] != evidence:
                        self._store.set_coding_evidence(old[k]["coding_id"], evidence)
                    continue
                new_rows.append({
                    "segment_id": r["segment_id"], "document_id": r["document_id"],
                    "start": r["start"], "end": r["end"], "code_id": r["code_id"],
                    "coder": name, "source": "human", "status": "accepted", "confidence": None,
                    "evidence": evidence, "codebook_version": self.codebook.version,
                    "created_at": stamp})
            report.added = self._store.insert_codings(new_rows)
            gone = [int(r["coding_id"]) for k, r in old.items() if k not in keep_keys]
            report.removed = self._store.archive_codings(
                gone, who=_who(who), reason=f"consensus rebuilt ({rule} of "
                f"{', '.join(coders)}): no longer agreed")
            common = set.intersection(*reviewed.values())
            seg_doc = segs.set_index("segment_id")["document_id"]
            self._store.insert_reviews(
                {"segment_id": s, "document_id": seg_doc[s], "coder": name,
                 "reviewed_at": stamp, "source_file": "consensus"}
                for s in sorted(common) if s in seg_doc.index)
            self._store.record(
                who=_who(who), action="consensus", entity="codings", entity_id=name,
                detail={"coders": coders, "rule": rule, "segments": report.segments,
                        "added": report.added, "kept": report.kept,
                        "removed": report.removed, "hand_codings": report.hand_codings,
                        "disagreements": len(disagreements)})
        return report

    # ---------------------------------------------------------------------- reads
    def documents(self, *, text: bool = False) -> pd.DataFrame:
        return self._store.documents(with_text=text).rename(columns={"document_id": "document"})

    def participants(self) -> pd.DataFrame:
        """One row per participant: participant, label, auto, then attributes."""
        return self._store.participants().rename(columns={"participant_id": "participant"})

    def history(self) -> pd.DataFrame:
        return self._store.history()

    def segments(self, *, interviewer: bool = False) -> pd.DataFrame:
        """The segment table: ``segment_id, document, participant, speaker, unit, start, end,
        text`` then participant attributes, then ``question`` (survey answers) and
        ``begin_time, end_time`` (seconds, from subtitle cues or timestamps) when any segment
        has them. Interviewer turns only with ``interviewer=True`` (then an
        ``is_interviewer`` column is added at the end)."""
        segs = self._store.segments()
        if not interviewer:
            segs = segs[~segs["is_interviewer"]]
        texts = self._store.document_texts()
        segs = segs.assign(text=[texts[d][s:e] for d, s, e in
                                 zip(segs["document_id"], segs["start"], segs["end"])])
        attrs = self._store.participants().drop(columns=["label", "auto"])
        out = segs.merge(attrs, on="participant_id", how="left")
        out = out.rename(columns={"document_id": "document", "participant_id": "participant"})
        cols = ["segment_id", "document", "participant", "speaker", "unit", "start", "end", "text"]
        cols += [c for c in attrs.columns if c != "participant_id"]
        # Extended columns, last and only when some segment has them (survey questions,
        # cue times), so the design's column order is kept.
        cols += [c for c in ("question", "begin_time", "end_time") if out[c].notna().any()]
        if interviewer:
            cols.append("is_interviewer")
        return out[cols].reset_index(drop=True)

    def codings(self, *, coders: Iterable[str] | None = None, sources: Iterable[str] | None = None,
                statuses: Iterable[str] | None = None) -> pd.DataFrame:
        """The long coding table: ``segment_id, document, participant, start, end, code, coder,
        source, status, confidence, text``, then ``evidence, codebook_version, created_at,
        review`` (why a person should look again, e.g. after a split), ``origin`` (for an
        accepted suggestion: the source that suggested it) and ``reviewed_by``."""
        df = self._store.codings()
        for col, wanted in (("coder", coders), ("source", sources), ("status", statuses)):
            if wanted is not None:
                df = df[df[col].isin(list(wanted))]
        texts = self._store.document_texts()
        segs = self._store.segments()[["segment_id", "participant_id"]]
        df = df.merge(segs, on="segment_id", how="left")
        df["text"] = [texts[d][s:e] for d, s, e in zip(df["document_id"], df["start"], df["end"])]
        df = df.rename(columns={"document_id": "document", "participant_id": "participant",
                                "code_id": "code"})
        return df[["segment_id", "document", "participant", "start", "end", "code", "coder",
                   "source", "status", "confidence", "text", "evidence", "codebook_version",
                   "created_at", "review", "origin", "reviewed_by"]].reset_index(drop=True)

    # ------------------------------------------------------------------- analysis
    def select_codings(self, **filters) -> analysis.CodingSelection:
        """The codings analyses use by default (see :func:`qda.analysis.select_codings`)."""
        return analysis.select_codings(self._store.codings(), **filters)

    def matrix(self, *, rows: str = "participant", value: str = "count",
               codes: Sequence[str] | None = None, coders: Iterable[str] | None = None,
               sources: Iterable[str] | None = None, statuses: Iterable[str] | None = None
               ) -> pd.DataFrame:
        """The cross-reference matrix (see :func:`qda.analysis.code_matrix`)."""
        chosen = self.select_codings(coders=coders, sources=sources, statuses=statuses)
        return self._matrix(chosen, rows=rows, value=value, codes=codes)

    def _matrix(self, chosen: analysis.CodingSelection, **kw) -> pd.DataFrame:
        texts = self._store.document_texts() if kw.get("value") == "words" else None
        return analysis.code_matrix(self._store.segments(), chosen.codings, self.codebook,
                                    participants=self._store.participants(), texts=texts, **kw)

    def quotes(self, *, template: str | None = None, **filters) -> pd.DataFrame:
        """Coded quotes with attributions: one row per (code, segment), document order."""
        chosen = self.select_codings(**filters)
        template = template or self.attribution_template
        segs = self.segments()
        pairs = analysis.coded_segments(chosen.codings, self.codebook, rollup=False)
        df = pairs.merge(segs, on="segment_id")
        attrs = segs.drop(columns=["segment_id", "document", "speaker", "unit", "start", "end",
                                   "text"]).drop_duplicates("participant").set_index("participant")
        labels = {pid: attribute(template, row, fallback=str(pid))
                  for pid, row in attrs.to_dict("index").items()}
        df["attribution"] = df["participant"].map(labels)
        order = {cid: i for i, cid in enumerate(self.codebook.ids)}
        df = df.assign(_o=df["code_id"].map(order)).sort_values(["_o", "document", "start"])
        return df[["code_id", "segment_id", "document", "participant", "attribution",
                   "text"]].rename(columns={"code_id": "code"}).reset_index(drop=True)

    # ------------------------------------------------------------------- settings
    @property
    def attribution_template(self) -> str:
        return self._store.get_setting("attribution_template", DEFAULT_TEMPLATE)

    def set_attribution_template(self, template: str, *, who: str | None = None) -> None:
        with self._store.transaction():
            self._store.set_setting("attribution_template", template)
            self._store.record(who=_who(who), action="set", entity="setting",
                               entity_id="attribution_template", detail={"value": template})

    def summary(self) -> dict[str, int]:
        segs = self._store.segments()
        codings = self._store.codings()
        return {
            "documents": len(self._store.document_ids()),
            "participants": len(self._store.participant_ids()),
            "segments": int((~segs["is_interviewer"]).sum()),
            "interviewer_turns": int(segs["is_interviewer"].sum()),
            "codes": len(self._store.codes()),
            "codings": len(codings),
            "human_codings": int((codings["source"] == "human").sum()),
            "suggestions": int((codings["status"] == "suggested").sum()),
        }


def _suggestion_hints(codings: pd.DataFrame, order: Sequence[str]) -> dict[str, str]:
    """Open suggestions per segment as one line: ``benefits (rules); co_location 0.82 (model)``."""
    open_ = codings[codings["status"] == "suggested"]
    if open_.empty:
        return {}
    rank = {c: i for i, c in enumerate(order)}
    open_ = open_.assign(_c=open_["confidence"].fillna(2.0), _o=open_["code_id"].map(rank))
    open_ = open_.sort_values(["segment_id", "_c", "_o"], ascending=[True, False, True])
    hints: dict[str, list[str]] = {}
    for sid, code, conf, source in zip(open_["segment_id"], open_["code_id"],
                                       open_["confidence"], open_["source"]):
        score = "" if conf != conf else f" {conf:.2f}"
        hints.setdefault(sid, []).append(f"{code}{score} ({source})")
    return {sid: "; ".join(dict.fromkeys(items)) for sid, items in hints.items()}


def _is_consensus(evidence: Any) -> bool:
    """A coding a consensus wrote: its evidence has an item of kind ``consensus``."""
    return isinstance(evidence, list) and any(
        isinstance(e, dict) and e.get("kind") == "consensus" for e in evidence)


def _clip(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _progress(items: list, enabled: bool, what: str):
    """A progress bar on a terminal for many files; the items unchanged otherwise."""
    if not enabled or len(items) < 2:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=what, unit="file", disable=None, leave=False)


def _version_label(version: str, revision: int) -> str:
    """The codebook state: the file's version, then ``+rN`` after N edits."""
    return f"{version}+r{revision}" if revision else str(version)


def _code_dict(code) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v
            for k, v in dataclasses.asdict(code).items()}


def _sibling_index(cb: Codebook, code_id: str) -> int:
    return [c.id for c in cb.children(cb.get(code_id).parent)].index(code_id)


def _make_child(spec: Any, parent: str):
    """A split's child from ``(id, name)``, ``(id, name, fields)`` or a mapping."""
    if isinstance(spec, Mapping):
        fields = {k: v for k, v in spec.items() if k not in ("id", "name", "parent")}
        code_id, name = spec.get("id"), spec.get("name")
    elif isinstance(spec, (tuple, list)) and len(spec) in (2, 3):
        code_id, name, fields = spec[0], spec[1], (spec[2] if len(spec) == 3 else {})
    else:
        raise InputError(f"a new child is (id, name) or (id, name, fields), not {spec!r}")
    if not isinstance(fields, Mapping):
        raise InputError(f"child {code_id!r}: fields must be a mapping, not {fields!r}")
    edits.check_new_id(Codebook(), code_id)
    return edits.make_code(code_id, name, parent, fields)

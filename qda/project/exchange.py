"""REFI-QDA exchange: export a project as ``.qdpx``/``.qdc``, import a ``.qdpx``.

Part of :class:`qda.Project`, over the shared state of :mod:`.base`. The
files themselves are written and read by the pure :mod:`qda.refi` (projects) and
:mod:`qda.codebook.qdc` (codebooks); this part gathers the project's data for them
and puts what a file holds into the project in one transaction.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from pathlib import Path
from typing import cast

import pandas as pd

from qda.codebook import Code, Codebook
from qda.codebook.qdc import write_codebook_qdc
from qda.documents import (
    _holder,
    add_document,
    document_unit,
    map_participants,
    segment_documents,
)
from qda.errors import InputError, ProjectError
from qda.ingest import ReadOptions, SourceDocument, Turn, document_key
from qda.ingest.source import check_turn_sizes
from qda.ingest.text import text_document
from qda.project._util import _who
from qda.project.base import ProjectBase
from qda.project.codebooks import Codebooks
from qda.refi import (
    ImportReport,
    RefiCase,
    RefiCoding,
    RefiDocument,
    RefiMemo,
    RefiProject,
    read_qdpx,
)
from qda.refi.writer import write_qdpx
from qda.store import Store, now


class Exchange(Codebooks, ProjectBase):
    # --------------------------------------------------------------------- export
    def refi_project(self, *, suggestions: bool = False) -> RefiProject:
        """The project as plain REFI-QDA data: documents, codebook, participants as cases,
        and the codings analyses use: human and accepted ones, open suggestions too
        with ``suggestions=True``; rejected codings never."""
        docs = self._store.documents(with_text=True)
        documents = [
            RefiDocument(id=r.document_id, name=r.name, text=r.text, created_at=r.imported_at)
            for r in docs.itertuples()
        ]
        codings = self._store.codings()
        keep = (codings["source"] == "human") | (codings["status"] == "accepted")
        if suggestions:
            keep |= codings["status"] == "suggested"
        keep &= codings["status"] != "rejected"
        out = []
        for r in codings[keep].itertuples():
            conf = r.confidence if r.confidence == r.confidence else None
            out.append(
                RefiCoding(
                    document=r.document_id,
                    start=int(r.start),
                    end=int(r.end),
                    code=r.code_id,
                    coder=r.coder,
                    created_at=r.created_at,
                    source=r.source,
                    status=r.status,
                    confidence=conf,
                    note=r.review if isinstance(r.review, str) else None,
                )
            )
        name = self.path.stem if self.path else "qda project"
        return RefiProject(
            name=name,
            codebook=self.codebook,
            documents=documents,
            codings=out,
            cases=self._cases(),
            memos=self._refi_memos(codings),
        )

    def _refi_memos(self, codings) -> list[RefiMemo]:
        """The memos, a coding's named by its place (the writer leaves out memos whose
        target is not in the file)."""
        places = {
            str(r.coding_id): (r.document_id, int(r.start), int(r.end), r.code_id, r.coder, r.source)
            for r in codings.itertuples()
        }
        out = []
        for r in self._store.memos().itertuples():
            target_id = {"coding": places.get(r.target_id), "project": None}.get(r.target, r.target_id)
            if r.target == "coding" and target_id is None:
                continue  # an archived coding: not in the file
            out.append(
                RefiMemo(
                    id=str(r.memo_id),
                    target=r.target,
                    target_id=target_id,
                    text=r.text,
                    title=r.title,
                    author=r.author,
                    created_at=r.created_at,
                    updated_by=r.updated_by,
                    updated_at=r.updated_at,
                )
            )
        return out

    def _cases(self) -> list[RefiCase]:
        """Participants with the documents wholly theirs and the runs of segments that are."""
        parts = self._store.participants()
        segs = self._store.segments()
        whole: dict[str, list[str]] = defaultdict(list)
        spans: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        for doc_id, group in segs.groupby("document_id", sort=False):
            group = group.sort_values("position")
            talk = group[~group["is_interviewer"]]
            owners = {p for p in talk["participant_id"] if isinstance(p, str)}
            if len(owners) == 1 and talk["participant_id"].map(lambda p: isinstance(p, str)).all():
                whole[owners.pop()].append(doc_id)
                continue
            run = None  # (participant, start, end) of consecutive segments of one participant
            for seg in group.itertuples():
                pid = (
                    seg.participant_id
                    if isinstance(seg.participant_id, str) and not seg.is_interviewer
                    else None
                )
                if run and run[0] == pid:
                    run = (pid, run[1], seg.end)
                    continue
                if run and run[0]:
                    spans[run[0]].append((doc_id, run[1], run[2]))
                run = (pid, seg.start, seg.end)
            if run and run[0]:
                spans[run[0]].append((doc_id, run[1], run[2]))
        attr_cols = [c for c in parts.columns if c not in ("participant_id", "label", "auto")]
        cases = []
        for r in parts.to_dict("records"):
            attrs = {c: r[c] for c in attr_cols if isinstance(r[c], str)}
            cases.append(
                RefiCase(
                    id=r["participant_id"],
                    label=r["label"],
                    attributes=attrs,
                    documents=tuple(whole.get(r["participant_id"], ())),
                    spans=tuple(spans.get(r["participant_id"], ())),
                    auto=bool(r["auto"]),
                )
            )
        return cases

    def export_qdpx(self, path: str | Path, *, suggestions: bool = False) -> Path:
        """Write the project as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA,
        QualCoder...: see :mod:`qda.refi.writer` for what goes where."""
        from qda.files import atomic_path

        path = Path(path)
        if path.suffix.lower() != ".qdpx":
            raise InputError(f"{path}: a REFI-QDA project is written as .qdpx; name it .qdpx")
        project = self.refi_project(suggestions=suggestions)
        if not project.documents and not (project.codebook and len(project.codebook)):
            raise ProjectError("the project has no documents and no codebook; nothing to export")
        with atomic_path(path) as tmp:
            write_qdpx(project, tmp, created_at=self._store.get_setting("created_at"))
        return path

    def export_qdc(self, path: str | Path) -> Path:
        """Write the codebook as a REFI-QDA codebook (.qdc)."""
        from qda.files import atomic_path

        path = Path(path)
        if path.suffix.lower() != ".qdc":
            raise InputError(f"{path}: a REFI-QDA codebook is written as .qdc; name it .qdc")
        if not len(self.codebook):
            raise ProjectError("the project has no codebook; load one with `qda codebook load F`")
        with atomic_path(path) as tmp:
            write_codebook_qdc(self.codebook, tmp)
        return path

    # --------------------------------------------------------------------- import
    def import_qdpx(self, path: str | Path, *, who: str | None = None) -> ImportReport:
        """Import a REFI-QDA project (.qdpx) in one transaction.

        Text sources become documents (ids from their names, segmented like ingested
        text; a text the project already has is not duplicated, its codings go onto the
        existing document); the codebook's codes are added (all of it into a project
        without codes; otherwise the codes the project lacks by id or name); every text
        selection's codings become codings with source ``import``, status
        ``accepted`` and coder = the REFI user's name, which analyses count like human
        codings; cases become participants with their variables as attributes. What
        qda cannot take is in ``report.skipped``; selections that cannot be placed in
        ``report.unplaced``.
        """
        path = Path(path)
        refi, report = read_qdpx(path)
        return self._import_refi(refi, report, path, who=who)

    def import_taguette(self, path: str | Path, *, who: str | None = None) -> ImportReport:
        """Import a Taguette project database (``.sqlite3``) in one transaction, like a
        ``.qdpx``: its documents (HTML made text), its tags with their descriptions as
        codes, every highlight's tags as codings (source ``import``, status ``accepted``,
        coder = the Taguette project's member) at the highlight's exact characters
        (see :mod:`qda.refi.taguette`)."""
        from qda.refi.taguette import taguette_project
        from qda.store.taguette import read_taguette_rows

        path = Path(path)
        refi, report = taguette_project(read_taguette_rows(path), path)
        return self._import_refi(refi, report, path, who=who)

    def _import_refi(
        self, refi: RefiProject, report: ImportReport, path: Path, *, who: str | None = None
    ) -> ImportReport:
        actor = _who(who)

        # Plan everything before the transaction opens.
        new_codebook, code_map = self._merged_codebook(refi.codebook)
        if code_map:
            refi.codings = [dataclasses.replace(c, code=code_map.get(c.code, c.code)) for c in refi.codings]
        # a document whose text is in the project (current, or stored with that hash)
        known = {
            hashlib.sha256(t.encode("utf-8")).hexdigest(): d for d, t in self._store.document_texts().items()
        }
        docs = self._store.documents()
        known.update(
            {
                sha: d
                for sha, d in zip(docs["sha256"][::-1], docs["document_id"][::-1])
                if isinstance(sha, str)
            }
        )
        doc_ids, new_docs = _refi_documents(refi, path, known, self._store.document_ids(), report)
        units = [document_unit(source, "turn") for _, source in new_docs]
        segmented = segment_documents(
            [(source, unit) for (_, source), unit in zip(new_docs, units)], spacy_model=self._spacy_model
        )
        with self._store.transaction():
            if new_codebook is not None:
                loaded = self.load_codebook(new_codebook, who=actor)
                report.codes_added = len(loaded.added)
            for (doc_id, source), unit, segs in zip(new_docs, units, segmented):
                n_segs = add_document(self._store, doc_id, source, unit=unit, segments=segs)
                report.documents.append(doc_id)
                self._store.record(
                    who=actor,
                    action="ingest",
                    entity="document",
                    entity_id=doc_id,
                    detail={"file": source.path, "sha256": source.sha256, "unit": unit, "segments": n_segs},
                )
            map_participants(self._store, None, who=actor)
            codes = set(self.codebook.ids)
            self._import_codings(refi, doc_ids, codes, report)
            self._import_cases(refi, doc_ids, report)
            self._import_memos(refi, doc_ids, code_map, report)
            self._store.record(
                who=actor,
                action="import",
                entity="project",
                entity_id=str(path),
                detail={
                    "origin": refi.origin,
                    "documents": report.documents,
                    "reused": [d for _, d in report.reused],
                    "codes_added": report.codes_added,
                    "codings": report.codings,
                    "participants": report.participants,
                    "memos": report.memos,
                    "skipped": len(report.skipped),
                    "unplaced": len(report.unplaced),
                },
            )
        return report

    def _merged_codebook(self, incoming: Codebook | None) -> tuple[Codebook | None, dict[str, str]]:
        """The codebook to load and how the file's code ids map to the project's.

        Into a project without codes the file's codebook goes whole. Otherwise a file's
        code is the project's code with the same id, else the one with the same name
        (ignoring case) when only one has it; the others are added (under their
        parent, mapped the same way). None when no code is added."""
        if incoming is None or not len(incoming):
            return None, {}
        current = self._stored_codebook()
        if not len(current):
            return incoming, {}
        by_name: dict[str, list[str]] = defaultdict(list)
        for code in current:
            by_name[code.name.casefold()].append(code.id)
        mapping: dict[str, str] = {}
        extra: list[Code] = []
        for code in incoming:
            same = by_name.get(code.name.casefold(), [])
            if code.id in current:
                mapping[code.id] = code.id
            elif len(same) == 1:
                mapping[code.id] = same[0]
            else:
                new_id = code.id
                n = 2
                while new_id in current or new_id in {c.id for c in extra}:
                    new_id, n = f"{code.id}_{n}", n + 1
                mapping[code.id] = new_id
                extra.append(
                    dataclasses.replace(
                        code, id=new_id, parent=mapping.get(code.parent) if code.parent else None
                    )
                )
        if not extra:
            return None, mapping
        rows = [dataclasses.asdict(c) for c in current] + [dataclasses.asdict(c) for c in extra]
        return Codebook.from_rows(
            rows, name=current.name, version=current.version, description=current.description
        ), mapping

    def _import_codings(
        self, refi: RefiProject, doc_ids: dict[str, str], codes: set[str], report: ImportReport
    ) -> None:
        names = {d.id: d.name for d in refi.documents}
        spans: dict[str, tuple[list, list]] = {}
        rows, seen = [], set()
        for c in refi.codings:
            doc_id = doc_ids.get(c.document)
            where = {
                "source": names.get(c.document, c.document),
                "code": c.code,
                "start": c.start,
                "end": c.end,
                "coder": c.coder,
            }
            if doc_id is None:
                report.unplaced.append({**where, "why": "its source was not imported"})
                continue
            if c.code not in codes:
                report.unplaced.append({**where, "why": "its code is not in the codebook"})
                continue
            if doc_id not in spans:
                segs = self._store.segments(doc_id)
                spans[doc_id] = (list(zip(segs["start"], segs["end"])), list(segs["segment_id"]))
            segment = _holder(*spans[doc_id], c.start, c.end)
            if segment is None:
                report.unplaced.append(
                    {**where, "why": "it covers no segment's text (only blank lines or the header)"}
                )
                continue
            key = (doc_id, c.start, c.end, c.code, c.coder)
            if key in seen or self._store.has_coding(
                doc_id, c.start, c.end, c.code, coder=c.coder, source="import"
            ):
                report.duplicates += 1
                continue
            seen.add(key)
            rows.append(
                {
                    "segment_id": segment,
                    "document_id": doc_id,
                    "start": c.start,
                    "end": c.end,
                    "code_id": c.code,
                    "coder": c.coder,
                    "source": "import",
                    "status": c.status,
                    "confidence": c.confidence,
                    "evidence": None,
                    "codebook_version": None,
                    "review": c.note,
                    "created_at": (c.created_at or now()).replace("Z", "+00:00"),
                }
            )
        report.codings = self._store.insert_codings(rows)

    def _import_memos(
        self, refi: RefiProject, doc_ids: dict[str, str], code_map: dict[str, str], report: ImportReport
    ) -> None:
        """Notes become memos on what they were about (see :mod:`qda.refi.memos`); one the
        project already has (same target, text, author and time) is not added again."""
        have = {
            (r.target, r.target_id if isinstance(r.target_id, str) else None, r.text, r.author, r.created_at)
            for r in self._store.memos().itertuples()
        }
        report.memos = 0
        for memo in refi.memos:
            target, target_id, moved = _memo_place(self._store, self.codebook, memo, doc_ids, code_map)
            if moved:
                report.warnings.append(
                    f"note {memo.title or memo.text[:40]!r}: {moved}; kept as a memo on the project"
                )
            created = (memo.created_at or now()).replace("Z", "+00:00")
            key = (target, target_id, memo.text, memo.author or "import", created)
            if key in have:
                continue
            have.add(key)
            self._store.add_memo(
                target=target,
                target_id=target_id,
                text=memo.text,
                title=memo.title,
                author=key[3],
                created_at=created,
                updated_by=memo.updated_by or key[3],
                updated_at=(memo.updated_at or created).replace("Z", "+00:00"),
            )
            report.memos += 1

    def _case_members(
        self,
        case: RefiCase,
        doc_ids: dict[str, str],
        owner: dict[tuple[str, str], str],
        segs_by_doc: dict[str, pd.DataFrame],
    ) -> list[tuple[str, str]]:
        """The (document, speaker) pairs a case holds: every speaker of its whole sources
        and the speakers of the segments its selections overlap (``segs_by_doc``: the
        segments read so far, by document)."""
        members: list[tuple[str, str]] = []
        for g in case.documents:
            doc_id = doc_ids.get(g)
            members += [k for k in owner if k[0] == doc_id]
        for g, s, e in case.spans:
            doc_id = doc_ids.get(g)
            if doc_id is None:
                continue
            if doc_id not in segs_by_doc:
                segs_by_doc[doc_id] = self._store.segments(doc_id)
            segs = segs_by_doc[doc_id]
            hit = segs[(segs["start"] < e) & (segs["end"] > s) & ~segs["is_interviewer"]]
            members += [(doc_id, sp if isinstance(sp, str) else "") for sp in hit["speaker"]]
        return list(dict.fromkeys(members))

    def _import_cases(self, refi: RefiProject, doc_ids: dict[str, str], report: ImportReport) -> None:
        """Cases become participants; their sources and selections say whose speakers are
        whose. A speaker already mapped to another (not made-up) participant keeps it."""
        if not refi.cases:
            return
        speakers = self._store.speakers()
        parts = self._store.participants().set_index("participant_id")
        auto = set(parts.index[parts["auto"]]) if not parts.empty else set()
        owner = {
            (r.document_id, r.speaker): r.participant_id
            for r in speakers.itertuples()
            if not r.is_interviewer
        }
        segs_by_doc: dict[str, pd.DataFrame] = {}
        claimed: dict[tuple[str, str], str] = {}
        for case in refi.cases:
            members = self._case_members(case, doc_ids, owner, segs_by_doc)
            made_up = (
                case.id in auto and not case.attributes and all(owner.get(m) == case.id for m in members)
            )
            if made_up:
                continue  # qda's own made-up participant for a speaker, already there
            attrs = dict(case.attributes)
            label = case.label or case.id
            if case.id in parts.index and case.id not in auto:
                old = parts.loc[case.id]
                label = old["label"]
                clash = [
                    k for k, v in attrs.items() if k in old.index and isinstance(old[k], str) and old[k] != v
                ]
                for k in clash:
                    report.warnings.append(
                        f"case {case.id!r} is already a participant with a different {k!r} "
                        f"({old[k]!r}, the file says {attrs.pop(k)!r}); the participant's "
                        "value was kept"
                    )
            self._store.upsert_participant(case.id, label=label, attributes=attrs)
            report.participants += 1
            for m in members:
                current = owner.get(m)
                if m in claimed and claimed[m] != case.id:
                    report.warnings.append(
                        f"speaker {m[1] or '(whole document)'!r} of {m[0]} "
                        f"is in cases {claimed[m]!r} and {case.id!r}; kept "
                        f"{claimed[m]!r}"
                    )
                    continue
                if current and current not in auto and current != case.id:
                    report.warnings.append(
                        f"speaker {m[1] or '(whole document)'!r} of {m[0]} "
                        f"is already participant {current!r}; case "
                        f"{case.id!r} did not change that"
                    )
                    continue
                claimed[m] = case.id
                self._store.upsert_speaker(m[0], m[1], participant_id=case.id, is_interviewer=False)
        self._store.drop_unused_auto_participants()


def _refi_documents(
    refi: RefiProject, path: Path, known: dict[str, str], taken: set[str], report: ImportReport
) -> tuple[dict[str, str], list[tuple[str, SourceDocument]]]:
    """Plan a REFI project's documents: a source whose text the project has (``known``:
    text sha256 -> document id) is reused, one that cannot be read as a transcript is
    skipped (both in ``report``), the others get a new id not in ``taken``. Returns
    (source guid -> document id, the new documents)."""
    doc_ids: dict[str, str] = {}
    new_docs: list[tuple[str, SourceDocument]] = []
    for doc in refi.documents:
        sha = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        existing = known.get(sha)
        if existing:
            doc_ids[doc.id] = existing
            report.reused.append((doc.name, existing))
            continue
        try:
            source = text_document(Path(doc.name), doc.text, ReadOptions(), format="refi-qda")
        except InputError as exc:
            report.skipped.append((doc.name, f"cannot be read as a transcript: {exc}"))
            continue
        _turns_from_cases(source, [(c.id, s, e) for c in refi.cases for g, s, e in c.spans if g == doc.id])
        try:
            check_turn_sizes(source, f"{path}#{doc.name}")
        except InputError as exc:
            report.skipped.append((doc.name, str(exc)))
            continue
        source.sha256, source.path = sha, f"{path}#{doc.name}"
        source.metadata = {**source.metadata, "refi_file": path.name, "refi_origin": refi.origin}
        doc_id = base = document_key(doc.name)
        n = 2
        while doc_id in taken:
            doc_id, n = f"{base}-{n}", n + 1
        taken.add(doc_id)
        known[sha] = doc_id
        doc_ids[doc.id] = doc_id
        new_docs.append((doc_id, source))
    return doc_ids, new_docs


def _memo_place(
    store: Store, codebook: Codebook, memo: RefiMemo, doc_ids: dict[str, str], code_map: dict[str, str]
) -> tuple[str, str | None, str]:
    """Where an imported memo goes in the project: (target, target id, why it moved) —
    on the project, with the reason, when its target did not come in."""
    kind, tid = memo.target, memo.target_id
    if kind == "coding":  # (document, start, end, code, coder, source)
        doc, start, end, code, coder, source = cast(tuple[str, int, int, str, str, str], tid)
        if not doc_ids.get(doc):
            return "project", None, f"its {kind} was not imported"
        found = store.coding_id(
            doc_ids[doc], start, end, code_map.get(code, code), coder=coder, source=source
        )
        if found is not None:
            return kind, str(found), ""
        return "project", None, f"its {kind} was not imported"
    tid = cast(str, tid)
    if kind == "document" and doc_ids.get(tid):
        return kind, doc_ids[tid], ""
    if kind == "code" and code_map.get(tid, tid) in codebook:
        return kind, code_map.get(tid, tid), ""
    if kind == "participant" and tid in store.participant_ids():
        return kind, tid, ""
    if kind == "project":
        return kind, None, ""
    return "project", None, f"its {kind} was not imported"


def _turns_from_cases(doc: SourceDocument, spans: list[tuple[str, int, int]]) -> None:
    """When the speakers found in the text cannot tell the cases apart (one speaker label
    in several cases' selections, as in a survey whose answers carry no labels), the
    cases' selections become the turns, each spoken by its case."""
    if not spans:
        return
    cases_of: dict[str | None, set[str]] = defaultdict(set)
    for case, s, e in spans:
        for t in doc.turns:
            if t.start < e and t.end > s and not t.is_interviewer:
                cases_of[t.speaker].add(case)
    if all(len(v) == 1 for v in cases_of.values()):
        return
    turns, last = [], 0
    for case, s, e in sorted(spans, key=lambda x: (x[1], x[2])):
        if s >= last:
            turns.append(Turn(s, e, case))
            last = e
    doc.turns, doc.labelled = turns, True

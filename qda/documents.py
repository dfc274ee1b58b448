"""Putting read documents into the store: a new document, or a new version of one.

Segmentation happens here, once, for every path (:func:`segment_documents`: in this
process, in worker processes or on Dask); the writers (:func:`add_document`,
:func:`add_version`, :func:`add_respondents`, :func:`map_participants`) take the store
and are called by the Project inside its transaction; they use the store's API only
(no SQL here). A new version keeps the old text in ``document_versions``,
re-segments the new text (segments whose speaker and text are unchanged keep their
ids), and re-anchors every coding (:mod:`qda.reanchor`); a coding of a whole segment
that was edited (most of its words kept) follows it, flagged in ``codings.review``; a
coding whose words are no longer in the text is moved to ``archived_codings`` with its
quote and reported.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from qda.ingest import ParticipantsSheet, SourceDocument
from qda.parallel import Runner, batched
from qda.reanchor import follow_segments, match_segments, reanchor
from qda.segment import Segment, segment_batch, segment_id
from qda.store import Store, now

__all__ = [
    "VersionReport",
    "add_document",
    "add_respondents",
    "add_version",
    "document_unit",
    "import_report",
    "map_participants",
    "report_line",
    "segment_documents",
]

SEGMENT_BATCH = 20  # documents per parallel segmentation task


@dataclass
class VersionReport:
    document: str
    version: int
    segments: int = 0
    segments_kept: int = 0  # segments whose id carried over
    codings_placed: int = 0
    codings_unplaced: list[dict[str, Any]] = field(default_factory=list)  # archived rows
    #: whole-segment codings that followed an edited segment, flagged for review
    codings_flagged: list[dict[str, Any]] = field(default_factory=list)
    #: ids of the earlier version's segments that are not in this one (edited or removed)
    segments_replaced: list[str] = field(default_factory=list)


def document_unit(doc: SourceDocument, asked: str) -> str:
    """The unit a document is segmented by: the file's own (survey: ``response``), else
    the one asked for, except that a transcript without speaker labels is cut into
    paragraphs rather than stored as one huge turn."""
    if doc.unit:
        return doc.unit
    return "paragraph" if asked == "turn" and not doc.labelled else asked


def _segment_rows(doc_id: str, segs: list[Segment], ids: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "id": sid,
            "document_id": doc_id,
            "position": s.position,
            "unit": s.unit,
            "start": s.start,
            "end": s.end,
            "speaker": s.speaker,
            "participant_id": None,
            "is_interviewer": int(s.is_interviewer),
            "begin_time": s.begin_time,
            "end_time": s.end_time,
            "question": s.question,
        }
        for s, sid in zip(segs, ids)
    ]


def _document_row(doc: SourceDocument, unit: str) -> dict[str, Any]:
    return {
        "name": doc.name,
        "path": doc.path,
        "format": doc.format,
        "sha256": doc.sha256,
        "text": doc.text,
        "unit": unit,
        "imported_at": now(),
        "attributes": doc.metadata,
        "import_report": import_report(doc),
    }


def import_report(doc: SourceDocument) -> dict[str, Any]:
    """What the reader found: the speakers in order of first turn (an unlabelled
    respondent as ``""``), turns, words said in them, and the reader's warnings."""
    speakers = list(dict.fromkeys(t.speaker or "" for t in doc.turns))
    return {
        "labelled": doc.labelled,
        "speakers": speakers,
        "turns": len(doc.turns),
        "words": sum(len(doc.text[t.start : t.end].split()) for t in doc.turns),
        "warnings": list(doc.warnings),
    }


def report_line(name: str, report: dict[str, Any] | None) -> str:
    """One line of the import report: ``name: 2 speakers (Interviewer, Dawn), 14 turns,
    2,310 words, 1 warning``."""
    if report is None:
        return f"{name}: imported before qda kept import reports"
    n = len(report["warnings"])
    warned = f", {n} warning{'s' if n != 1 else ''}" if n else ", no warnings"
    if not report["labelled"]:
        return (
            f"{name}: no speaker labels (read as one author's text), {report['turns']} "
            f"paragraphs, {report['words']:,} words{warned}"
        )
    shown = [s or "(unlabelled respondent)" for s in report["speakers"]]
    listed = ", ".join(shown[:6]) + (f", +{len(shown) - 6} more" if len(shown) > 6 else "")
    return (
        f"{name}: {len(shown)} speaker{'s' if len(shown) != 1 else ''} ({listed}), "
        f"{report['turns']} turns, {report['words']:,} words{warned}"
    )


def _speakers(store: Store, doc_id: str, doc: SourceDocument) -> None:
    """Record the document's speakers; a label seen before keeps its participant."""
    known = store.speakers(doc_id)
    mapped = dict(zip(known["speaker"], known["participant_id"]))
    labels = dict.fromkeys((t.speaker or "", t.is_interviewer) for t in doc.turns)
    kept = {label: pid for label, pid in mapped.items() if isinstance(pid, str)}
    store.upsert_speakers(
        doc_id, [(label, None if is_int else kept.get(label), is_int) for label, is_int in labels]
    )
    for label in set(mapped) - {label for label, _ in labels}:
        store.delete_speaker(doc_id, label)


def segment_documents(
    docs: Sequence[tuple[SourceDocument, str]],
    *,
    spacy_model: str | None = None,
    runner: Runner | None = None,
) -> list[list[Segment]]:
    """Each ``(document, unit)``'s segments, in order: the one place documents are cut,
    in batches by ``runner`` (worker processes, Dask) or here. The spaCy pipeline
    (``spacy_model``, else the blank one) is built only for the unit ``sentence``."""
    tasks = [
        (spacy_model, [(doc.text, doc.turns, unit) for doc, unit in batch])
        for batch in batched(list(docs), SEGMENT_BATCH)
    ]
    results = (runner or Runner()).map(segment_batch, tasks)
    return [segs for result in results for segs in result]


def add_document(
    store: Store, doc_id: str, doc: SourceDocument, *, unit: str, segments: list[Segment]
) -> int:
    """Store a new document with its ``segments`` (:func:`segment_documents`) and
    speakers; returns the segment count."""
    store.insert_document({"id": doc_id, **_document_row(doc, unit)})
    segs = segments
    store.insert_segments(_segment_rows(doc_id, segs, [segment_id(doc_id, s.unit, s.position) for s in segs]))
    _speakers(store, doc_id, doc)
    return len(segs)


def add_version(
    store: Store,
    existing: dict[str, Any],
    doc: SourceDocument,
    *,
    unit: str,
    who: str,
    segments: list[Segment],
) -> VersionReport:
    """Store ``doc`` as the next version of ``existing`` (a row from the store), cut into
    ``segments`` (:func:`segment_documents`)."""
    doc_id, old_text = existing["id"], existing["text"]
    old_segs = store.segments(doc_id)
    codings = store.take_document_codings(doc_id)
    store.delete_segments(doc_id)
    version = store.replace_document_text(doc_id, _document_row(doc, unit))
    report = VersionReport(doc_id, version)

    # Segments: unchanged ones (same speaker, same words) keep their ids.
    segs = segments
    old_keys = [
        (sp if isinstance(sp, str) else None, old_text[s:e])
        for sp, s, e in zip(old_segs["speaker"], old_segs["start"], old_segs["end"])
    ]
    new_keys = [(s.speaker, doc.text[s.start : s.end]) for s in segs]
    same = match_segments(old_keys, new_keys) if unit == existing["unit"] else {}
    old_ids = list(old_segs["segment_id"])
    used = set(old_ids)
    next_no = max([*old_segs["position"], len(segs)], default=0) + 1
    ids: list[str] = []
    for i, s in enumerate(segs):
        if i in same:
            ids.append(old_ids[same[i]])
            continue
        sid = segment_id(doc_id, s.unit, s.position)
        while sid in used:
            sid, next_no = segment_id(doc_id, s.unit, next_no), next_no + 1
        used.add(sid)
        ids.append(sid)
    store.insert_segments(_segment_rows(doc_id, segs, ids))
    _speakers(store, doc_id, doc)
    report.segments, report.segments_kept = len(segs), len(same)

    kept_old = set(same.values())
    report.segments_replaced = [sid for k, sid in enumerate(old_ids) if k not in kept_old]

    # Codings: the same words in the new text, on the segment that holds them.
    placed = reanchor(old_text, doc.text, [(c["start"], c["end"]) for c in codings])
    # A coding of a whole segment whose quote is gone follows the segment when it was
    # edited rather than removed (most of its words still there, in order), flagged for
    # a person to check; a partial coding whose quote is gone cannot be placed.
    old_at = {sid: k for k, sid in enumerate(old_ids)}
    old_spans = list(zip(old_segs["start"], old_segs["end"]))
    whole = {
        i: old_at[row["segment_id"]]
        for i, (row, where) in enumerate(zip(codings, placed))
        if where is None
        and row["segment_id"] in old_at
        and (row["start"], row["end"]) == tuple(old_spans[old_at[row["segment_id"]]])
    }
    followed = (
        follow_segments(old_keys, new_keys, same, only=set(whole.values()))
        if whole and unit == existing["unit"]
        else {}
    )
    spans = [(s.start, s.end) for s in segs]
    keep, lost, flagged = _place_codings(
        codings,
        placed,
        {i: followed[k] for i, k in whole.items() if k in followed},
        spans,
        ids,
        old_text=old_text,
        version=version,
    )
    store.restore_codings(keep)
    if lost:
        store.archive_coding_rows(lost, reason=f"its words are not in version {version} of {doc_id}", who=who)
    report.codings_placed, report.codings_unplaced = len(keep), lost
    report.codings_flagged = flagged
    return report


def _place_codings(
    codings: list[dict[str, Any]],
    placed: list[tuple[int, int] | None],
    follows: dict[int, tuple[int, float]],
    spans: list[tuple[int, int]],
    ids: list[str],
    *,
    old_text: str,
    version: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Each coding at its new place (``placed``: by its words; ``follows``: coding index
    -> (new segment index, words kept) for a whole-segment coding that follows its edited
    segment, flagged), on the segment holding it: (kept, lost with their quote, flagged).
    A second coding of the same words, code, coder and source is lost too."""
    keep: list[dict[str, Any]] = []
    lost: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []
    seen: set[Any] = set()
    for i, (row, where) in enumerate(zip(codings, placed)):
        quote = old_text[row["start"] : row["end"]]
        note = row.get("review")
        if where is None and i in follows:
            new_index, overlap = follows[i]
            where = spans[new_index]
            why = (
                f"segment edited in version {version} ({overlap:.0%} of its words "
                "unchanged): check that this coding still applies"
            )
            note = f"{note}; {why}" if note else why
        key = where and (where, row["code_id"], row["coder"], row["source"])
        if where is None or key in seen:
            lost.append({**row, "quote": quote, "document_version": version - 1})
            continue
        seen.add(key)
        moved = {
            **row,
            "start": where[0],
            "end": where[1],
            "review": note,
            "segment_id": _holder(spans, ids, *where),
        }
        keep.append(moved)
        if note != row.get("review"):
            flagged.append({**moved, "quote": quote})
    return keep, lost, flagged


def add_respondents(
    store: Store, doc_id: str, doc: SourceDocument, sheet: ParticipantsSheet | None
) -> list[str]:
    """A survey's respondents become participants (id = respondent id) with the table's
    other columns as attributes, unless the participants sheet maps them. Returns the
    warnings (a respondent already a participant with other values keeps them)."""
    if not doc.respondents:
        return []
    current = store.participants().set_index("participant_id")
    rows, warnings = [], []
    for label, attributes in doc.respondents.items():
        if sheet is not None and sheet.lookup(doc_id, label) is not None:
            continue
        attrs = {k: v for k, v in attributes.items() if v is not None and v == v}
        if label in current.index:
            old = current.loc[label]
            clash = [
                k for k, v in attrs.items() if k in old.index and isinstance(old[k], str) and old[k] != str(v)
            ]
            if clash:
                warnings.append(
                    f"{doc.name}: respondent {label!r} is already a participant with a "
                    f"different {clash[0]!r} ({old[clash[0]]!r}, the table says "
                    f"{attrs[clash[0]]!r}); the participant's value was kept"
                )
            attrs = {k: v for k, v in attrs.items() if k not in clash}
        rows.append((label, label, {k: str(v) for k, v in attrs.items()}))
    store.upsert_participants(rows)
    store.upsert_speakers(doc_id, [(label, label, False) for label, _, _ in rows])
    return warnings


def map_participants(store: Store, sheet: ParticipantsSheet | None, *, who: str) -> list[tuple[str, str]]:
    """(Re)map every speaker of every document to a participant (the sheet's, else one
    of its own, made automatically); returns the speakers no sheet maps. In a
    transaction."""
    if sheet is not None:
        for sheet_id, info in sheet.participants().items():
            store.upsert_participant(
                sheet_id,
                label=cast(str, info["label"]),
                attributes=cast(Mapping[str, Any], info["attributes"]),
            )
        store.record(
            who=who,
            action="load",
            entity="participants",
            entity_id=str(sheet.path),
            detail={"participants": len(sheet.participants())},
        )
    speakers = store.speakers()
    current = store.participants()
    auto_ids = set(current.loc[current["auto"], "participant_id"]) if not current.empty else set()
    unmapped: list[tuple[str, str]] = []
    for spk in speakers.itertuples():
        if spk.is_interviewer:
            continue
        pid = sheet.lookup(spk.document_id, spk.speaker or None) if sheet is not None else None
        mapped = spk.participant_id if isinstance(spk.participant_id, str) else None
        if pid is None and mapped and mapped not in auto_ids:
            continue  # mapped by an earlier sheet; keep it
        if pid is None:
            pid = f"{spk.document_id}/{spk.speaker}" if spk.speaker else spk.document_id
            if pid not in auto_ids:
                store.upsert_participant(pid, label=spk.speaker or spk.document_id, attributes={}, auto=True)
                auto_ids.add(pid)
            unmapped.append((spk.document_id, spk.speaker))
        if pid != mapped:
            store.upsert_speaker(spk.document_id, spk.speaker, participant_id=pid, is_interviewer=False)
    store.drop_unused_auto_participants()
    return unmapped


def _holder(spans: list[tuple[int, int]], ids: list[str], start: int, end: int) -> str | None:
    """The segment that holds ``[start, end)``, else the one overlapping it most.

    ``spans`` are in document order and do not overlap.
    """
    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    if i >= 0 and spans[i][0] <= start and end <= spans[i][1]:
        return ids[i]
    best, best_overlap = None, 0
    for k in range(max(i, 0), len(spans)):
        s, e = spans[k]
        if s >= end:
            break
        overlap = min(e, end) - max(s, start)
        if overlap > best_overlap:
            best, best_overlap = ids[k], overlap
    return best

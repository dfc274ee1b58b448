"""Anonymity: pseudonymising the project with a key, finding
identifiers, auditing. Part of :class:`qda.Project`.

``anonymise(key)`` rewrites every document's text with the key in one transaction:
the changed document becomes its next version, and every offset that points into it
(segments, codings and their evidence, archived codings of each version) is carried
over by the rewrite's offset map (:mod:`qda.anonymise.rewrite`), never searched for
again. Every other place words live (names, paths, speaker and participant labels,
participant ids, questions, notes, history details, settings; see
:data:`qda.store.anonymity.REWRITTEN`) is rewritten by string. The originals leave the
project: older versions are rewritten in place, then freed pages are wiped (``VACUUM``)
and the write-ahead log emptied, unless ``keep_original=True`` keeps them in the
``anonymisation_originals`` table that nothing else reads.

Backups made before the key was applied (``qda backup``, the automatic ones, the one
made just before anonymising) still hold the original words: ``backups_holding(key)``
lists those in ``PROJECT.backups/`` that hold a key term, the report names them
(``backups_with_originals``), ``check_anonymity`` reports their terms, and
``wipe_backups(key)`` overwrites and deletes them. A copy written elsewhere with
``qda backup --out F`` is outside qda's sight: check it with ``--check F``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qda.anonymise import Key, OffsetMap, read_key, rewrite, scan_file, scan_texts
from qda.anonymise.find import find_candidates
from qda.anonymise.rewrite import rewrite_documents
from qda.display import Shown
from qda.errors import InputError
from qda.project._util import _who
from qda.project.base import ProjectBase
from qda.store.anonymity import REWRITTEN
from qda.store.backups import backup_text_cells, wipe_file

__all__ = ["AnonymiseReport", "Anonymising"]


@dataclass
class AnonymiseReport(Shown):
    key_sha256: str
    documents: list[str] = field(default_factory=list)  # documents whose text changed
    replacements: int = 0  # terms replaced in current texts
    by_kind: dict[str, int] = field(default_factory=dict)
    segments_moved: int = 0
    codings_moved: int = 0
    codings_archived: int = 0  # two codings that became the same span: one archived
    versions_rewritten: int = 0
    archived_rewritten: int = 0
    values_rewritten: int = 0  # names, labels, notes, history... (string rewrites)
    participants_renamed: int = 0
    originals_kept: int = 0
    skipped: list[str] = field(default_factory=list)  # terms left: they straddle segments
    warnings: list[str] = field(default_factory=list)
    backup: Path | None = None
    #: backups in PROJECT.backups/ that still hold key terms (the one above among them)
    backups_with_originals: list[Path] = field(default_factory=list)
    backups_wiped: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"Anonymised {len(self.documents)} documents: {self.replacements} replacements "
            f"({', '.join(f'{n} {k}' for k, n in sorted(self.by_kind.items())) or 'none'}), "
            f"{self.segments_moved} segments and {self.codings_moved} codings moved, "
            f"{self.values_rewritten} other values rewritten"
        ]
        if self.versions_rewritten or self.archived_rewritten:
            out.append(
                f"Rewrote {self.versions_rewritten} earlier versions and "
                f"{self.archived_rewritten} archived codings"
            )
        if self.codings_archived:
            out.append(f"Archived {self.codings_archived} codings that became duplicates")
        out.append(
            f"Kept {self.originals_kept} original values in anonymisation_originals"
            if self.originals_kept
            else "The original words were removed from the project file"
        )
        return out


def _map_json(value: Any, omap: OffsetMap | None, text: str | None, key: Key) -> Any:
    """Evidence and details: offsets through the map (``text`` refreshed), strings by key."""
    if isinstance(value, dict):
        out = {k: _map_json(v, omap, text, key) for k, v in value.items()}
        if omap is not None and isinstance(value.get("start"), int) and isinstance(value.get("end"), int):
            out["start"], out["end"] = omap.span(value["start"], value["end"])
            if isinstance(value.get("text"), str) and text is not None:
                out["text"] = text[out["start"] : out["end"]]
        return out
    if isinstance(value, list):
        return [_map_json(v, omap, text, key) for v in value]
    if isinstance(value, str):
        return key.apply(value)
    return value


def _json_text(raw: str | None, omap: OffsetMap | None, text: str | None, key: Key) -> str | None:
    if not isinstance(raw, str) or not raw:
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        return key.apply(raw)
    return json.dumps(_map_json(value, omap, text, key), ensure_ascii=False)


def _history_detail(key: Key, report: AnonymiseReport, keep_original: bool) -> dict[str, Any]:
    """The history row of an anonymisation: the key's hash and counts, never its terms."""
    return {
        "key_sha256": key.sha256,
        "key_terms": len(key.entries),
        "key_kinds": key.counts(),
        "documents": report.documents,
        "replacements": report.replacements,
        "by_kind": report.by_kind,
        "segments_moved": report.segments_moved,
        "codings_moved": report.codings_moved,
        "codings_archived": report.codings_archived,
        "versions_rewritten": report.versions_rewritten,
        "archived_rewritten": report.archived_rewritten,
        "values_rewritten": report.values_rewritten,
        "participants_renamed": report.participants_renamed,
        "skipped": len(report.skipped),
        "keep_original": keep_original,
    }


class Anonymising(ProjectBase):
    # --------------------------------------------------------------------- finding
    def find_identifiers(self, *, spacy_model: str | None = None) -> pd.DataFrame:
        """Likely identifiers to review into a key (changes nothing); see
        :func:`qda.anonymise.find_candidates`. ``df.attrs["ner"]`` names the trained spaCy
        pipeline whose entities were added, or is None when none was used."""
        segs = self.segments(interviewer=True)
        nlp, name = self._ner_pipeline(spacy_model)
        terms: set[str] = set()
        for code in self.codebook:
            terms.add(code.name)
            terms.update(code.keywords)
        parts = self._store.participants()
        for col in parts.columns:
            if col not in ("participant_id", "label", "auto"):
                terms.add(col)
                terms.update(v for v in parts[col] if isinstance(v, str))
        turns = segs[~segs["is_interviewer"]].groupby(["document", "speaker"]).size()
        df = find_candidates(
            segs, codebook_terms=terms, nlp=nlp, speakers=[(d, s, n) for (d, s), n in turns.items()]
        )
        df.attrs["ner"] = name
        return df

    def _ner_pipeline(self, name: str | None):
        import spacy

        if name is None:
            installed = sorted(spacy.util.get_installed_models(), key=lambda n: (not n.startswith("en_"), n))
            if self._spacy_model:
                installed.insert(0, self._spacy_model)
            for candidate in installed:
                try:
                    nlp = spacy.load(candidate)
                except (OSError, ImportError, ValueError):
                    continue
                if "ner" in nlp.pipe_names:
                    return nlp, candidate
            return None, None
        try:
            nlp = spacy.load(name)
        except (OSError, ImportError) as exc:
            raise InputError(
                f"spaCy pipeline {name!r} is not installed; install it (e.g. "
                f"pip install {name}) or leave out --spacy-model"
            ) from exc
        if "ner" not in nlp.pipe_names:
            raise InputError(
                f"spaCy pipeline {name!r} has no named-entity recogniser (ner); "
                "choose a trained pipeline such as en_core_web_sm"
            )
        return nlp, name

    # ---------------------------------------------------------------------- audit
    def check_anonymity(self, key: Key | str | Path, files: Iterable[str | Path] = ()) -> pd.DataFrame:
        """Every place a key term still occurs: each text value of the project (``source``
        ``project:<table>``, ``place`` the row, ``column``) and each given export file
        (``place`` the cell, paragraph or member). Empty when clean."""
        key = key if isinstance(key, Key) else read_key(key)
        files = [Path(f) for f in files]
        found = [
            scan_texts(
                ((f"project:{t}", row, col, value) for t, row, col, value in self._store.text_cells()), key
            )
        ]
        found += [scan_file(f, key) for f in files]
        found += [self._scan_backup(path, key) for path in self._backup_files()]
        return pd.concat(found, ignore_index=True)

    def _backup_files(self) -> list[Path]:
        table = self._store.backups()
        return [Path(f) for f in table["file"]] if len(table) else []

    @staticmethod
    def _scan_backup(path: Path, key: Key) -> pd.DataFrame:
        return scan_texts(
            (
                (f"backup:{path}", f"{table} row {row}", col, value)
                for table, row, col, value in backup_text_cells(path)
            ),
            key,
        )

    def backups_holding(self, key: Key | str | Path) -> list[Path]:
        """The automatic backups (``PROJECT.backups/``) in which a term of ``key`` occurs:
        copies made before the key was applied keep the original words."""
        key = key if isinstance(key, Key) else read_key(key)
        return [path for path in self._backup_files() if len(self._scan_backup(path, key))]

    def wipe_backups(self, key: Key | str | Path) -> list[Path]:
        """Overwrite with zeros and delete every backup :meth:`backups_holding` lists;
        returns them. The project itself is not touched (anonymise it first)."""
        if self._store.read_only:
            raise InputError(
                f"{self.path}: the project is read-only ({self._store.read_only}); its backups are not wiped"
            )
        gone = self.backups_holding(key)
        for path in gone:
            wipe_file(path)
        return gone

    # ------------------------------------------------------------------ anonymise
    def anonymise(
        self,
        key: Key | str | Path,
        *,
        keep_original: bool = False,
        wipe_backups: bool = False,
        who: str | None = None,
    ) -> AnonymiseReport:
        """Apply a pseudonymisation key to the whole project (see the module docstring).
        ``report.backups_with_originals`` lists the backups still holding key terms;
        ``wipe_backups`` overwrites and deletes them once the project is anonymised."""
        key = key if isinstance(key, Key) else read_key(key)
        who = _who(who)
        report = AnonymiseReport(key.sha256)
        docs = self._store.documents(with_text=True)
        segs = self._store.segments()
        seg_groups = {d: g for d, g in segs.groupby("document_id")}
        rewrites, report.skipped = rewrite_documents(
            dict(zip(docs["document_id"], docs["text"])),
            {d: [*g["start"], *g["end"]] for d, g in seg_groups.items()},
            key,
        )
        participants_new = self._plan_labels(key)
        report.warnings += [
            f"document id {d!r} contains a key term: rename the file and ingest it again to change the id"
            for d in docs["document_id"]
            if key.matches(d)
        ]

        report.backup = self._backup_before("before-anonymise")
        self._store.secure_delete(True)
        originals: list[tuple[str, str, str, str]] = []
        try:
            with self._store.transaction():
                versions = dict(zip(docs["document_id"], docs["version"]))
                for doc_id, rw in rewrites.items():
                    old = docs.loc[docs["document_id"] == doc_id, "text"].iloc[0]
                    self._rewrite_document(
                        doc_id, old, rw, versions[doc_id], seg_groups.get(doc_id), key, who, report
                    )
                    originals.append(("documents", doc_id, "text", old))
                vmaps = self._rewrite_versions(key, report, originals)
                vmaps.update({(d, versions[d]): rw for d, rw in rewrites.items()})
                self._rewrite_archive(key, vmaps, report, originals)
                for old_id, new_id in participants_new.items():
                    self._store.rename_participant(old_id, new_id)
                    originals.append(("participants", new_id, "id", old_id))
                report.participants_renamed = len(participants_new)
                self._rewrite_values(key, report, originals)
                # cached LLM answers quote the old words, and their keys hash the old texts
                self._store.clear_llm_answers()
                if keep_original:
                    report.originals_kept = self._store.keep_originals(originals, key_sha256=key.sha256)
                report.by_kind = {}
                for rw in rewrites.values():
                    for m in rw.matches:
                        report.by_kind[m.entry.kind] = report.by_kind.get(m.entry.kind, 0) + 1
                report.replacements = sum(report.by_kind.values())
                self._store.record(
                    who=who,
                    action="anonymise",
                    entity="project",
                    detail=_history_detail(key, report, keep_original),
                )
        finally:
            self._codebook = None
        self._store.wipe_free_space()
        self._store.secure_delete(False)
        if wipe_backups:
            report.backups_wiped = self.wipe_backups(key)
        report.backups_with_originals = self.backups_holding(key)
        return report

    def _plan_labels(self, key: Key) -> dict[str, str]:
        """Participant ids to rename; refuse a key that would merge two speakers or ids."""
        speakers = self._store.speakers()
        for doc_id, g in speakers.groupby("document_id"):
            seen: dict[str, str] = {}
            for label in g["speaker"]:
                new = key.apply(label)
                if new in seen and seen[new] != label:
                    raise InputError(
                        f"{key.source}: the key turns speakers {seen[new]!r} and {label!r} of "
                        f"{doc_id} into the same label {new!r}; give them different "
                        "replacements"
                    )
                seen[new] = label
        ids = sorted(self._store.participant_ids())
        renames = {pid: key.apply(pid) for pid in ids if key.apply(pid) != pid}
        taken = set(ids) - set(renames)
        for old, new in renames.items():
            if new in taken:
                raise InputError(
                    f"{key.source}: the key turns participant id {old!r} into "
                    f"{new!r}, which another participant has; give the term a "
                    "different replacement"
                )
            taken.add(new)
        return renames

    def _rewrite_document(
        self,
        doc_id: str,
        old: str,
        rw,
        version: int,
        segs: pd.DataFrame | None,
        key: Key,
        who: str,
        report: AnonymiseReport,
    ) -> None:
        omap, text = rw.map, rw.text
        self._store.set_document_text(doc_id, text, version=version + 1)
        report.documents.append(doc_id)
        if segs is not None:
            moved = []
            for sid, s, e in zip(segs["segment_id"], segs["start"], segs["end"]):
                ns, ne = omap.span(int(s), int(e))
                if (ns, ne) != (s, e):
                    moved.append((sid, ns, ne))
            self._store.set_segment_spans(moved)
            report.segments_moved += len(moved)
        codings = self._store.take_document_codings(doc_id)
        keep: list[dict[str, Any]] = []
        lost: list[dict[str, Any]] = []
        seen: dict[tuple[Any, ...], Any] = {}
        for row in codings:
            ns, ne = omap.span(row["start"], row["end"])
            if (ns, ne) != (row["start"], row["end"]):
                report.codings_moved += 1
            new = {
                **row,
                "start": ns,
                "end": ne,
                "evidence": _json_text(row["evidence"], omap, text, key),
                "review": key.apply(row["review"]) if row["review"] else row["review"],
            }
            k = (ns, ne, row["code_id"], row["coder"], row["source"])
            if k in seen:
                lost.append({**new, "quote": text[ns:ne], "document_version": version + 1, "_twin": seen[k]})
                continue
            seen[k] = row["id"]
            keep.append(new)
        self._store.restore_codings(keep)
        for row in lost:
            twin = row.pop("_twin")
            self._store.archive_coding_rows(
                [row],
                reason=f"anonymisation: the same words as coding {twin} once names were replaced",
                who=who,
            )
        report.codings_archived += len(lost)

    def _rewrite_versions(
        self, key: Key, report: AnonymiseReport, originals: list
    ) -> dict[tuple[str, int], Any]:
        maps = {}
        versions = self._store.version_texts()
        for doc_id, version, text in zip(versions["document_id"], versions["version"], versions["text"]):
            rw = rewrite(text, key)
            if rw.map.changed:
                self._store.set_version_text(doc_id, int(version), rw.text)
                originals.append(("document_versions", f"{doc_id} v{version}", "text", text))
                maps[(doc_id, int(version))] = rw
                report.versions_rewritten += 1
        return maps

    def _rewrite_archive(
        self, key: Key, maps: Mapping[tuple[str, int], Any], report: AnonymiseReport, originals: list
    ) -> None:
        rows = self._store.archived_spans()
        changed = []
        for r in rows.to_dict("records"):
            version = r["document_version"]
            rw = (
                maps.get((r["document_id"], int(version)))
                if version == version and version is not None
                else None
            )
            if rw is not None:
                start, end = rw.map.span(int(r["start"]), int(r["end"]))
                quote = rw.text[start:end]
            else:
                start, end, quote = int(r["start"]), int(r["end"]), key.apply(r["quote"])
            evidence = _json_text(r["evidence"], rw.map if rw else None, rw.text if rw else None, key)
            if (start, end, quote, evidence) != (r["start"], r["end"], r["quote"], r["evidence"]):
                changed.append(
                    {"id": int(r["id"]), "start": start, "end": end, "quote": quote, "evidence": evidence}
                )
                originals.append(("archived_codings", f"archived {r['id']}", "quote", r["quote"]))
        self._store.set_archived_spans(changed)
        report.archived_rewritten = len(changed)

    def _rewrite_values(self, key: Key, report: AnonymiseReport, originals: list) -> None:
        for (table, column), how in REWRITTEN.items():
            updates: list[tuple[int, str]] = []
            for rowid, name, value in self._store.cells(table, column):
                new = _json_text(value, None, None, key) if how == "json" else key.apply(value)
                if new != value and new is not None:
                    updates.append((rowid, new))
                    originals.append((table, str(name), column, value))
            self._store.update_cells(table, column, updates)
            report.values_rewritten += len(updates)

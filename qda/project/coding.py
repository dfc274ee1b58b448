"""Coding by people: single codings, coding sheets, the long CSV and coding search hits.

Part of :class:`qda.Project`, over the shared state of :mod:`.base`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from qda.coding.longcsv import read_long_csv, resolve_csv, write_long_csv
from qda.coding.marks import plan_import
from qda.coding.sheetread import read_coding_sheet, resolve_sheet
from qda.coding.sheets import write_coding_sheet
from qda.errors import InputError, ProjectError
from qda.offsets import quote
from qda.project._util import _clip, _suggestion_hints, _who
from qda.project.base import ProjectBase
from qda.project.results import CodingImportReport
from qda.store import now


class Coding(ProjectBase):
    # --------------------------------------------------------------------- coding
    def add_coding(self, segment_id: str, code_id: str, *, coder: str, who: str | None = None) -> bool:
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
        if self._store.has_coding(
            seg["document_id"], seg["start"], seg["end"], code_id, coder=coder.strip(), source="human"
        ):
            return False
        with self._store.transaction():
            self._store.insert_codings(
                [
                    {
                        "segment_id": segment_id,
                        "document_id": seg["document_id"],
                        "start": seg["start"],
                        "end": seg["end"],
                        "code_id": code_id,
                        "coder": coder.strip(),
                        "source": "human",
                        "status": "accepted",
                        "confidence": None,
                        "evidence": None,
                        "codebook_version": None,
                        "created_at": now(),
                    }
                ]
            )
            self._store.record(
                who=_who(who or coder),
                action="add",
                entity="coding",
                entity_id=segment_id,
                detail={"code": code_id, "coder": coder},
            )
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

    def coding_sheet(
        self,
        path: str | Path,
        *,
        coder: str | None,
        codes: Sequence[str] | None = None,
        documents: Sequence[str] | None = None,
        segments: Sequence[str] | None = None,
        include_suggestions: bool = True,
    ) -> Path:
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
                raise InputError(
                    f"unknown code(s) {', '.join(map(repr, unknown))}; see `qda codebook show` for the ids"
                )
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
            raise ProjectError("there are no segments to code; ingest transcripts first (`qda ingest FILES`)")
        attrs = [c for c in self._participants().columns if c not in ("participant_id", "label", "auto")]
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
        meta = {
            "project_id": self.project_id,
            "project": self.path.name,
            "coder": coder or "",
            "codebook_version": cb.version,
            "created_at": now(),
            "segments": str(len(segs)),
        }
        return write_coding_sheet(
            path,
            segments=segs,
            attributes=attrs,
            codebook=cb,
            codes=chosen,
            marks=marks,
            done=done,
            suggestions=hints,
            meta=meta,
        )

    def _replaced_segments(self) -> dict[str, str]:
        """Ids of segments that new versions of their documents replaced -> document (from
        the history of new versions; ids a later version uses again are not included)."""
        hist = self._store.history()
        hist = hist[(hist["action"] == "new version") & (hist["entity"] == "document")]
        out: dict[str, str] = {}
        for doc, detail in zip(hist["entity_id"], hist["detail"]):
            info = json.loads(detail) if isinstance(detail, str) else (detail or {})
            out.update(dict.fromkeys(info.get("segments_replaced", ()), doc))
        return out

    def import_coding(
        self, path: str | Path, *, coder: str, remove_unmarked: bool = False, who: str | None = None
    ) -> CodingImportReport:
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
        spans = {
            sid: (doc, int(s), int(e))
            for sid, doc, s, e in zip(segs["segment_id"], segs["document_id"], segs["start"], segs["end"])
        }
        texts = self._store.document_texts()
        cb = self.codebook
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            found = resolve_sheet(
                read_coding_sheet(path),
                project_id=self.project_id,
                coder=coder,
                codebook=cb,
                spans=spans,
                texts=texts,
                replaced=self._replaced_segments(),
            )
        elif suffix == ".csv":
            docs = self._store.documents()
            found = resolve_csv(
                path,
                read_long_csv(path),
                coder=coder,
                codes=cb.ids,
                spans=spans,
                texts=texts,
                names=dict(zip(docs["name"], docs["document_id"])),
                replaced=self._replaced_segments(),
            )
        else:
            raise InputError(
                f"{path}: import reads a coding sheet (.xlsx) or a long coding "
                "CSV (.csv), not " + (suffix or "a file without extension")
            )
        return self._apply_import(
            found, source=str(path), name=path.name, coder=coder, remove_unmarked=remove_unmarked, who=who
        )

    def _apply_import(
        self,
        found,
        *,
        source: str,
        name: str,
        coder: str,
        remove_unmarked: bool = False,
        who: str | None = None,
    ) -> CodingImportReport:
        """Write what a checked coding file (or search hits) marks as ``coder``'s codings:
        one transaction and one history row (see :meth:`import_coding`); ``source`` names
        the file (or the search) in the reviews and the history."""
        texts = self._store.document_texts()
        cb = self.codebook
        report = CodingImportReport(
            file=source,
            coder=coder,
            kind=found.kind,
            rows=found.rows,
            untouched=found.untouched,
            edited=found.edited,
            warnings=list(found.warnings),
        )
        stamp, actor = now(), _who(who or coder)
        with self._store.transaction():
            # The coder's codings are read under the write lock, so two imports of the
            # same coder at once cannot both add a mark (or miss a conflict).
            existing = self._store.coder_codings(coder)
            plan = plan_import(found.marks, existing, segments=found.segments, codes=found.codes)
            unmarked = plan.unmarked if plan.unmarked is not None else existing.head(0)
            report.already = plan.already
            report.added = self._store.insert_codings(
                {
                    "segment_id": m.segment_id,
                    "document_id": m.document_id,
                    "start": m.start,
                    "end": m.end,
                    "code_id": m.code_id,
                    "coder": coder,
                    "source": "human",
                    "status": "accepted",
                    "confidence": None,
                    "evidence": None,
                    "codebook_version": cb.version,
                    "created_at": stamp,
                }
                for m in plan.add
            )
            report.reviewed = self._store.insert_reviews(
                {
                    "segment_id": sid,
                    "document_id": doc,
                    "coder": coder,
                    "reviewed_at": stamp,
                    "source_file": source,
                }
                for sid, doc in found.reviewed.items()
            )
            report.reviewed_already = len(found.reviewed) - report.reviewed
            if remove_unmarked and not unmarked.empty:
                report.removed = self._store.archive_codings(
                    unmarked["coding_id"].tolist(),
                    who=actor,
                    reason=f"not marked by {coder} in {name} (imported with remove_unmarked)",
                )
            else:
                report.conflicts = [
                    {
                        "segment_id": r["segment_id"],
                        "code": r["code_id"],
                        "start": int(r["start"]),
                        "end": int(r["end"]),
                        "text": _clip(
                            quote(texts[r["document_id"]], r["start"], r["end"], document=r["document_id"])
                        ),
                    }
                    for r in unmarked.to_dict("records")
                ]
            self._store.record(
                who=actor,
                action="import",
                entity="codings",
                entity_id=source,
                detail={
                    "coder": coder,
                    "kind": found.kind,
                    "rows": found.rows,
                    "added": report.added,
                    "already": report.already,
                    "reviewed": report.reviewed,
                    "conflicts": len(report.conflicts),
                    "removed": report.removed,
                    "edited": len(report.edited),
                },
            )
        if report.edited:
            report.warnings.append(
                f"{len(report.edited)} row(s) have text that differs from the project's "
                f"({', '.join(f'{w}: {s}' for w, s in report.edited[:5])}"
                f"{' and more' if len(report.edited) > 5 else ''}); their marks were applied to "
                "the segment their id names. Edit transcripts by re-importing the file instead"
            )
        return report

    def code_hits(
        self, hits: pd.DataFrame, code: str, *, coder: str, who: str | None = None, label: str = "search"
    ) -> CodingImportReport:
        """Code each hit of :meth:`search` with ``code`` as ``coder``'s human coding of
        exactly the hit's words (its ``start``/``end``), as ``qda code import`` of the
        hits file would: one transaction, one history row; a coding already there is not
        added again, and nothing else of the coder's is touched."""
        from qda.coding.longcsv import CsvRow, resolve_csv

        coder = (coder or "").strip()
        if not coder:
            raise InputError("say whose coding this is: --coder NAME")
        if code not in self.codebook:
            raise InputError(f"unknown code {code!r}; see `qda codebook show` for the ids")
        if "is_interviewer" in hits.columns and hits["is_interviewer"].astype(bool).any():
            raise InputError("interviewer turns are not coded: search without --interviewer to code the hits")
        segs = self._store.segments()
        spans = {
            sid: (doc, int(a), int(b))
            for sid, doc, a, b in zip(segs["segment_id"], segs["document_id"], segs["start"], segs["end"])
        }
        rows = [
            CsvRow(i, sid, doc, int(a), int(b), code, None, None)
            for i, (sid, doc, a, b) in enumerate(
                zip(hits["segment_id"], hits["document"], hits["start"], hits["end"]), start=2
            )
        ]
        found = resolve_csv(
            label,
            rows,
            coder=coder,
            codes=self.codebook.ids,
            spans=spans,
            texts=self._store.document_texts(),
            names={},
        )
        found.segments = set()  # adding hits never conflicts with other codings
        return self._apply_import(found, source=label, name=label, coder=coder, who=who)

    def reviews(self, *, coder: str | None = None) -> pd.DataFrame:
        """Segments each coder has reviewed: ``segment_id, document, coder, reviewed_at,
        source_file``. A reviewed segment without a coding of that coder means "no code
        applies"; a segment not here and without codings is not yet coded."""
        return self._store.reviews(coder).rename(columns={"document_id": "document"})

    def coding_table(
        self,
        *,
        coders: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        reviewed: bool = False,
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
        extra = pd.DataFrame(
            {
                "segment_id": rv["segment_id"].values,
                "document": seg["document"].values,
                "participant": seg["participant"].values,
                "start": seg["start"].values,
                "end": seg["end"].values,
                "code": "",
                "coder": rv["coder"].values,
                "source": "human",
                "status": "",
                "confidence": float("nan"),
                "text": seg["text"].values,
                "evidence": None,
                "codebook_version": None,
                "created_at": rv["reviewed_at"].values,
            }
        )
        order = {d: i for i, d in enumerate(self._store.documents()["document_id"])}
        out = pd.concat([df, extra], ignore_index=True)
        out = (
            out.assign(_d=out["document"].map(order))
            .sort_values(["_d", "start", "end", "coder"], kind="stable")
            .drop(columns="_d")
        )
        return out.reset_index(drop=True)

    def codings_csv(
        self,
        path: str | Path,
        *,
        coders: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        reviewed: bool = True,
    ) -> Path:
        """Write the long coding CSV (design columns, then evidence, codebook_version,
        created_at), reviewed-without-code rows included unless ``reviewed=False``."""
        df = self.coding_table(coders=coders, sources=sources, reviewed=reviewed)
        df["evidence"] = df["evidence"].map(
            lambda v: "; ".join(f"{e['term']}@{e['start']}" for e in v) if isinstance(v, list) else ""
        )
        return write_long_csv(df, path)

"""Suggestions from an LLM through an OpenAI-compatible endpoint (``qda suggest --llm``).

Part of :class:`qda.Project`, over the shared state of :mod:`.base`; it uses
:meth:`.suggesting.Suggesting.training_set` to evaluate against a coder.

Each segment (interviewer turns left out) is sent once with the codebook's prompt
(:mod:`qda.coding.llm`); its answer is cached in the project under a hash of the
model, the prompt and the segment's text, so running the same model and codebook
again sends nothing and gives the same suggestions. An answer is cached as soon as
it arrives and passes as JSON (its own short transaction: it is the endpoint's
answer, not anyone's coding), so after an unreachable endpoint or a timeout midway
no coding has changed and running again continues where it stopped. The codings
are written at the end in one transaction: source ``llm``, coder ``llm``, status
``suggested``, the model's stated confidence, and as evidence each verified quote
with its exact offsets in the document, the model and the prompt's SHA-256. Open
``llm`` suggestions from an earlier run are replaced; those a person accepted or
rejected are kept and not suggested again; human codings are never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from qda.coding import llm
from qda.coding.endpoint import TIMEOUT, Endpoint
from qda.errors import InputError, ProjectError
from qda.project._util import _who
from qda.project.base import ProjectBase
from qda.project.results import LlmEvaluation, LlmReport
from qda.project.suggesting import Suggesting
from qda.store import now

Progress = Callable[[int, int], None]


def _endpoint(endpoint: Endpoint | str, model: str | None, timeout: float) -> Endpoint:
    if isinstance(endpoint, Endpoint):
        return endpoint
    return Endpoint.at(endpoint, model=model or "", timeout=timeout)


class LlmSuggesting(Suggesting, ProjectBase):
    # -------------------------------------------------------------- asking the LLM
    def _llm_prompt(self) -> str:
        cb = self.codebook
        if not len(cb):
            raise InputError(
                "the project has no codebook, so there is nothing to ask the "
                "LLM about; load one with `qda codebook load F`"
            )
        return llm.build_prompt(cb)

    def _ask_llm(
        self, endpoint: Endpoint, texts: pd.Series, report: LlmReport, progress: Progress | None = None
    ) -> dict[str, llm.Reading]:
        """Each segment's answer (cache first, then the endpoint), read and checked."""
        prompt, ids = self._llm_prompt(), self.codebook.ids
        report.prompt_sha256 = llm.prompt_sha256(prompt)
        schema = llm.answer_schema(ids)
        keys = {sid: llm.cache_key(endpoint.model, prompt, text) for sid, text in texts.items()}
        cached = self._store.llm_answers(keys.values())
        readings: dict[str, llm.Reading] = {}
        for done, (sid, text) in enumerate(texts.items(), 1):
            answer = cached.get(keys[sid])
            try:
                if answer is None:
                    report.asked += 1
                    answer = endpoint.chat(llm.message(prompt, text), schema)
                    reading = llm.read_answer(answer, text, ids)
                    self._cache_answer(keys[sid], endpoint.model, report.prompt_sha256, answer)
                    cached[keys[sid]] = answer
                else:
                    report.cached += 1
                    reading = llm.read_answer(answer, text, ids)
            except llm.BadAnswer as exc:
                report.bad_answers.append(f"{sid}: {exc}")
            else:
                readings[sid] = reading
                report.quotes_dropped += reading.not_found
                report.unusable_items += reading.unknown + reading.malformed
            if progress is not None:
                progress(done, len(texts))
        return readings

    def _cache_answer(self, key: str, model: str, prompt_sha256: str, answer: str) -> None:
        if self._store.read_only:
            return
        with self._store.transaction():
            self._store.put_llm_answer(key, model=model, prompt_sha256=prompt_sha256, answer=answer)

    def _llm_segments(self, segments: Iterable[str] | None) -> pd.Series:
        segs = self.segments()
        if segments is not None:
            wanted = list(dict.fromkeys(segments))
            missing = [s for s in wanted if s not in set(segs["segment_id"])]
            if missing:
                raise InputError(
                    f"segment {missing[0]!r} is not in the project (or is an "
                    "interviewer turn); see `qda segments`"
                )
            segs = segs[segs["segment_id"].isin(wanted)]
        return segs.set_index("segment_id")["text"]

    # ------------------------------------------------------------------ suggesting
    def suggest_llm(
        self,
        endpoint: Endpoint | str,
        *,
        model: str | None = None,
        allow_remote: bool = False,
        timeout: float = TIMEOUT,
        segments: Iterable[str] | None = None,
        who: str | None = None,
        progress: Progress | None = None,
    ) -> LlmReport:
        """Ask an LLM which codes each segment shows (see the module docstring).

        ``endpoint``: an :class:`~qda.coding.endpoint.Endpoint`, or its URL with ``model``.
        A host not on this machine is refused unless ``allow_remote``. ``segments``: only
        these segment ids (default: every segment but interviewer turns).
        """
        endpoint = _endpoint(endpoint, model, timeout)
        endpoint.check_allowed(allow_remote)
        if self._store.read_only:
            raise ProjectError(
                f"{self.path}: the project is read-only "
                f"({self._store.read_only}); nothing was asked or changed"
            )
        texts = self._llm_segments(segments)
        report = LlmReport(
            model=endpoint.model,
            endpoint=endpoint.url,
            host=endpoint.host,
            local=endpoint.local,
            segments=len(texts),
        )
        readings = self._ask_llm(endpoint, texts, report, progress)
        self._write_llm(readings, texts, report, who)
        return report

    def _write_llm(
        self, readings: dict[str, llm.Reading], texts: pd.Series, report: LlmReport, who: str | None
    ) -> None:
        cb, stamp = self.codebook, now()
        with self._store.transaction():
            # Under the write lock: segments and reviews as they are now.
            reviewed = self._store.reviewed_keys(source="llm")
            segs = self._store.segments().set_index("segment_id")
            docs = self._store.document_texts()
            rows = []
            for sid, reading in readings.items():
                if sid not in segs.index:
                    continue
                doc, start, end = (segs.at[sid, k] for k in ("document_id", "start", "end"))
                if docs[doc][start:end] != texts[sid]:  # a new version meanwhile
                    continue
                for code, hits in reading.quotes.items():
                    if (sid, code) in reviewed:
                        report.kept_reviewed += 1
                        continue
                    rows.append(
                        {
                            "segment_id": sid,
                            "document_id": doc,
                            "start": int(start),
                            "end": int(end),
                            "code_id": code,
                            "coder": "llm",
                            "source": "llm",
                            "status": "suggested",
                            "confidence": reading.confidence.get(code),
                            "evidence": [
                                {
                                    "kind": "llm",
                                    "term": q,
                                    "text": q,
                                    "start": int(start) + a,
                                    "end": int(start) + b,
                                    "model": report.model,
                                    "prompt": report.prompt_sha256,
                                }
                                for a, b, q in hits
                            ],
                            "codebook_version": cb.version,
                            "created_at": stamp,
                        }
                    )
            report.replaced = self._store.delete_suggestions(source="llm")
            report.suggestions = self._store.insert_codings(rows)
            report.segments_suggested = len({r["segment_id"] for r in rows})
            self._store.record(
                who=_who(who),
                action="suggest",
                entity="codings",
                entity_id="llm",
                detail={
                    "model": report.model,
                    "endpoint": report.endpoint,
                    "prompt_sha256": report.prompt_sha256,
                    "segments": report.segments,
                    "asked": report.asked,
                    "cached": report.cached,
                    "bad_answers": len(report.bad_answers),
                    "quotes_dropped": report.quotes_dropped,
                    "suggestions": report.suggestions,
                    "replaced": report.replaced,
                    "codebook_version": cb.version,
                },
            )

    # ------------------------------------------------------------------ evaluating
    def evaluate_llm(
        self,
        endpoint: Endpoint | str,
        *,
        from_coder: str,
        model: str | None = None,
        allow_remote: bool = False,
        timeout: float = TIMEOUT,
        progress: Progress | None = None,
    ) -> LlmEvaluation:
        """The LLM's codes on every segment ``from_coder`` reviewed, scored against the
        coder's codes per code (precision, recall, F1, kappa). Writes only the cache."""
        from qda.coding.evaluate import score_helper

        endpoint = _endpoint(endpoint, model, timeout)
        endpoint.check_allowed(allow_remote)
        texts, labels = self.training_set(from_coder)
        codes = [c for c in self.codebook.ids if any(c in s for s in labels)]
        if not codes:
            raise InputError(
                f"coder {from_coder!r} has applied no code yet, so there is nothing to compare the LLM with"
            )
        report = LlmReport(
            model=endpoint.model,
            endpoint=endpoint.url,
            host=endpoint.host,
            local=endpoint.local,
            segments=len(texts),
        )
        readings = self._ask_llm(endpoint, texts, report, progress)
        said = [set(readings[s].quotes) if s in readings else set() for s in texts.index]
        truth = pd.DataFrame([[int(c in s) for c in codes] for s in labels], columns=codes)
        guess = pd.DataFrame([[int(c in s) for c in codes] for s in said], columns=codes)
        per_code, overall = score_helper(truth.to_numpy(), guess.to_numpy(), codes, "llm")
        other = pd.Series([c for s in said for c in s if c not in codes]).value_counts()
        return LlmEvaluation(
            coder=from_coder,
            per_code=per_code,
            overall=overall,
            n_segments=len(texts),
            report=report,
            other_codes={str(k): int(v) for k, v in other.items()},
        )

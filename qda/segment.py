"""Segmentation with spaCy, and the pipeline every stage shares.

The default pipeline is ``spacy.blank("en")`` with a sentencizer and a lookup
lemmatizer (tables from ``spacy-lookups-data``) that lemmatises the
*lower-cased* word: spaCy's lookup lemmatizer is case-sensitive, so without this
"Families" at the start of a sentence would not match the keyword "family".
Lemmas are cached per word type, since lookup lemmas do not depend on context.

Segments are spans of a document's stored text in code points, end exclusive,
trimmed of surrounding whitespace: ``text[start:end]`` is the segment's text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import numpy
import spacy
from spacy.attrs import LEMMA, LOWER
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc, Token
from thinc.types import Ints2d

from qda.errors import InputError
from qda.ingest.speakers import Turn, paragraph_turns, trim_span

__all__ = ["UNITS", "Segment", "make_nlp", "segment_batch", "segment_document", "segment_id"]

UNITS = ("turn", "paragraph", "sentence", "response")
_UNIT_LETTER = {"turn": "t", "paragraph": "p", "sentence": "s", "response": "r"}


class LowercaseLookupLemmatizer(Lemmatizer):
    """spaCy's lookup lemmatizer, applied to the lower-cased form, with a cache.

    Lookup lemmas do not depend on context, so a whole Doc is lemmatised at once:
    the tokens' lower-case hashes are read as one array, each word type is looked up
    once (cached for the life of the pipeline), and the lemmas are written back as one
    array. This gives the same lemmas as spaCy's per-token loop at about a quarter of
    its cost.
    """

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        cache: dict[int, int] = self.__dict__.setdefault("_qda_hash_cache", {})
        lowers = doc.to_array(LOWER).tolist()
        lemmas = list(map(cache.get, lowers))
        if None in lemmas:  # word types not seen before
            strings = self.vocab.strings
            for i, (h, lemma) in enumerate(zip(lowers, lemmas)):
                if lemma is None:
                    lemma = cache.get(h)
                    if lemma is None:
                        lemma = cache[h] = strings.add(self._lemma_of(strings[h]))
                    lemmas[i] = lemma
        if not self.overwrite:
            current = doc.to_array(LEMMA).tolist()
            lemmas = [c or n for c, n in zip(current, lemmas)]
        # spaCy declares thinc's Ints2d; lemma hashes are 64-bit unsigned, as it stores them
        hashes = cast(Ints2d, numpy.array(lemmas, dtype=numpy.uint64).reshape(-1, 1))
        doc.from_array([LEMMA], hashes)
        return doc

    def _lemma_of(self, lower: str) -> str:
        return self.lookups.get_table("lemma_lookup").get(lower, lower)

    def lookup_lemmatize(self, token: Token) -> list[str]:
        cache = self.__dict__.setdefault("_qda_cache", {})
        lower = token.lower_
        lemma = cache.get(lower)
        if lemma is None:
            lemma = cache[lower] = self._lemma_of(lower)
        return [lemma]


@Language.factory(
    "qda_lemmatizer",
    default_config={"model": None, "mode": "lookup", "overwrite": True, "scorer": None},
)
def _make_lemmatizer(nlp, model, name, mode, overwrite, scorer):
    return LowercaseLookupLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer)


@lru_cache(maxsize=4)
def make_nlp(model: str | None = None) -> Language:
    """The shared pipeline: blank English + sentencizer + lower-case lookup lemmas.

    ``model`` names an installed trained pipeline (e.g. ``en_core_web_sm``) to use
    instead; nothing is ever downloaded.
    """
    if model:
        try:
            nlp = spacy.load(model)
        except OSError as exc:
            raise InputError(
                f"spaCy pipeline {model!r} is not installed; install its package or leave the "
                "option out to use the built-in blank English pipeline"
            ) from exc
        if (
            "sentencizer" not in nlp.pipe_names
            and "parser" not in nlp.pipe_names
            and "senter" not in nlp.pipe_names
        ):
            nlp.add_pipe("sentencizer", first=True)
        return nlp
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("qda_lemmatizer")
    try:
        nlp.initialize()
    except (ValueError, OSError) as exc:  # spacy-lookups-data missing or broken
        raise InputError(
            "spaCy's English lemma tables are missing; install the package spacy-lookups-data"
        ) from exc
    return nlp


@dataclass(frozen=True)
class Segment:
    """A span of a document: what gets coded."""

    position: int  # 1-based order within the document
    unit: str
    start: int
    end: int
    speaker: str | None
    is_interviewer: bool
    begin_time: float | None = None  # from the turn (subtitle cues, timestamps)
    end_time: float | None = None
    question: str | None = None  # survey column the response answers


def segment_id(document_id: str, unit: str, position: int) -> str:
    """Stable, readable id: ``<document>#<unit letter><position>`` e.g. ``kent-01#t007``."""
    return f"{document_id}#{_UNIT_LETTER[unit]}{position:03d}"


def _sentences(text: str, turn: Turn, nlp: Language) -> Iterator[tuple[int, int]]:
    body = text[turn.start : turn.end]
    with nlp.select_pipes(enable=["sentencizer"] if "sentencizer" in nlp.pipe_names else None):
        doc = nlp(body)
    for sent in doc.sents:
        s, e = trim_span(text, turn.start + sent.start_char, turn.start + sent.end_char)
        if s < e:
            yield s, e


def segment_document(
    text: str, turns: Iterable[Turn], *, unit: str = "turn", nlp: Language | None = None
) -> list[Segment]:
    """Cut a document's turns into segments of the given unit.

    ``turn``: one segment per speaker turn. ``paragraph``: each line of a turn.
    ``sentence``: each sentence of a turn (spaCy's sentencizer). ``response``: a
    whole survey answer (one turn). A segment never crosses a turn, so each has
    one speaker.
    """
    if unit not in UNITS:
        raise InputError(f"unknown segmentation unit {unit!r}; use one of {', '.join(UNITS)}")
    spans: list[tuple[int, int, Turn]] = []
    for turn in turns:
        if unit in ("turn", "response"):
            spans.append((turn.start, turn.end, turn))
        elif unit == "paragraph":
            spans.extend((p.start, p.end, turn) for p in paragraph_turns(text, turn.start, turn.end))
        else:
            spans.extend((s, e, turn) for s, e in _sentences(text, turn, nlp or make_nlp()))
    return [
        Segment(i, unit, s, e, t.speaker, t.is_interviewer, t.begin_time, t.end_time, t.question)
        for i, (s, e, t) in enumerate(spans, start=1)
    ]


def segment_batch(task: tuple) -> list[list[Segment]]:
    """Worker side of parallel segmentation: ``(spacy_model, [(text, turns, unit), ...])``
    -> each document's segments, in order (a worker process or a Dask worker)."""
    model, docs = task
    nlp = None
    out = []
    for text, turns, unit in docs:
        if unit == "sentence" and nlp is None:
            nlp = make_nlp(model)
        out.append(segment_document(text, turns, unit=unit, nlp=nlp))
    return out

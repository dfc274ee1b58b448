"""Text search with keyword-in-context (KWIC) rows and exact offsets.

Three kinds of term:

- **plain** (the default): a word or phrase, case ignored, whole words only; spaces
  stand for any run of white space (a phrase may break across lines) and a ``*`` at
  the end of a word stands for any word ending (``visit*``: visit, visits, visiting).
- **regex**: a Python regular expression, case ignored (``(?-i:...)`` to respect it).
- **lemma**: every form of the term's words, by the project's spaCy pipeline ("visit"
  finds "visits", "visited"): the lemmas of the segment's tokens, in a row, equal the
  term's lemmas. With the default lookup lemmatizer only the segments holding a word
  form of each lemma are tokenised (the same screen as the rules coder's
  :mod:`qda.coding.screen`, exact by construction); a trained pipeline's lemmas
  depend on context, so every segment is tokenised.

A hit lies inside one segment: ``start``/``end`` are code-point offsets into the
document's stored text (``text[start:end] == hit``). ``left`` and ``right`` are up to
``context`` words of the same segment before and after it, white space folded to
single spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from qda.errors import InputError
from qda.ingest.source import attribute_column
from qda.offsets import quotes

__all__ = ["CONTEXT_WORDS", "KWIC_COLUMNS", "find_hits", "hits_long", "lemma_hits", "term_pattern"]

#: words of context on each side of a hit, unless asked otherwise
CONTEXT_WORDS = 8
#: the columns a search adds to the segment's own (before its attributes)
KWIC_COLUMNS = ["segment_id", "document", "participant", "speaker", "start", "end", "left", "hit", "right"]
_TAKEN = frozenset({"left", "hit", "right", "coder", "source", "status", "confidence"})


def term_pattern(term: str, *, regex: bool = False) -> re.Pattern:
    """The compiled search for ``term`` (see the module's doc); a bad regular expression
    is an :class:`InputError` naming its position."""
    if not term or not term.strip():
        raise InputError("give a word, phrase or pattern to search for")
    if regex:
        try:
            return re.compile(term, re.IGNORECASE)
        except re.error as exc:
            where = f" at position {exc.pos + 1}" if exc.pos is not None else ""
            raise InputError(
                f"bad regular expression {term!r}{where}: {exc.msg}; "
                "leave out --regex to search for the words as written"
            ) from None
    words = []
    for word in term.split():
        body, star = (word[:-1], True) if word.endswith("*") and len(word) > 1 else (word, False)
        words.append(re.escape(body) + (r"\w*" if star else ""))
    core = r"\s+".join(words)
    left = r"(?<!\w)" if re.match(r"\w", term.strip()) else ""
    right = r"(?!\w)" if re.search(r"[\w*]$", term.strip()) else ""
    return re.compile(left + core + right, re.IGNORECASE)


def _context(text: str, lo: int, hi: int, start: int, end: int, words: int) -> tuple[str, str]:
    """Up to ``words`` words of ``text[lo:start]`` (its end) and ``text[end:hi]`` (its
    start), white space folded."""
    if words <= 0:
        return "", ""
    window = 30 * words + 30
    a = max(lo, start - window)
    left = text[a:start].split()
    if a > lo and len(left) <= words:  # the window was short: take all of it
        left = text[lo:start].split()
    b = min(hi, end + window)
    right = text[end:b].split()
    if b < hi and len(right) <= words:
        right = text[end:hi].split()
    lead = " " if start > lo and text[start - 1].isspace() else ""
    trail = " " if end < hi and text[end].isspace() else ""
    return " ".join(left[-words:]) + lead, trail + " ".join(right[:words])


def _frame(
    segments: pd.DataFrame, found: list[tuple[int, int, int]], texts: Mapping[str, str], context: int
) -> pd.DataFrame:
    """Hits ``(row of segments, start, end)`` as KWIC rows, the segment's other columns
    after them."""
    rows = [r for r, _, _ in found]
    base = segments.iloc[rows].reset_index(drop=True)
    lefts, hits, rights = [], [], []
    for (_, s, e), doc, lo, hi in zip(found, base["document"], base["start"], base["end"]):
        text = texts[doc]
        left, right = _context(text, int(lo), int(hi), s, e, context)
        lefts.append(left)
        hits.append(text[s:e])
        rights.append(right)
    extra = [c for c in base.columns if c not in KWIC_COLUMNS and c != "text"]
    # an attribute named like a column of the hits or of the long coding CSV
    base = base.rename(columns={c: attribute_column(c, _TAKEN) for c in extra if c in _TAKEN})
    extra = [attribute_column(c, _TAKEN) if c in _TAKEN else c for c in extra]
    out = pd.DataFrame(
        {
            "segment_id": base["segment_id"],
            "document": base["document"],
            "participant": base["participant"],
            "speaker": base["speaker"],
            "start": pd.Series([s for _, s, _ in found], dtype="int64"),
            "end": pd.Series([e for _, _, e in found], dtype="int64"),
            "left": lefts,
            "hit": hits,
            "right": rights,
        }
    )
    return pd.concat([out, base[extra]], axis=1)


def find_hits(
    segments: pd.DataFrame, texts: Mapping[str, str], pattern: re.Pattern, *, context: int = CONTEXT_WORDS
) -> pd.DataFrame:
    """Every match of ``pattern`` inside one of ``segments`` (the segment table:
    ``segment_id, document, participant, speaker, start, end``, any more columns kept),
    in document order. Each document is searched once, whole, and its matches placed in
    segments; a match across a segment boundary or outside segments (a speaker label, a
    turn left out) is not a hit."""
    found: list[tuple[int, int, int]] = []
    positions = np.arange(len(segments))
    for doc, rows in segments.groupby("document", sort=False).indices.items():
        starts = segments["start"].to_numpy()[rows]
        ends = segments["end"].to_numpy()[rows]
        order = np.argsort(starts, kind="stable")
        starts, ends, at = starts[order], ends[order], positions[rows][order]
        for m in pattern.finditer(texts[doc]):
            s, e = m.span()
            if s == e:
                continue
            i = int(np.searchsorted(starts, s, side="right")) - 1
            if i >= 0 and e <= ends[i]:
                found.append((int(at[i]), s, e))
    found.sort(key=lambda f: f[0])
    return _frame(segments, found, texts, context)


def _term_lemmas(term: str, nlp) -> list[str]:
    doc = nlp(term)
    lemmas = [(t.lemma_ or t.text).lower() for t in doc if not t.is_space]
    if not lemmas:
        raise InputError(f"{term!r} has no words to search for")
    return lemmas


def _screen_words(nlp, lemmas: list[str]) -> list[set[str]] | None:
    """For each lemma the lower-cased words the lookup lemmatizer sends to it (a text
    must contain one of each to match), or None when the pipeline's lemmas depend on
    context (a trained pipeline) or another table was loaded."""
    if "qda_lemmatizer" not in nlp.pipe_names:
        return None
    from qda.coding.screen import lemma_forms

    forms = lemma_forms(nlp.get_pipe("qda_lemmatizer"))
    if forms is None:
        return None
    return [{lemma, *forms.get(lemma, ())} for lemma in lemmas]


def lemma_hits(
    segments: pd.DataFrame, texts: Mapping[str, str], term: str, nlp, *, context: int = CONTEXT_WORDS
) -> pd.DataFrame:
    """Every run of tokens whose lemmas are the term's, inside one of ``segments`` (as
    :func:`find_hits`), by ``nlp`` (the project's pipeline)."""
    lemmas = _term_lemmas(term, nlp)
    screen = _screen_words(nlp, lemmas)
    rows: Iterable[int] = range(len(segments))
    docs, seg_starts = segments["document"].tolist(), segments["start"].tolist()
    bodies = quotes(texts, docs, seg_starts, segments["end"])
    if screen is not None:
        rows = [i for i in rows if _may_hold(bodies[i], screen)]
    names = (
        ["qda_lemmatizer"]
        if "qda_lemmatizer" in nlp.pipe_names
        else [p for p in nlp.pipe_names if p not in ("parser", "ner")]
    )
    found: list[tuple[int, int, int]] = []
    k = len(lemmas)
    with nlp.select_pipes(enable=names):
        for i, doc in zip(rows, nlp.pipe(bodies[i] for i in rows)):
            got = [(t.lemma_ or t.text).lower() for t in doc]
            for j in _runs(got, lemmas):
                first, last = doc[j], doc[j + k - 1]
                base = seg_starts[i]
                found.append((i, base + first.idx, base + last.idx + len(last.text)))
    return _frame(segments, found, texts, context)


def _may_hold(text: str, screen: list[set[str]]) -> bool:
    if "\u03a3" in text:  # capital sigma: its lower case depends on context
        return True
    low = text.lower()
    return all(any(w in low for w in words) for words in screen)


def _runs(got: list[str], want: list[str]) -> Iterable[int]:
    """Start indexes of ``want`` as a run in ``got`` (non-overlapping, left to right)."""
    k, first, j = len(want), want[0], 0
    while j <= len(got) - k:
        if got[j] == first and got[j : j + k] == want:
            yield j
            j += k
        else:
            j += 1


def hits_long(hits: pd.DataFrame, *, code: str | None = None, coder: str | None = None) -> pd.DataFrame:
    """Hits in the long coding CSV's layout (``segment_id, document, participant, start,
    end, code, coder, source, status, confidence, text``; ``text`` is the hit), then
    ``left, right`` and the hit's other columns. ``code``/``coder`` fill those columns
    (a human, accepted coding); left empty, ``code`` is for a person to fill in before
    ``qda code import``."""
    from qda.coding.longcsv import COLUMNS

    n = len(hits)
    out = pd.DataFrame(
        {
            "segment_id": hits["segment_id"],
            "document": hits["document"],
            "participant": hits["participant"],
            "start": hits["start"],
            "end": hits["end"],
            "code": [code or ""] * n,
            "coder": [coder or ""] * n,
            "source": ["human" if code else ""] * n,
            "status": ["accepted" if code else ""] * n,
            "confidence": [None] * n,
            "text": hits["hit"],
            "left": hits["left"],
            "right": hits["right"],
        }
    )
    rest = [c for c in hits.columns if c not in (*COLUMNS, "left", "hit", "right")]
    return pd.concat([out.reset_index(drop=True), hits[rest].reset_index(drop=True)], axis=1)

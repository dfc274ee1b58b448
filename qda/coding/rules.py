"""The rules coder: a codebook's keywords and patterns, matched on lemmas.

Keywords are phrases matched with spaCy's ``PhraseMatcher`` on lower-cased lookup
lemmas ("home visit" finds "Home Visits"); ``patterns`` are spaCy ``Matcher``
token patterns. A code's ``exclude_keywords`` are matched the same way: a segment
in which one of them occurs gets no suggestion of that code (only that code; its
parent and children are not affected). Every hit is a *suggestion* (source ``rules``), never a human
coding, and keeps its evidence: which term matched which words, as offsets into
the document's stored text. Rules carry no confidence (they are not
probabilistic); their evidence is what a reviewer judges them by.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pandas as pd
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher

from qda.codebook import Codebook
from qda.segment import make_nlp

__all__ = ["RulesCoder", "code_with_rules", "CODING_COLUMNS"]

CODING_COLUMNS = ["segment_id", "document_id", "start", "end", "code_id", "evidence"]
_BATCH = 256


class RulesCoder:
    """Codes segment texts with a codebook's keywords and patterns."""

    def __init__(self, codebook: Codebook, *, nlp: Language | None = None):
        self.codebook = codebook
        self.nlp = nlp or make_nlp()
        vocab = self.nlp.vocab
        self._phrases = PhraseMatcher(vocab, attr="LEMMA")
        self._excludes = PhraseMatcher(vocab, attr="LEMMA")
        self._patterns = Matcher(vocab)
        # (code, keyword lemmas) -> [(keyword, its lower-cased tokens, its lemmas)]
        self._terms: dict[tuple[str, tuple[str, ...]], list[tuple[str, tuple, tuple]]] = {}
        self._xterms: dict[tuple[str, tuple[str, ...]], list[tuple[str, tuple, tuple]]] = {}
        with self._lemmas_only():
            for code in codebook:
                self._add_terms(code.id, code.keywords, self._phrases, self._terms)
                self._add_terms(code.id, code.exclude_keywords, self._excludes, self._xterms)
                if code.patterns:
                    self._patterns.add(code.id, [list(p) for p in code.patterns])

    def _add_terms(self, code_id: str, keywords, matcher: PhraseMatcher, terms: dict) -> None:
        if not keywords:
            return
        docs = list(self.nlp.pipe(k.lower() for k in keywords))
        matcher.add(code_id, docs)
        for kw, doc in zip(keywords, docs):
            lemmas = tuple(t.lemma_ for t in doc)
            terms.setdefault((code_id, lemmas), []).append(
                (kw, tuple(t.lower_ for t in doc), lemmas))

    def _lemmas_only(self):
        keep = [p for p in self.nlp.pipe_names if "lemmatizer" in p or p in ("tok2vec", "tagger",
                                                                               "attribute_ruler")]
        return self.nlp.select_pipes(enable=keep)

    def code(self, segments: pd.DataFrame, texts: Mapping[str, str]) -> pd.DataFrame:
        """Code each segment; one row per (segment, code) with the evidence list.

        ``segments`` needs ``segment_id, document_id, start, end``; ``texts`` maps
        document ids to their stored text.
        """
        rows: list[dict] = []
        if segments.empty:
            return pd.DataFrame(rows, columns=CODING_COLUMNS)
        records = segments[["segment_id", "document_id", "start", "end"]].to_dict("records")
        bodies = (texts[r["document_id"]][r["start"]:r["end"]] for r in records)
        strings = self.nlp.vocab.strings
        with self._lemmas_only():
            for rec, doc in zip(records, self.nlp.pipe(bodies, batch_size=_BATCH)):
                hits: dict[str, list[dict]] = defaultdict(list)
                for match_id, s, e in (self._phrases(doc) if len(self._phrases) else ()):
                    code_id = strings[match_id]
                    span = doc[s:e]
                    term = self._keyword_for(code_id, span, self._terms)
                    if term is not None:
                        hits[code_id].append(self._evidence(term, span, rec["start"]))
                for match_id, s, e in (self._patterns(doc) if len(self._patterns) else ()):
                    code_id = strings[match_id]
                    hits[code_id].append(self._evidence("pattern", doc[s:e], rec["start"]))
                for match_id, s, e in (self._excludes(doc) if hits and len(self._excludes)
                                       else ()):
                    code_id = strings[match_id]
                    if self._keyword_for(code_id, doc[s:e], self._xterms) is not None:
                        hits.pop(code_id, None)
                for code_id in self.codebook.ids:  # codebook order, stable output
                    if code_id in hits:
                        rows.append({**rec, "code_id": code_id,
                                     "evidence": sorted(hits[code_id], key=lambda h: h["start"])})
        return pd.DataFrame(rows, columns=CODING_COLUMNS)

    @staticmethod
    def _keyword_for(code_id: str, span, terms: dict) -> str | None:
        """The keyword a lemma match stands for, or None for a false friend.

        Lemma lookup can send a word to an unrelated base form ("evening" ->
        "even"). A keyword word written in base form matches any inflection; one
        written in an inflected form never matches a *different* bare word that
        merely shares its lemma ("evening" does not match "even").
        """
        for kw, kw_lower, kw_lemmas in terms.get(
                (code_id, tuple(t.lemma_ for t in span)), ()):
            if all(kl == tok.lower_ or kl == klem or tok.lower_ != tok.lemma_
                   for kl, klem, tok in zip(kw_lower, kw_lemmas, span)):
                return kw
        return None

    @staticmethod
    def _evidence(term: str, span, offset: int) -> dict:
        return {"term": term, "text": span.text, "start": offset + span.start_char,
                "end": offset + span.end_char}


def code_with_rules(segments: pd.DataFrame, texts: Mapping[str, str], codebook: Codebook,
                    *, nlp: Language | None = None) -> pd.DataFrame:
    """Functional face of :class:`RulesCoder`."""
    return RulesCoder(codebook, nlp=nlp).code(segments, texts)

"""A cheap test of which segments a few codes' rules could match, before tokenising.

Tokenising and lemmatising a segment is most of what the rules coder costs, and after
one code's keywords change an incremental run has to look at every segment again for
that code. A :class:`Screen` answers "could this text match?" with substring searches
on the lower-cased text, so only the segments that could are tokenised.

It never says no to a segment the coder would match. A keyword matches tokens whose
lemmas equal the keyword's lemmas; with the default pipeline a token's lemma is the
lookup table's entry for its lower-cased text (or that text itself), and spaCy's
lower-cased token text is a substring of the lower-cased segment text (Python's
``str.lower`` works character by character; the one exception, the Greek final sigma,
is handled by letting any text with a capital sigma through). So a segment can only
match a keyword if, for each of the keyword's tokens, it contains as a substring a word
the table sends to that token's lemma, or the lemma itself. The screen keeps these sets
of words, cut to the shortest ones (a text containing "visits" contains "visit"), and
for a window rule the words of every token of every term; a phrase of several tokens
must also have its tokens' exact words in a row, with one space or none between (the
only text between two neighbouring tokens of a Doc).

The screen is only made when it can be exact and is worth it: the default lookup
lemmatizer (a trained pipeline's lemmas depend on context), no token patterns among the
codes (a pattern can match any token), and few words to look for (every code of a
codebook would mean hundreds of searches per segment, more than tokenising).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["MAX_WORDS", "Need", "Screen", "lemma_forms"]

#: the most words a screen searches every text for (the first group of each need);
#: beyond it tokenising is cheaper
MAX_WORDS = 64


@lru_cache(maxsize=1)
def _lookup_table() -> dict[str, str]:
    import spacy_lookups_data

    path = spacy_lookups_data.get_file("en_lemma_lookup.json.gz")
    with gzip.open(str(path), "rt", encoding="utf-8") as fh:
        return json.load(fh)


def lemma_forms(lemmatizer) -> dict[str, frozenset[str]] | None:
    """lemma -> the lower-cased words ``lemmatizer`` (qda's lookup lemmatizer) sends to
    it, read from the lookup table's source file and checked, entry by entry, against
    the table the pipeline loaded; None when they differ (another table was loaded)."""
    cached = lemmatizer.__dict__.get("_qda_forms", False)
    if cached is not False:
        return cached
    try:
        source = _lookup_table()
        table = lemmatizer.lookups.get_table("lemma_lookup")
    except (ImportError, OSError, KeyError, ValueError):
        source, table = None, None
    forms: dict[str, set[str]] | None = None
    if source is not None and len(source) == len(table):
        forms = {}
        for word, lemma in source.items():
            if table.get(word) != lemma:
                forms = None
                break
            forms.setdefault(lemma, set()).add(word.lower())
    out = None if forms is None else {k: frozenset(v) for k, v in forms.items()}
    lemmatizer.__dict__["_qda_forms"] = out
    return out


def _shortest(words: Iterable[str]) -> tuple[str, ...]:
    """The words no other word of the set is a substring of (enough to search for)."""
    kept: list[str] = []
    for word in sorted(set(words), key=lambda w: (len(w), w)):
        if not any(k in word for k in kept):
            kept.append(word)
    return tuple(kept)


@dataclass(frozen=True)
class Need:
    """One way a text can match: each group has a word in the (lower-cased) text, and
    each phrase pattern is found in it."""

    groups: tuple[tuple[str, ...], ...]
    phrases: tuple[re.Pattern, ...] = ()

    def met(self, low: str) -> bool:
        return all(any(w in low for w in group) for group in self.groups) and all(
            p.search(low) for p in self.phrases
        )


class Screen:
    """Which texts could match: some keyword, or every term of some window rule.

    ``needs``: one :class:`Need` per keyword or window rule. A keyword needs a word of
    each of its tokens (a group per token, the rarest-looking first, so most texts fail
    at the first); a phrase of several tokens also needs those tokens' exact words in a
    row, as the matcher does (between two tokens of a Doc there is one space or none).
    """

    def __init__(self, needs: Sequence[Need]):
        self.needs = tuple(needs)
        # each word of a need's first group -> the needs to check when a text has it
        self._by_word: dict[str, list[Need]] = {}
        for need in self.needs:
            for word in need.groups[0]:
                self._by_word.setdefault(word, []).append(need)

    @classmethod
    def make(
        cls,
        lemmatizer,
        keywords: Iterable[tuple[str, ...]],
        windows: Iterable[Sequence[tuple[str, ...]]],
        *,
        max_words: int = MAX_WORDS,
    ) -> Screen | None:
        """A screen for phrases given by their lemma tuples (``keywords``, and the terms
        of each window rule), or None when it cannot be exact or would cost more than
        it saves."""
        keywords, windows = list(keywords), list(windows)
        # every need searches at least one word: too many needs, and the lookup table's
        # word forms are not even read
        if lemmatizer is None or len(keywords) + len(windows) > max_words:
            return None
        forms = lemma_forms(lemmatizer)
        if forms is None:
            return None

        def words(lemma: str) -> set[str]:
            return {lemma.lower(), *forms.get(lemma, ())}

        def need(phrases: Sequence[tuple[str, ...]]) -> Need | None:
            lemmas = [lem for phrase in phrases for lem in phrase]
            if not lemmas or not all(lemmas):
                return None
            groups = {_shortest(words(lem)) for lem in lemmas}
            ordered = tuple(sorted(groups, key=lambda g: (-min(len(w) for w in g), g)))
            patterns = tuple(
                re.compile(
                    " ?".join(
                        "(?:"
                        + "|".join(re.escape(w) for w in sorted(words(lem), key=len, reverse=True))
                        + ")"
                        for lem in phrase
                    )
                )
                for phrase in phrases
                if len(phrase) > 1
            )
            return Need(ordered, patterns)

        found = [need([lemmas]) for lemmas in keywords]
        found += [need(list(terms)) for terms in windows]
        needs = [n for n in found if n is not None]
        if len(needs) < len(found):
            return None
        # every text is searched for the first group's words of each need
        if sum(len(n.groups[0]) for n in needs) > max_words:
            return None
        return cls(needs)

    def passes(self, text: str) -> bool:
        if "\u03a3" in text:  # capital sigma: its lower case depends on context
            return True
        low = text.lower()
        return any(n.met(low) for word, needs in self._by_word.items() if word in low for n in needs)

    def keep(self, texts: Iterable[str]) -> list[bool]:
        return [self.passes(t) for t in texts]

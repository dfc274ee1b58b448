"""The rules coder: a codebook's keywords, patterns and proximity windows, on lemmas.

Three kinds of rule suggest a code:

- **keyword**: a phrase matched with spaCy's ``PhraseMatcher`` on lower-cased lookup
  lemmas ("home visit" finds "Home Visits"), with the base-form rule below;
- **pattern**: a spaCy ``Matcher`` token pattern (``patterns``, numbered from 1); its
  ``REGEX`` predicates run with a time limit per word (``regexguard.py``);
- **window**: a ``proximity`` rule ``{terms: [family, appointment], within: 5}``: every
  term (each matched like a keyword) occurs, with at most ``within`` words between
  neighbouring terms (punctuation is not counted; terms may not overlap). Any order,
  unless the rule says ``ordered: true`` (then the listed order).

A code's ``exclude_keywords`` are matched like keywords: a segment in which one occurs
gets no suggestion of that code, whichever kind of rule found it (only that code; its
parent and children are not affected). Every hit is a *suggestion* (source ``rules``),
never a human coding, and keeps its evidence: the kind of rule, which term matched which
words, as offsets into the document's stored text. :meth:`RulesCoder.explain` also
returns the hits an exclusion blocked, for ``qda code rules --explain``.

Rules carry no confidence (NULL): a keyword hit is not a probability, and a number
made up here would look measured when it is not. How far to trust the rules for each
code is *measured* instead: the learned suggester's evaluation (``qda suggest
--evaluate``) prints the rules' precision and recall per code against a coder.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Span

from qda.codebook import Codebook
from qda.coding.regexguard import guarded_pattern
from qda.coding.screen import Screen
from qda.segment import LowercaseLookupLemmatizer, make_nlp

__all__ = [
    "RulesCoder",
    "code_with_rules",
    "code_batch",
    "rule_fingerprints",
    "CODING_COLUMNS",
    "EXPLAIN_COLUMNS",
    "RULES_VERSION",
    "RulesRunPlan",
    "plan_rules_run",
]

CODING_COLUMNS = ["segment_id", "document_id", "start", "end", "code_id", "evidence"]
#: One row per (segment, code) the rules found, kept or blocked by an exclusion.
EXPLAIN_COLUMNS = [*CODING_COLUMNS, "blocked_by"]
_BATCH = 256
_COMBINATIONS = 20_000  # most term combinations tried per window rule and segment
#: Bump when a change to matching would change any result, so that incremental runs
#: (which skip segments and codes whose inputs are unchanged) start afresh.
RULES_VERSION = "1"


class RulesCoder:
    """Codes segment texts with a codebook's keywords, patterns and proximity windows."""

    def __init__(
        self, codebook: Codebook, *, nlp: Language | None = None, codes: Iterable[str] | None = None
    ):
        """``codes``: match only these codes' rules (default: every code's)."""
        self.codebook = codebook
        only = None if codes is None else set(codes)
        self.nlp = nlp or make_nlp()
        vocab = self.nlp.vocab
        # keywords, exclude keywords and window terms in one matcher: one pass per segment
        self._phrases = PhraseMatcher(vocab, attr="LEMMA")
        self._patterns = Matcher(vocab)
        # match id -> (key, [(keyword, its lower-cased tokens, its lemmas, all in base
        # form)]): one matcher entry per key and distinct lemma sequence, so a match names
        # its candidate keywords without reading the span's lemmas again
        self._terms: dict[int, tuple[str, list[tuple[str, tuple, tuple, bool]]]] = {}
        self._xterms: dict[int, tuple[str, list[tuple[str, tuple, tuple, bool]]]] = {}
        self._wterms: dict[int, tuple[str, list[tuple[str, tuple, tuple, bool]]]] = {}
        self._pattern_keys: dict[int, tuple[str, str]] = {}  # match id -> (code, number)
        # window key "code#wI" -> the rule; term key "code#wI#tJ" -> (window key, J)
        self._windows: dict[str, dict] = {}
        self._order = {cid: i for i, cid in enumerate(codebook.ids)}
        # the lemma tuples of every keyword and, per window rule, of its terms (for the
        # screen)
        self._keyword_lemmas: list[tuple[str, ...]] = []
        self._window_lemmas: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        with self._lemmas_only():
            for code in codebook:
                if only is not None and code.id not in only:
                    continue
                self._add_terms(code.id, code.keywords, self._terms, "k")
                self._add_terms(code.id, code.exclude_keywords, self._xterms, "x")
                for i, pattern in enumerate(code.patterns, start=1):
                    self._patterns.add(
                        f"{code.id}#p{i}", [guarded_pattern(list(pattern), code_id=code.id, number=i)]
                    )
                    self._pattern_keys[vocab.strings.add(f"{code.id}#p{i}")] = (code.id, str(i))
                for i, rule in enumerate(code.proximity, start=1):
                    key = f"{code.id}#w{i}"
                    self._windows[key] = {"code": code.id, "number": i, **rule}
                    for j, term in enumerate(rule["terms"]):
                        self._add_terms(f"{key}#t{j}", (term,), self._wterms, "w")
        self.screen = (
            None
            if self._pattern_keys
            else Screen.make(self._lookup_lemmatizer(), self._keyword_lemmas, self._window_lemmas.values())
        )

    def _add_terms(self, key: str, keywords, terms: dict, kind: str) -> None:
        if not keywords:
            return
        docs = list(self.nlp.pipe(k.lower() for k in keywords))
        groups: dict[tuple[str, ...], list] = {}
        for kw, doc in zip(keywords, docs):
            lemmas = tuple(t.lemma_ for t in doc)
            lower = tuple(t.lower_ for t in doc)
            groups.setdefault(lemmas, [[], []])
            groups[lemmas][0].append(doc)
            groups[lemmas][1].append((kw, lower, lemmas, lower == lemmas))
        if kind == "k":
            self._keyword_lemmas.extend(groups)
        elif kind == "w":
            self._window_lemmas[key.rpartition("#t")[0]].extend(groups)
        for n, (group_docs, candidates) in enumerate(groups.values()):
            entry = f"{key}\x1f{kind}{n}"
            self._phrases.add(entry, group_docs)
            terms[self.nlp.vocab.strings.add(entry)] = (key, candidates)

    def _lookup_lemmatizer(self) -> LowercaseLookupLemmatizer | None:
        """The pipeline's lemmatizer when it is qda's lookup one (the screen's table)."""
        for name, pipe in self.nlp.pipeline:
            if isinstance(pipe, LowercaseLookupLemmatizer) and pipe.overwrite:
                return pipe
            if "lemma" in name or name in ("tagger", "attribute_ruler", "morphologizer"):
                return None  # something else sets lemmas first
        return None

    def _lemmas_only(self):
        keep = [
            p
            for p in self.nlp.pipe_names
            if "lemmatizer" in p or p in ("tok2vec", "tagger", "attribute_ruler")
        ]
        return self.nlp.select_pipes(enable=keep)

    # ------------------------------------------------------------------ coding
    def code(self, segments: pd.DataFrame, texts: Mapping[str, str]) -> pd.DataFrame:
        """Code each segment; one row per (segment, code) with the evidence list.

        ``segments`` needs ``segment_id, document_id, start, end``; ``texts`` maps
        document ids to their stored text. Codes blocked by an exclusion are left out.
        """
        found = self.explain(segments, texts)
        kept = found[found["blocked_by"].map(len) == 0]
        return kept[CODING_COLUMNS].reset_index(drop=True)

    def explain(self, segments: pd.DataFrame, texts: Mapping[str, str]) -> pd.DataFrame:
        """Every (segment, code) a rule found, with ``evidence`` and ``blocked_by`` (the
        exclude keywords that stop the suggestion; empty when it stands)."""
        if segments.empty:
            return pd.DataFrame([], columns=EXPLAIN_COLUMNS)
        records = segments[["segment_id", "document_id", "start", "end"]].to_dict("records")
        if self.screen is not None:  # only what could match is tokenised
            passes = self.screen.passes
            records = [r for r in records if passes(texts[r["document_id"]][r["start"] : r["end"]])]
        rows: list[dict] = []
        for i in range(0, len(records), _BATCH):
            batch = records[i : i + _BATCH]
            docs = self.docs(texts[r["document_id"]][r["start"] : r["end"]] for r in batch)
            rows.extend(self.explain_docs(batch, docs))
        return pd.DataFrame(rows, columns=EXPLAIN_COLUMNS)

    def docs(self, bodies) -> list:
        """Segment texts tokenised and lemmatised for matching (only the lemmatizer runs)."""
        with self._lemmas_only():
            return list(self.nlp.pipe(bodies, batch_size=_BATCH))

    def explain_docs(self, records: list[dict], docs: list) -> list[dict]:
        """:meth:`explain`'s rows for Docs made by :meth:`docs`; ``records`` hold each
        segment's ``segment_id, document_id, start, end``."""
        rows: list[dict] = []
        order = self._order
        phrases = self._phrases if len(self._phrases) else None
        always = bool(self._pattern_keys)  # patterns need a look at every segment
        for rec, doc in zip(records, docs):
            matches = phrases(doc) if phrases is not None else ()
            if not matches and not always:
                continue
            hits, blocked = self._match_found(doc, rec["start"], matches)
            if not hits:
                continue
            for code_id in sorted(hits, key=order.__getitem__):  # codebook order
                rows.append(
                    {
                        **rec,
                        "code_id": code_id,
                        "evidence": sorted(hits[code_id], key=lambda h: (h["start"], h["end"])),
                        "blocked_by": blocked.get(code_id, []),
                    }
                )
        return rows

    def _match(self, doc, offset: int) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
        return self._match_found(doc, offset, self._phrases(doc) if len(self._phrases) else ())

    def _match_found(self, doc, offset: int, matches) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
        """Hits and exclusions in ``doc`` from the phrase matcher's ``matches``."""
        hits: dict[str, list[dict]] = defaultdict(list)
        # spaCy's matches: (match id, start token, end token)
        excludes: list[tuple[int, int, int]] = []
        window_terms: list[tuple[int, int, int]] = []
        terms = self._terms
        for match in matches:
            found = terms.get(match[0])
            if found is None:
                (excludes if match[0] in self._xterms else window_terms).append(match)
                continue
            candidates = found[1]
            term = (
                candidates[0][0]
                if candidates[0][3]
                else self._keyword_for(Span(doc, match[1], match[2]), candidates)
            )
            if term is not None:
                hits[found[0]].append(_evidence_at("keyword", term, doc, match[1], match[2], offset))
        if self._pattern_keys:
            for match_id, s, e in self._patterns(doc):
                code_id, number = self._pattern_keys[match_id]
                hits[code_id].append(_evidence("pattern", f"pattern {number}", doc[s:e], offset))
        if window_terms:
            for code_id, evidence in self._match_windows(doc, offset, window_terms):
                hits[code_id].append(evidence)
        blocked: dict[str, list[dict]] = defaultdict(list)
        if hits:
            for match_id, s, e in excludes:
                code_id, candidates = self._xterms[match_id]
                if code_id not in hits:
                    continue
                span = doc[s:e]
                term = self._keyword_for(span, candidates)
                if term is not None:
                    blocked[code_id].append(_evidence("exclude", term, span, offset))
        return hits, blocked

    def _match_windows(self, doc, offset: int, matches):
        """(code, evidence) for each window rule whose terms occur close enough."""
        found: dict[str, dict[int, list[tuple[int, int, str]]]] = defaultdict(lambda: defaultdict(list))
        for match_id, s, e in matches:
            key, candidates = self._wterms[match_id]
            term = self._keyword_for(doc[s:e], candidates)
            if term is not None:
                window, _, j = key.rpartition("#t")
                found[window][int(j)].append((s, e, term))
        if not found:
            return
        # words[i]: how many words (not punctuation or space) come before token i
        words = list(itertools.accumulate((0 if (t.is_punct or t.is_space) else 1 for t in doc), initial=0))
        for key, rule in self._windows.items():
            occurrences = found.get(key)
            if not occurrences or len(occurrences) < len(rule["terms"]):
                continue
            lists = [occurrences[j] for j in range(len(rule["terms"]))]
            used_until = -1
            for combo in _limited_product(lists, _COMBINATIONS):
                if rule.get("ordered"):
                    chain = list(combo)
                else:
                    chain = sorted(combo)
                if any(b[0] < a[1] for a, b in zip(chain, chain[1:])):
                    continue  # out of order, or terms overlapping
                if any(words[b[0]] - words[a[1]] > rule["within"] for a, b in zip(chain, chain[1:])):
                    continue
                if chain[0][0] < used_until:
                    continue  # overlaps a window already reported
                used_until = chain[-1][1]
                span = doc[chain[0][0] : chain[-1][1]]
                ev = _evidence("window", _window_label(rule), span, offset)
                ev["parts"] = [_evidence("keyword", term, doc[s:e], offset) for s, e, term in chain]
                yield rule["code"], ev

    @staticmethod
    def _keyword_for(span, candidates: list[tuple[str, tuple, tuple, bool]]) -> str | None:
        """The keyword a lemma match stands for, or None for a false friend.

        Lemma lookup can send a word to an unrelated base form ("evening" ->
        "even"). A keyword word written in base form matches any inflection; one
        written in an inflected form never matches a *different* bare word that
        merely shares its lemma ("evening" does not match "even").
        """
        for kw, kw_lower, kw_lemmas, base_form in candidates:
            if base_form or all(
                kl == tok.lower_ or kl == klem or tok.lower_ != tok.lemma_
                for kl, klem, tok in zip(kw_lower, kw_lemmas, span)
            ):
                return kw
        return None


def _evidence_at(kind: str, term: str, doc, start: int, end: int, offset: int) -> dict:
    """:func:`_evidence` for tokens ``start:end`` of ``doc``, without a Span for one token."""
    if end - start == 1:  # most matches
        token = doc[start]
        text = token.text
        at = offset + token.idx
        return {"kind": kind, "term": term, "text": text, "start": at, "end": at + len(text)}
    return _evidence(kind, term, Span(doc, start, end), offset)


def _evidence(kind: str, term: str, span, offset: int) -> dict:
    return {
        "kind": kind,
        "term": term,
        "text": span.text,
        "start": offset + span.start_char,
        "end": offset + span.end_char,
    }


def _window_label(rule: Mapping) -> str:
    joiner = " then " if rule.get("ordered") else " + "
    return f"{joiner.join(rule['terms'])} within {rule['within']}"


def _limited_product(lists: list[list], limit: int):
    """Combinations in order of their positions, at most ``limit`` of them."""
    ordered = [sorted(items) for items in lists]
    return itertools.islice(
        sorted(
            itertools.islice(itertools.product(*ordered), limit),
            key=lambda combo: (min(c[0] for c in combo), max(c[1] for c in combo)),
        ),
        limit,
    )


def code_with_rules(
    segments: pd.DataFrame, texts: Mapping[str, str], codebook: Codebook, *, nlp: Language | None = None
) -> pd.DataFrame:
    """Functional face of :class:`RulesCoder`."""
    return RulesCoder(codebook, nlp=nlp).code(segments, texts)


def rule_fingerprints(codebook: Codebook) -> dict[str, str]:
    """A hash per code of everything that decides what the rules find for it (keywords,
    exclusions, patterns, windows). Equal hashes: the code's suggestions are the same."""
    out = {}
    for code in codebook:
        rules = {
            "keywords": list(code.keywords),
            "exclude": list(code.exclude_keywords),
            "patterns": [list(p) for p in code.patterns],
            "proximity": [dict(r) for r in code.proximity],
        }
        blob = json.dumps(rules, sort_keys=True, ensure_ascii=False, default=str)
        out[code.id] = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
    return out


_WORKER_CODERS: dict[str, RulesCoder] = {}


def code_batch(task: tuple) -> list[tuple]:
    """One batch of segments, coded where it runs (a worker process or a Dask worker).

    ``task`` is ``(key, codebook, codes, spacy_model, rows)`` (``codes``: None for all, or
    the codes to match) with rows ``(segment_id,
    document_id, start, end, text)``; returns the kept rows of :meth:`RulesCoder.code` as
    tuples ``(segment_id, document_id, start, end, code_id, evidence)``. The coder is
    built once per worker process and ``key`` (the rules' fingerprint).
    """
    key, codebook, codes, model, rows = task
    coder = _WORKER_CODERS.get(key)
    if coder is None:
        if len(_WORKER_CODERS) > 4:
            _WORKER_CODERS.clear()
        coder = _WORKER_CODERS[key] = RulesCoder(codebook, nlp=make_nlp(model), codes=codes)
    if coder.screen is not None:
        rows = [r for r, k in zip(rows, coder.screen.keep(r[4] for r in rows)) if k]
    records = [{"segment_id": r[0], "document_id": r[1], "start": r[2], "end": r[3]} for r in rows]
    docs = coder.docs(r[4] for r in rows)
    return [
        (r["segment_id"], r["document_id"], r["start"], r["end"], r["code_id"], r["evidence"])
        for r in coder.explain_docs(records, docs)
        if not r["blocked_by"]
    ]


@dataclass
class RulesRunPlan:
    """What a rules run codes: ``changed`` segment keys (id, document, start, end, text
    hash) coded with every code, the others only with ``codes_changed``; ``stale``
    segment ids whose state goes; ``full`` when that is everything."""

    changed: list[tuple[Any, ...]]
    codes_changed: list[str]
    stale: list[str]
    full: bool

    @property
    def changed_ids(self) -> set[str]:
        return {k[0] for k in self.changed}


def plan_rules_run(
    keys: Sequence[tuple[Any, ...]],
    fingerprints: Mapping[str, str],
    old_segs: Mapping[str, Any],
    old_codes: Mapping[str, str],
    reopened: set[str],
) -> RulesRunPlan:
    """Compare this run's segment ``keys`` and code ``fingerprints`` with the state the
    last run stored (``old_segs``: id -> the rest of its key; ``old_codes``: code ->
    fingerprint; both empty for a full run). ``reopened``: segments whose reviewed rules
    suggestion is gone, coded again."""
    changed = [k for k in keys if old_segs.get(k[0]) != tuple(k[1:]) or k[0] in reopened]
    codes_changed = [c for c in fingerprints if old_codes.get(c) != fingerprints[c]]
    current = {k[0] for k in keys}
    stale = [sid for sid in old_segs if sid not in current]
    full = len(changed) == len(keys) and len(codes_changed) == len(fingerprints)
    return RulesRunPlan(changed, codes_changed, stale, full)

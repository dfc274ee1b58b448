"""Finding likely identifiers for the researcher to review into a key (changes nothing).

:func:`find_candidates` looks through segment texts for

- capitalised words and runs of them ("Tonbridge Road", "St Leonards") that are not
  at the start of a sentence or line, not a term of the codebook, and either not a
  common English word or never written in lower case anywhere in the project (so
  "Carol" is found although "carol" is a word, and "Probation" mid-sentence is not,
  as "probation" occurs in lower case). The common words are the English lemma table
  of ``spacy-lookups-data`` (66,000 lower-case words and forms, already installed);
- e-mail addresses, phone numbers (UK and international), UK postcodes, dates;
- named entities of a trained spaCy pipeline when one is given (``nlp``).

The result is a DataFrame with the key's columns (``original``, ``replacement``
empty, ``kind`` guessed) then ``count``, ``documents`` and ``where`` (up to five
``segment@offset``), sorted by count, so it can be saved, filled in and passed to
``qda anonymise --key``.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

__all__ = ["Candidate", "common_words", "find_candidates", "pattern_hits"]

_MONTHS = ("January February March April May June July August September October November December").split()
_MONTH = "(?:" + "|".join(m[:3] + f"(?:{m[3:]})?" if len(m) > 3 else m for m in _MONTHS) + r")\.?"
_DAYS = {d.lower() for d in "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()}
_CALENDAR = _DAYS | {d + "s" for d in _DAYS} | {m.lower() for m in _MONTHS}
#: Capitalised words that are never identifying by themselves.
_STOP = {
    "i",
    "i'm",
    "i've",
    "i'd",
    "i'll",
    "ok",
    "okay",
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "mum",
    "dad",
    "nan",
    "gran",
    "tv",
    "uk",
    "english",
    "british",
    "christmas",
    "easter",
    "god",
    "yeah",
    "erm",
    "um",
    "uh",
    "oh",
    "no",
    "yes",
    "interviewer",
    "facilitator",
    "moderator",
    "respondent",
    "researcher",
} | _CALENDAR

PATTERNS: dict[str, tuple[str, re.Pattern]] = {
    "email": ("contact", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    "phone": (
        "contact",
        re.compile(
            r"(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(0\)\s?)?\d{1,4}(?:[\s.-]?\d{2,4}){2,4}"
            r"|\(?0\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4})(?!\w)"
        ),
    ),
    "postcode": (
        "place",
        re.compile(
            r"\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRV-Y\d]?) ?"
            r"\d[ABD-HJLNP-UW-Z]{2})\b"
        ),
    ),
    "date": (
        "date",
        re.compile(
            r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})"
            rf"|\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTH},? \d{{4}}"
            rf"|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}})\b"
        ),
    ),
}

_CAPS = re.compile(
    r"(?<![\w'’-])(?:St\.? |Mc|Mac)?[A-Z][\w'’-]*[^\W\d_](?:[ -](?:of |the )?"
    r"(?:St\.? )?[A-Z][\w'’-]*[^\W\d_])*(?![\w'’])"
)
_SENTENCE_END = re.compile(r"(?:^|[.!?…:;\]\[(—–\"“‘]|\n|\s-)[\"'’”“‘)\]\s]*$")
_CONTRACTION = re.compile(r"[’'](?:s|ll|ve|d|re|m|t)$", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    text: str
    kind: str
    segment_id: str
    document: str
    start: int  # offset in the document's stored text
    end: int


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Lower-case English words and word forms (the lemma lookup table of spacy-lookups-data)."""
    path = resources.files("spacy_lookups_data") / "data" / "en_lemma_lookup.json.gz"
    with path.open("rb") as fh:
        table = json.load(gzip.open(fh))
    words = {w for w in table if w.islower()} | {w for w in table.values() if w.islower()}
    from spacy.lang.en.stop_words import STOP_WORDS  # function words are not in the table

    return frozenset(words | {w.replace("'", "’") for w in STOP_WORDS} | set(STOP_WORDS))


def pattern_hits(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, kind) of e-mail addresses, phone numbers, postcodes and dates."""
    taken: list[tuple[int, int]] = []
    for kind, pattern in PATTERNS.values():
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            yield m.start(), m.end(), kind


def _ordinary(word: str, lower_words: set[str]) -> bool:
    """A capitalised word that says nothing about anyone: a stop word, an acronym, a month,
    or a common word the project also writes in lower case."""
    w = word.lower()
    if w in _STOP or word.rstrip("s'’").isupper():
        return True
    if w in lower_words and (w in common_words() or _CONTRACTION.search(w) or w.endswith("ly")):
        return True
    base = _CONTRACTION.sub("", w)
    return base != w and (base in _STOP or (base in lower_words and base in common_words()))


def _capitalised(
    text: str, *, lower_words: set[str], codebook_terms: set[str]
) -> Iterable[tuple[int, int, str]]:
    for m in _CAPS.finditer(text):
        # Words of the run, with their offsets; ordinary words and a sentence-initial
        # first word are dropped from the ends ("I'm Gareth's" → "Gareth").
        words = [(w.start() + m.start(), w.end() + m.start()) for w in re.finditer(r"\S+", m.group())]
        if m.group().casefold() in codebook_terms:
            continue
        first = words[0][0]
        if _SENTENCE_END.search(text[max(0, first - 20) : first]) or first == 0:
            head = text[first : words[0][1]].lower()
            if len(words) == 1 or head in lower_words or _ordinary(head, lower_words):
                words = words[1:]
        while words and _ordinary(text[words[0][0] : words[0][1]], lower_words):
            words = words[1:]
        while words and text[words[-1][0] : words[-1][1]].lower() in _STOP:
            words = words[:-1]
        if not words:
            continue
        start, end = words[0][0], words[-1][1]
        possessive = _CONTRACTION.search(text[start:end])
        if possessive and possessive.group().lower()[1:] == "s":
            end -= 2
        phrase = text[start:end]
        if len(phrase) < 2 or phrase.casefold() in codebook_terms or not phrase[0].isupper():
            continue
        yield start, end, ""


def _guess_kind(phrase: str) -> str:
    last = phrase.split()[-1].lower()
    if last in {
        "road",
        "street",
        "lane",
        "avenue",
        "close",
        "way",
        "park",
        "estate",
        "green",
        "hill",
        "square",
        "drive",
        "centre",
        "station",
        "hospital",
        "school",
    }:
        return "place"
    if last in {"ltd", "council", "trust", "service", "services", "team", "court", "church"}:
        return "organisation"
    return "person"


_NER_KINDS = {
    "PERSON": "person",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "ORG": "organisation",
    "NORP": "other",
    "DATE": "date",
}


def find_candidates(
    segments: pd.DataFrame,
    *,
    codebook_terms: Iterable[str] = (),
    nlp=None,
    speakers: Iterable[tuple[str, str, int]] = (),
) -> pd.DataFrame:
    """Likely identifiers in ``segments`` (columns ``segment_id, document, start, text``,
    start = the segment's offset in its document). ``codebook_terms``: words that are
    not identifiers (code names, keywords, participant attribute values such as roles and
    counties). ``speakers`` are (document, label, turns): labels other than generic ones
    (Respondent, R1, P2) are candidates too. ``nlp``: a trained spaCy
    pipeline with ``ner``, or None."""
    terms = {t.casefold() for t in codebook_terms if isinstance(t, str) and t}
    texts = list(segments["text"])
    lower_words = {w for t in texts for w in re.findall(r"\b[a-z][a-z'’]*\b", t)}
    found: list[Candidate] = []
    for sid, doc, base, text in zip(segments["segment_id"], segments["document"], segments["start"], texts):
        spans: list[tuple[int, int]] = []
        for s, e, kind in pattern_hits(text):
            spans.append((s, e))
            found.append(Candidate(text[s:e], kind, sid, doc, base + s, base + e))
        for s, e, _ in _capitalised(text, lower_words=lower_words, codebook_terms=terms):
            if any(a < e and s < b for a, b in spans):
                continue
            phrase = text[s:e]
            found.append(Candidate(phrase, _guess_kind(phrase), sid, doc, base + s, base + e))
    if nlp is not None and "ner" in nlp.pipe_names:
        for sid, doc, base, parsed in zip(
            segments["segment_id"], segments["document"], segments["start"], nlp.pipe(texts)
        ):
            for ent in parsed.ents:
                ner_kind = _NER_KINDS.get(ent.label_)
                if ner_kind:
                    found.append(
                        Candidate(ent.text, ner_kind, sid, doc, base + ent.start_char, base + ent.end_char)
                    )
    generic = {"respondent", "interviewer", "participant", "speaker", ""}
    speaker_rows = [
        (doc, label, n)
        for doc, label, n in speakers
        if isinstance(label, str)
        and label.strip().lower() not in generic
        and not re.fullmatch(r"[A-Z]?\d*|[A-Z]{1,3}\d+", label.strip(" []()"))
    ]
    return _table(found, speaker_rows)


def _table(found: list[Candidate], speakers: list[tuple[str, str, int]]) -> pd.DataFrame:
    rows: dict[str, dict] = {}
    for c in found:
        key = c.text.casefold()
        row = rows.setdefault(
            key,
            {"original": c.text, "replacement": "", "kind": c.kind, "count": 0, "documents": {}, "where": []},
        )
        if row["kind"] == "person" and c.kind != "person":
            row["kind"] = c.kind  # a pattern or NER kind beats the guess
        row["count"] += 1
        row["documents"][c.document] = None
        if (c.segment_id, c.start) not in row["where"]:
            row["where"].append((c.segment_id, c.start))
    for doc, label, n in speakers:
        row = rows.setdefault(
            label.casefold(),
            {
                "original": label,
                "replacement": "",
                "kind": "person",
                "count": 0,
                "documents": {},
                "where": [],
            },
        )
        row["documents"][doc] = None
        row["count"] += int(n)
        row["where"].insert(0, (f"{doc} speaker label", None))
    out = pd.DataFrame(
        [
            {
                **{k: r[k] for k in ("original", "replacement", "kind", "count")},
                "documents": "; ".join(r["documents"]),
                "where": "; ".join(sid if at is None else f"{sid}@{at}" for sid, at in r["where"][:5])
                + (f"; … {len(r['where']) - 5} more" if len(r["where"]) > 5 else ""),
            }
            for r in rows.values()
        ],
        columns=["original", "replacement", "kind", "count", "documents", "where"],
    )
    return out.sort_values(
        ["count", "original"],
        ascending=[False, True],
        key=lambda s: s.str.casefold() if s.dtype == object else s,
    ).reset_index(drop=True)

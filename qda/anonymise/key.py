"""The pseudonymisation key: which words are replaced by what, read from a CSV.

A key file has the columns ``original,replacement,kind`` and optionally
``case_sensitive`` and ``whole_word`` (defaults: case-insensitive, whole word);
other columns (such as the ``count`` and ``where`` of ``qda anonymise --find``)
are ignored. Every problem is one :class:`~qda.errors.InputError` naming the file
and the row. The replacement is written exactly as given (its case is not adapted
to the matched word's), so "KIERAN" and "kieran" both become "[son]".

Matching: the longest original wins where several could match at one place ("Jane
Smith" before "Jane"), leftmost first; matches never overlap.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from qda.csvcells import unprotect_cell
from qda.errors import InputError

__all__ = ["KINDS", "Key", "KeyEntry", "Match", "read_key"]

#: What a key term is; ``--find`` guesses one of these.
KINDS = ("person", "place", "organisation", "date", "contact", "identifier", "other")

_TRUE = {"true", "yes", "y", "1", "x"}
_FALSE = {"false", "no", "n", "0"}


_WORD = re.compile(r"\w+")


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _which(found: str, entries: list[KeyEntry]) -> KeyEntry:
    """The entry (longest first) a regular-expression match belongs to."""
    for e in entries:
        if re.fullmatch(e.regex(), found):
            return e
    raise AssertionError(found)


@dataclass(frozen=True)
class KeyEntry:
    original: str
    replacement: str
    kind: str = "other"
    case_sensitive: bool = False
    whole_word: bool = True
    row: int = 0  # the row in the key file (1 = header), 0 if built in code

    def regex(self) -> str:
        body = re.escape(self.original)
        if self.whole_word:
            body = rf"(?<!\w){body}(?!\w)"
        return body if self.case_sensitive else f"(?i:{body})"

    def same_original(self, other: str) -> bool:
        if self.case_sensitive:
            return self.original == other
        return self.original.casefold() == other.casefold()


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entry: KeyEntry


@dataclass(frozen=True)
class Key:
    """A checked key: apply it with :func:`qda.anonymise.rewrite` or :meth:`apply`."""

    entries: tuple[KeyEntry, ...]
    source: str = ""  # the file it came from, for messages
    sha256: str = ""  # of the file's bytes (recorded instead of the originals)

    @cached_property
    def _index(self) -> tuple[dict[str, list[KeyEntry]], re.Pattern | None, list[KeyEntry]]:
        """Whole-word terms that start with a word character, by their first word (lower
        case), longest first; the rest (few: ``whole_word`` false, or a term starting with
        punctuation) as one regular expression."""
        by_word: dict[str, list[KeyEntry]] = {}
        rest: list[KeyEntry] = []
        for e in self.entries:
            first = _WORD.match(e.original)
            if e.whole_word and first:
                by_word.setdefault(first.group().lower(), []).append(e)
            else:
                rest.append(e)
        for entries in by_word.values():
            entries.sort(key=lambda e: -len(e.original))
        rest.sort(key=lambda e: -len(e.original))
        pattern = re.compile("|".join(e.regex() for e in rest)) if rest else None
        return by_word, pattern, rest

    def matches(self, text: str) -> list[Match]:
        """Every place a key term occurs in ``text`` (leftmost, longest, not overlapping).

        Looked up word by word (a dictionary of first words), not with one regular
        expression of every term: that tries each term at each character and takes
        seconds on a long transcript."""
        if not self.entries or not text:
            return []
        by_word, pattern, rest = self._index
        found: list[Match] = []
        if by_word:
            for w in _WORD.finditer(text):
                for e in by_word.get(w.group().lower(), ()):
                    end = w.start() + len(e.original)
                    piece = text[w.start() : end]
                    if (
                        piece == e.original if e.case_sensitive else piece.lower() == e.original.lower()
                    ) and not (end < len(text) and _is_word(text[end])):
                        found.append(Match(w.start(), end, e))
                        break
        if pattern is not None:
            for hit in pattern.finditer(text):
                found.append(Match(hit.start(), hit.end(), _which(hit.group(), rest)))
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        out: list[Match] = []
        for m in found:
            if not out or m.start >= out[-1].end:
                out.append(m)
        return out

    def apply(self, text: str) -> str:
        """``text`` with every key term replaced (for labels, names and notes: no offsets)."""
        if not self.entries or not text:
            return text
        parts, at = [], 0
        for m in self.matches(text):
            parts += [text[at : m.start], m.entry.replacement]
            at = m.end
        return "".join(parts) + text[at:] if parts else text

    def counts(self) -> dict[str, int]:
        """How many terms of each kind the key has (what history records, never the words)."""
        out: dict[str, int] = {}
        for e in self.entries:
            out[e.kind] = out.get(e.kind, 0) + 1
        return out


def _flag(value: str, *, default: bool, where: str, column: str) -> bool:
    v = value.strip().lower()
    if not v:
        return default
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise InputError(
        f"{where}: {column} is {value!r}; write true or false (or leave it empty "
        f"for the default, {str(default).lower()})"
    )


def read_key(path: str | Path) -> Key:
    """Read and check a key CSV (see the module's docstring)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such key file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: is not UTF-8 text ({exc}); save the key as CSV UTF-8") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("original", "replacement", "kind") if c not in header]
    if missing:
        raise InputError(
            f"{path}: the key needs the columns original, replacement, kind "
            f"(optional: case_sensitive, whole_word); missing: {', '.join(missing)}"
        )
    reader.fieldnames = header
    entries: list[KeyEntry] = []
    for row_no, row in enumerate(reader, start=2):
        cells = {k: unprotect_cell((v or "").strip()) for k, v in row.items() if k is not None}
        if not any(cells.values()):
            continue
        where = f"{path}: row {row_no}"
        original, replacement = cells.get("original", ""), cells.get("replacement", "")
        if not original:
            raise InputError(f"{where}: the original is empty; write the word to replace or delete the row")
        if "\n" in original or "\r" in original:
            raise InputError(
                f"{where}: the original spans several lines; a key term is a word or phrase on one line"
            )
        if not replacement:
            raise InputError(
                f"{where}: {original!r} has no replacement; write one "
                "(e.g. [name] or a pseudonym) or delete the row"
            )
        kind = cells.get("kind", "").lower() or "other"
        if kind not in KINDS:
            raise InputError(f"{where}: kind {cells['kind']!r} is not one of {', '.join(KINDS)}")
        entries.append(
            KeyEntry(
                original,
                replacement,
                kind,
                _flag(cells.get("case_sensitive", ""), default=False, where=where, column="case_sensitive"),
                _flag(cells.get("whole_word", ""), default=True, where=where, column="whole_word"),
                row_no,
            )
        )
    if not entries:
        raise InputError(f"{path}: the key has no rows; add one row per word to replace")
    check_entries(entries, source=str(path))
    return Key(tuple(entries), str(path), hashlib.sha256(data).hexdigest())


def check_entries(entries: list[KeyEntry], *, source: str) -> None:
    """Refuse duplicate originals and replacements that a key term would match again."""
    seen: dict[str, KeyEntry] = {}
    for e in entries:
        fold = e.original.casefold()
        prior = seen.get(fold)
        if prior is not None and (prior.same_original(e.original) or e.same_original(prior.original)):
            raise InputError(
                f"{source}: row {e.row}: {e.original!r} is already in the key "
                f"(row {prior.row}); keep one row per original"
            )
        seen.setdefault(fold, e)
    key = Key(tuple(entries), source)
    for e in entries:
        hit = key.matches(e.replacement)
        if hit:
            other = hit[0].entry
            raise InputError(
                f"{source}: row {e.row}: the replacement {e.replacement!r} contains "
                f"{other.original!r}, the original of row {other.row}; a replacement must not "
                "be another key term (it would be replaced again, or found by --check)"
            )

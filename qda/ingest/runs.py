"""Rules every reader's turns go through: one turn per run of one speaker, labels that
look like mistyped copies of another, and transcripts that label only the interviewer.

One turn per run: consecutive turns of the same speaker (WhisperX writes a line per
utterance; a transcriber may repeat a label after a pause) become one turn whose time
range spans them. Their labels sit between them in the file, so the stored text is then
rebuilt, one paragraph per turn (``Name: words``, the utterances one per line), as the
subtitle and Word readers build theirs. ``ReadOptions(utterances=True)`` (``--utterances``)
keeps them apart and the file's text as it is.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from dataclasses import replace

from qda.ingest.source import SourceDocument
from qda.ingest.speakers import Turn, trim_span

__all__ = ["merge_runs", "label_warnings", "interviewer_only_turns", "no_labels_warning"]

#: a label and the number at its end: "Speaker 10" -> ("Speaker", "10")
_NUMBERED = re.compile(r"^(?P<base>.*?)[\s_-]*(?P<number>\d+)$")
#: how alike two labels must be (difflib ratio, spaces and case ignored) to be named
NEAR_COPY = 0.8


def _runs(turns: list[Turn]) -> list[list[Turn]]:
    runs: list[list[Turn]] = []
    for turn in turns:
        if runs and turn.speaker is not None and runs[-1][-1].speaker == turn.speaker:
            runs[-1].append(turn)
        else:
            runs.append([turn])
    return runs


def merge_runs(doc: SourceDocument) -> SourceDocument:
    """``doc`` with consecutive turns of one speaker made one (text rebuilt, each run's
    first label kept as written, e.g. with its timestamp); ``doc`` itself when no speaker
    speaks twice in a row."""
    runs = _runs(doc.turns)
    if len(runs) == len(doc.turns):
        return doc
    header = str(doc.metadata.get("header") or "").strip()
    parts = [f"{header}\n\n"] if header else []
    pos = len(parts[0]) if parts else 0
    turns: list[Turn] = []
    previous_end = 0
    for run in runs:
        prefix = (
            _label_as_written(doc.text, previous_end, run[0].start, header)
            if run[0].speaker is not None
            else ""
        )
        words = "\n".join(doc.text[t.start : t.end] for t in run)
        start = pos + len(prefix)
        last = run[-1]
        turns.append(
            replace(
                run[0],
                start=start,
                end=start + len(words),
                end_time=last.end_time
                if last.end_time is not None
                else (last.begin_time if len(run) > 1 else run[0].end_time),
            )
        )
        paragraph = f"{prefix}{words}\n\n"
        parts.append(paragraph)
        pos += len(paragraph)
        previous_end = last.end
    meta = {**doc.metadata, "utterances": len(doc.turns), "text_rebuilt": True}
    return replace(doc, text="".join(parts).rstrip("\n") + "\n", turns=turns, metadata=meta)


def _label_as_written(text: str, previous_end: int, start: int, header: str) -> str:
    """The label before a turn (what lies between the previous turn and its words)."""
    label = text[previous_end:start].strip()
    if header and label.startswith(header):
        label = label[len(header) :].strip()
    return f"{' '.join(label.split())} " if label else ""


def _numbered_apart(a: str, b: str) -> bool:
    """ "Speaker 1" and "Speaker 12" are different people, numbered."""
    ma, mb = _NUMBERED.match(a), _NUMBERED.match(b)
    return bool(ma and mb and ma.group("base").casefold() == mb.group("base").casefold())


def label_warnings(name: str, turns: list[Turn]) -> list[str]:
    """A label used once that is a near-copy of one used more often (``Interviewer2 2``
    beside ``Interviewer2``): kept as its own speaker, but named so that it can be fixed."""
    counts = Counter(t.speaker for t in turns if t.speaker)
    common = [label for label, n in counts.items() if n >= 2]
    out = []
    for label, n in counts.items():
        if n != 1:
            continue
        key = "".join(label.split()).casefold()
        for other in common:
            ratio = difflib.SequenceMatcher(None, key, "".join(other.split()).casefold()).ratio()
            if ratio >= NEAR_COPY and not _numbered_apart(label, other):
                out.append(
                    f"{name}: label {label!r} is used once and looks like {other!r} "
                    f"(used {counts[other]} times); it is kept as a speaker of its "
                    "own: if it is a typing slip, correct the file and import it again"
                )
                break
    return out


def interviewer_only_turns(
    text: str, turns: list[Turn], label_starts: list[int], begin: int
) -> list[Turn] | None:
    """Think-aloud and field transcripts often label only the interviewer
    (``MODERATOR: ...``) and leave the participant's words unlabelled. When every label
    is the interviewer's, each interviewer turn is its first paragraph and the text
    between them (and from ``begin``, after any header note, to the first label) is one
    respondent turn (speaker None: the document's respondent). None otherwise.
    ``label_starts``: where each label begins (:func:`qda.ingest.speakers.label_starts`)."""
    if not turns or not all(t.is_interviewer for t in turns):
        return None
    out: list[Turn] = []
    gap_start = begin
    for turn in turns:
        label_start = label_starts[bisect.bisect_right(label_starts, turn.start) - 1]
        out.extend(_respondent(text, gap_start, label_start))
        line_end = text.find("\n", turn.start)
        line_end = turn.end if line_end < 0 or line_end > turn.end else line_end
        out.append(replace(turn, end=trim_span(text, turn.start, line_end)[1]))
        gap_start = line_end
    out.extend(_respondent(text, gap_start, len(text)))
    if not any(t.speaker is None for t in out):
        return None
    return out


def _respondent(text: str, start: int, end: int) -> list[Turn]:
    s, e = trim_span(text, start, max(start, end))
    return [Turn(s, e, None)] if s < e else []


#: a line start that may be a house-style label: a word or two, then punctuation
_MAYBE_LABEL = re.compile(
    r"^\s*(?P<label>[^\W\d_][\w.'’-]{0,30}(?: [^\W\d_][\w.'’-]{0,30})?)"
    r"(?P<sep>[ \t]*[-–—>|;.)\]=~]+[ \t]+)"
)


def no_labels_warning(name: str, text: str) -> str:
    """Say plainly that no speaker label was found, with a ``--speaker-pattern`` fitted
    to the file's first lines when one of them starts like a label."""
    lines = [line.strip() for line in text.split("\n") if line.strip()][:20]
    example = "'^(?P<label>[A-Z]+) > ' for lines like 'DAWN > words'"
    for line in lines:
        m = _MAYBE_LABEL.match(line)
        if m:
            sep = m.group("sep").strip()
            pattern = rf"^(?P<label>[^\W\d_][\w ]{{0,30}}?)[ \t]*{re.escape(sep)}[ \t]+"
            example = f"'{pattern}' for lines like {line[:50]!r}"
            break
    return (
        f"{name}: no speaker labels recognised: read as one author's text; if it has "
        f"speaker labels, give --speaker-pattern, e.g. --speaker-pattern {example}"
    )

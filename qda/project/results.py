"""What the Project's operations report back: plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from qda.codebook.diff import CodebookDiff
from qda.coding import review as reviewing
from qda.display import Shown
from qda.documents import VersionReport

__all__ = [
    "IngestReport",
    "CodebookReport",
    "CodeEdit",
    "SuggestReport",
    "ReviewReport",
    "ConsensusReport",
    "RulesReport",
    "CodingImportReport",
    "FrameworkImportReport",
    "SpanCoding",
    "LlmReport",
    "LlmEvaluation",
]


@dataclass
class IngestReport(Shown):
    added: list[str] = field(default_factory=list)  # document ids
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    segments: int = 0
    participants: int = 0
    unmapped: list[tuple[str, str]] = field(default_factory=list)  # (document, speaker)
    versions: list[VersionReport] = field(default_factory=list)  # changed files re-imported
    warnings: list[str] = field(default_factory=list)
    #: per survey table: the columns read as answers, as the id, as attributes
    surveys: list[str] = field(default_factory=list)
    #: the import report, one line per document read (speakers, turns, words, warnings)
    documents: list[str] = field(default_factory=list)
    #: files refused (``skip_bad``): (file, the error)
    refused: list[tuple[str, str]] = field(default_factory=list)
    #: files in a given folder that are not transcripts: (file, what it is)
    not_transcripts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def unplaced(self) -> list[dict]:
        """Codings archived because their words are gone from a new version."""
        return [row for v in self.versions for row in v.codings_unplaced]


@dataclass
class CodebookReport(Shown):
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    version: str = ""  # the state now, e.g. 1.0+r2
    moved: list[str] = field(default_factory=list)
    merged: dict[str, str] = field(default_factory=dict)  # removed code -> code it joined
    archived: dict[str, int] = field(default_factory=dict)  # removed code -> codings archived
    diff: CodebookDiff | None = None


_EDIT_COUNTS = ("codings", "collapsed", "flagged", "archived")


@dataclass
class CodeEdit(Shown):
    """What one codebook edit did. ``codings``: codings that moved or followed the code;
    ``collapsed``: duplicates merged into one (the other copy archived); ``flagged``:
    codings marked for review; ``archived``: codings moved to the archive."""

    action: str
    code: str
    version: str = ""  # codebook state after the edit
    codings: int = 0
    collapsed: int = 0
    flagged: int = 0
    archived: int = 0
    children: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class SuggestReport(Shown):
    coder: str
    taught: int  # segments the coder reviewed or coded
    codes: list[str] = field(default_factory=list)  # codes learned
    skipped: dict[str, str] = field(default_factory=dict)  # codes not learned, and why
    suggestions: int = 0
    segments_suggested: int = 0
    replaced: int = 0
    kept_reviewed: int = 0


@dataclass
class ReviewReport(Shown):
    """What one review call did (:meth:`Project.review`)."""

    action: str  # accept | reject
    matched: int = 0  # open suggestions the filters chose
    changed: int = 0  # accepted (now the coder's human codings) or rejected
    duplicates: int = 0  # accepted ones the coder already had: archived, kept whole
    by_code: dict[str, int] = field(default_factory=dict)


@dataclass
class ConsensusReport(Shown):
    """What :meth:`Project.build_consensus` did, and what needs a person."""

    name: str
    coders: list[str]
    rule: str
    segments: int = 0  # segments every coder reviewed
    added: int = 0
    kept: int = 0
    removed: int = 0  # earlier consensus codings no longer agreed: archived
    hand_codings: int = 0  # codings of ``name`` a person made or removed (left alone)
    disagreements: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=reviewing.DISAGREEMENT_COLUMNS)
    )


@dataclass
class RulesReport(Shown):
    suggestions: int = 0
    segments_coded: int = 0
    segments: int = 0
    replaced: int = 0
    kept_reviewed: int = 0
    warnings: list[str] = field(default_factory=list)
    segments_recoded: int = 0  # segments coded in this run (all of them unless incremental)
    codes_recoded: list[str] = field(default_factory=list)  # codes matched on the others
    incremental: bool = False  # True when only what changed was coded again


@dataclass
class CodingImportReport(Shown):
    """What :meth:`Project.import_coding` did (counts) and what it wants a person to see."""

    file: str
    coder: str
    kind: str  # "sheet" or "csv"
    rows: int = 0
    added: int = 0  # new human codings
    already: int = 0  # marks the project already had
    reviewed: int = 0  # segments newly recorded as reviewed
    reviewed_already: int = 0
    untouched: int = 0  # sheet rows with no mark and no 'done': not yet coded
    removed: int = 0  # codings archived (remove_unmarked)
    conflicts: list[dict] = field(default_factory=list)  # the coder's codings not marked
    edited: list[tuple[str, str]] = field(default_factory=list)  # (row, segment) text edited
    warnings: list[str] = field(default_factory=list)


@dataclass
class FrameworkImportReport(Shown):
    """What :meth:`Project.import_framework` did: (participant, code) pairs whose summary
    was added, changed or cleared (a cell holding only ``-``), and how many cells
    already said what the project holds."""

    file: str
    added: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)
    cleared: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"{self.file}: {len(self.added)} summaries added, {len(self.changed)} changed, "
            f"{len(self.cleared)} cleared, {self.unchanged} unchanged"
        )


@dataclass
class SpanCoding(Shown):
    """What :meth:`Project.code_span` did: the coding's id, its segment, and whether it
    is new (False: the coder already had this coding)."""

    coding_id: int
    segment_id: str
    created: bool = True


@dataclass
class LlmReport(Shown):
    """What :meth:`Project.suggest_llm` (or :meth:`Project.evaluate_llm`) asked and wrote.

    ``asked``: requests sent to the endpoint; ``cached``: answers taken from the project's
    cache instead; ``bad_answers``: ``"segment: why"`` for each answer that was not JSON
    of the expected shape (or cut off): those segments get nothing and are asked again
    next time; ``quotes_dropped``: quotes not found verbatim in their segment;
    ``unusable_items``: items naming a code not in the codebook, or without a quote.
    """

    model: str
    endpoint: str
    host: str
    local: bool
    prompt_sha256: str = ""
    segments: int = 0
    asked: int = 0
    cached: int = 0
    bad_answers: list[str] = field(default_factory=list)
    quotes_dropped: int = 0
    unusable_items: int = 0
    suggestions: int = 0
    segments_suggested: int = 0
    replaced: int = 0
    kept_reviewed: int = 0

    def warnings(self, *, shown: int = 10) -> list[str]:
        """The counted warnings: one line per bad answer (the first ``shown``), then totals."""
        out = [f"segment {line}" for line in self.bad_answers[:shown]]
        if len(self.bad_answers) > shown:
            out.append(f"... and {len(self.bad_answers) - shown} more bad answers")
        if self.bad_answers:
            out.append(
                f"{len(self.bad_answers)} of {self.segments} answers were not usable "
                "JSON; those segments got no suggestion (they are asked again next run)"
            )
        if self.quotes_dropped:
            out.append(
                f"{self.quotes_dropped} quote(s) the model gave are not in their "
                "segment word for word: dropped"
            )
        if self.unusable_items:
            out.append(
                f"{self.unusable_items} item(s) named a code not in the codebook or had no quote: dropped"
            )
        return out


@dataclass
class LlmEvaluation(Shown):
    """:meth:`Project.evaluate_llm`: the LLM's codes on a coder's segments against theirs.

    ``per_code`` and ``overall`` have the columns of :func:`qda.coding.evaluate.score_helper`
    (helper ``llm``): one row per code the coder applied, then micro and macro averages.
    Nothing is learned from the coder, so there are no folds: every segment they reviewed
    is asked once (answers cached). ``other_codes``: codes the LLM gave that the coder
    never applied, with how many segments.
    """

    coder: str
    per_code: pd.DataFrame
    overall: pd.DataFrame
    n_segments: int
    report: LlmReport
    other_codes: dict[str, int] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        overall = self.overall.reset_index().rename(columns={"average": "code_id"})
        overall["code_id"] = "(" + overall["code_id"] + ")"
        return pd.concat([self.per_code, overall[self.per_code.columns]], ignore_index=True)

    def summary(self) -> str:
        return (
            f"LLM {self.report.model} against {self.coder} on the {self.n_segments} "
            f"segments they reviewed, {self.per_code['code_id'].nunique()} codes "
            f"({self.report.asked} asked, {self.report.cached} from the cache)"
        )

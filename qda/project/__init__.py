"""Project: one qda project file, and every operation on it.

The command line and notebooks call :class:`Project` and nothing below it. Each method
that writes is one transaction: it happens entirely or not at all. The class is put
together from one part per kind of work, each in its own module (ingest, codebook,
coding, learned suggestions, review, REFI-QDA exchange, memos). Every part is a class over
:class:`~qda.project.base.ProjectBase`, which declares the shared state (the store, the
codebook, the spaCy pipeline); a part that uses another's behaviour inherits from it by
name and calls its public methods (``Exchange`` over ``Codebooks``, ``LlmSuggesting``
over ``Suggesting``, ``Analysing`` over ``Exploring`` over ``Memos``, both over
``Attributing``). Each part talks only to the store and to the pure stages.
"""

from __future__ import annotations

from qda.project.analysing import Analysing
from qda.project.anonymising import AnonymiseReport, Anonymising
from qda.project.attributing import Attributing
from qda.project.backups import Backups
from qda.project.base import ProjectBase
from qda.project.codebooks import Codebooks
from qda.project.coding import Coding
from qda.project.exchange import Exchange
from qda.project.exploring import Exploring
from qda.project.ingesting import Ingesting
from qda.project.llm import LlmSuggesting
from qda.project.memos import Memos
from qda.project.results import (
    CodebookReport,
    CodeEdit,
    CodingImportReport,
    ConsensusReport,
    FrameworkImportReport,
    IngestReport,
    LlmEvaluation,
    LlmReport,
    ReviewReport,
    RulesReport,
    SpanCoding,
    SuggestReport,
)
from qda.project.review import Reviewing
from qda.project.rules import RulesCoding
from qda.project.spans import Spans
from qda.project.suggesting import Suggesting

__all__ = [
    "Project",
    "IngestReport",
    "RulesReport",
    "SuggestReport",
    "CodebookReport",
    "CodeEdit",
    "CodingImportReport",
    "ReviewReport",
    "ConsensusReport",
    "FrameworkImportReport",
    "AnonymiseReport",
    "SpanCoding",
    "LlmReport",
    "LlmEvaluation",
]


class Project(
    Ingesting,
    Exchange,
    Codebooks,
    Coding,
    RulesCoding,
    Spans,
    LlmSuggesting,
    Suggesting,
    Reviewing,
    Analysing,
    Exploring,
    Memos,
    Attributing,
    Anonymising,
    Backups,
    ProjectBase,
):
    """A qda project: ``Project.create(path)``, ``Project.open(path)``."""

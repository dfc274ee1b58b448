"""Exploring the data: pure functions over the project's tables.

``search`` (text search, keyword in context), ``words`` (word frequencies, keyness),
``query`` (coding queries: AND, OR, NOT, NEAR/N over codes and their sub-codes),
``context`` (a passage with the turns around it), ``where`` (``ATTR=VALUE``
conditions). :class:`qda.Project` calls them (``search``, ``words``, ``query``,
``show``); the command line calls the Project.
"""

from qda.explore.context import Passage, passage
from qda.explore.query import Query, evaluate, parse_query, query_matrix
from qda.explore.search import find_hits, hits_long, lemma_hits, term_pattern
from qda.explore.where import apply_where, parse_where
from qda.explore.words import keyness, word_frequencies

__all__ = [
    "Passage",
    "Query",
    "apply_where",
    "evaluate",
    "find_hits",
    "hits_long",
    "keyness",
    "lemma_hits",
    "parse_query",
    "parse_where",
    "passage",
    "query_matrix",
    "term_pattern",
    "word_frequencies",
]

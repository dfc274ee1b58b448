"""Coders: (segments, codebook) -> codings. Pure functions and estimators.

The learned suggester (:mod:`qda.coding.learn`, :mod:`qda.coding.evaluate`) is
imported on first use, so commands that never learn do not pay for scikit-learn.
"""

from importlib import import_module

from qda.coding.rules import RulesCoder, code_with_rules

__all__ = [
    "RulesCoder",
    "code_with_rules",
    "SuggestModel",
    "rank_uncertain",
    "with_ancestors",
    "evaluate",
    "EvaluationReport",
]

_LAZY = {
    "SuggestModel": "qda.coding.learn",
    "rank_uncertain": "qda.coding.learn",
    "with_ancestors": "qda.coding.learn",
    "evaluate": "qda.coding.evaluate",
    "EvaluationReport": "qda.coding.evaluate",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qda.coding' has no attribute {name!r}")

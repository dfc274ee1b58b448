"""Coders: (segments, codebook) -> codings. Pure functions and estimators."""

from qda.coding.rules import RulesCoder, code_with_rules

__all__ = ["RulesCoder", "code_with_rules"]

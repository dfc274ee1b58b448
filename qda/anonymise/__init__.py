"""Anonymity: pseudonymisation keys, finding identifiers, rewriting texts, auditing.

Pure functions over plain data (the Project wires them to the store,
:mod:`qda.project.anonymising`):

- :mod:`~qda.anonymise.key`: read and check a key CSV (``read_key`` → :class:`Key`);
- :mod:`~qda.anonymise.rewrite`: apply a key to a text with an exact offset map;
- :mod:`~qda.anonymise.find`: likely identifiers for the researcher to review;
- :mod:`~qda.anonymise.audit`: where key terms still occur (texts, export files).
"""

from qda.anonymise.audit import scan_file, scan_texts
from qda.anonymise.find import find_candidates
from qda.anonymise.key import KINDS, Key, KeyEntry, Match, read_key
from qda.anonymise.rewrite import OffsetMap, Rewrite, rewrite

__all__ = [
    "KINDS",
    "Key",
    "KeyEntry",
    "Match",
    "OffsetMap",
    "Rewrite",
    "find_candidates",
    "read_key",
    "rewrite",
    "scan_file",
    "scan_texts",
]

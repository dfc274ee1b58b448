"""REFI-QDA exchange: ``.qdpx`` projects out and in (``.qdc`` codebooks: :mod:`qda.codebook.qdc`).

Pure: plain data in, files out (:func:`write_qdpx`); files in, plain data and a
report of what was left out (:func:`read_qdpx`). :mod:`qda.project.exchange` wires
these to a project.
"""

from qda.refi.model import (
    ImportReport,
    RefiCase,
    RefiCoding,
    RefiDocument,
    RefiMemo,
    RefiProject,
)
from qda.refi.reader import read_qdpx
from qda.refi.writer import PROJECT_NAMESPACE, project_xml, write_qdpx

__all__ = [
    "read_qdpx",
    "write_qdpx",
    "project_xml",
    "PROJECT_NAMESPACE",
    "RefiProject",
    "RefiDocument",
    "RefiCoding",
    "RefiCase",
    "RefiMemo",
    "ImportReport",
]

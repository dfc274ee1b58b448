"""Where a segment lives in its document: the words around it and how far in it starts.

A segment is a span of a document, and what surrounds it is known whenever a
suggestion is made: the interviewer's question or the task prompt just before it,
what the participant says next, and how far into the session it is (think-aloud and
interview sessions follow a script, so position says which task is under way). The
learned suggester (:class:`qda.coding.choose.ChosenSuggester`) can use these as extra
feature blocks, and its inner cross-validation decides, code by code, whether they help.

:func:`segment_contexts` gives, for each span, ``context``: up to ``window`` characters
before it and after it in the document's stored text (joined by a newline; never the
span's own words), and ``position``: its start as a share of the document's length
(0 at the start, just under 1 at the end).

:func:`check_context` checks a context table handed to a suggester (the chosen helper,
the cold start). Pure: document texts and spans in, a DataFrame out.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from qda.errors import InputError

__all__ = ["CONTEXT_WINDOW", "check_context", "segment_contexts"]

CONTEXT_WINDOW = 300  # characters each side: about two sentences or a short turn


def segment_contexts(
    spans: pd.DataFrame, documents: Mapping[str, str], *, window: int = CONTEXT_WINDOW
) -> pd.DataFrame:
    """``context`` and ``position`` of each span (``document_id``, ``start``, ``end``).

    The result has the index of ``spans``. A span whose document is not in
    ``documents``, or whose offsets are not inside its text, is an InputError naming it.
    """
    if window < 0:
        raise InputError(f"the context window is a number of characters, 0 or more, not {window}")
    rows = []
    for key, doc, start, end in zip(spans.index, spans["document_id"], spans["start"], spans["end"]):
        text = documents.get(doc)
        if text is None:
            raise InputError(f"segment {key}: document {doc!r} has no stored text")
        start, end = int(start), int(end)
        if not 0 <= start <= end <= len(text):
            raise InputError(
                f"segment {key}: offsets {start}-{end} are outside document {doc!r} ({len(text)} characters)"
            )
        before = text[max(0, start - window) : start]
        after = text[end : end + window]
        rows.append((before + "\n" + after, start / max(1, len(text))))
    return pd.DataFrame(rows, columns=["context", "position"], index=spans.index)


def check_context(context, n: int) -> pd.DataFrame | None:
    """``context`` as given to a suggester: None, or a DataFrame with ``context`` and
    ``position`` and one row per text (``n``), re-indexed 0..n-1 to go row by row."""
    if context is None:
        return None
    if not isinstance(context, pd.DataFrame) or not {"context", "position"} <= set(context):
        raise InputError(
            "the context is a table with columns 'context' and 'position' "
            "(qda.coding.context.segment_contexts)"
        )
    if len(context) != n:
        raise InputError(f"the context has {len(context)} rows for {n} segments; give one row per segment")
    return context.reset_index(drop=True)

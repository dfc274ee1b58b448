"""The cache of an LLM endpoint's answers (``qda suggest --llm``).

One row per key (a hash of the model, the prompt and the segment's text, made by
:func:`qda.coding.llm.cache_key`): the same model, codebook and segment are never asked
twice, so a re-run is free and gives the same suggestions. Answers quote participants'
words; ``Project.anonymise`` empties the cache with :meth:`clear_llm_answers`.
"""

from __future__ import annotations

from collections.abc import Iterable

from qda.store.base import StoreBase, now

__all__ = ["LlmAnswerRows"]


class LlmAnswerRows(StoreBase):
    """Cached answers of LLM endpoints. (A part of :class:`~qda.store.Store`.)"""

    def llm_answers(self, keys: Iterable[str]) -> dict[str, str]:
        """key -> the cached answer, for the keys that are cached."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(
                self._conn.execute(f"SELECT key, answer FROM llm_answers WHERE key IN ({marks})", chunk)
            )
        return found

    def put_llm_answer(self, key: str, *, model: str, prompt_sha256: str, answer: str) -> None:
        """Cache one answer (a key already there keeps its first answer)."""
        self._write(
            "INSERT OR IGNORE INTO llm_answers (key, model, prompt_sha256, answer,"
            " created_at) VALUES (?, ?, ?, ?, ?)",
            (key, model, prompt_sha256, answer, now()),
        )

    def llm_answer_count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM llm_answers").fetchone()[0])

    def clear_llm_answers(self) -> int:
        """Forget every cached answer; returns how many there were."""
        return self._write("DELETE FROM llm_answers").rowcount

"""An LLM coder: the prompt built from the codebook, the answer read and checked.

Pure functions, no network and no store (the HTTP client is
:mod:`qda.coding.endpoint`; ``Project.suggest_llm`` wires them to the project).

- **The prompt** (:func:`build_prompt`) carries, for every code, its id, its place in
  the tree, its description, the codebook's include and exclude notes and its
  examples, then the instructions and the JSON shape to answer in. The segment's text
  comes last (:func:`message`), so a server that keeps the previous prompt's state
  (llama.cpp, Ollama) only reads the new segment.
- **The answer** is JSON: ``{"codes": [{"code": ID, "quote": WORDS, "confidence":
  0..1}]}``; :func:`answer_schema` gives its JSON Schema (the code ids as an ``enum``)
  for servers that constrain their output to a schema.
- **The evidence check** (:func:`read_answer`): a quote is kept only when it is found
  verbatim in the segment (after trimming spaces and quotation marks around it; its
  first occurrence); its offsets are the segment's text positions. A quote that is not
  there is dropped and counted, so is an unknown code or an item of the wrong shape;
  a code without a single quote found is not suggested. An answer that is not JSON,
  or not of that shape, raises :class:`BadAnswer`.
- **The cache key** (:func:`cache_key`) is a hash of the model, the prompt and the
  segment's text: the same three give the same key, whatever the segment's id.

``confidence`` is the model's own statement, not a calibrated probability: kept as
it says (a number from 0 to 1, else none).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from qda.codebook import Codebook

__all__ = [
    "BadAnswer",
    "Reading",
    "answer_schema",
    "build_prompt",
    "cache_key",
    "locate",
    "message",
    "prompt_sha256",
    "read_answer",
]

#: Changes whenever the instructions change, so old cached answers no longer match.
PROMPT_VERSION = 1

_INSTRUCTIONS = """\
You help a researcher code qualitative data (interview and focus-group transcripts, open
survey answers) with the codebook below. Read the SEGMENT at the end and decide which codes
apply to it.

Rules:
- Use only the code ids of the codebook. A segment may get several codes, or none.
- Prefer the most specific code that fits; use a theme on its own only when none of its
  sub-codes fits. Follow each code's "use when" and "do not use when" notes.
- For every code you give, "quote" must be the exact words of the segment that show it,
  copied character for character (a phrase or a sentence, not a summary or paraphrase).
- "confidence" is how sure you are, from 0 to 1.
- Answer with JSON only, in exactly this shape, and nothing else:
{"codes": [{"code": "<code id>", "quote": "<exact words from the segment>", "confidence": 0.8}]}
- If no code applies, answer {"codes": []}.
"""


class BadAnswer(ValueError):
    """The model's answer is not JSON of the expected shape (the message says how)."""


@dataclass
class Reading:
    """What an answer says, after the evidence check.

    ``quotes``: code id -> [(start, end, quote)], offsets into the segment's text;
    ``confidence``: code id -> the model's highest stated confidence (None: not given);
    ``not_found``: quotes dropped because the segment does not contain them;
    ``unknown``: items naming a code not in the codebook; ``malformed``: items without
    a code or a quote.
    """

    quotes: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    confidence: dict[str, float | None] = field(default_factory=dict)
    not_found: int = 0
    unknown: int = 0
    malformed: int = 0


def _listing(codebook: Codebook) -> str:
    lines = []
    for row in codebook.to_frame().itertuples(index=False):
        lines.append(f"- id: {row.code_id}")
        lines.append(f"  name: {row.path}")
        for label, value in (
            ("definition", row.description),
            ("use when", row.include),
            ("do not use when", row.exclude),
        ):
            value = " ".join(str(value or "").split())
            if value:
                lines.append(f"  {label}: {value}")
        for example in row.examples:
            lines.append(f"  example: {' '.join(str(example).split())}")
    return "\n".join(lines)


def build_prompt(codebook: Codebook) -> str:
    """The fixed part of every request: instructions and the whole codebook."""
    if not len(codebook):
        raise ValueError("the codebook has no codes")
    title = f"{codebook.name} (version {codebook.version})"
    return f"{_INSTRUCTIONS}\nCODEBOOK: {title}\n{_listing(codebook)}\n"


def message(prompt: str, text: str) -> str:
    """The one user message sent for a segment: the prompt, then the segment."""
    return f"{prompt}\nSEGMENT:\n{text}"


def answer_schema(code_ids: Iterable[str]) -> dict:
    """JSON Schema of an answer, for servers that constrain output to a schema."""
    return {
        "type": "object",
        "properties": {
            "codes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string", "enum": list(code_ids)},
                        "quote": {"type": "string"},
                        "confidence": {"type": "number"},
                    },
                    "required": ["code", "quote", "confidence"],
                },
            }
        },
        "required": ["codes"],
    }


def _sha256(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def prompt_sha256(prompt: str) -> str:
    return _sha256(f"qda llm prompt v{PROMPT_VERSION}", prompt)


def cache_key(model: str, prompt: str, text: str) -> str:
    """The cache key of one request: model, prompt and segment text (and nothing else)."""
    return _sha256(f"qda llm v{PROMPT_VERSION}", model, prompt, text)


_QUOTE_MARKS = "\"'“”‘’«»`"


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Where ``quote`` is in ``text`` (first occurrence, verbatim), else None. Spaces and
    quotation marks around the quote are not part of it."""
    for candidate in (quote, quote.strip(), quote.strip().strip(_QUOTE_MARKS).strip()):
        if candidate:
            at = text.find(candidate)
            if at >= 0:
                return at, at + len(candidate)
    return None


def _items(content: str) -> list:
    body = content.strip()
    if body.startswith("```"):  # a fenced block: ```json ... ```
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    try:
        value = json.loads(body)
    except ValueError:
        shown = " ".join(content.split())
        raise BadAnswer(
            "not JSON: "
            + (repr(shown[:80]) + ("..." if len(shown) > 80 else "") if shown else "an empty answer")
        ) from None
    if isinstance(value, dict) and isinstance(value.get("codes"), list):
        return value["codes"]
    raise BadAnswer('JSON, but not an object with a "codes" list')


def _confidence(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) and 0 <= value <= 1 else None


def read_answer(content: str, text: str, code_ids: Iterable[str]) -> Reading:
    """Read one answer about the segment ``text``; see the module docstring."""
    known = set(code_ids)
    reading = Reading()
    for item in _items(content):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("code"), str)
            or not isinstance(item.get("quote"), str)
        ):
            reading.malformed += 1
            continue
        code = item["code"].strip()
        if code not in known:
            reading.unknown += 1
            continue
        span = locate(item["quote"], text)
        if span is None:
            reading.not_found += 1
            continue
        hits = reading.quotes.setdefault(code, [])
        if not any(h[:2] == span for h in hits):
            hits.append((*span, text[span[0] : span[1]]))
        stated = _confidence(item.get("confidence"))
        before = reading.confidence.get(code)
        reading.confidence[code] = (
            stated if before is None else before if stated is None else max(before, stated)
        )
    return reading

"""A Taguette project (its ``.sqlite3`` database) as a REFI-QDA project in memory.

Taguette stores each document as HTML and each highlight as a pair of offsets counted
in **UTF-8 bytes** over the document's text with the HTML tags stripped (character
references decoded), which is how its own ``extract.highlight`` walks the parsed
tree. :func:`html_text` gives that text with the standard library's HTML parser
(a real parser, entities decoded, tags and comments dropped, ``<script>``/``<style>``
contents dropped); :func:`byte_to_char` turns the byte offsets into code-point offsets
into it. Every highlight is checked against the snippet Taguette stored: one whose
text differs is reported, never placed silently somewhere else.

The result is a :class:`qda.refi.RefiProject` (documents, a flat codebook of the tags
with their descriptions, one coding per highlight and tag, coder = the project's
member when it has one, else ``taguette``), so the project imports it exactly like a
``.qdpx`` (:meth:`qda.Project.import_taguette`).
"""

from __future__ import annotations

import bisect
from html.parser import HTMLParser
from pathlib import Path

from qda.codebook import Codebook
from qda.codebook.checks import unique_slug
from qda.errors import InputError
from qda.refi.model import ImportReport, RefiCoding, RefiDocument, RefiProject

__all__ = ["html_text", "byte_to_char", "taguette_project", "is_taguette"]

TAGUETTE_SUFFIXES = (".sqlite3", ".sqlite", ".db")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The text of an HTML fragment as Taguette counts it: every text node, in order."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def byte_to_char(text: str):
    """A function mapping a UTF-8 byte offset into ``text`` to its code-point offset
    (an offset inside a character's bytes maps to that character's start)."""
    starts, pos = [], 0
    for ch in text:
        starts.append(pos)
        pos += len(ch.encode("utf-8"))
    starts.append(pos)

    def convert(offset: int) -> int:
        return bisect.bisect_right(starts, offset) - 1

    return convert


def is_taguette(path: Path) -> bool:
    """Whether ``path`` is named like a Taguette database (checked when read)."""
    return path.suffix.lower() in TAGUETTE_SUFFIXES and not path.is_dir()


def _codebook(rows, path: Path) -> tuple[Codebook, dict[int, str]]:
    taken: set[str] = set()
    ids: dict[int, str] = {}
    codes, by_path = [], {}
    for tag_id, _project, tag_path, description in rows.tags:
        name = (tag_path or "").strip()
        if not name:
            continue
        if name not in by_path:  # one code per path, across the file's projects
            by_path[name] = unique_slug(name, taken)
            codes.append(
                {
                    "id": by_path[name],
                    "name": name,
                    "parent": None,
                    "description": (description or "").strip(),
                }
            )
        ids[tag_id] = by_path[name]
    title = "; ".join(p[1] for p in rows.projects) or path.stem
    return Codebook.from_rows(codes, name=f"{title} (Taguette tags)", version="taguette"), ids


def taguette_project(rows, path: str | Path) -> tuple[RefiProject, ImportReport]:
    """A Taguette database's rows (:func:`qda.store.taguette.read_taguette_rows`: the
    SQL stays in the store) as a RefiProject, with a report of what was left out."""
    path = Path(path)
    if not rows.documents:
        raise InputError(f"{path}: the Taguette database has no documents")
    report = ImportReport(file=str(path), origin="Taguette")
    codebook, tag_code = _codebook(rows, path)
    members: dict[int, list[str]] = {}
    for project_id, login in rows.members:
        members.setdefault(project_id, []).append(login)
    docs, texts, project_of = [], {}, {}
    for doc_id, project_id, name, contents in rows.documents:
        text = html_text(contents or "")
        key = str(doc_id)
        docs.append(RefiDocument(id=key, name=name or f"document {doc_id}", text=text))
        texts[doc_id], project_of[doc_id] = (text, byte_to_char(text)), project_id
    tags_of: dict[int, list[int]] = {}
    for highlight_id, tag_id in rows.highlight_tags:
        tags_of.setdefault(highlight_id, []).append(tag_id)
    codings = []
    for hid, doc_id, start, end, snippet in rows.highlights:
        if doc_id not in texts:
            report.skipped.append((f"highlight {hid}", "its document is not in the file"))
            continue
        text, convert = texts[doc_id]
        s, e = convert(int(start)), convert(int(end))
        if not 0 <= s < e <= len(text) or text[s:e] != html_text(snippet or ""):
            report.skipped.append(
                (
                    f"highlight {hid}",
                    f"its offsets {start}-{end} do not give back the text Taguette stored for it",
                )
            )
            continue
        if not tags_of.get(hid):
            report.skipped.append((f"highlight {hid}", "it has no tag"))
            continue
        who = members.get(project_of[doc_id], [])
        coder = who[0] if len(who) == 1 else "taguette"
        codings += [
            RefiCoding(document=str(doc_id), start=s, end=e, code=tag_code[t], coder=coder)
            for t in tags_of[hid]
            if t in tag_code
        ]
    title = "; ".join(p[1] for p in rows.projects) or path.stem
    return RefiProject(
        name=title, codebook=codebook, documents=docs, codings=codings, origin="Taguette"
    ), report

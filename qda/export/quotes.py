"""The quote bank: coded quotes per theme and sub-theme, attributed, as Markdown or
Word (.docx, python-docx).

Input is one row per (code, segment) coded directly at the code (sub-theme quotes sit
under the sub-theme, not repeated under the theme): ``code, segment_id, attribution,
text`` and, for ordering by confidence, ``confidence``. Within each code the quotes
are ordered by :data:`ORDERS`:

- ``document``: as given (the project's document order, then position);
- ``confidence``: the automatic coder's confidence, highest first; quotes without
  one (human coding, rules) follow in document order;
- ``length``: the longest quote first (the fullest accounts first), ties in document
  order.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from qda.codebook import Codebook
from qda.errors import InputError
from qda.files import atomic_path

__all__ = ["ORDERS", "order_quotes", "quote_bank_markdown", "write_quote_bank_docx", "write_quotes"]

ORDERS = ("document", "confidence", "length")
_ORDER_WORDS = {
    "document": "in document order",
    "confidence": "by the coder's confidence, highest first",
    "length": "longest first",
}
# Characters XML 1.0 (so Word) cannot hold; a transcript pasted from elsewhere may have them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def order_quotes(quotes: pd.DataFrame, order: str = "document") -> pd.DataFrame:
    """The quotes in the given order within each code (codes keep their order)."""
    if order not in ORDERS:
        raise InputError(f"unknown quote order {order!r}; use one of {', '.join(ORDERS)}")
    df = quotes.reset_index(drop=True).assign(_pos=range(len(quotes)))
    if order == "confidence":
        conf = (
            df["confidence"] if "confidence" in df.columns else pd.Series(float("nan"), index=df.index)
        ).astype("float64")
        df = df.assign(_key=-conf.fillna(-1.0))
    elif order == "length":
        df = df.assign(_key=-df["text"].astype(str).str.len())
    else:
        df = df.assign(_key=0)
    df = df.assign(_code=df.groupby("code", sort=False).ngroup())
    df = df.sort_values(["_code", "_key", "_pos"], kind="stable")
    return df.drop(columns=["_pos", "_key", "_code"]).reset_index(drop=True)


def _header_lines(basis: str, order: str) -> list[str]:
    return [
        f"Codings used: {basis}.",
        f"Quotes {_ORDER_WORDS[order]}; each is followed by its attribution and segment id "
        "(`qda show SEGMENT_ID` prints it with the turns around it).",
    ]


def _groups(quotes: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {code: group for code, group in quotes.groupby("code", sort=False)}


def _count(n: int) -> str:
    return f"{n} quote{'s' if n != 1 else ''}"


# Markdown: what would change the document's structure is escaped, so names, definitions,
# attributions and quotes (all from files anyone may have written) stay text: inline
# markup and raw HTML anywhere, and block markers (headings, quotes, lists, fences,
# tables, rules) at a line's start. Code names are one line already (``Code``).
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~#!])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
_MD_BLOCK = re.compile(r"^(\d{0,9})([-+=.)])")


def _md(text: object) -> str:
    """``text`` escaped for Markdown, inline (line breaks fold into spaces)."""
    out = _MD_ENTITY.sub(r"\\&", _MD_INLINE.sub(r"\\\1", " ".join(str(text).split())))
    return _MD_BLOCK.sub(lambda m: m[1] + "\\" + m[2] if not m[1] or m[2] in ".)" else m[0], out)


def _code_span(text: object) -> str:
    """``text`` as inline code, fenced with more backticks than it holds."""
    text = " ".join(str(text).split())
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _quote(text: str) -> str:
    """A quote as a block quote, each line escaped (its indentation dropped: four spaces
    would make a code block)."""
    return "\n".join("> " + _md(line) if line.strip() else ">" for line in text.splitlines())


def quote_bank_markdown(
    quotes: pd.DataFrame, codebook: Codebook, *, title: str, basis: str, order: str = "document"
) -> str:
    """The quote bank as Markdown: a heading per code (``##`` themes, ``###``
    sub-themes, ...) with its definition, then its quotes as block quotes. Every text
    from the project is escaped (no raw HTML, no markup of its own: a name or a quote
    cannot add a heading, a quote or a link)."""
    quotes = order_quotes(quotes, order)
    lines = [f"# {_md(title)}", ""]
    lines += [f"*{_md(line)}*" for line in _header_lines(basis, order)[:1]]
    lines += ["", _md(_header_lines(basis, order)[1]), ""]
    by_code = _groups(quotes)
    for code in codebook:
        depth = codebook.depth(code.id)
        group = by_code.get(code.id)
        n = 0 if group is None else len(group)
        lines.append(f"{'#' * min(depth + 1, 6)} {_md(code.name)} ({_code_span(code.id)}, {_count(n)})")
        lines.append("")
        if code.description:
            lines += [f"*{_md(code.description)}*", ""]
        if group is None:
            continue
        for rec in group.itertuples():
            lines += [_quote(rec.text), "", f"— ({_md(rec.attribution)}) {_code_span(rec.segment_id)}", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_quotes(path: str | Path, markdown: str) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(markdown, encoding="utf-8")
    return path


def _xml(text: object) -> str:
    return _NOT_XML.sub("", str(text))


def write_quote_bank_docx(
    path: str | Path,
    quotes: pd.DataFrame,
    codebook: Codebook,
    *,
    title: str,
    basis: str,
    order: str = "document",
) -> Path:
    """The quote bank as a Word document: the title, which codings were used and the
    order, then a heading per code (Heading 1 for themes, 2 for sub-themes, ...) with its
    definition, each quote in Word's *Quote* style with line breaks kept, and after it
    the attribution and segment id."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    quotes = order_quotes(quotes, order)
    doc = Document()
    doc.core_properties.title = _xml(title)
    doc.add_heading(_xml(title), level=0)
    for line in _header_lines(basis, order):
        doc.add_paragraph().add_run(_xml(line)).italic = True
    by_code = _groups(quotes)
    for code in codebook:
        group = by_code.get(code.id)
        n = 0 if group is None else len(group)
        heading = doc.add_heading(_xml(code.name), level=min(codebook.depth(code.id), 9))
        tail = heading.add_run(f"  ({code.id}, {_count(n)})")
        tail.font.size = Pt(9)
        if code.description:
            doc.add_paragraph().add_run(_xml(" ".join(code.description.split()))).italic = True
        if group is None:
            continue
        for rec in group.itertuples():
            para = doc.add_paragraph(style="Quote")
            run = para.add_run()
            for i, line in enumerate(_xml(rec.text).splitlines() or [""]):
                if i:
                    run.add_break()  # a new line inside the one quote
                run.add_text(line)
            who = doc.add_paragraph()
            who.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            who.paragraph_format.space_after = Pt(12)
            attribution = who.add_run(f"— {_xml(rec.attribution)}")
            attribution.font.size = Pt(9)
            ident = who.add_run(f"   {_xml(rec.segment_id)}")
            ident.font.size = Pt(8)
            ident.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
    path = Path(path)
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path

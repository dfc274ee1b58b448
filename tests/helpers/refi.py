"""REFI-QDA exchange files for the tests: the standard's schemas, project and source XML
built from parts, .qdpx archives."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.helpers.paths import ROOT

#: Copies of the standard's schemas (MIT), see SOURCE.md there.
SCHEMAS = ROOT / "tests" / "fixtures" / "refi"


def qde(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("project.qde").decode("utf-8")


def make_qdpx(
    path: Path, xml: str, members: dict[str, bytes | str] | None = None, qde_name: str = "project.qde"
) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(qde_name, xml)
        for name, data in (members or {}).items():
            z.writestr(name, data)
    return path


NS = 'xmlns="urn:QDA-XML:project:1.0"'
G = "{:08x}-0000-4000-8000-000000000000".format


def project_xml(origin: str, sources: str, codes: str = "", extra: str = "") -> str:
    codebook = f"<CodeBook><Codes>{codes}</Codes></CodeBook>" if codes else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Project {NS} name="t" origin="{origin}">'
        f'<Users><User guid="{G(1)}" name="Ann"/></Users>{codebook}{extra}'
        f"<Sources>{sources}</Sources></Project>"
    )


def text_source(
    guid: str,
    name: str,
    selections: list[tuple[int, int, str]],
    path: str | None = None,
    content: str | None = None,
) -> str:
    sels = "".join(
        f'<PlainTextSelection guid="{G(1000 + i)}" name="" startPosition="{s}" '
        f'endPosition="{e}" creatingUser="{G(1)}"><Coding guid="{G(2000 + i)}" '
        f'creatingUser="{G(1)}"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
        for i, (s, e, code) in enumerate(selections)
    )
    body = f"<PlainTextContent>{content}</PlainTextContent>" if content is not None else ""
    attr = f' plainTextPath="{path}"' if path else ""
    return f'<TextSource guid="{guid}" name="{name}"{attr}>{body}{sels}</TextSource>'


CODE_A = f'<Code guid="{G(50)}" name="Alpha" isCodable="true"/>'

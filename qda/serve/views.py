"""What the page shows, as plain JSON-able data, read from a :class:`qda.Project`.

Pure reads: every function takes the project and returns dicts and lists that the JSON
API sends as they are and the templates render (Jinja2 escapes every value).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from qda.errors import InputError
from qda.export.charts import fallback_color
from qda.offsets import quote


def _clean(value: Any) -> Any:
    """A value JSON can carry: NaN and NA become None, numpy numbers Python ones."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    if value is pd.NA:
        return None
    return value


def codebook_view(project, *, counts: bool = False) -> dict[str, Any]:
    """The code tree in order: id, name, parent, depth, path, colour and the notes; with
    ``counts``, the segments coded at each code (any source, rolled up: a full read of the
    codings, so the reader does without)."""
    cb = project.codebook
    coded = _code_counts(project) if counts else {}
    codes = []
    for c in cb:
        codes.append(
            {
                "id": c.id,
                "name": c.name,
                "parent": c.parent,
                "depth": cb.depth(c.id),
                "path": cb.name_path(c.id),
                "color": cb.color(c.id) or fallback_color(c.id),
                "description": c.description,
                "include": c.include,
                "exclude": c.exclude,
                "examples": list(c.examples),
                "keywords": list(c.keywords),
                **({"coded": coded.get(c.id, 0)} if counts else {}),
            }
        )
    return {"name": cb.name, "version": cb.version, "codes": codes}


def _code_counts(project) -> dict[str, int]:
    table = project.code_counts()
    if table.empty:
        return {}
    return {str(k): int(v) for k, v in zip(table["code"], table["all"])}


def participants_view(project) -> dict[str, dict[str, Any]]:
    """participant id -> {label, attributes}."""
    parts = project.participants()
    attrs = [c for c in parts.columns if c not in ("participant", "label", "auto")]
    return {
        str(r["participant"]): {
            "label": r["label"],
            "attributes": {a: _clean(r[a]) for a in attrs if _clean(r[a]) not in (None, "")},
        }
        for r in parts.to_dict("records")
    }


def documents_view(project) -> dict[str, Any]:
    """The documents list: each document with its participants, words, turns and the
    segments each person coded or reviewed; the participants' attributes for filters."""
    df = project.document_overview()
    docs = [
        {
            "id": r["document"],
            "name": r["name"],
            "format": r["format"],
            "version": int(r["version"]),
            "words": int(r["words"]),
            "segments": int(r["segments"]),
            "interviewer_turns": int(r["interviewer_turns"]),
            "participants": list(r["participants"]),
            "progress": dict(r["progress"]),
        }
        for r in df.to_dict("records")
    ]
    people = participants_view(project)
    coders = sorted({c for d in docs for c in d["progress"]})
    attributes: dict[str, list[str]] = {}
    for p in people.values():
        for k, v in p["attributes"].items():
            attributes.setdefault(k, [])
            if str(v) not in attributes[k]:
                attributes[k].append(str(v))
    return {
        "documents": docs,
        "participants": people,
        "coders": coders,
        "attributes": {k: sorted(v) for k, v in attributes.items()},
    }


def _coding(row: dict[str, Any], text: str) -> dict[str, Any]:
    start, end = int(row["start"]), int(row["end"])
    out = {
        "id": int(row["coding_id"]),
        "segment": row["segment_id"],
        "start": start,
        "end": end,
        "code": row["code"],
        "coder": row["coder"],
        "source": row["source"],
        "status": row["status"],
        "text": quote(text, start, end),
    }
    if row["status"] == "suggested" or row.get("origin"):
        out["confidence"] = _clean(row["confidence"])
        out["origin"] = _clean(row.get("origin"))
        out["evidence"] = [_evidence(e) for e in (row["evidence"] or []) if isinstance(e, dict)]
    return out


def _evidence(item: dict[str, Any]) -> dict[str, Any]:
    keep = ("kind", "term", "text", "start", "end")
    return {k: _clean(item[k]) for k in keep if k in item}


def document_view(
    project, document: str, *, coder: str | None = None, others: bool = False
) -> dict[str, Any]:
    """One document for the reader: its turns (speaker, participant, attributes, times,
    interviewer or not, offsets and text), the people's codings (with ``coder``: only
    theirs unless ``others``) and the open suggestions, apart."""
    doc, segs = project.document_turns(document)
    text = doc["text"]
    people = participants_view(project)
    turns = []
    for r in segs.to_dict("records"):
        pid = _clean(r["participant_id"])
        person = people.get(pid, {}) if pid else {}
        turns.append(
            {
                "id": r["segment_id"],
                "start": int(r["start"]),
                "end": int(r["end"]),
                "text": text[int(r["start"]) : int(r["end"])],
                "speaker": _clean(r["speaker"]) or "",
                "participant": pid,
                "label": person.get("label"),
                "attributes": person.get("attributes", {}),
                "interviewer": bool(r["is_interviewer"]),
                "unit": r["unit"],
                "begin": _clean(r["begin_time"]),
                "end_time": _clean(r["end_time"]),
                "question": _clean(r["question"]),
            }
        )
    codings = project.document_codings(document)
    people_codings, suggestions, hidden = [], [], 0
    for row in codings.to_dict("records"):
        if row["status"] == "suggested":
            suggestions.append(_coding(row, text))
        elif row["status"] == "accepted":
            if coder and row["coder"] != coder and not others:
                hidden += 1
                continue
            people_codings.append(_coding(row, text))
    return {
        "document": {
            "id": document,
            "name": doc["name"],
            "version": int(doc["version"]),
            "characters": len(text),
        },
        "turns": turns,
        "codings": people_codings,
        "suggestions": suggestions,
        "hidden": hidden,
    }


def code_quotes(project, code_id: str) -> list[dict[str, Any]]:
    """Every accepted coding of a code (people's, and accepted suggestions) as a quote
    with its attribution and where it is: document, segment, offsets, coder."""
    cb = project.codebook
    if code_id not in cb:
        raise InputError(f"unknown code {code_id!r}; see `qda codebook show` for the ids")
    table = project.codings(statuses=["accepted"])
    table = table[table["code"] == code_id]
    names = project.attributions()
    return [
        {
            "document": r["document"],
            "segment": r["segment_id"],
            "start": int(r["start"]),
            "end": int(r["end"]),
            "coder": r["coder"],
            "participant": _clean(r["participant"]),
            "attribution": names.get(r["participant"]) or _clean(r["participant"]),
            "text": r["text"],
        }
        for r in table.to_dict("records")
    ]


def matrix_view(project, *, rows: str = "participant") -> dict[str, Any]:
    """Participants (or another row kind) by themes: coded segments per cell, counting
    the codings the analyses use (people's once there are any, else suggestions)."""
    table = project.matrix(rows=rows, depth=1)
    cb = project.codebook
    themes = [c.id for c in cb.top_level() if c.id in table.columns]
    key = table.columns[0]
    return {
        "rows": rows,
        "themes": [{"id": t, "name": cb.get(t).name} for t in themes],
        "description": project.select_codings().description,
        "cells": [
            {"row": str(r[key]), "values": [int(r[t]) for t in themes]} for r in table.to_dict("records")
        ],
    }


def cell_quotes(project, *, row: str, theme: str, rows: str = "participant") -> list[dict[str, Any]]:
    """The quotes behind one matrix cell: segments of the row's participants coded at the
    theme or any code under it."""
    cb = project.codebook
    if theme not in cb:
        raise InputError(f"unknown code {theme!r}; see `qda codebook show` for the ids")
    under = {c.id for c in cb if c.id == theme or theme in cb.ancestors(c.id)}
    quotes = project.quotes()
    quotes = quotes[quotes["code"].isin(under)]
    if rows == "participant":
        quotes = quotes[quotes["participant"] == row]
    elif rows == "document":
        quotes = quotes[quotes["document"] == row]
    else:
        parts = project.participants()
        if rows not in parts.columns:
            raise InputError(f"unknown row kind {rows!r}")
        who = set(parts.loc[parts[rows].astype(str) == row, "participant"])
        quotes = quotes[quotes["participant"].isin(who)]
    quotes = quotes.drop_duplicates("segment_id")
    return [
        {
            "document": r["document"],
            "segment": r["segment_id"],
            "code": r["code"],
            "participant": r["participant"],
            "attribution": r["attribution"],
            "text": r["text"],
        }
        for r in quotes.to_dict("records")
    ]

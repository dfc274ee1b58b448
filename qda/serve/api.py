"""The JSON API the page uses (and scripts may): documents, a document with its turns,
codings and suggestions, add and remove a coding, accept, reject and reopen a
suggestion, the codebook and its edits, a code's quotes, the matrix and a cell's quotes,
and the exports (the workbook, charts and quote bank ``qda run`` writes, beside the project).

Every write calls one public :class:`qda.Project` method: one transaction, one history
row. Errors come back as ``{"error": "..."}``: 400 for bad input, 409 for a conflict
(or a project locked or read-only), 404 for an unknown address.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from qda.errors import InputError, QdaError
from qda.serve import views


def error_response(exc: QdaError) -> JSONResponse:
    status = 400 if isinstance(exc, InputError) else 409
    return JSONResponse({"error": " ".join(str(exc).split())}, status_code=status)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise InputError("the request body is not JSON") from None
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object")
    return data


def _coder(data: dict[str, Any]) -> str:
    coder = data.get("coder")
    if not isinstance(coder, str) or not coder.strip():
        raise InputError('say who is coding: give "coder": NAME')
    return coder.strip()


def handler(fn):
    """An endpoint: QdaErrors become JSON errors."""

    async def endpoint(request: Request):
        try:
            return await fn(request)
        except QdaError as exc:
            return error_response(exc)

    return endpoint


@handler
async def documents(request: Request):
    return JSONResponse(await request.app.state.project(views.documents_view))


@handler
async def document(request: Request):
    coder = request.query_params.get("coder") or None
    others = request.query_params.get("others") in ("1", "true", "yes")
    data = await request.app.state.project(
        views.document_view, request.path_params["document"], coder=coder, others=others
    )
    return JSONResponse(data)


@handler
async def add_coding(request: Request):
    data = await _body(request)
    coder = _coder(data)
    for key in ("document", "start", "end", "code"):
        if key not in data:
            raise InputError(f"a coding needs {key!r} (document, start, end, code, coder)")
    text = data.get("text")

    def add(project):
        done = project.code_span(
            data["document"],
            data["start"],
            data["end"],
            data["code"],
            coder=coder,
            text=text if isinstance(text, str) else None,
        )
        return {"id": done.coding_id, "segment": done.segment_id, "created": done.created}

    result = await request.app.state.project(add)
    return JSONResponse(result, status_code=201 if result["created"] else 200)


@handler
async def remove_coding(request: Request):
    data = await _body(request)
    who = _coder({"coder": data.get("coder") or request.query_params.get("coder")})
    row = await request.app.state.project(lambda p: p.remove_coding(request.path_params["coding"], who=who))
    return JSONResponse(
        {
            "removed": int(row["coding_id"]),
            "document": row["document_id"],
            "start": int(row["start"]),
            "end": int(row["end"]),
            "code": row["code_id"],
            "coder": row["coder"],
        }
    )


async def _review(request: Request, action: str):
    data = await _body(request)
    coder = _coder(data)
    try:
        cid = int(request.path_params["coding"])
    except ValueError:
        raise InputError(f"coding ids are whole numbers, not {request.path_params['coding']!r}") from None
    report = await request.app.state.project(lambda p: p.review(action, coder=coder, ids=[cid]))
    return JSONResponse(
        {"action": action, "id": cid, "changed": report.changed, "duplicates": report.duplicates}
    )


@handler
async def accept(request: Request):
    return await _review(request, "accept")


@handler
async def reject(request: Request):
    return await _review(request, "reject")


@handler
async def reopen(request: Request):
    data = await _body(request)
    coder = _coder(data)
    row = await request.app.state.project(
        lambda p: p.reopen_suggestion(request.path_params["coding"], who=coder)
    )
    return JSONResponse({"reopened": int(row["coding_id"]), "status": row["status"]})


@handler
async def codebook(request: Request):
    counts = request.query_params.get("counts") in ("1", "true", "yes")
    return JSONResponse(await request.app.state.project(views.codebook_view, counts=counts))


def _edit_result(edit) -> dict[str, Any]:
    return {
        "action": edit.action,
        "code": edit.code,
        "version": edit.version,
        "codings": edit.codings,
        "collapsed": edit.collapsed,
    }


@handler
async def codebook_edit(request: Request):
    """POST /api/codebook/{action}: add, rename, move, merge (one Project method each)."""
    action = request.path_params["action"]
    data = await _body(request)
    who = _coder(data)
    code = data.get("code")
    if not isinstance(code, str) or not code:
        raise InputError('say which code: give "code": ID')

    def edit(project):
        if action == "add":
            return project.add_code(
                code,
                data.get("name") or code,
                data.get("parent") or None,
                who=who,
                **{k: data[k] for k in ("description", "include", "exclude") if data.get(k)},
            )
        if action == "rename":
            return project.rename_code(
                code, name=data.get("name") or None, new_id=data.get("new_id") or None, who=who
            )
        if action == "move":
            position = data.get("position")
            return project.move_code(
                code,
                data.get("parent") or None,
                who=who,
                position=None if position in (None, "") else int(position),
            )
        if action == "merge":
            into = data.get("into")
            if not into:
                raise InputError('a merge needs "into": the code that stays')
            return project.merge_codes(code, into, who=who)
        raise InputError(f"unknown codebook edit {action!r}; use add, rename, move or merge")

    return JSONResponse(_edit_result(await request.app.state.project(edit)))


@handler
async def code_quotes(request: Request):
    return JSONResponse(await request.app.state.project(views.code_quotes, request.path_params["code"]))


@handler
async def matrix(request: Request):
    rows = request.query_params.get("rows", "participant")
    return JSONResponse(await request.app.state.project(views.matrix_view, rows=rows))


@handler
async def matrix_cell(request: Request):
    q = request.query_params
    if not q.get("row") or not q.get("theme"):
        raise InputError("a matrix cell needs row= and theme=")
    return JSONResponse(
        await request.app.state.project(
            views.cell_quotes, row=q["row"], theme=q["theme"], rows=q.get("rows", "participant")
        )
    )


@handler
async def export(request: Request):
    """The research database, charts and quote bank into the project's folder, under the
    names ``qda run`` uses (:func:`qda.reports.export_all`; a workbook or quote bank
    someone edited is kept first and said in ``warnings``)."""

    def write(project):
        from qda.reports import export_all

        folder = project.path.parent
        done = export_all(project, folder)
        return {
            "folder": str(folder),
            "written": [p.relative_to(folder).as_posix() for p in done.paths],
            "warnings": done.warnings,
            "codings_used": done.codings_used,
        }

    return JSONResponse(await request.app.state.project(write))


ROUTES = [
    Route("/api/documents", documents, methods=["GET"]),
    Route("/api/documents/{document:path}", document, methods=["GET"]),
    Route("/api/codings", add_coding, methods=["POST"]),
    Route("/api/codings/{coding}", remove_coding, methods=["DELETE"]),
    Route("/api/suggestions/{coding}/accept", accept, methods=["POST"]),
    Route("/api/suggestions/{coding}/reject", reject, methods=["POST"]),
    Route("/api/suggestions/{coding}/reopen", reopen, methods=["POST"]),
    Route("/api/codebook", codebook, methods=["GET"]),
    Route("/api/codebook/{action}", codebook_edit, methods=["POST"]),
    Route("/api/codes/{code}/quotes", code_quotes, methods=["GET"]),
    Route("/api/matrix", matrix, methods=["GET"]),
    Route("/api/matrix/cell", matrix_cell, methods=["GET"]),
    Route("/api/export", export, methods=["POST"]),
]

"""The HTML pages: documents, the reader, codes, a code, the matrix.

Jinja2 renders them with autoescaping on, so a transcript's or a code's ``<script>`` is
text; the reader's turns are drawn by ``static/reader.js`` from the JSON API with
``textContent`` only. The token a page's script sends with each change is put in the
page (a ``<meta>``), which only a visitor holding the token can load.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from qda.errors import QdaError
from qda.serve import views

HERE = Path(__file__).parent
ENV = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    context.update(
        token=request.app.state.token,
        project=request.app.state.project.path.name,
        page=template.removesuffix(".html"),
    )
    return HTMLResponse(ENV.get_template(template).render(**context), status_code=status)


def page(fn):
    async def endpoint(request: Request):
        try:
            return await fn(request)
        except QdaError as exc:
            return render(request, "error.html", status=400, message=" ".join(str(exc).split()))

    return endpoint


@page
async def documents(request: Request):
    data = await request.app.state.project(views.documents_view)
    return render(request, "documents.html", **data)


@page
async def reader(request: Request):
    doc = request.path_params["document"]
    # checks the document exists, so a bad address is a page saying so
    await request.app.state.project(lambda p: p.document_turns(doc))
    return render(request, "reader.html", document=doc)


@page
async def codes(request: Request):
    data = await request.app.state.project(views.codebook_view, counts=True)
    return render(request, "codes.html", book=data["name"], version=data["version"], codes=data["codes"])


@page
async def code(request: Request):
    code_id = request.path_params["code"]

    def read(project):
        book = views.codebook_view(project, counts=True)
        return book, views.code_quotes(project, code_id)

    book, quotes = await request.app.state.project(read)
    this = next(c for c in book["codes"] if c["id"] == code_id)
    return render(request, "code.html", code=this, codes=book["codes"], quotes=quotes)


@page
async def matrix(request: Request):
    rows = request.query_params.get("rows", "participant")
    data = await request.app.state.project(views.matrix_view, rows=rows)
    return render(request, "matrix.html", **data)


async def favicon(request: Request):
    return Response(status_code=204)


ROUTES = [
    Route("/favicon.ico", favicon, methods=["GET"]),
    Route("/", documents, methods=["GET"]),
    Route("/documents/{document:path}", reader, methods=["GET"]),
    Route("/codes", codes, methods=["GET"]),
    Route("/codes/{code}", code, methods=["GET"]),
    Route("/matrix", matrix, methods=["GET"]),
]

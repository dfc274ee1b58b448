"""The Starlette application and the server that runs it (uvicorn)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from qda.serve import api, pages
from qda.serve.security import Guard, local_hosts, new_token
from qda.serve.worker import ProjectWorker

HERE = Path(__file__).parent


def create_app(
    project_path: str | Path,
    *,
    token: str | None = None,
    allowed_hosts=("testserver",),
    cookie: str = "qda_token",
) -> Guard:
    """The app for one project: pages, the JSON API and the static files, behind the
    :class:`~qda.serve.security.Guard`. ``allowed_hosts``: Host header values to answer
    (None: any)."""
    worker = ProjectWorker(project_path)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        worker.close()

    app = Starlette(
        routes=[
            *api.ROUTES,
            *pages.ROUTES,
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.project = worker
    app.state.token = token or new_token()
    guarded = Guard(app, token=app.state.token, cookie=cookie, allowed_hosts=allowed_hosts)
    guarded.state = app.state
    return guarded


def address(host: str, port: int, token: str) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/?token={token}"


def serve(
    project_path: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    open_browser: bool = True,
    echo=None,
) -> None:
    """Run the page for ``project_path`` until interrupted; print its address first."""
    import socket

    import click
    import uvicorn

    echo = echo or click.echo

    anywhere = host in ("0.0.0.0", "::")
    token = new_token()
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        from qda.errors import InputError

        raise InputError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another port with --port"
        ) from None
    port = sock.getsockname()[1]
    app = create_app(
        project_path,
        token=token,
        allowed_hosts=None if anywhere else local_hosts(host, port),
        cookie=f"qda_token_{port}",
    )
    app.state.project.open_now()
    url = address(host, port, token)
    if anywhere:
        echo(
            f"Warning: listening on {host}: anyone on the network who has the address "
            "below can read and code this project. Use --host 127.0.0.1 unless you mean it.",
            err=True,
        )
    echo(f"qda serve: {url}")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])

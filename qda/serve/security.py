"""Who may use the page: the access token, the Host header, safe methods.

The server prints its address with a random token (``?token=...``). The first visit
with it sets a cookie (HttpOnly, SameSite=Strict, named after the port so two servers
do not clash) and is redirected to the same address without the token, so it stays out
of the history and of any Referer. Every later request needs the cookie or the token in
a header (``Authorization: Bearer TOKEN`` or ``X-QDA-Token``, for scripts).

Writes (``POST``, ``DELETE``) need the token *in a header*, never the cookie alone: a
page on another site can make the browser send the cookie, but not set a header on a
cross-site request without the CORS permission this server never gives. A GET never
writes. Requests whose ``Host`` is not this server's own name are refused, so a page
whose DNS name is rebound to 127.0.0.1 cannot reach it. Every answer carries a
Content-Security-Policy that allows only this server's own scripts and styles.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from urllib.parse import parse_qs, parse_qsl, urlencode

from starlette.datastructures import State
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_HEADER = "x-qda-token"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SAFE_METHODS = {"GET", "HEAD"}

HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


def new_token() -> str:
    return secrets.token_urlsafe(24)


def local_hosts(host: str, port: int) -> set[str]:
    """The Host header values this server answers to when bound to ``host``."""
    names = {"127.0.0.1", "localhost", "[::1]"}
    if host not in ("0.0.0.0", "::", "127.0.0.1", "localhost"):
        names.add(f"[{host}]" if ":" in host else host)
    return {f"{n}:{port}" for n in names} | ({*names} if port == 80 else set())


class Guard:
    """ASGI middleware: Host check, token, methods; security headers on every answer.

    ``allowed_hosts``: Host header values accepted (None: any, for ``--host 0.0.0.0``,
    where the token alone protects the project)."""

    def __init__(self, app: ASGIApp, *, token: str, cookie: str, allowed_hosts: Iterable[str] | None):
        self.app = app
        self.token = token
        self.cookie = cookie
        self.allowed = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}
        #: The wrapped app's state (the project worker, the token): create_app sets it.
        self.state = State()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await _with_headers(refusal)(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in have
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope: Scope):
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "").lower()
        if self.allowed is not None and host not in self.allowed:
            return PlainTextResponse(
                f"Error: this qda server does not answer to host {host!r}; open the address it printed",
                status_code=400,
            )
        method = scope["method"]
        query_token = _query_token(scope)
        header_token = headers.get(TOKEN_HEADER) or _bearer(headers.get("authorization", ""))
        cookie_token = _cookie(headers.get("cookie", ""), self.cookie)
        if method in WRITE_METHODS:
            if not self._good(header_token):
                return _json_refusal(
                    403,
                    "a change needs the access token in the X-QDA-Token "
                    "header (or Authorization: Bearer TOKEN)",
                )
            return None
        if method not in SAFE_METHODS:
            return _json_refusal(405, f"method {method} is not used here")
        if self._good(query_token):
            if scope["path"].startswith("/api/"):
                return None
            return self._enter(scope)
        if self._good(header_token) or self._good(cookie_token):
            return None
        return _json_refusal(
            403, "this needs the access token: open the address qda serve printed (it ends with ?token=...)"
        )

    def _good(self, token: str | None) -> bool:
        if not token:
            return False
        return secrets.compare_digest(token.encode(), self.token.encode())

    def _enter(self, scope: Scope):
        """The first visit with ``?token=``: set the cookie, drop the token from the URL."""
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        rest = [(k, v) for k, v in query if k != "token"]
        target = scope["path"] + (f"?{urlencode(rest)}" if rest else "")
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(self.cookie, self.token, httponly=True, samesite="strict", path="/")
        return response


def _with_headers(response):
    for k, v in HEADERS.items():
        response.headers.setdefault(k, v)
    return response


def _json_refusal(status: int, message: str):
    return JSONResponse({"error": message}, status_code=status)


def _query_token(scope: Scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


def _bearer(value: str) -> str | None:
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None

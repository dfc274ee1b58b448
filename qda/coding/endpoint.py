"""The HTTP client of an OpenAI-compatible chat completions endpoint.

Ollama (``http://localhost:11434/v1``), llama.cpp's and llama-cpp-python's servers
(``http://127.0.0.1:8080``), vLLM, an institution's gateway. :func:`Endpoint.at`
takes the base URL or the full ``.../chat/completions`` one:

- a URL ending in ``/chat/completions`` is used as it is; one ending in ``/v1`` gets
  ``/chat/completions``; one with no path gets ``/v1/chat/completions``; any other
  path gets ``/chat/completions``.
- **Where the words go.** :attr:`Endpoint.local` is true when every address the host
  name resolves to is a loopback address (this machine). Requests to such a host never
  go through a proxy (``http_proxy`` is ignored for it), and no request follows a
  redirect, so a local endpoint cannot send segments elsewhere behind the user's back.
- **Deterministic.** ``temperature`` 0 and ``seed`` 0, one user message (the whole
  prompt: Gemma's chat format, for one, drops system messages). The answer is asked for
  as JSON through ``response_format``: first ``{"type": "json_object", "schema": ...}``
  (llama.cpp, llama-cpp-python, Ollama, vLLM); a server that refuses it with HTTP 400
  or 422 is asked once more with OpenAI's ``{"type": "json_schema", ...}``, and that
  form is kept for the rest of the run.
- **Errors.** An endpoint that cannot be reached, does not answer within ``timeout``
  seconds, answers with an HTTP error, or does not answer like a chat completions
  endpoint raises an :class:`~qda.errors.InputError` saying which and what to do. An
  answer cut off at ``max_tokens`` raises :class:`qda.coding.llm.BadAnswer` (one bad
  answer, not a broken endpoint).
- ``QDA_LLM_API_KEY``, when set, is sent as a bearer token (a gateway's key); it is
  never stored in the project.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from qda.coding.llm import BadAnswer
from qda.errors import InputError

__all__ = ["Endpoint", "chat_url"]

#: Seconds to wait for one answer, by default (a CPU-only server on a long segment).
TIMEOUT = 120.0


def chat_url(url: str) -> str:
    """The chat completions URL for what the user gave (see the module docstring)."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"--llm {url!r}: not an http(s) URL; give the endpoint's address, "
            "e.g. http://localhost:11434/v1 (Ollama) or http://127.0.0.1:8080 "
            "(llama.cpp server)"
        )
    try:
        _ = parts.port  # urllib checks the port when it is read
    except ValueError as exc:  # a port that is not a number, or past 65535
        raise InputError(
            f"--llm {url!r}: {exc}; give a port from 1 to 65535, e.g. http://localhost:11434/v1"
        ) from None
    path = parts.path.rstrip("/")
    if not path.endswith("/chat/completions"):
        path += "/chat/completions" if path else "/v1/chat/completions"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _is_local(host: str, port: int) -> bool:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError(f"--llm: cannot find the host {host!r} ({exc}); check the URL") from None
    addresses = {str(info[4][0]).split("%", 1)[0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: PLR0913
        return None  # urllib then raises the 3xx as an HTTPError


@dataclass
class Endpoint:
    """One model at one chat completions URL. Build with :meth:`at`."""

    url: str
    model: str
    host: str
    local: bool
    timeout: float = TIMEOUT
    max_tokens: int = 512
    _format: int = field(default=0, repr=False)

    @classmethod
    def at(cls, url: str, *, model: str, timeout: float = TIMEOUT, max_tokens: int = 512) -> Endpoint:
        """The endpoint for ``url`` (resolves the host: is it this machine?)."""
        if not (model or "").strip():
            raise InputError("--model: name the model to ask (e.g. gemma3:270m for Ollama)")
        if not timeout > 0:
            raise InputError(f"--timeout: a number of seconds above 0, not {timeout}")
        full = chat_url(url)
        parts = urllib.parse.urlsplit(full)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname
        assert host is not None  # chat_url refuses a URL without a host
        return cls(
            url=full,
            model=model.strip(),
            host=host,
            local=_is_local(host, port),
            timeout=float(timeout),
            max_tokens=int(max_tokens),
        )

    def describe(self) -> str:
        """One line saying where the segments' words go."""
        where = (
            "this machine: the words stay on it"
            if self.local
            else "NOT this machine: participants' words would be sent to it"
        )
        return f"LLM endpoint {self.url} (model {self.model}); host {self.host} is {where}."

    def check_allowed(self, allow_remote: bool) -> None:
        if not self.local and not allow_remote:
            raise InputError(
                f"--llm {self.url}: host {self.host} is not this machine, so participants' "
                "words would leave it; nothing was sent. Use a server on this machine (e.g. "
                "http://localhost:11434/v1), or add --allow-remote if your ethics approval "
                "and data agreements allow sending the transcripts there"
            )

    # ------------------------------------------------------------------ requests
    def _formats(self, schema: dict) -> list[dict]:
        return [
            {"type": "json_object", "schema": schema},
            {"type": "json_schema", "json_schema": {"name": "qda_codes", "schema": schema}},
        ]

    def chat(self, content: str, schema: dict) -> str:
        """Send one user message; the answer's text (the message content)."""
        formats = self._formats(schema)
        while True:
            body = {
                "model": self.model,
                "messages": [{"role": "user", "content": content}],
                "temperature": 0,
                "seed": 0,
                "max_tokens": self.max_tokens,
                "stream": False,
                "response_format": formats[self._format],
            }
            try:
                reply = self._post(body)
                break
            except urllib.error.HTTPError as exc:
                detail = _excerpt(exc)
                if exc.code in (400, 422) and self._format + 1 < len(formats) and "format" in detail.lower():
                    self._format += 1  # try OpenAI's json_schema form instead
                    continue
                raise self._http_error(exc, detail) from None
        return self._content(reply)

    def _post(self, body: dict) -> bytes:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        key = os.environ.get("QDA_LLM_API_KEY", "").strip()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(
            self.url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST"
        )
        handlers = [_NoRedirect()] + ([urllib.request.ProxyHandler({})] if self.local else [])
        opener = urllib.request.build_opener(*handlers)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError:
            raise
        except TimeoutError:
            raise self._timeout() from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise self._timeout() from None
            raise InputError(
                f"--llm {self.url}: cannot reach the endpoint ({exc.reason}); is the server "
                "running (e.g. `ollama serve`, or `python -m llama_cpp.server --model F`) "
                "and is this its address and port?"
            ) from None
        except (ConnectionError, OSError) as exc:
            raise InputError(
                f"--llm {self.url}: the connection failed ({exc}); is the "
                "server running, and is this its address?"
            ) from None

    def _timeout(self) -> InputError:
        return InputError(
            f"--llm {self.url}: no answer within {self.timeout:g} s; the server may be busy or "
            "the model slow on this machine: give more time with --timeout, or a smaller "
            "model"
        )

    def _http_error(self, exc: urllib.error.HTTPError, detail: str) -> InputError:
        said = f" It said: {detail}" if detail else ""
        if 300 <= exc.code < 400:
            return InputError(
                f"--llm {self.url}: the endpoint redirects (HTTP {exc.code}) to "
                f"{exc.headers.get('Location', '?')}; qda does not follow redirects (the "
                "words could go elsewhere): give that address with --llm if you trust it"
            )
        if exc.code in (401, 403):
            return InputError(
                f"--llm {self.url}: the endpoint refused the request (HTTP {exc.code}); if it "
                f"needs a key, set QDA_LLM_API_KEY.{said}"
            )
        if exc.code == 404:
            return InputError(
                f"--llm {self.url}: HTTP 404; is this an OpenAI-compatible endpoint (its base "
                f"URL usually ends in /v1), and does it serve the model {self.model!r}?{said}"
            )
        return InputError(f"--llm {self.url}: the endpoint answered HTTP {exc.code} {exc.reason}.{said}")

    def _content(self, raw: bytes) -> str:
        try:
            reply = json.loads(raw)
            choice = reply["choices"][0]
            content = choice["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            shown = " ".join(raw[:120].decode("utf-8", "replace").split())
            raise InputError(
                f"--llm {self.url}: the reply is not a chat completion ({shown!r}); is this "
                "an OpenAI-compatible chat completions endpoint?"
            ) from None
        if choice.get("finish_reason") == "length":
            raise BadAnswer(f"cut off at {self.max_tokens} tokens, before the JSON ended")
        return content if isinstance(content, str) else ""


def _excerpt(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read()[:2000].decode("utf-8", "replace")
    except Exception:  # the body could not be read: the status says enough
        return ""
    try:
        value = json.loads(raw)
        if isinstance(value, dict):
            err = value.get("error", value.get("detail", value))
            raw = err.get("message", json.dumps(err)) if isinstance(err, dict) else str(err)
    except ValueError:
        pass
    text = " ".join(raw.split())
    return text[:300] + ("..." if len(text) > 300 else "")

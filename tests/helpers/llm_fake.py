"""A tiny OpenAI-compatible chat completions server in this process (127.0.0.1), for the
error paths a real server does not produce on demand: non-JSON answers, timeouts,
HTTP errors, redirects, a refused ``response_format``.

``FakeLLM.reply`` decides each answer: a function of the request's JSON body returning
``(status, body)`` where body is a dict (sent as JSON), bytes (sent as they are) or a
str (the model's message content, wrapped in a chat completion). ``requests`` holds
every request body received. ``CODEBOOK`` is the four-code codebook the LLM tests load.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEGMENT_MARK = "\nSEGMENT:\n"

#: The four-code codebook the LLM tests load (with this fake and with a real server).
CODEBOOK = """\
name: Test codebook
version: "2"
codes:
  - id: family_contact
    name: Contact with families
    description: Officers speaking with or visiting a family member.
    include: Phone calls, home visits.
    exclude: Contact with the person on probation alone.
    examples: ["I ring his mum every week."]
  - id: confidentiality
    name: Confidentiality
    description: What can or cannot be shared with families.
  - id: venues
    name: Meeting places
    description: Where families could be met.
    children:
      - id: community_venue
        name: Community venues
        description: Children's centres, hubs, drop-ins.
"""


def completion(content: str, finish_reason: str = "stop") -> dict:
    return {
        "id": "fake",
        "object": "chat.completion",
        "model": "fake",
        "choices": [
            {"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": content}}
        ],
    }


def segment_of(body: dict) -> str:
    """The segment's text in a request (what follows the prompt's SEGMENT mark)."""
    return body["messages"][-1]["content"].split(SEGMENT_MARK, 1)[1]


def keyword_model(triggers: dict[str, str]) -> Callable[[dict], tuple[int, str]]:
    """A deterministic "model": code -> a word; a segment containing the word gets the
    code with that word as its quote."""

    def reply(body: dict) -> tuple[int, str]:
        text = segment_of(body)
        codes = [
            {"code": code, "quote": word, "confidence": 0.9}
            for code, word in triggers.items()
            if word in text
        ]
        return 200, json.dumps({"codes": codes})

    return reply


class FakeLLM:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.paths: list[str] = []
        self.delay = 0.0
        self.reply: Callable[[dict], tuple[int, dict | bytes | str]] = lambda body: (
            200,
            json.dumps({"codes": []}),
        )
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.loads(raw)
                fake.requests.append(body)
                fake.paths.append(self.path)
                if fake.delay:
                    time.sleep(fake.delay)
                status, out = fake.reply(body)
                headers = {}
                if isinstance(out, tuple):  # (body, extra headers)
                    out, headers = out
                if isinstance(out, str):
                    out = completion(out)
                data = out if isinstance(out, bytes) else json.dumps(out).encode()
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

"""Helpers for the browser tests: `qda serve` as a subprocess, Debian's Chromium driven by
Playwright (never a browser download), selecting text with the mouse."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium is not installed (/usr/bin/chromium): apt-get install -y "
    "chromium; the browser tests never download a browser",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(project: Path):
    """``qda serve --no-browser --port FREE`` on ``project``; yields the printed address."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qda.cli",
            "serve",
            "--no-browser",
            "--port",
            str(port),
            "--project",
            str(project),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=120)
    try:
        line = found[0] if found else ""
        match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", line)
        if not match:
            proc.kill()
            raise AssertionError(f"qda serve printed {line!r}; stderr: {proc.stderr.read()}")
        yield {
            "base": match.group(1),
            "token": match.group(2),
            "url": f"{match.group(1)}/?token={match.group(2)}",
            "process": proc,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def chromium(user_data_dir: Path, viewport=(1280, 860)):
    """A fresh Chromium context (its own user-data-dir)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": viewport[0], "height": viewport[1]},
        )
        try:
            yield context
        finally:
            context.close()


def select_words(page, turn_selector: str, words: str) -> None:
    """Select ``words`` inside the turn with the mouse: press at the left edge of its
    first character, drag to the right edge of its last, release."""
    page.locator(turn_selector).scroll_into_view_if_needed()
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    box = page.evaluate(
        """([sel, words]) => {
            const text = document.querySelector(sel + " .text");
            const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
            const nodes = []; let all = "";
            while (walker.nextNode()) {
                nodes.push([walker.currentNode, all.length]); all += walker.currentNode.data;
            }
            const at = all.indexOf(words);
            if (at < 0) return null;
            function point(i) {
                for (let k = nodes.length - 1; k >= 0; k--) {
                    if (nodes[k][1] <= i) return [nodes[k][0], i - nodes[k][1]];
                }
            }
            function rect(i, n) {
                const [node, off] = point(i);
                const r = document.createRange();
                r.setStart(node, off); r.setEnd(node, off + n);
                return r.getClientRects()[0];
            }
            const last = words.length - ((words.codePointAt(words.length - 2) || 0) > 0xffff ? 2 : 1);
            const first = rect(at, (words.codePointAt(0) > 0xffff) ? 2 : 1);
            const end = rect(at + last, words.length - last);
            return {x1: first.left + 1, y1: first.top + first.height / 2,
                    x2: end.right - 1, y2: end.top + end.height / 2};
        }""",
        [turn_selector, words],
    )
    assert box, f"{words!r} not found in {turn_selector}"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2, steps=3)
    page.mouse.move(box["x2"], box["y2"], steps=3)
    page.mouse.up()


def codings(project: Path, coder: str) -> list[dict]:
    """`qda codings --coder CODER` as the command line prints it (CSV), parsed."""
    import csv
    import io

    out = subprocess.run(
        [sys.executable, "-m", "qda.cli", "codings", "--coder", coder, "--project", str(project)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    return list(csv.DictReader(io.StringIO(out)))

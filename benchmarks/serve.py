"""qda serve's speed: the reader drawing a 20,000-word transcript in Chromium, a coding
action on the server, and the documents list of a 1M-word project.

    python benchmarks/serve.py --size 1M --keep /tmp/serve-bench

Builds a project from the synthetic corpus (benchmarks/corpus.py) plus one transcript of
about 20,000 words (four of the corpus's interviews run together), codes it with the
rules, then measures, each against a baseline timed in the same run:

- reader: ``render()`` in the page (drawing every turn, highlight and suggestion, and
  laying the page out) vs the browser laying out the same text set as one ``<pre>``'s
  textContent; and the whole page load (navigation to ``qdaReady``) vs loading a static
  file of the same server;
- coding action: ``POST /api/codings``, ``DELETE``, and accepting a suggestion through the
  app in process (Starlette's TestClient: the server's own time, no network) vs one raw
  SQLite INSERT of a coding row committed on the same file;
- documents list: ``GET /api/documents`` and ``/`` vs ``SELECT id, name, length(text)
  FROM documents`` with sqlite3.

Needs Debian's Chromium at /usr/bin/chromium and the ``dev`` extra (playwright, httpx2).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from corpus import parse_size, write_corpus  # noqa: E402


def _best(fn, n: int = 7) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _median(times) -> float:
    return statistics.median(times)


def build(folder: Path, words: int) -> tuple[Path, str]:
    """The project (corpus + one ~20k-word transcript), rules-coded; its long document id."""
    import qda
    from qda.project import Project

    corpus = folder / "corpus"
    info = write_corpus(corpus, words)
    parts = sorted(corpus.glob("*.txt"))[:4]
    long = folder / "long-interview.txt"
    long.write_text("\n\n".join(p.read_text(encoding="utf-8") for p in parts), encoding="utf-8")
    path = folder / "bench.qda"
    t = time.perf_counter()
    with Project.create(path) as p:
        p.load_codebook(qda.default_codebook())
        p.ingest([corpus, long])
        p.code_rules()
        n_words = len(long.read_text(encoding="utf-8").split())
    print(
        f"built {path}: {info['words']:,} corpus words + {n_words:,}-word transcript "
        f"in {time.perf_counter() - t:.0f} s",
        flush=True,
    )
    return path, "long-interview"


def server_side(path: Path, long_doc: str) -> dict[str, float]:
    from starlette.testclient import TestClient

    from qda.serve import create_app

    out: dict[str, float] = {}
    token = "bench"
    app = create_app(path, token=token, allowed_hosts={"testserver"})
    with TestClient(app) as c:
        c.headers["X-QDA-Token"] = token
        out["documents_api"] = _best(lambda: c.get("/api/documents").raise_for_status(), 5)
        out["documents_page"] = _best(lambda: c.get("/").raise_for_status(), 5)
        doc = c.get(f"/api/documents/{long_doc}").json()
        out["document_api"] = _best(lambda: c.get(f"/api/documents/{long_doc}").raise_for_status(), 5)
        turns = [t for t in doc["turns"] if not t["interviewer"] and len(t["text"]) > 40][:25]
        adds, deletes = [], []
        for t in turns:
            body = {
                "document": long_doc,
                "start": t["start"] + 5,
                "end": t["start"] + 30,
                "code": "co_location",
                "coder": "bench",
            }
            s = time.perf_counter()
            r = c.post("/api/codings", json=body)
            adds.append(time.perf_counter() - s)
            r.raise_for_status()
            s = time.perf_counter()
            c.request("DELETE", f"/api/codings/{r.json()['id']}", json={"coder": "bench"}).raise_for_status()
            deletes.append(time.perf_counter() - s)
        out["add_coding"] = _median(adds)
        out["remove_coding"] = _median(deletes)
        accepts = []
        for s_ in doc["suggestions"][:10]:
            s = time.perf_counter()
            c.post(f"/api/suggestions/{s_['id']}/accept", json={"coder": "bench"}).raise_for_status()
            accepts.append(time.perf_counter() - s)
        out["accept"] = _median(accepts) if accepts else float("nan")
    con = sqlite3.connect(path, isolation_level=None)

    def raw_list():
        con.execute("SELECT id, name, length(text) FROM documents").fetchall()

    out["raw_list"] = _best(raw_list, 5)
    seg = con.execute(
        "SELECT id, document_id, start FROM segments WHERE document_id = ? AND is_interviewer = 0 LIMIT 30",
        (long_doc,),
    ).fetchall()
    raws = []
    for sid, d, start in seg[:25]:
        s = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.execute(
            'INSERT INTO codings (segment_id, document_id, start, "end", code_id,'
            " coder, source, status, created_at) VALUES (?, ?, ?, ?, 'co_location',"
            " 'raw', 'human', 'accepted', 'now')",
            (sid, d, start + 5, start + 30),
        )
        con.execute("COMMIT")
        raws.append(time.perf_counter() - s)
    con.execute("DELETE FROM codings WHERE coder = 'raw'")
    con.close()
    out["raw_insert"] = _median(raws)
    return out


def browser_side(path: Path, long_doc: str, folder: Path) -> dict[str, float]:
    from tests.helpers.browser import chromium, served

    out: dict[str, float] = {}
    with served(path) as s, chromium(folder / "profile") as ctx:
        page = ctx.new_page()
        page.goto(s["url"])
        page.wait_for_selector("#coder-dialog[open]")
        page.fill("#coder-input", "bench")
        page.press("#coder-input", "Enter")
        renders, loads, floors, statics, lists = [], [], [], [], []
        for _ in range(5):
            t = time.perf_counter()
            page.goto(f"{s['base']}/documents/{long_doc}")
            page.wait_for_function("() => window.qdaReady === true", timeout=60_000)
            loads.append(time.perf_counter() - t)
            renders.append(page.evaluate("() => window.qdaRenderMs") / 1000)
            floors.append(
                page.evaluate("""() => {
                const text = Array.from(document.querySelectorAll('.turn .text'))
                    .map((n) => n.textContent).join('\\n');
                const pre = document.createElement('pre');
                document.body.appendChild(pre);
                const t = performance.now();
                pre.textContent = text;
                void document.body.offsetHeight;
                const ms = performance.now() - t;
                pre.remove();
                return ms;
            }""")
                / 1000
            )
            t = time.perf_counter()
            page.goto(f"{s['base']}/static/style.css")
            statics.append(time.perf_counter() - t)
            t = time.perf_counter()
            page.goto(f"{s['base']}/")
            page.wait_for_selector("table.documents tbody tr")
            lists.append(time.perf_counter() - t)
        out.update(
            reader_render=min(renders),
            reader_load=min(loads),
            text_floor=min(floors),
            static_load=min(statics),
            documents_list_browser=min(lists),
        )
        out["turns"] = page.goto(f"{s['base']}/api/documents/{long_doc}").json()["turns"] and len(
            page.goto(f"{s['base']}/api/documents/{long_doc}").json()["turns"]
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1M")
    ap.add_argument("--keep", help="build into this folder and keep it")
    opts = ap.parse_args()
    folder = Path(opts.keep) if opts.keep else Path(tempfile.mkdtemp(prefix="serve-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        path, long_doc = build(folder, parse_size(opts.size))
        srv = server_side(path, long_doc)
        web = browser_side(path, long_doc, folder)
    finally:
        if not opts.keep:
            shutil.rmtree(folder, ignore_errors=True)
    ms = lambda v: f"{v * 1000:,.1f} ms"  # noqa: E731
    rows = [
        (
            "reader: render() of the 20k-word transcript",
            web["reader_render"],
            "same text as one <pre>",
            web["text_floor"],
            "< 1 s",
        ),
        (
            "reader: page load to ready (navigation, API, render)",
            web["reader_load"],
            "static file load",
            web["static_load"],
            "< 1 s",
        ),
        ("GET /api/documents/<20k-word doc>", srv["document_api"], "", None, ""),
        (
            "POST /api/codings (add a span coding)",
            srv["add_coding"],
            "raw INSERT + COMMIT",
            srv["raw_insert"],
            "< 100 ms",
        ),
        (
            "DELETE /api/codings/<id> (to the archive)",
            srv["remove_coding"],
            "raw INSERT + COMMIT",
            srv["raw_insert"],
            "< 100 ms",
        ),
        (
            "POST /api/suggestions/<id>/accept",
            srv["accept"],
            "raw INSERT + COMMIT",
            srv["raw_insert"],
            "< 100 ms",
        ),
        (
            "GET /api/documents (the list)",
            srv["documents_api"],
            "sqlite3 SELECT of the documents",
            srv["raw_list"],
            "< 1 s",
        ),
        (
            "GET / (the list page)",
            srv["documents_page"],
            "sqlite3 SELECT of the documents",
            srv["raw_list"],
            "< 1 s",
        ),
        (
            "documents page in Chromium",
            web["documents_list_browser"],
            "static file load",
            web["static_load"],
            "< 1 s",
        ),
    ]
    print(f"\n{opts.size} words + a 20k-word transcript ({web['turns']} turns)\n")
    print("| what | time | baseline | baseline time | ratio | target |")
    print("|---|---:|---|---:|---:|---|")
    for what, t, base, bt, target in rows:
        ratio = f"{t / bt:,.1f}x" if bt else ""
        print(f"| {what} | {ms(t)} | {base} | {ms(bt) if bt else ''} | {ratio} | {target} |")


if __name__ == "__main__":
    main()

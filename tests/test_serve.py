"""qda serve's app under Starlette's TestClient: the security rules, every JSON endpoint
(and its refusals), every write going through the Project (one history row each), the
pages escaping what the project holds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("httpx")
from starlette.testclient import TestClient  # noqa: E402

from qda.project import Project  # noqa: E402
from qda.serve import create_app  # noqa: E402
from tests.helpers.serve_world import COMBINING, EMOJI, MARKUP, make_project  # noqa: E402

TOKEN = "test-token-123"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("serve"))


@pytest.fixture
def project_path(built, tmp_path):
    target = tmp_path / "serve.qda"
    shutil.copy(built, target)
    return target


@pytest.fixture
def client(project_path):
    app = create_app(project_path, token=TOKEN, allowed_hosts={"testserver"})
    with TestClient(app, base_url="http://testserver") as c:
        c.headers["X-QDA-Token"] = TOKEN
        yield c


@pytest.fixture
def anonymous(project_path):
    app = create_app(project_path, token=TOKEN, allowed_hosts={"testserver"})
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def _history(path):
    with Project.open(path) as p:
        return p.history()


def _turn(client, document, words):
    data = client.get(f"/api/documents/{document}").json()
    for t in data["turns"]:
        i = t["text"].find(words)
        if i >= 0:
            return t, t["start"] + i, t["start"] + i + len(words)
    raise AssertionError(f"{words!r} not in {document}")


# ---------------------------------------------------------------------- security
def test_no_token_is_refused_everywhere(anonymous):
    for url in (
        "/",
        "/codes",
        "/matrix",
        "/api/documents",
        "/api/codebook",
        "/api/documents/int-a",
        "/static/reader.js",
    ):
        r = anonymous.get(url)
        assert r.status_code == 403, url
        assert "token" in r.json()["error"]
    assert anonymous.get("/api/documents", params={"token": "wrong"}).status_code == 403
    assert anonymous.get("/", headers={"X-QDA-Token": "wrong"}).status_code == 403


def test_the_printed_address_sets_a_cookie_and_drops_the_token(anonymous):
    r = anonymous.get(f"/?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert "qda_token=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert anonymous.get("/").status_code == 200  # the cookie is enough to read
    assert anonymous.get("/api/documents").status_code == 200


def test_a_change_needs_the_token_in_a_header_not_the_cookie(anonymous, project_path):
    anonymous.get(f"/?token={TOKEN}")  # has the cookie now
    before = len(_history(project_path))
    body = {"document": "int-a", "start": 0, "end": 5, "code": "benefits", "coder": "ann"}
    r = anonymous.post("/api/codings", json=body)
    assert r.status_code == 403 and "X-QDA-Token" in r.json()["error"]
    r = anonymous.post(f"/api/codings?token={TOKEN}", json=body)
    assert r.status_code == 403
    assert len(_history(project_path)) == before


def test_a_get_never_writes_and_odd_methods_are_refused(client):
    assert client.get("/api/codings").status_code == 405
    assert client.request("OPTIONS", "/api/codings").status_code == 405
    assert client.get("/api/suggestions/1/accept").status_code == 405


def test_a_foreign_host_header_is_refused(client):
    r = client.get("/api/documents", headers={"Host": "evil.example:8765"})
    assert r.status_code == 400 and "host" in r.text
    r = client.post("/api/codings", json={}, headers={"Host": "rebound.example"})
    assert r.status_code == 400


def test_answers_carry_a_strict_content_security_policy(client):
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_local_hosts_are_the_bound_names_with_the_port():
    from qda.serve.security import local_hosts

    assert local_hosts("127.0.0.1", 8765) == {"127.0.0.1:8765", "localhost:8765", "[::1]:8765"}
    assert "192.168.1.5:80" in local_hosts("192.168.1.5", 80)


# ----------------------------------------------------------------------- reading
def test_documents_list_words_participants_progress(client, project_path):
    with Project.open(project_path) as p:
        seg = p.segments()
        first = seg[seg["document"] == "int-a"]["segment_id"].iloc[0]
        p.add_coding(first, "benefits", coder="ann")
    data = client.get("/api/documents").json()
    docs = {d["id"]: d for d in data["documents"]}
    assert set(docs) == {"int-a", "int-b"}
    a = docs["int-a"]
    assert a["participants"] == ["S01"] and a["segments"] == 2 and a["interviewer_turns"] == 2
    assert (
        a["words"]
        == len(
            "Most weeks I'd ring his mum. She helps with appointments, honestly.\n"
            "And the home visit showed me a lot.".split()
        )
        + 10
    )
    assert a["progress"] == {"ann": 1}
    assert data["participants"]["S01"]["attributes"]["location"] == "Kent"
    assert data["attributes"]["group"] == ["family", "staff"]
    assert data["coders"] == ["ann"]


def test_a_document_has_turns_codings_and_suggestions_apart(client):
    data = client.get("/api/documents/int-a").json()
    turns = data["turns"]
    assert [t["interviewer"] for t in turns] == [True, False, True, False]
    dawn = turns[1]
    assert dawn["speaker"] == "Dawn" and dawn["participant"] == "S01"
    assert dawn["attributes"]["role"] == "Responsible Officer"
    assert data["codings"] == []
    assert data["suggestions"], "the rules suggest something on this interview"
    s = data["suggestions"][0]
    assert s["source"] == "rules" and s["status"] == "suggested"
    assert s["evidence"] and all("term" in e for e in s["evidence"])
    text = "".join(t["text"] for t in turns)
    assert all(e["text"] in text for s in data["suggestions"] for e in s["evidence"] if "text" in e)


def test_unknown_document_is_a_clear_error(client):
    r = client.get("/api/documents/nope")
    assert r.status_code == 400 and "unknown document 'nope'" in r.json()["error"]
    page = client.get("/documents/nope")
    assert page.status_code == 400 and "unknown document" in page.text


# ------------------------------------------------------------------------ coding
@pytest.mark.parametrize(
    "words",
    [EMOJI, "buggy \U0001f62c", "\U0001f62c", COMBINING, "re\u0301sume\u0301", "\U0001f468\u200d\U0001f469"],
)
def test_a_span_coding_keeps_exact_code_point_offsets(client, project_path, words):
    turn, start, end = _turn(client, "int-b", words)
    r = client.post(
        "/api/codings",
        json={
            "document": "int-b",
            "start": start,
            "end": end,
            "code": "co_location",
            "coder": "ann",
            "text": words,
        },
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["created"] and made["segment"] == turn["id"]
    with Project.open(project_path) as p:
        row = p.codings(coders=["ann"]).iloc[0]
        text = p.documents(text=True).set_index("document").loc["int-b", "text"]
    assert (row["start"], row["end"]) == (start, end)
    assert text[start:end] == words == row["text"]
    again = client.post(
        "/api/codings",
        json={"document": "int-b", "start": start, "end": end, "code": "co_location", "coder": "ann"},
    )
    assert again.status_code == 200 and again.json() == {**made, "created": False}


def test_adding_a_coding_is_one_history_row(client, project_path):
    turn, start, end = _turn(client, "int-a", "ring his mum")
    before = len(_history(project_path))
    client.post(
        "/api/codings",
        json={"document": "int-a", "start": start, "end": end, "code": "direct_involvement", "coder": "ann"},
    )
    hist = _history(project_path)
    assert len(hist) == before + 1
    last = hist.iloc[-1]
    assert (last["who"], last["action"], last["entity"]) == ("ann", "add", "coding")
    assert json.loads(last["detail"])["start"] == start


@pytest.mark.parametrize(
    "change, status, message",
    [
        ({"code": "no_such_code"}, 400, "unknown code"),
        ({"coder": " "}, 400, "coder"),
        ({"start": 3, "end": 200}, 400, "do not lie inside one turn"),
        ({"start": 13, "end": 20}, 400, "interviewer turn"),
        ({"start": 10, "end": 5}, 400, "not a span"),
        ({"start": "x"}, 400, "whole numbers"),
        ({"text": "something else"}, 409, "reload the page"),
        ({"document": "nope"}, 400, "unknown document"),
    ],
)
def test_bad_codings_are_refused_and_change_nothing(client, project_path, change, status, message):
    turn, start, end = _turn(client, "int-a", "ring his mum")
    body = {
        "document": "int-a",
        "start": start,
        "end": end,
        "code": "direct_involvement",
        "coder": "ann",
        **change,
    }
    before = len(_history(project_path))
    r = client.post("/api/codings", json=body)
    assert r.status_code == status, r.text
    assert message in r.json()["error"]
    assert len(_history(project_path)) == before


def test_a_body_that_is_not_json_is_refused(client):
    r = client.post("/api/codings", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["error"]


def test_removing_a_coding_archives_it(client, project_path):
    turn, start, end = _turn(client, "int-a", "home visit")
    made = client.post(
        "/api/codings",
        json={"document": "int-a", "start": start, "end": end, "code": "home_visits", "coder": "ann"},
    ).json()
    r = client.request("DELETE", f"/api/codings/{made['id']}", json={"coder": "ann"})
    assert r.status_code == 200 and r.json()["removed"] == made["id"]
    with Project.open(project_path) as p:
        assert p.codings(coders=["ann"]).empty
        archived = p.archived_codings()
        assert archived.iloc[-1]["quote"] == "home visit"
        assert archived.iloc[-1]["reason"] == "removed by ann"
        assert p.history().iloc[-1]["action"] == "remove"
    again = client.request("DELETE", f"/api/codings/{made['id']}", json={"coder": "ann"})
    assert again.status_code == 400 and "no coding" in again.json()["error"]


def test_a_suggestion_cannot_be_removed_only_rejected(client):
    s = client.get("/api/documents/int-a").json()["suggestions"][0]
    r = client.request("DELETE", f"/api/codings/{s['id']}", json={"coder": "ann"})
    assert r.status_code == 400 and "reject it instead" in r.json()["error"]


def test_others_codings_are_hidden_unless_asked(client):
    turn, start, end = _turn(client, "int-a", "ring his mum")
    for coder in ("ann", "bob"):
        client.post(
            "/api/codings",
            json={
                "document": "int-a",
                "start": start,
                "end": end,
                "code": "direct_involvement",
                "coder": coder,
            },
        )
    mine = client.get("/api/documents/int-a", params={"coder": "ann"}).json()
    assert [c["coder"] for c in mine["codings"]] == ["ann"] and mine["hidden"] == 1
    both = client.get("/api/documents/int-a", params={"coder": "ann", "others": "1"}).json()
    assert sorted(c["coder"] for c in both["codings"]) == ["ann", "bob"]


# ------------------------------------------------------------------- suggestions
def test_accept_reject_and_reopen_a_suggestion(client, project_path):
    first, second = client.get("/api/documents/int-a").json()["suggestions"][:2]
    r = client.post(f"/api/suggestions/{first['id']}/accept", json={"coder": "ann"})
    assert r.json() == {"action": "accept", "id": first["id"], "changed": 1, "duplicates": 0}
    r = client.post(f"/api/suggestions/{second['id']}/reject", json={"coder": "ann"})
    assert r.json()["changed"] == 1
    with Project.open(project_path) as p:
        table = p._store.codings().set_index("coding_id")
        assert table.loc[first["id"], "source"] == "human"
        assert table.loc[first["id"], "origin"] == "rules"
        assert table.loc[second["id"], "status"] == "rejected"
    doc = client.get("/api/documents/int-a", params={"coder": "ann"}).json()
    assert first["id"] in {c["id"] for c in doc["codings"]}
    assert not {first["id"], second["id"]} & {s["id"] for s in doc["suggestions"]}
    again = client.post(f"/api/suggestions/{second['id']}/reject", json={"coder": "ann"})
    assert again.status_code == 400 and "not an open suggestion" in again.json()["error"]
    for cid in (first["id"], second["id"]):
        r = client.post(f"/api/suggestions/{cid}/reopen", json={"coder": "ann"})
        assert r.status_code == 200 and r.json()["status"] == "suggested"
    with Project.open(project_path) as p:
        table = p._store.codings().set_index("coding_id")
        assert table.loc[first["id"], ["source", "coder", "status"]].tolist() == [
            "rules",
            "rules",
            "suggested",
        ]
        assert [h for h in p.history()["action"]][-2:] == ["reopen", "reopen"]
    r = client.post(f"/api/suggestions/{first['id']}/reopen", json={"coder": "ann"})
    assert r.status_code == 400 and "not a reviewed suggestion" in r.json()["error"]


def test_a_review_needs_a_coder_and_a_number(client):
    s = client.get("/api/documents/int-a").json()["suggestions"][0]
    assert client.post(f"/api/suggestions/{s['id']}/accept", json={}).status_code == 400
    r = client.post("/api/suggestions/abc/accept", json={"coder": "ann"})
    assert r.status_code == 400 and "whole numbers" in r.json()["error"]


# --------------------------------------------------------------------- codebook
def test_codebook_and_its_edits_go_through_the_project(client, project_path):
    book = client.get("/api/codebook").json()
    ids = [c["id"] for c in book["codes"]]
    assert "co_location" in ids and all(c["color"].startswith("#") for c in book["codes"])
    top = next(c for c in book["codes"] if c["depth"] == 1)
    r = client.post(
        "/api/codebook/add",
        json={"code": "new_one", "name": "New <one>", "parent": top["id"], "coder": "ann"},
    )
    assert r.status_code == 200 and r.json()["action"] == "add"
    assert (
        client.post(
            "/api/codebook/rename", json={"code": "new_one", "name": "Renamed", "coder": "ann"}
        ).status_code
        == 200
    )
    assert (
        client.post("/api/codebook/move", json={"code": "new_one", "parent": "", "coder": "ann"}).status_code
        == 200
    )
    turn, start, end = _turn(client, "int-a", "home visit")
    client.post(
        "/api/codings",
        json={"document": "int-a", "start": start, "end": end, "code": "new_one", "coder": "ann"},
    )
    r = client.post("/api/codebook/merge", json={"code": "new_one", "into": "home_visits", "coder": "ann"})
    assert r.status_code == 200 and r.json()["codings"] == 1
    with Project.open(project_path) as p:
        assert "new_one" not in p.codebook
        assert p.codings(coders=["ann"])["code"].tolist() == ["home_visits"]
        hist = p.history()
        edits = hist[hist["entity"] == "code"]
        assert edits["action"].tolist()[-4:] == ["add", "rename", "move", "merge"]
        assert set(edits["who"].tolist()[-4:]) == {"ann"}


def test_bad_codebook_edits_are_refused(client):
    r = client.post("/api/codebook/explode", json={"code": "co_location", "coder": "ann"})
    assert r.status_code == 400 and "unknown codebook edit" in r.json()["error"]
    r = client.post("/api/codebook/merge", json={"code": "co_location", "coder": "ann"})
    assert r.status_code == 400 and "into" in r.json()["error"]
    r = client.post("/api/codebook/rename", json={"code": "nope", "name": "x", "coder": "ann"})
    assert r.status_code == 400


# ------------------------------------------------------------ codes and matrix
def test_code_quotes_have_attribution_and_a_link_into_context(client):
    turn, start, end = _turn(client, "int-a", "ring his mum")
    client.post(
        "/api/codings",
        json={"document": "int-a", "start": start, "end": end, "code": "direct_involvement", "coder": "ann"},
    )
    quotes = client.get("/api/codes/direct_involvement/quotes").json()
    assert quotes == [
        {
            "document": "int-a",
            "segment": turn["id"],
            "start": start,
            "end": end,
            "coder": "ann",
            "participant": "S01",
            "attribution": quotes[0]["attribution"],
            "text": "ring his mum",
        }
    ]
    assert "Kent" in quotes[0]["attribution"] or "S01" in quotes[0]["attribution"]
    page = client.get("/codes/direct_involvement").text
    assert "ring his mum" in page and f'href="/documents/int-a#{turn["id"]}"'.replace(
        "#", "#"
    ) in page.replace("%23", "#")


def test_matrix_and_a_cell_s_quotes(client):
    data = client.get("/api/matrix").json()
    assert data["rows"] == "participant" and data["themes"]
    row = next(r for r in data["cells"] if any(r["values"]))
    theme = data["themes"][next(i for i, v in enumerate(row["values"]) if v)]["id"]
    quotes = client.get("/api/matrix/cell", params={"row": row["row"], "theme": theme}).json()
    assert len(quotes) == row["values"][[t["id"] for t in data["themes"]].index(theme)]
    assert all(q["participant"] == row["row"] for q in quotes)
    assert client.get("/matrix").status_code == 200
    assert client.get("/api/matrix/cell", params={"row": "x"}).status_code == 400


# -------------------------------------------------------------------- escaping
def test_pages_show_markup_in_the_project_as_text(client, project_path):
    with Project.open(project_path) as p:
        p.add_code("evil", "<script>alert('code')</script>", None, description="<img src=x onerror=alert(2)>")
    client.post(
        "/api/codings",
        json={
            "document": "int-b",
            **dict(zip(("start", "end"), _turn(client, "int-b", MARKUP)[1:])),
            "code": "evil",
            "coder": "ann",
        },
    )
    for url in ("/", "/codes", "/codes/evil", "/matrix"):
        html = client.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "<b>Surrey</b>" not in html, url
    assert "&lt;script&gt;alert" in client.get("/codes/evil").text
    assert "&lt;img src=x onerror=alert(2)&gt;" in client.get("/codes").text
    # the JSON carries the text as it is; the reader draws it with textContent
    data = client.get("/api/documents/int-b").json()
    assert any(MARKUP in t["text"] for t in data["turns"])


# -------------------------------------------------------------------- the command
def test_serve_refuses_a_missing_project(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "qda.cli", "serve", "--no-browser", "--project", str(tmp_path / "none.qda")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1
    assert r.stderr.startswith("Error: ") and "none.qda" in r.stderr and "Traceback" not in r.stderr


def test_serve_on_every_address_warns_and_prints_the_address(project_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qda.cli",
            "serve",
            "--no-browser",
            "--port",
            "0",
            "--host",
            "0.0.0.0",
            "--project",
            str(project_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        warning = proc.stderr.readline()
        line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert warning.startswith("Warning: listening on 0.0.0.0") and "anyone" in warning
    assert line.startswith("qda serve: http://127.0.0.1:") and "/?token=" in line


def test_word_counts_follow_a_new_version_of_a_document(project_path, tmp_path):
    with Project.open(project_path) as p:
        before = p.document_overview().set_index("document")["words"]
        assert p.document_overview().set_index("document")["words"].equals(before)
        changed = tmp_path / "int-a.txt"
        changed.write_text(
            "Interviewer: Hello?\n\nDawn: Three more words here, and four.\n", encoding="utf-8"
        )
        p.ingest([changed])
        after = p.document_overview().set_index("document")["words"]
    assert after["int-a"] == 6 and after["int-b"] == before["int-b"]


# ---------------------------------------------------------------------- exports
def test_export_writes_qda_run_s_files_beside_the_project(client, project_path):
    r = client.post("/api/export")
    assert r.status_code == 200, r.text
    done = r.json()
    folder = project_path.parent
    assert done["folder"] == str(folder)
    assert done["written"][0] == "qda-database.xlsx" and done["written"][-1] == "quotes.md"
    assert all((folder / name).is_file() for name in done["written"])
    assert any(name.startswith("charts/") for name in done["written"])
    assert done["warnings"] == [] and done["codings_used"]
    (folder / "quotes.md").write_text("my picked quotes", encoding="utf-8")
    again = client.post("/api/export").json()
    assert len(again["warnings"]) == 1 and "quotes.md: was changed" in again["warnings"][0]
    kept = list(folder.glob("quotes.edited-*.md"))
    assert kept and kept[0].read_text(encoding="utf-8") == "my picked quotes"
    assert client.get("/api/export").status_code == 405


def test_export_needs_the_token_in_a_header(anonymous, project_path):
    anonymous.get(f"/?token={TOKEN}")
    assert anonymous.post("/api/export").status_code == 403
    assert not (project_path.parent / "qda-database.xlsx").exists()

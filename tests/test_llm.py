"""The LLM coder: prompt, answer reading and evidence check (pure), the endpoint client and
``Project.suggest_llm`` / ``qda suggest --llm`` against an in-process fake server (the
error paths). The real local server is exercised in ``test_llm_server.py``."""

from __future__ import annotations

import json
import socket
import sqlite3

import pandas as pd
import pytest
from click.testing import CliRunner

from qda.cli import cli
from qda.codebook import Code, Codebook
from qda.coding import llm
from qda.coding.endpoint import Endpoint, chat_url
from qda.errors import InputError
from qda.project import Project
from qda.store import Store, migrations
from tests.helpers.llm_fake import CODEBOOK, FakeLLM, completion, keyword_model, segment_of

TRIGGERS = {"family_contact": "his mum", "confidentiality": "Confidentiality", "community_venue": "the hub"}


@pytest.fixture
def fake():
    server = FakeLLM()
    yield server
    server.close()


@pytest.fixture
def small(tmp_path, transcripts) -> Project:
    """The conftest transcripts with a four-code codebook."""
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    project = Project.create(tmp_path / "small.qda")
    project.ingest([transcripts])
    project.load_codebook(tmp_path / "cb.yaml")
    yield project
    project.close()


def _rows(df: pd.DataFrame) -> list[dict]:
    """A coding table as plain records (missing values as None, whatever the dtypes)."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


def _state(project: Project) -> tuple[list[dict], int]:
    return _rows(project.codings()), project._store.llm_answer_count()


# ----------------------------------------------------------------------------- pure
def test_the_prompt_carries_every_codes_definition_notes_and_examples():
    cb = Codebook(
        name="CB",
        version="3",
        codes=(
            Code(
                id="a",
                name="Alpha",
                description="First  thing.",
                include="When A.",
                exclude="Not B.",
                examples=("an example",),
            ),
            Code(id="b", name="Beta", parent="a"),
        ),
    )
    prompt = llm.build_prompt(cb)
    for part in (
        "id: a",
        "name: Alpha",
        "definition: First thing.",
        "use when: When A.",
        "do not use when: Not B.",
        "example: an example",
        "id: b",
        "name: Alpha / Beta",
        "CB (version 3)",
        '{"codes": [',
    ):
        assert part in prompt
    msg = llm.message(prompt, "the words")
    assert msg.startswith(prompt) and msg.endswith("SEGMENT:\nthe words")
    schema = llm.answer_schema(cb.ids)
    assert schema["properties"]["codes"]["items"]["properties"]["code"]["enum"] == ["a", "b"]
    with pytest.raises(ValueError):
        llm.build_prompt(Codebook())


def test_the_cache_key_is_model_prompt_and_text():
    key = llm.cache_key("m", "p", "t")
    assert key == llm.cache_key("m", "p", "t")
    assert (
        len(
            {
                key,
                llm.cache_key("m2", "p", "t"),
                llm.cache_key("m", "p2", "t"),
                llm.cache_key("m", "p", "t2"),
                llm.cache_key("mp", "", "t"),
            }
        )
        == 5
    )


TEXT = "I ring his mum on Mondays. “Confidentiality” matters; his mum knows."


def test_a_verbatim_quote_is_kept_with_its_offsets_and_others_are_dropped_and_counted():
    answer = json.dumps(
        {
            "codes": [
                {"code": "a", "quote": "his mum", "confidence": 0.8},
                {"code": "a", "quote": "on Mondays", "confidence": 0.95},
                {"code": "a", "quote": "his mum", "confidence": 0.1},  # the same span again
                {"code": "b", "quote": '  "Confidentiality" ', "confidence": 7},  # marks trimmed
                {"code": "c", "quote": "I ring his mother", "confidence": 0.9},  # paraphrase
                {"code": "zzz", "quote": "his mum", "confidence": 0.9},  # not in the codebook
                {"code": "a"},
                "nonsense",
            ]
        }
    )
    reading = llm.read_answer(answer, TEXT, ["a", "b", "c"])
    assert reading.quotes["a"] == [(7, 14, "his mum"), (15, 25, "on Mondays")]
    assert reading.quotes["b"] == [(28, 43, "Confidentiality")]
    for spans in reading.quotes.values():
        for start, end, quote in spans:
            assert TEXT[start:end] == quote
    assert "c" not in reading.quotes  # no quote found: no suggestion
    assert reading.confidence == {"a": 0.95, "b": None}  # 7 is no confidence
    assert (reading.not_found, reading.unknown, reading.malformed) == (1, 1, 2)


@pytest.mark.parametrize(
    "content, why",
    [
        ("Sure! The codes are family_contact.", "not JSON: 'Sure!"),
        ("", "an empty answer"),
        ('{"codes": [', "not JSON"),
        ('["a"]', 'not an object with a "codes" list'),
        ('{"labels": []}', 'not an object with a "codes" list'),
    ],
)
def test_an_answer_that_is_not_json_of_the_shape_is_a_bad_answer(content, why):
    with pytest.raises(llm.BadAnswer, match=why.replace("(", r"\(")):
        llm.read_answer(content, TEXT, ["a"])


def test_a_fenced_json_answer_is_read():
    fenced = '```json\n{"codes": [{"code": "a", "quote": "his mum", "confidence": 1}]}\n```'
    assert llm.read_answer(fenced, TEXT, ["a"]).quotes == {"a": [(7, 14, "his mum")]}


@pytest.mark.parametrize(
    "given, url",
    [
        ("http://localhost:11434/v1", "http://localhost:11434/v1/chat/completions"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/chat/completions"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/v1/chat/completions"),
        ("https://gw.example.org/llm/v1/chat/completions", "https://gw.example.org/llm/v1/chat/completions"),
        ("https://gw.example.org/openai", "https://gw.example.org/openai/chat/completions"),
    ],
)
def test_the_chat_completions_url_from_what_the_user_gives(given, url):
    assert chat_url(given) == url


@pytest.mark.parametrize("bad", ["localhost:11434", "ftp://x/v1", "http:///v1", ""])
def test_a_url_that_is_not_http_is_refused(bad):
    with pytest.raises(InputError, match="not an http"):
        chat_url(bad)


@pytest.mark.parametrize("bad", ["http://localhost:abc/v1", "http://localhost:99999/v1"])
def test_a_port_that_is_not_a_port_is_an_input_error_not_a_traceback(bad):
    # urllib raises ValueError when the port is read; it escaped as a traceback before
    with pytest.raises(InputError, match="give a port from 1 to 65535"):
        Endpoint.at(bad, model="m")


def test_loopback_hosts_are_local_and_others_need_allow_remote():
    assert Endpoint.at("http://127.0.0.1:9/v1", model="m").local
    assert Endpoint.at("http://localhost:9/v1", model="m").local
    remote = Endpoint.at("http://192.0.2.7:8000/v1", model="m")  # TEST-NET-1, never routed
    assert not remote.local and "NOT this machine" in remote.describe()
    with pytest.raises(InputError, match="not this machine.*--allow-remote"):
        remote.check_allowed(False)
    remote.check_allowed(True)
    with pytest.raises(InputError, match="--model"):
        Endpoint.at("http://127.0.0.1:9/v1", model=" ")


# ------------------------------------------------------------------ against the fake
def test_suggestions_carry_verified_quotes_at_exact_offsets_and_human_coding_is_untouched(small, fake):
    seg = small.segments().set_index("segment_id")
    dawn = seg.index[seg["text"].str.contains("his mum")][0]
    small.add_coding(dawn, "confidentiality", coder="ann")
    human = small.codings(sources=["human"])
    fake.reply = keyword_model(TRIGGERS)
    report = small.suggest_llm(fake.url, model="fake-1")
    assert fake.paths[0] == "/v1/chat/completions"
    body = fake.requests[0]
    assert body["model"] == "fake-1" and body["temperature"] == 0
    assert body["response_format"]["type"] == "json_object"
    assert body["response_format"]["schema"]["required"] == ["codes"]
    assert report.asked == report.segments == len(seg) and report.cached == 0
    got = small.codings(sources=["llm"])
    assert report.suggestions == len(got) == 3
    assert set(got["code"]) == {"family_contact", "confidentiality", "community_venue"}
    assert (got["coder"] == "llm").all() and (got["status"] == "suggested").all()
    assert (got["confidence"] == 0.9).all()
    texts = {r.document: r.text for r in small.documents(text=True).itertuples()}
    for row in got.itertuples():
        (hit,) = row.evidence
        assert texts[row.document][hit["start"] : hit["end"]] == hit["term"] == TRIGGERS[row.code]
        assert hit["model"] == "fake-1" and hit["prompt"] == report.prompt_sha256
        assert row.start <= hit["start"] < hit["end"] <= row.end  # inside the segment
    assert _rows(small.codings(sources=["human"])) == _rows(human)
    last = small.history().iloc[-1]
    assert (last["action"], last["entity_id"]) == ("suggest", "llm")
    assert json.loads(last["detail"])["model"] == "fake-1"


def test_a_second_run_asks_nothing_and_gives_the_same_suggestions(small, fake):
    fake.reply = keyword_model(TRIGGERS)
    small.suggest_llm(fake.url, model="fake-1")
    first, n = small.codings(sources=["llm"]), len(fake.requests)
    again = small.suggest_llm(fake.url, model="fake-1")
    assert len(fake.requests) == n and again.asked == 0 and again.cached == again.segments
    cols = ["segment_id", "code", "confidence", "evidence"]
    assert _rows(small.codings(sources=["llm"])[cols]) == _rows(first[cols])
    assert again.replaced == len(first)
    small.suggest_llm(fake.url, model="fake-2")  # another model: asked again
    assert len(fake.requests) == 2 * n


def test_reviewed_llm_suggestions_stay_and_are_not_suggested_again(small, fake):
    fake.reply = keyword_model(TRIGGERS)
    small.suggest_llm(fake.url, model="m")
    small.review("accept", coder="ann", codes=["family_contact"])
    small.review("reject", coder="ann", codes=["community_venue"])
    report = small.suggest_llm(fake.url, model="m")
    assert report.kept_reviewed == 2 and report.suggestions == 1
    rows = small.codings()
    assert len(rows[rows["origin"] == "llm"]) == 1
    assert len(rows[(rows["source"] == "llm") & (rows["status"] == "rejected")]) == 1


def test_a_non_json_answer_is_a_counted_warning_and_is_asked_again_next_time(small, fake):
    good = keyword_model(TRIGGERS)
    fake.reply = lambda body: (200, "I think: his mum") if "his mum" in segment_of(body) else good(body)
    report = small.suggest_llm(fake.url, model="m")
    assert len(report.bad_answers) == 1 and "not JSON: 'I think: his mum'" in report.bad_answers[0]
    assert any("1 of" in w and "not usable JSON" in w for w in report.warnings())
    assert "family_contact" not in set(small.codings(sources=["llm"])["code"])
    n = len(fake.requests)
    fake.reply = good
    again = small.suggest_llm(fake.url, model="m")
    assert len(fake.requests) == n + 1 and again.asked == 1 and not again.bad_answers
    assert "family_contact" in set(small.codings(sources=["llm"])["code"])


def test_an_answer_cut_off_at_max_tokens_is_a_bad_answer(small, fake):
    fake.reply = lambda body: (200, completion('{"codes": [{"code": "con', "length"))
    report = small.suggest_llm(fake.url, model="m")
    assert len(report.bad_answers) == report.segments
    assert "cut off at 512 tokens" in report.bad_answers[0]
    assert small._store.llm_answer_count() == 0


def test_an_unreachable_endpoint_is_one_error_and_changes_nothing(small):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    before = _state(small)
    with pytest.raises(InputError, match="cannot reach the endpoint.*is the server running"):
        small.suggest_llm(f"http://127.0.0.1:{port}/v1", model="m")
    assert _state(small) == (before[0], 0)


def test_a_timeout_midway_changes_no_coding_and_the_next_run_continues(small, fake):
    fake.reply = keyword_model(TRIGGERS)
    small.suggest_llm(fake.url, model="m")
    before = _rows(small.codings())
    calls = []

    def slow_third(body):
        calls.append(1)
        if len(calls) == 3:
            import time

            time.sleep(2)
        return keyword_model(TRIGGERS)(body)

    fake.reply = slow_third
    with pytest.raises(InputError, match=r"no answer within 0.5 s.*--timeout"):
        small.suggest_llm(fake.url, model="m2", timeout=0.5)
    assert _rows(small.codings()) == before  # no coding changed
    assert small._store.llm_answer_count() == small.segments().shape[0] + 2  # m: all; m2: 2
    fake.reply = keyword_model(TRIGGERS)
    report = small.suggest_llm(fake.url, model="m2")
    assert report.cached == 2 and report.asked == report.segments - 2


@pytest.mark.parametrize(
    "status, body, message",
    [
        (
            404,
            {"error": {"message": 'model "m" not found, try pulling it first'}},
            "HTTP 404.*does it serve the model 'm'.*not found, try pulling",
        ),
        (401, {"error": "no key"}, "refused the request.*QDA_LLM_API_KEY"),
        (500, b"<html>boom</html>", "answered HTTP 500.*boom"),
        (200, b"hello", "the reply is not a chat completion"),
        (200, {"object": "list", "data": []}, "the reply is not a chat completion"),
    ],
)
def test_http_errors_and_foreign_replies_are_one_error(small, fake, status, body, message):
    fake.reply = lambda _: (status, body)
    before = _state(small)
    with pytest.raises(InputError, match=message):
        small.suggest_llm(fake.url, model="m")
    assert _state(small) == before


def test_a_redirect_is_not_followed(small, fake):
    fake.reply = lambda _: (307, (b"", {"Location": "http://192.0.2.7/v1/chat/completions"}))
    with pytest.raises(InputError, match="redirects.*192.0.2.7.*does not follow"):
        small.suggest_llm(fake.url, model="m")
    assert len(fake.requests) == 1


def test_a_server_refusing_json_object_is_asked_with_json_schema(small, fake):
    def openai_like(body):
        if body["response_format"]["type"] != "json_schema":
            return 400, {"error": {"message": "Unknown parameter: 'response_format.schema'."}}
        return keyword_model(TRIGGERS)(body)

    fake.reply = openai_like
    report = small.suggest_llm(fake.url, model="m")
    assert report.suggestions == 3
    kinds = [r["response_format"]["type"] for r in fake.requests]
    assert kinds[:2] == ["json_object", "json_schema"] and set(kinds[2:]) == {"json_schema"}


def test_a_remote_endpoint_without_allow_remote_sends_nothing(small, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        cli, ["suggest", "--llm", "http://192.0.2.7:8000/v1", "--model", "m", "--project", str(small.path)]
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert "host 192.0.2.7 is NOT this machine" in lines[0]
    assert (
        lines[1].startswith(
            "Error: --llm http://192.0.2.7:8000/v1/chat/completions: host 192.0.2.7 is not this machine"
        )
        and len(lines) == 2
    )
    with pytest.raises(InputError, match="--allow-remote"):
        small.suggest_llm("http://192.0.2.7:8000/v1", model="m")


def test_the_command_prints_the_host_and_what_it_did_and_evaluates(small, fake, tmp_path):
    fake.reply = keyword_model(TRIGGERS)
    seg = small.segments().set_index("segment_id")
    for sid, text in seg["text"].items():  # ann: family_contact wherever "mum" is
        if "mum" in text:
            small.add_coding(sid, "family_contact", coder="ann")
        elif "hub" in text:
            small.add_coding(sid, "community_venue", coder="ann")
    small.close()
    runner, p = CliRunner(), ["--project", str(small.path)]
    out = runner.invoke(cli, ["suggest", "--llm", fake.url, "--model", "m", *p])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0] == (
        f"LLM endpoint {fake.url}/chat/completions (model m); host 127.0.0.1 is this machine: "
        "the words stay on it."
    )
    assert (
        f"about {len(seg)} segment(s): {len(seg)} sent, 0 answered from the project's "
        "cache; 3 suggestion(s) on 3 segment(s)" in out.output
    )
    ev = runner.invoke(
        cli,
        [
            "suggest",
            "--llm",
            fake.url,
            "--model",
            "m",
            "--from",
            "ann",
            "--evaluate",
            "--out",
            str(tmp_path / "ev.csv"),
            *p,
        ],
    )
    assert ev.exit_code == 0, ev.output
    assert "against ann on the 3 segments they reviewed, 2 codes (0 asked, 3 from the cache)" in ev.output
    table = pd.read_csv(tmp_path / "ev.csv").set_index("code_id")
    # "the hub" is in one of ann's two community_venue segments ("the community hub" is not)
    assert table.loc["family_contact", ["precision", "recall"]].tolist() == [1.0, 1.0]
    assert table.loc["community_venue", ["support", "predicted", "precision", "recall"]].tolist() == [
        2,
        1,
        1.0,
        0.5,
    ]
    assert table.loc["(macro)", "recall"] == 0.75
    assert "confidentiality (1)" not in ev.output  # not one of ann's segments
    codings = runner.invoke(cli, ["codings", "--source", "llm", *p])
    assert codings.exit_code == 0 and "his mum@" in codings.output
    listed = runner.invoke(cli, ["review", "list", "--source", "llm", *p])
    assert listed.exit_code == 0 and "llm,0.9,the hub" in listed.output
    shown = runner.invoke(cli, ["codebook", "show", *p])
    assert shown.exit_code == 0 and "llm" in shown.output.splitlines()[2], shown.output
    for command in (
        ["matrix", "--source", "llm"],
        [
            "export",
            "--xlsx",
            str(tmp_path / "w.xlsx"),
            "--quotes",
            str(tmp_path / "q.md"),
            "--qdpx",
            str(tmp_path / "p.qdpx"),
            "--suggestions",
        ],
    ):
        done = runner.invoke(cli, [*command, *p])
        assert done.exit_code == 0, (command, done.output)
    usage = runner.invoke(cli, ["suggest", "--llm", fake.url, *p])
    assert usage.exit_code == 2 and "--llm needs --model NAME" in usage.output


def test_anonymising_empties_the_cache(small, fake, tmp_path):
    fake.reply = keyword_model(TRIGGERS)
    small.suggest_llm(fake.url, model="m")
    assert small._store.llm_answer_count() > 0
    key = tmp_path / "key.csv"
    key.write_text("original,replacement,kind\nDawn,Officer A,person\n", encoding="utf-8")
    small.anonymise(key)
    assert small._store.llm_answer_count() == 0


def test_older_projects_migrate_keeping_every_coding_and_accept_the_llm_source(tmp_path, monkeypatch):
    path = tmp_path / "old.qda"
    # a project made before migration 10 (the ones after it come along on opening)
    old = tuple(m for m in migrations.MIGRATIONS if m.id < 10)
    assert 10 in {m.id for m in migrations.MIGRATIONS}
    monkeypatch.setattr(migrations, "MIGRATIONS", old)
    monkeypatch.setattr(migrations, "LATEST", old[-1].id)
    store = Store.create(path)
    with store.transaction():
        store._write(
            "INSERT INTO documents (id, name, format, sha256, text, unit, imported_at)"
            " VALUES ('d', 'd.txt', 'text', 'x', 'hello world', 'turn', 'now')"
        )
        store._write("INSERT INTO codes (id, name, position) VALUES ('c', 'C', 0)")
        store._write(
            'INSERT INTO codings (id, document_id, start, "end", code_id, coder,'
            " source, status, created_at, review, origin) VALUES (41, 'd', 0, 5, 'c',"
            " 'ann', 'human', 'accepted', 'now', 'look', 'rules')"
        )
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction():
            store._write(
                'INSERT INTO codings (document_id, start, "end", code_id, coder,'
                " source, status, created_at) VALUES ('d', 0, 5, 'c', 'llm', 'llm',"
                " 'suggested', 'now')"
            )
    store.close()
    monkeypatch.undo()
    store = Store.open(path)
    try:
        (row,) = store._conn.execute('SELECT id, start, "end", coder, review, origin FROM codings')
        assert row == (41, 0, 5, "ann", "look", "rules")
        with store.transaction():
            store.insert_codings(
                [
                    {
                        "segment_id": None,
                        "document_id": "d",
                        "start": 6,
                        "end": 11,
                        "code_id": "c",
                        "coder": "llm",
                        "source": "llm",
                        "status": "suggested",
                        "confidence": None,
                        "evidence": None,
                        "codebook_version": "1",
                        "created_at": "now",
                    }
                ]
            )
        indexes = {
            r[0]
            for r in store._conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'codings'"
                " AND name NOT LIKE 'sqlite_%'"
            )
        }
        assert indexes == {"codings_segment", "codings_code", "codings_status"}
        assert store.integrity_check() == "ok" and store.llm_answer_count() == 0
    finally:
        store.close()


def test_a_project_without_a_codebook_is_refused_before_anything_is_sent(fresh_project, fake, transcripts):
    fresh_project.ingest([transcripts])
    with pytest.raises(InputError, match="no codebook.*qda codebook load"):
        fresh_project.suggest_llm(fake.url, model="m")
    assert fake.requests == [] and fresh_project.codings().empty


@pytest.mark.parametrize(
    "args, message",
    [
        (["--evaluate"], "the cold start's --evaluate needs --against CODER"),
        (["--from", "ann", "--model", "m"], "--model and --allow-remote go with --llm URL"),
        (
            ["--llm", "http://127.0.0.1:9/v1", "--model", "m", "--from", "ann"],
            "--from CODER goes with --evaluate",
        ),
        (["--llm", "http://127.0.0.1:9/v1", "--model", "m", "--evaluate"], "--evaluate needs --from CODER"),
    ],
)
def test_suggest_says_which_options_go_together(small, args, message):
    result = CliRunner().invoke(cli, ["suggest", *args, "--project", str(small.path)])
    assert result.exit_code == 2 and message in " ".join(result.output.split())

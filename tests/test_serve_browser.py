"""qda serve end to end in a real browser: Debian's Chromium driven by Playwright.

`qda serve` runs as a subprocess on a copy of a project; the tests select words with the
mouse, code them with the keyboard, review suggestions with one key each, undo, and
check the project through `qda codings`. The reader's screenshot in the README is taken
here (docs/images/serve-reader.png), so it shows the page as it is.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("playwright")

from qda.project import Project  # noqa: E402
from tests.helpers.browser import chromium, codings, needs_chromium, select_words, served  # noqa: E402
from tests.helpers.serve_world import COMBINING, MARKUP, make_project  # noqa: E402

pytestmark = [pytest.mark.browser, needs_chromium]

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "images" / "serve-reader.png"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("serve-browser"))


@pytest.fixture
def world_copy(world, tmp_path):
    target = tmp_path / "world.qda"
    shutil.copy(world, target)
    return target


def _enter(page, url: str, coder: str = "ann") -> None:
    """Open the printed address and give the coder's name when asked."""
    page.goto(url)
    page.wait_for_selector("#coder-dialog[open]")
    page.fill("#coder-input", coder)
    page.press("#coder-input", "Enter")


def _open_reader(page, base: str, document: str) -> None:
    page.goto(f"{base}/documents/{document}")
    page.wait_for_function("() => window.qdaReady === true")


def _turn_with(project: Path, document: str, words: str) -> tuple[str, int]:
    """(segment id, offset of ``words`` in the stored text) of the turn holding them."""
    with Project.open(project) as p:
        segs = p.segments()
    segs = segs[(segs["document"] == document) & segs["text"].str.contains(words, regex=False)]
    row = segs.iloc[0]
    return row["segment_id"], int(row["start"]) + row["text"].index(words)


def test_code_a_phrase_with_the_mouse_and_keyboard_on_the_sample(sample_run, tmp_path):
    project = tmp_path / "sample.qda"
    shutil.copy(sample_run.project, project)
    with Project.open(project) as p:
        segs = p.segments()
    seg = segs[segs["document"] == "staff-01-telephone"].iloc[1]
    words = seg["text"].split()
    phrase = " ".join(words[3:8])
    sid, start = _turn_with(project, "staff-01-telephone", phrase)
    later = segs[segs["document"] == "staff-01-telephone"].iloc[3]["text"].split()
    phrase2 = " ".join(later[1:4])
    sid2, start2 = _turn_with(project, "staff-01-telephone", phrase2)
    with served(project) as s, chromium(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        _enter(page, s["url"])
        page.click("a[href='/documents/staff-01-telephone']")
        page.wait_for_function("() => window.qdaReady === true")
        select_words(page, f"[id='{sid}']", phrase)
        page.wait_for_selector("#picker:not([hidden])")
        page.keyboard.type("co-loc")
        page.keyboard.press("Enter")
        page.wait_for_selector("#toast.show")
        assert "Coded as Co-location" in page.inner_text("#toast")
        # a recent code is one key away: select more words, press 1
        page.wait_for_selector(f"[id='{sid}'] .chip[data-coding]")
        select_words(page, f"[id='{sid2}']", phrase2)
        page.wait_for_selector("#picker:not([hidden]) #picker-recent li")
        page.keyboard.press("1")
        page.wait_for_selector("#picker", state="hidden")
        page.reload()
        page.wait_for_function("() => window.qdaReady === true")
        chip = page.locator(f"[id='{sid}'] .chip[data-coding]")
        assert chip.count() == 1 and "Co-location" in chip.inner_text()
        # the screenshot for the README: a coded phrase, a suggestion in focus
        page.keyboard.press("n")
        page.locator(f"[id='{sid}']").scroll_into_view_if_needed()
        page.evaluate(f"document.getElementById({sid!r}).scrollIntoView({{block: 'start'}})")
        page.evaluate("window.scrollBy(0, -70)")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
    rows = codings(project, "ann")
    assert sorted(
        (r["segment_id"], int(r["start"]), int(r["end"]), r["code"], r["text"]) for r in rows
    ) == sorted(
        [
            (sid, start, start + len(phrase), "co_location", phrase),
            (sid2, start2, start2 + len(phrase2), "co_location", phrase2),
        ]
    )


@pytest.mark.parametrize("words", ["buggy \U0001f62c every week. \U0001f468\u200d\U0001f469 We", COMBINING])
def test_offsets_are_code_points_with_emoji_and_combining_marks(world_copy, tmp_path, words):
    sid, start = _turn_with(world_copy, "int-b", words)
    with served(world_copy) as s, chromium(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        _enter(page, s["url"])
        _open_reader(page, s["base"], "int-b")
        select_words(page, f"[id='{sid}']", words)
        page.wait_for_selector("#picker:not([hidden])")
        assert page.inner_text("#picker-quote") == f"“{words}”"
        page.keyboard.type("children in")
        page.keyboard.press("Enter")
        page.wait_for_selector("#toast.show")
    rows = codings(world_copy, "ann")
    assert [(int(r["start"]), int(r["end"]), r["text"]) for r in rows] == [(start, start + len(words), words)]


def test_offset_conversions_in_the_page(world_copy, tmp_path):
    with served(world_copy) as s, chromium(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        _enter(page, s["url"])
        _open_reader(page, s["base"], "int-b")
        got = page.evaluate("""() => [
            QdaOffsets.codePoints("a\\u{1F62C}b", 3, true),
            QdaOffsets.codePoints("a\\u{1F62C}b", 2, true),
            QdaOffsets.codePoints("a\\u{1F62C}b", 2, false),
            QdaOffsets.units("a\\u{1F62C}b", 2),
            QdaOffsets.length("e\\u0301\\u{1F468}\\u200D\\u{1F469}"),
            QdaOffsets.units("e\\u0301x", 2)]""")
    assert got == [2, 2, 1, 3, 5, 2]


def test_accept_reject_next_and_undo_with_one_key_each(world_copy, tmp_path):
    with Project.open(world_copy) as p:
        table = p.suggestions()
    first, second = table[table["document_id"] == "int-a"]["coding_id"].tolist()[:2]
    with served(world_copy) as s, chromium(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        _enter(page, s["url"])
        _open_reader(page, s["base"], "int-a")
        page.keyboard.press("n")
        assert page.locator("#suggestion-list li.current").get_attribute("data-coding") == str(first)
        assert "matched:" in page.inner_text("#suggestion-list li.current")
        page.keyboard.press("a")
        page.wait_for_function(
            f"() => !document.querySelector(\"#suggestion-list li[data-coding='{first}']\")"
        )
        assert page.locator("#suggestion-list li.current").get_attribute("data-coding") == str(second)
        page.keyboard.press("r")
        page.wait_for_function(
            f"() => !document.querySelector(\"#suggestion-list li[data-coding='{second}']\")"
        )
        with Project.open(world_copy) as p:
            rows = p._store.codings().set_index("coding_id")
            assert rows.loc[first, ["source", "coder", "origin"]].tolist() == ["human", "ann", "rules"]
            assert rows.loc[second, "status"] == "rejected"
        page.keyboard.press("u")
        page.wait_for_selector(f"#suggestion-list li[data-coding='{second}']")
    with Project.open(world_copy) as p:
        rows = p._store.codings().set_index("coding_id")
        assert rows.loc[second, "status"] == "suggested"
        assert rows.loc[first, "status"] == "accepted"


def test_remove_a_coding_and_undo_it(world_copy, tmp_path):
    sid, start = _turn_with(world_copy, "int-a", "ring his mum")
    with Project.open(world_copy) as p:
        p.code_span("int-a", start, start + len("ring his mum"), "direct_involvement", coder="ann")
    with served(world_copy) as s, chromium(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        _enter(page, s["url"])
        _open_reader(page, s["base"], "int-a")
        page.click(f"[id='{sid}'] .chip .remove")
        page.wait_for_function(f"() => !document.querySelector(\"[id='{sid}'] .chip[data-coding]\")")
        assert codings(world_copy, "ann") == []
        page.click("#undo")
        page.wait_for_selector(f"[id='{sid}'] .chip[data-coding]")
    assert [r["text"] for r in codings(world_copy, "ann")] == ["ring his mum"]


def test_others_codings_are_hidden_until_asked(world_copy, tmp_path):
    sid, start = _turn_with(world_copy, "int-a", "ring his mum")
    with Project.open(world_copy) as p:
        p.code_span("int-a", start, start + 4, "direct_involvement", coder="bob")
    with served(world_copy) as s, chromium(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        _enter(page, s["url"])
        _open_reader(page, s["base"], "int-a")
        assert page.locator(".chip[data-coding]").count() == 0
        assert "1 hidden" in page.inner_text("#hidden-count")
        page.check("#show-others")
        page.wait_for_selector(".chip[data-coding]")
        assert "bob" in page.inner_text(".chip[data-coding]")


def test_markup_in_a_transcript_shows_as_text(world_copy, tmp_path):
    with served(world_copy) as s, chromium(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        _enter(page, s["url"])
        _open_reader(page, s["base"], "int-b")
        assert page.locator("#turns script, #turns img").count() == 0
        assert MARKUP in page.inner_text("#turns")
        page.goto(s["base"] + "/")
        assert page.locator("table.documents b").count() == 0
        assert "location: <b>Surrey</b>" in page.locator("span.person").nth(1).get_attribute("title")
        assert dialogs == []


def test_without_the_token_the_page_and_the_api_are_refused(world_copy, tmp_path):
    with served(world_copy) as s, chromium(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        response = page.goto(s["base"] + "/")
        assert response.status == 403 and "token" in page.inner_text("body")
        assert ctx.request.get(s["base"] + "/api/documents").status == 403
        r = ctx.request.post(s["base"] + "/api/codings", data={"document": "int-a"})
        assert r.status == 403
        wrong = page.goto(s["base"] + "/?token=not-the-token")
        assert wrong.status == 403


def test_documents_filter_codes_and_matrix_pages(world_copy, tmp_path):
    with Project.open(world_copy) as p:
        p.review("accept", coder="ann", all=True)
    with served(world_copy) as s, chromium(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        _enter(page, s["url"])
        page.select_option("#filter-attr", "group")
        page.select_option("#filter-value", "family")
        assert page.locator("table.documents tbody tr:not([hidden])").count() == 1
        assert "1 of 2" in page.inner_text("#filter-count")
        page.goto(s["base"] + "/matrix")
        page.locator("button.cell").first.click()
        page.wait_for_selector("#cell-quotes:not([hidden]) li")
        link = page.locator("#cell-list a").first.get_attribute("href")
        assert link.startswith("/documents/")
        page.click("#export")  # the matrix page writes qda run's files beside it
        page.wait_for_selector("#toast.show")
        assert page.inner_text("#toast").startswith("Wrote "), page.inner_text("#toast")
        assert (world_copy.parent / "qda-database.xlsx").is_file()
        assert (world_copy.parent / "quotes.md").is_file()
        page.goto(s["base"] + "/codes")
        page.fill("form[data-action='add'] input[name='code']", "new_code")
        page.fill("form[data-action='add'] input[name='name']", "A new code")
        page.click("form[data-action='add'] button")
        page.wait_for_selector("#code-new_code")
    with Project.open(world_copy) as p:
        assert "new_code" in p.codebook
        assert p.history().iloc[-1]["who"] == "ann"

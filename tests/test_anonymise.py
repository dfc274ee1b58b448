"""qda.anonymise: the key reader, the rewrite's offset map, the finder, the file audit."""

from __future__ import annotations

import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qda.anonymise import Key, KeyEntry, read_key, rewrite, scan_file
from qda.anonymise.find import find_candidates, pattern_hits
from qda.errors import InputError

HEADER = "original,replacement,kind,case_sensitive,whole_word\n"


def key_of(*rows: tuple) -> Key:
    return Key(tuple(KeyEntry(*r) for r in rows), "test")


def write_key(tmp_path, body: str, header: str = HEADER):
    path = tmp_path / "key.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ key
def test_read_key_defaults_and_options(tmp_path):
    key = read_key(
        write_key(tmp_path, "Jane Smith,[name],person,,\nDawn,[S01],person,true,\nKen,[K],other,,no\n")
    )
    jane, dawn, ken = key.entries
    assert (jane.case_sensitive, jane.whole_word, jane.row) == (False, True, 2)
    assert dawn.case_sensitive and not ken.whole_word
    assert len(key.sha256) == 64
    assert key.counts() == {"person": 2, "other": 1}


def test_extra_columns_such_as_find_output_are_ignored(tmp_path):
    path = write_key(
        tmp_path, "Kieran,[son],person,12,doc-1\n", header="original,replacement,kind,count,documents\n"
    )
    assert read_key(path).entries[0].replacement == "[son]"


@pytest.mark.parametrize(
    "body, message",
    [
        (",[x],person,,\n", "row 2: the original is empty"),
        ("Jane,[a],person,,\njane,[b],person,,\n", "row 3: 'jane' is already in the key (row 2)"),
        ("Jane,[a],person,,\nJo,Jane,person,,\n", "row 3: the replacement 'Jane' contains 'Jane'"),
        ("Jane,[a],person,,\nJo,Aunt Jane,person,,\n", "the original of row 2"),
        ("Jane,[a],person,maybe,\n", "row 2: case_sensitive is 'maybe'"),
        ("Jane,[a],person,,sometimes\n", "row 2: whole_word is 'sometimes'"),
        ("Jane,[a],peron,,\n", "row 2: kind 'peron' is not one of"),
        ("Jane,,person,,\n", "row 2: 'Jane' has no replacement"),
        ('"Jane\nSmith",[a],person,,\n', "spans several lines"),
        ("", "the key has no rows"),
    ],
)
def test_bad_keys_name_the_file_and_row(tmp_path, body, message):
    path = write_key(tmp_path, body)
    with pytest.raises(InputError, match=str(path).replace("\\", "\\\\")) as err:
        read_key(path)
    assert message in str(err.value)


def test_case_sensitive_duplicates_that_differ_in_case_are_allowed(tmp_path):
    key = read_key(write_key(tmp_path, "Pat,[F07],person,true,\npat,[verb],other,true,\n"))
    assert key.apply("Pat said pat") == "[F07] said [verb]"


def test_missing_columns_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="missing: kind"):
        read_key(write_key(tmp_path, "Jane,[a]\n", header="original,replacement\n"))
    with pytest.raises(InputError, match="no such key file"):
        read_key(tmp_path / "nope.csv")


def test_longest_match_first_case_and_whole_words():
    key = key_of(
        ("Jane", "[first]", "person"),
        ("Jane Smith", "[name]", "person"),
        ("Dawn", "[S01]", "person", True),
        ("Ron", "[R]", "person"),
    )
    assert key.apply("Jane Smith met Jane at dawn with Dawn") == "[name] met [first] at dawn with [S01]"
    assert key.apply("JANE smith, front, Ron's") == "[name], front, [R]'s"
    assert key_of(("Smith", "[x]", "person", False, False)).apply("Smithson") == "[x]son"


# -------------------------------------------------------------------------- rewrite
KEY = key_of(
    ("Jane Smith", "[name]", "person"), ("Kent", "[county that is long]", "place"), ("Bo", "B", "person")
)


def test_rewrite_maps_spans_exactly_and_grows_spans_cut_inside_a_term():
    text = "Then Jane Smith said Kent was far. Bo agreed."
    rw = rewrite(text, KEY)
    assert rw.text == "Then [name] said [county that is long] was far. B agreed."
    m = rw.map
    said = text.index("said")
    assert rw.text[slice(*m.span(said, said + 4))] == "said"
    start = text.index("Jane")
    assert rw.text[slice(*m.span(start, start + 10))] == "[name]"  # exactly the term
    assert rw.text[slice(*m.span(start + 5, said + 4))] == "[name] said"  # began inside it
    assert rw.text[slice(*m.span(0, start + 3))] == "Then [name]"  # ended inside it
    assert rw.text[slice(*m.span(start + 1, start + 3))] == "[name]"  # wholly inside it
    assert rw.text[slice(*m.span(0, len(text)))] == rw.text
    assert [x.entry.original for x in rw.matches] == ["Jane Smith", "Kent", "Bo"]


def test_a_term_across_a_protected_boundary_is_left_and_reported():
    text = "Jane Smith"
    rw = rewrite(text, KEY, boundaries=[5])
    assert rw.text == text and not rw.map.changed
    assert [(s.start, s.end) for s in rw.skipped] == [(0, 10)]
    assert rewrite(text, KEY, boundaries=[0, 10]).text == "[name]"


WORDS = st.sampled_from(["the", "Jane Smith", "Kent", "Bo", "said", "ok", "é", "😀", "Bob", "kent", "\n"])


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=25), st.data())
def test_any_span_on_word_boundaries_keeps_its_words(words, data):
    text = "|".join(words)  # cut only between words, never inside a term
    cuts = [0] + [i for i, ch in enumerate(text) if ch == "|"] + [len(text)]
    a = data.draw(st.sampled_from(cuts))
    b = data.draw(st.sampled_from([c for c in cuts if c > a] or [len(text)]))
    if a == b:
        return
    rw = rewrite(text, KEY)
    start, end = rw.map.span(a, b)
    assert rw.text[start:end] == KEY.apply(text[a:b])
    assert rw.text == KEY.apply(text)


# ---------------------------------------------------------------------------- find
def test_patterns_find_emails_phones_postcodes_dates():
    text = (
        "Mail jo.bloggs@example.org or ring 01622 123456 or +44 7700 900123; "
        "we're at ME14 1XX since 12/03/2023 and 3rd March 2024."
    )
    found = {text[s:e]: k for s, e, k in pattern_hits(text)}
    assert found == {
        "jo.bloggs@example.org": "contact",
        "01622 123456": "contact",
        "+44 7700 900123": "contact",
        "ME14 1XX": "place",
        "12/03/2023": "date",
        "3rd March 2024": "date",
    }


def test_candidates_skip_sentence_starts_common_words_and_codebook_terms():
    import pandas as pd

    texts = [
        "Honestly my son Kieran went to Tonbridge Road with Carol. Probation helped.",
        "We went to the probation office. Kieran said it was fine, a carol or two.",
        "I saw Dawn at the Family Hub on Monday.",
    ]
    segs = pd.DataFrame(
        {"segment_id": ["d#t1", "d#t2", "d#t3"], "document": "d", "start": [0, 100, 200], "text": texts}
    )
    df = find_candidates(
        segs,
        codebook_terms={"family hub"},
        speakers=[("d", "Carol", 3), ("d", "Respondent", 9), ("d", "R2", 1)],
    )
    found = dict(zip(df["original"], df["count"]))
    # "Carol" in the text is a common word also written in lower case ("a carol"), so only
    # her speaker label finds her (3 turns); "Kieran" at a sentence start is not counted.
    assert found == {"Carol": 3, "Kieran": 1, "Tonbridge Road": 1, "Dawn": 1}
    assert list(df.columns[:3]) == ["original", "replacement", "kind"]
    assert df.loc[df["original"] == "Tonbridge Road", "kind"].item() == "place"
    assert "d#t1@16" in df.loc[df["original"] == "Kieran", "where"].item()
    assert df["replacement"].eq("").all()


# --------------------------------------------------------------------------- audit
def test_scan_file_reads_every_format(tmp_path):
    import docx
    from openpyxl import Workbook

    key = key_of(("Kieran", "[son]", "person"))
    wb = Workbook()
    wb.active["C7"] = "no names here"
    ws = wb.create_sheet("Quotes")
    ws["B2"] = "and Kieran said"
    wb.save(tmp_path / "a.xlsx")
    d = docx.Document()
    d.add_paragraph("clean")
    d.add_table(rows=1, cols=1).cell(0, 0).text = "Kieran again"
    d.save(tmp_path / "a.docx")
    with zipfile.ZipFile(tmp_path / "a.qdpx", "w") as zf:
        zf.writestr("project.qde", '<Project><User name="Kieran"/></Project>')
        zf.writestr("sources/x.txt", "text about KIERAN")
    (tmp_path / "a.md").write_text("> quote with kieran\n", encoding="utf-8")
    places = {p: set(scan_file(tmp_path / p, key)["place"]) for p in ("a.xlsx", "a.docx", "a.qdpx", "a.md")}
    assert places == {
        "a.xlsx": {"sheet 'Quotes' cell B2"},
        "a.docx": {"table 1 row 1 cell 1"},
        "a.qdpx": {"member project.qde", "member sources/x.txt"},
        "a.md": {"text"},
    }
    with pytest.raises(InputError, match="cannot check .bin files"):
        (tmp_path / "a.bin").write_bytes(b"x")
        scan_file(tmp_path / "a.bin", key)
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="bad.xlsx: cannot be read"):
        scan_file(tmp_path / "bad.xlsx", key)

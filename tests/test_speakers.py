"""Speaker turns: which line starts are labels, who is the interviewer, and exact offsets."""

from __future__ import annotations

import unicodedata

import pytest

from qda.ingest.speakers import Turn, find_turns, is_interviewer_label, paragraph_turns


def spoken(text: str, turns: list[Turn]) -> list[tuple[str | None, str]]:
    """(speaker, words) for each turn, read back through the offsets."""
    return [(t.speaker, text[t.start : t.end]) for t in turns]


# ------------------------------------------------------------------------- label forms
@pytest.mark.parametrize(
    ("line", "speaker", "words"),
    [
        ("Dawn: I ring his mum most weeks.", "Dawn", "I ring his mum most weeks."),
        ("DAWN: I ring his mum.", "DAWN", "I ring his mum."),
        ("P1: Not often.", "P1", "Not often."),
        ("Speaker 1: Hello there.", "Speaker 1", "Hello there."),
        ("Dr. Okafor: It depends on the order.", "Dr. Okafor", "It depends on the order."),
        ("Siân: Diolch, yes.", "Siân", "Diolch, yes."),
        ("Zoë Dupré-Smith: Yes.", "Zoë Dupré-Smith", "Yes."),
        ("Ms O’Neill: Sometimes.", "Ms O’Neill", "Sometimes."),
        ("Jean-Luc:\tWith a tab.", "Jean-Luc", "With a tab."),
        ("Dr.  Okafor :  Spaces around.", "Dr. Okafor", "Spaces around."),
        (
            "Maria Garcia Lopez Ruiz: Four words is still a name.",
            "Maria Garcia Lopez Ruiz",
            "Four words is still a name.",
        ),
        ("सीता: नमस्ते", "सीता", "नमस्ते"),
    ],
)
def test_label_forms_are_recognised(line, speaker, words):
    text = f"Interviewer: Go on.\n{line}\n"
    turns, header_end = find_turns(text)
    assert header_end == 0
    assert spoken(text, turns) == [("Interviewer", "Go on."), (speaker, words)]


def test_decomposed_accents_are_a_label_and_the_speaker_is_stored_composed():
    """A file saved on macOS may hold 'Sia' + U+0302 + 'n' rather than 'Siân'."""
    text = unicodedata.normalize("NFD", "Siân: Diolch.\nInterviewer: Thanks.")
    turns, _ = find_turns(text)
    assert [t.speaker for t in turns] == ["Siân", "Interviewer"]
    assert text[turns[0].start : turns[0].end] == "Diolch."


def test_label_alone_on_its_line_takes_the_text_on_the_next_line():
    text = "Interviewer:\nHow often?\n\nDawn:\n\n  Most weeks.\nAnd at weekends.\n"
    turns, _ = find_turns(text)
    assert spoken(text, turns) == [
        ("Interviewer", "How often?"),
        ("Dawn", "Most weeks.\nAnd at weekends."),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "So what I said was: it depends.",  # five words: a sentence, not a name
        "10:30: we met at the office.",  # a time
        "10:30 we met at the office.",
        "At 10:30 we met.",  # colon not followed by a space
        "http://example.org is where it was.",
        "  Indented: text is not a label.",  # labels start the line
        ": no label at all.",
        "_underscore: starts with no letter.",
        "A" * 41 + ": too long to be a name.",
    ],
)
def test_line_starts_that_are_not_labels_stay_in_the_turn(line):
    text = f"Dawn: First.\n{line}\nInterviewer: Next."
    turns, _ = find_turns(text)
    assert spoken(text, turns) == [("Dawn", f"First.\n{line}"), ("Interviewer", "Next.")]


def test_a_label_with_nothing_after_it_gives_no_turn():
    text = "Interviewer: Anything else?\nDawn:\n\nInterviewer: Thank you."
    turns, _ = find_turns(text)
    assert spoken(text, turns) == [("Interviewer", "Anything else?"), ("Interviewer", "Thank you.")]


def test_a_colon_later_in_the_line_stays_in_the_words():
    text = "Dawn: She said: no, not on a Tuesday."
    turns, _ = find_turns(text)
    assert spoken(text, turns) == [("Dawn", "She said: no, not on a Tuesday.")]


# --------------------------------------------------------------------------- the header
def test_text_before_the_first_label_is_a_header_not_a_turn():
    text = "[Telephone interview. Names changed.]\n\nInterviewer: Hello.\nDawn: Hi."
    turns, header_end = find_turns(text)
    assert text[:header_end].strip() == "[Telephone interview. Names changed.]"
    assert spoken(text, turns) == [("Interviewer", "Hello."), ("Dawn", "Hi.")]
    assert all(t.start >= header_end for t in turns)


def test_text_without_labels_has_no_turns_and_is_all_header():
    text = "Just a written submission.\nNo labels."
    assert find_turns(text) == ([], len(text))


# ------------------------------------------------------------------------- interviewers
@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Interviewer", True),
        ("INTERVIEWER", True),
        ("interviewer", True),
        ("Interviewer 2", True),
        ("Interviewer2", True),
        ("Interviewer_3", True),
        ("Facilitator", True),
        ("Moderator", True),
        ("Researcher", True),
        ("Int", True),
        ("I", True),
        ("Q", True),
        ("Q1", True),
        ("  Interviewer  ", True),
        ("Dawn", False),
        ("P1", False),
        ("Speaker 1", False),
        ("A", False),
        ("Interviewee", False),
        ("Respondent", False),
        ("", False),
        (None, False),
    ],
)
def test_is_interviewer_label(label, expected):
    assert is_interviewer_label(label) is expected


@pytest.mark.parametrize(
    ("label", "extra", "expected"),
    [
        ("JB", ["JB"], True),
        ("jb", ["JB "], True),
        ("JB 2", ["jb"], True),
        ("Dr. Okafor", ["dr. okafor"], True),
        ("Dawn", ["JB"], False),
    ],
)
def test_extra_interviewer_labels(label, extra, expected):
    assert is_interviewer_label(label, extra) is expected


def test_turns_are_marked_as_the_interviewers():
    text = (
        "Interviewer: One?\nI: Two?\nQ: Three?\nFacilitator: Four?\nInterviewer 2: Five?\n"
        "JB: Six?\nDawn: Answer.\nP1: Answer.\n"
    )
    turns, _ = find_turns(text, interviewer_labels=["JB"])
    assert [(t.speaker, t.is_interviewer) for t in turns] == [
        ("Interviewer", True),
        ("I", True),
        ("Q", True),
        ("Facilitator", True),
        ("Interviewer 2", True),
        ("JB", True),
        ("Dawn", False),
        ("P1", False),
    ]


def test_extra_labels_can_be_any_iterable():
    text = "JB: Question?\nDawn: Answer."
    turns, _ = find_turns(text, interviewer_labels=(label for label in ["JB"]))
    assert [t.is_interviewer for t in turns] == [True, False]


# ---------------------------------------------------------------------------- offsets
TRANSCRIPTS = [
    "Interviewer: Hello.\nDawn: Hi.",
    "Interviewer:   padded   \n\n\nDawn:\t\ttabs\t\n",
    "[Header]\nInterviewer:\n\nOn the next line.\n\n\nP1: a\nb\n\nc   \n",
    "Siân: 😬 emoji and accents ✓\nQ: ¿Qué?\n",
    "Dr. Okafor: She said: no.\nSpeaker 12: 10:30 then.\n10:30: still Speaker 12.",
    "Interviewer: \u00a0non-breaking space\u00a0\nDawn: \u2003em space\u2003",
]


@pytest.mark.parametrize("text", TRANSCRIPTS)
def test_offsets_give_the_words_trimmed_and_never_the_label(text):
    turns, header_end = find_turns(text)
    assert turns
    for t in turns:
        words = text[t.start : t.end]
        assert words == words.strip() and words
        assert t.start >= header_end
        assert t.speaker is not None
        # The label sits just before the words, outside them.
        before = text[: t.start].rstrip()
        assert before.endswith(":")
        assert before[:-1].rstrip().endswith(t.speaker.split()[-1])
    starts = [t.start for t in turns]
    assert starts == sorted(starts)
    assert all(a.end < b.start for a, b in zip(turns, turns[1:]))


# ------------------------------------------------------------------------ paragraphs
def test_paragraph_turns_gives_each_non_blank_line_trimmed():
    text = "  First line.  \n\n\t\nSecond line.\nThird."
    turns = paragraph_turns(text)
    assert spoken(text, turns) == [(None, "First line."), (None, "Second line."), (None, "Third.")]


def test_paragraph_turns_respects_start_end_and_speaker():
    text = "[Header]\nOne.\nTwo.\nThree."
    start = text.index("One")
    end = text.index("Three")
    turns = paragraph_turns(text, start, end, speaker="Dawn", is_interviewer=False)
    assert spoken(text, turns) == [("Dawn", "One."), ("Dawn", "Two.")]
    assert paragraph_turns(text, end, end) == []


@pytest.mark.parametrize("text", ["", "\n\n", "   \n\t\n"])
def test_paragraph_turns_of_blank_text_is_empty(text):
    assert paragraph_turns(text) == []


@pytest.mark.parametrize("label", ["Interviewer (JB)", "Facilitator [Anna]", "Interviewer 2 (AB)"])
def test_interviewer_with_initials_is_still_the_interviewer(label):
    from qda.ingest.speakers import is_interviewer_label

    assert is_interviewer_label(label)
    assert not is_interviewer_label("Dawn (PO)")


def test_a_lone_label_deep_in_a_text_is_a_field_not_a_speaker():
    """A think-aloud note whose one indented line reads ``Location: Cork`` is one
    author's text: taking the line as the first speaker made everything before it a
    header that no coding could land on (real SERDIF transcripts, via Taguette)."""
    from qda.ingest.speakers import find_turns

    text = (
        "I am putting my username and password to sign in, okay.\n"
        "The participant reads the home page text and then the task list, slowly, and "
        "says that events with locations and time windows are what she expected.\n"
        "So the environmental data and the records, okay, I see those now too.\n"
        " Location: Cork. Time window from day 1 to 15 days.\n"
    )
    turns, header_end = find_turns(text)
    assert turns == [] and header_end == len(text)
    # a short header before the first and only label still gives its turn
    turns, header_end = find_turns("[Notes by phone.]\nDawn: I ring his mum most weeks.\n")
    assert [t.speaker for t in turns] == ["Dawn"] and header_end == len("[Notes by phone.]\n")

"""A seeded synthetic corpus of interview transcripts for the benchmarks.

    python benchmarks/corpus.py --size 1M --out /tmp/corpus

Each transcript is a one-to-one interview or a focus group: an ``Interviewer:`` asks
short questions, respondents (named labels) answer in turns of very different lengths
(a few words to several hundred, log-normal), in conversational English with fillers,
contractions and punctuation. Sentences carry the default codebook's keywords (some
inflected, some capitalised) at about the rate the sample transcripts do, so the rules
coder does realistic work. A ``participants.csv`` maps every respondent.

The same ``--seed`` and size always give the same files.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

WORDS_PER_DOCUMENT = 6_000  # a typical hour-long interview
KEYWORD_RATE = 0.10  # sentences carrying a codebook keyword

_FILLER = """
the a and to of I it that in you was he she they we but so just like is what with for
on have had be not my his her their about when there then if at this well know think
really because all would could one time people do did get got go went said say mean
very bit more some much other out up back from them me him as an or no yes right thing
things lot sort kind way see said make made day week month year first last little
always never sometimes often still even now again into over after before who which how
why where been being were are can will should might also only than too yeah okay erm
mm honestly basically actually probably obviously maybe quite pretty different same
work working worked home house family mum dad son daughter partner brother sister kids
officer probation appointment meeting office letter phone order case court sentence
staff team manager service help helped helping support supported talk talked talking
feel felt feeling worry worried hard easy good bad better worse important difficult
""".split()
_CONTRACTIONS = [
    "don't",
    "didn't",
    "I'm",
    "it's",
    "he's",
    "she's",
    "we're",
    "they're",
    "can't",
    "wasn't",
    "I'd",
    "you'd",
    "that's",
    "there's",
    "I've",
    "won't",
]
_OPENERS = ["So", "Well", "Erm", "Yeah", "I mean", "Honestly", "And", "But", "Oh", "Right"]
_QUESTIONS = [
    "Can you tell me a bit more about that?",
    "How did that make you feel?",
    "What happened next?",
    "And how often would that happen?",
    "Why do you think that is?",
    "Could you give me an example?",
    "Who else was involved?",
    "What would have helped?",
    "How did the family feel about it?",
    "Was that the same with other officers?",
]
_NAMES = [
    "Dawn",
    "Marcus",
    "Fiona",
    "Rachel",
    "Sam",
    "Priya",
    "Tom",
    "Carol",
    "Wayne",
    "Siân",
    "Kwame",
    "Aisha",
    "Joe",
    "Linda",
    "Rob",
    "Mei",
    "Gareth",
    "Noor",
    "Pat",
    "Zoe",
    "Ali",
    "Bethan",
    "Chris",
    "Dev",
]
_GROUPS = [
    ("staff", "Responsible Officer"),
    ("staff", "Senior Probation Officer"),
    ("family", "mother"),
    ("family", "partner"),
    ("family", "father"),
]
_PLACES = ["Kent", "Surrey", "Sussex"]


def parse_size(text: str) -> int:
    """``100k`` / ``1M`` / ``10M`` / ``250000`` -> a number of words."""
    t = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult > 1 else t) * mult)


def _keywords() -> list[str]:
    import qda

    cb = qda.load_codebook(qda.default_codebook())
    return [kw for code in cb for kw in (*code.keywords, *code.exclude_keywords) if "'" not in kw]


def _inflect(rng: random.Random, phrase: str) -> str:
    """Sometimes a plural or -ing form of the last word, sometimes capitalised."""
    words = phrase.split()
    r = rng.random()
    if r < 0.2 and words[-1].isalpha():
        words[-1] += "es" if words[-1].endswith(("s", "sh", "ch")) else "s"
    elif r < 0.3 and words[-1].isalpha() and not words[-1].endswith("e"):
        words[-1] += "ing"
    if rng.random() < 0.1:
        words[0] = words[0].capitalize()
    return " ".join(words)


def _sentence(rng: random.Random, keywords: list[str]) -> str:
    n = max(3, int(rng.gauss(14, 6)))
    words = [rng.choice(_FILLER) if rng.random() > 0.08 else rng.choice(_CONTRACTIONS) for _ in range(n)]
    if rng.random() < KEYWORD_RATE:
        words.insert(rng.randrange(len(words) + 1), _inflect(rng, rng.choice(keywords)))
    if rng.random() < 0.3:
        words.insert(rng.randrange(1, len(words)), ",")
    body = " ".join(words).replace(" ,", ",")
    opener = rng.choice(_OPENERS) + ", " if rng.random() < 0.25 else ""
    text = opener + body
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", "?", "..."])


def _turn(rng: random.Random, keywords: list[str], words: int) -> str:
    out, n = [], 0
    while n < words:
        s = _sentence(rng, keywords)
        out.append(s)
        n += len(s.split())
    # long answers come in paragraphs
    paras, cur = [], []
    for s in out:
        cur.append(s)
        if len(cur) >= 6 and rng.random() < 0.3:
            paras.append(" ".join(cur))
            cur = []
    if cur:
        paras.append(" ".join(cur))
    return "\n".join(paras)


def write_corpus(out: str | Path, words: int, *, seed: int = 0) -> dict:
    """Write transcripts totalling about ``words`` words and a ``participants.csv`` to
    ``out``; returns ``{"documents", "words", "turns"}``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    keywords = _keywords()
    total = turns = docs = 0
    rows = []
    while total < words:
        docs += 1
        focus = rng.random() < 0.2
        speakers = rng.sample(_NAMES, rng.randint(3, 6) if focus else 1)
        name = f"{'focus-group' if focus else 'interview'}-{docs:05d}"
        target = min(int(rng.gauss(WORDS_PER_DOCUMENT, 1500)), words - total)
        target = max(target, 200)
        parts = [f"[{name}. Synthetic transcript, seed {seed}.]"]
        n = 0
        while n < target:
            q = rng.choice(_QUESTIONS)
            parts.append(f"Interviewer: {q}")
            for spk in rng.sample(speakers, rng.randint(1, len(speakers))):
                length = max(3, min(int(rng.lognormvariate(4.0, 0.9)), 900))
                body = _turn(rng, keywords, length)
                parts.append(f"{spk}: {body}")
                n += len(body.split()) + 1
                turns += 1
            n += len(q.split()) + 1
            turns += 1
        text = "\n\n".join(parts) + "\n"
        (out / f"{name}.txt").write_text(text, encoding="utf-8")
        total += len(text.split())
        for i, spk in enumerate(speakers):
            group, role = rng.choice(_GROUPS)
            rows.append([f"P{docs:05d}-{i + 1}", name, spk, group, role, rng.choice(_PLACES)])
    with open(out / "participants.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["participant", "document", "speaker", "group", "role", "location"])
        w.writerows(rows)
    return {"documents": docs, "words": total, "turns": turns}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1M", help="words: 100k, 1M, 10M, or a number")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(write_corpus(args.out, parse_size(args.size), seed=args.seed))


if __name__ == "__main__":
    main()

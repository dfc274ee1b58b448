"""Word frequencies: lemma counts with stop words left out, per group, with keyness.

Words are the project's spaCy pipeline's tokens that hold a letter and are not stop
words (spaCy's English list, on the word and on its lemma), counted by lemma (with the
default pipeline, the lookup lemma of the lower-cased word: "Visits" and "visited"
count as "visit"). Numbers, punctuation and contractions' clitics ("'s", "n't") are not
words here.

With groups (the values of a participant attribute), each group's ``share`` is the
word's count over the group's counted words, and ``keyness`` is the log-likelihood
(G², Rayson & Garside 2000) of the word's count in the group against the rest of the
segments, signed: positive when the group uses it more than the rest, negative when
less; ``p_value`` from the chi-squared distribution with one degree of freedom
(``scipy.stats.power_divergence``). 3.84 is p < 0.05, 10.83 p < 0.001.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qda.errors import InputError

__all__ = ["SORTS", "count_lemmas", "keyness", "word_frequencies"]

SORTS = ("count", "keyness")


def count_lemmas(texts: Sequence[str], groups: Sequence[str], nlp) -> pd.DataFrame:
    """``group, word, count`` for the texts (one group label per text); each text is
    tokenised once, counting done on spaCy's hash arrays."""
    from spacy.attrs import IS_ALPHA, IS_STOP, LEMMA

    stops = {w.lower() for w in nlp.Defaults.stop_words}
    names = (
        ["qda_lemmatizer"]
        if "qda_lemmatizer" in nlp.pipe_names
        else [p for p in nlp.pipe_names if p not in ("parser", "ner")]
    )
    per_group: dict[str, list[np.ndarray]] = {}
    with nlp.select_pipes(enable=names):
        for group, doc in zip(groups, nlp.pipe(texts, batch_size=256)):
            if not len(doc):
                continue
            arr = doc.to_array([LEMMA, IS_ALPHA, IS_STOP])
            keep = (arr[:, 1] == 1) & (arr[:, 2] == 0)
            per_group.setdefault(group, []).append(arr[keep, 0])
    strings = nlp.vocab.strings
    frames = []
    for group, parts in per_group.items():
        lemmas, counts = np.unique(np.concatenate(parts), return_counts=True)
        words = [strings[int(h)].lower() for h in lemmas]
        frames.append(pd.DataFrame({"group": group, "word": words, "count": counts}))
    if not frames:
        return pd.DataFrame(
            {
                "group": pd.Series(dtype="object"),
                "word": pd.Series(dtype="object"),
                "count": pd.Series(dtype="int64"),
            }
        )
    out = pd.concat(frames, ignore_index=True)
    out = out[~out["word"].isin(stops)]
    # lemmas that lower-case alike (a trained pipeline's "Family"/"family") are one word
    return out.groupby(["group", "word"], as_index=False, sort=False)["count"].sum()


def keyness(counts: pd.DataFrame) -> pd.DataFrame:
    """``counts`` (``group, word, count``) with ``share`` of the group's words,
    ``keyness`` (signed log-likelihood against the other groups) and ``p_value``."""
    from scipy.stats import power_divergence

    df = counts.copy()
    group_total = df.groupby("group")["count"].transform("sum").astype(float)
    word_total = df.groupby("word")["count"].transform("sum").astype(float)
    total = float(df["count"].sum())
    a = df["count"].astype(float)
    b = word_total - a  # the word in the rest
    c, d = group_total, total - group_total  # words in the group, in the rest
    df["share"] = (a / c).round(6)
    if total == 0 or df["group"].nunique() < 2:
        df["keyness"], df["p_value"] = 0.0, 1.0
        return df
    e1 = c * (a + b) / total
    e2 = d * (a + b) / total
    obs, exp = np.vstack([a, b]), np.vstack([e1, e2])
    g2, p = power_divergence(obs, exp, lambda_="log-likelihood", axis=0)
    rest_share = np.divide(b, d, out=np.zeros(len(df)), where=d > 0)
    sign = np.where(a / c >= rest_share, 1.0, -1.0)
    df["keyness"] = np.round(sign * np.nan_to_num(g2), 3)
    df["p_value"] = np.nan_to_num(p, nan=1.0)
    return df


def word_frequencies(
    texts: Sequence[str],
    groups: Sequence[str] | None,
    nlp,
    *,
    by: str | None = None,
    top: int | None = 20,
    min_count: int = 1,
    sort: str = "count",
) -> pd.DataFrame:
    """The word table: ``word, count, share`` (one group), or with ``groups`` (one label
    per text; ``by`` names the column) ``<by>, word, count, share, keyness, p_value``,
    the ``top`` words of each group (None: all) with at least ``min_count``, by ``sort``
    (``count`` or ``keyness``) then word."""
    if sort not in SORTS:
        raise InputError(f"unknown order {sort!r}; use one of {', '.join(SORTS)}")
    if top is not None and top < 1:
        raise InputError(f"--top must be 1 or more, not {top}")
    if min_count < 1:
        raise InputError(f"--min-count must be 1 or more, not {min_count}")
    labels = list(groups) if groups is not None else ["(all)"] * len(texts)
    table = keyness(count_lemmas(texts, labels, nlp))
    table = table[table["count"] >= min_count]
    key = ["count", "word"] if sort == "count" else ["keyness", "word"]
    table = table.sort_values(["group", *key], ascending=[True, False, True], kind="stable")
    if top is not None:
        table = table.groupby("group", sort=False).head(top)
    if groups is None:
        return table[["word", "count", "share"]].reset_index(drop=True)
    order = sorted(set(labels), key=str)
    table = table.assign(_g=table["group"].map({g: i for i, g in enumerate(order)}))
    table = table.sort_values("_g", kind="stable").drop(columns="_g")
    table = table.rename(columns={"group": by or "group"})
    return table[[by or "group", "word", "count", "share", "keyness", "p_value"]].reset_index(drop=True)

"""Cold start: suggest codes from the codebook alone, before anyone has coded.

No coding is used. Each code is described by what its codebook entry says: its name,
description, include notes and examples (the *positive* text) and its exclude notes
(the *negative* text). Every segment of the project is scored against every code:

1. **Lexical**: cosine similarity of TF-IDF vectors of lower-cased lemmas (the project's
   spaCy pipeline, stop words left out), the vocabulary and IDF fitted on the project's
   segments and the codebook together; minus the similarity to the exclude notes.
2. **Embeddings** (only when :func:`qda.coding.learn.embeddings_available`): cosine
   similarity of all-MiniLM-L6-v2 embeddings to the positive text, minus that to the
   exclude notes.
3. **Standardised per code** (transductive, unlabelled text only): each code's column
   is z-scored over the project's own segments, so a code with a generic definition
   (similar to everything) does not win every segment. The signals are added, the
   lexical one weighted ``LEXICAL_WEIGHT`` when embeddings are there.
4. **Rules**: where the codebook has keywords or patterns, a segment they hit gets
   ``RULES_BONUS`` standard deviations more for that code.
5. **Self-training** (``rounds``, default 2): each code's most similar segments
   (among those where it is the best code; ``pseudo_per_code``, default the number of
   segments over the number of codes, at most ``PSEUDO_MAX``) become pseudo-labels; a
   class-balanced logistic regression on TF-IDF words and characters learns them and
   rescores every segment (z-scored log-probabilities). This spreads a definition's
   words to the words that go with them in the project. Given the segments' ``context``
   (:func:`qda.coding.context.segment_contexts`: the words around each segment and the
   tenth of its document it starts in), the regression also learns from those
   (TF-IDF of the words around, weight ``CONTEXT_WEIGHT``; position, weight
   ``POSITION_WEIGHT``): a segment whose own words say little ("okay, that works") is
   placed by what was being asked or done around it, as its clearer neighbours were.

**Confidence** is how clearly a segment is its best code rather than its second best:
the percentile, among the project's segments, of the best score's lead over the next
(0.9: clearer than 90% of the project's segments). It is relative to the project, not a
probability that the code is right (there is no coding to calibrate against). Each
segment is suggested its best code (highest final score) when its confidence is at
least the threshold (``DEFAULT_THRESHOLD``, 0: every segment; on SERDIF, where every
highlight has a code, every higher cut lowered agreement).

Fixed settings picked by looking at SERDIF figures (highlights as texts, 22 codes):
``LEXICAL_WEIGHT``, ``CONTEXT_WEIGHT``, ``POSITION_WEIGHT``, ``rounds``,
``pseudo_per_code``, ``C`` and ``DEFAULT_THRESHOLD``;
see README's cold-start section for the figures. Pure: texts and a codebook in,
DataFrames out.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from qda.coding.context import check_context
from qda.coding.learn import check_texts, embed_texts, embeddings_available
from qda.errors import InputError

__all__ = ["ColdStart", "cold_start", "code_descriptions"]

VERSION = "2"  # 2: the segments' context in the self-training
LEXICAL_WEIGHT = 0.5  # the lexical z-score's weight beside the embeddings'
CONTEXT_WEIGHT = 1.0  # the context words' TF-IDF block in the self-training regression
POSITION_WEIGHT = 0.5  # the document-tenth one-hot block in it
POSITION_BINS = 10
RULES_BONUS = 1.0  # standard deviations added for a rules hit (not measured)
PSEUDO_MAX = 80
DEFAULT_THRESHOLD = 0.0  # least confidence; 0 suggests every segment its best code
MIN_SEGMENTS = 10


@dataclass
class ColdStart:
    """What :func:`cold_start` found: ``suggestions`` (``segment_id, code_id,
    confidence, score, matched``), ``scores`` (segments x codes, the final standardised
    scores), ``path`` (``lexical`` or ``embeddings+lexical``) and ``settings``
    (``name_only``: the codes described by their name alone)."""

    suggestions: pd.DataFrame
    scores: pd.DataFrame
    path: str
    settings: dict = field(default_factory=dict)


def code_descriptions(codebook, codes=None) -> tuple[dict[str, str], dict[str, str]]:
    """Per code: the positive text (name, description, include notes, examples) and the
    negative text (exclude notes; empty when there are none)."""
    pos, neg = {}, {}
    for c in codebook:
        if codes is not None and c.id not in codes:
            continue
        parts = [c.name, c.description, c.include, *c.examples]
        pos[c.id] = ". ".join(p.strip() for p in parts if p and str(p).strip())
        neg[c.id] = (c.exclude or "").strip()
    return pos, neg


def _lemmatiser(nlp):
    keep = [p for p in nlp.pipe_names if "lemmatizer" in p]

    def lemmas(texts: list[str]) -> list[str]:
        with nlp.select_pipes(enable=keep):
            return [
                " ".join(
                    t.lemma_.lower() for t in doc if not (t.is_punct or t.is_space or t.is_stop or t.like_num)
                )
                for doc in nlp.pipe(t.lower() for t in texts)
            ]

    return lemmas


def _zscore(S: np.ndarray) -> np.ndarray:
    sd = S.std(axis=0)
    return (S - S.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def _lexical(texts, pos, neg, codes, nlp) -> tuple[np.ndarray, TfidfVectorizer, list[str]]:
    """TF-IDF lemma cosine to each code's positive text minus that to its exclude notes."""
    lem = _lemmatiser(nlp)
    lt = lem(texts)
    lp, ln = lem([pos[c] for c in codes]), lem([neg[c] for c in codes])
    vec = TfidfVectorizer(sublinear_tf=True, token_pattern=r"(?u)\b\w\w+\b")
    vec.fit(lt + lp)
    X = vec.transform(lt)
    S = (X @ vec.transform(lp).T).toarray()
    S -= (X @ vec.transform(ln).T).toarray()
    return S, vec, lp


def _embedding(texts, pos, neg, codes) -> np.ndarray:
    E = embed_texts(texts)
    S = E @ embed_texts([pos[c] for c in codes]).T
    has_neg = [j for j, c in enumerate(codes) if neg[c]]
    if has_neg:
        N = embed_texts([neg[codes[j]] for j in has_neg])
        S[:, has_neg] -= E @ N.T
    return S


def _pseudo_labels(S: np.ndarray, m: int) -> np.ndarray:
    """Each code's ``m`` highest-scoring segments among those where it is the best code
    (label = the code's column; -1 = not a pseudo-label)."""
    best = S.argmax(axis=1)
    y = np.full(len(S), -1)
    for j in range(S.shape[1]):
        rows = np.flatnonzero(best == j)
        y[rows[np.argsort(-S[rows, j], kind="stable")][:m]] = j
    return y


def _features(texts: list[str], context: pd.DataFrame | None) -> sp.csr_matrix:
    """The self-training regression's features: TF-IDF words and characters of the
    segments, and with ``context`` the words around them and their position."""
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    blocks = [words.fit_transform(texts), chars.fit_transform(texts)]
    if context is not None:
        around = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        blocks.append(around.fit_transform(list(context["context"])) * CONTEXT_WEIGHT)
        where = np.clip(context["position"].to_numpy(dtype=float), 0, 1)
        bins = np.minimum(POSITION_BINS - 1, np.floor(where * POSITION_BINS)).astype(int)
        n = len(bins)
        blocks.append(
            sp.csr_matrix((np.full(n, POSITION_WEIGHT), (np.arange(n), bins)), shape=(n, POSITION_BINS))
        )
    return sp.hstack(blocks).tocsr()


def _self_train(S, texts, rounds: int, m: int, C: float, seed: int, context=None) -> np.ndarray:
    if rounds <= 0:
        return S
    X = _features(texts, context)
    for _ in range(rounds):
        y = _pseudo_labels(S, m)
        seen = y >= 0
        if len(set(y[seen])) < 2:
            break
        clf = LogisticRegression(C=C, max_iter=2000, class_weight="balanced", random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X[seen], y[seen])
        logp = np.full(S.shape, math.log(1e-9))
        logp[:, clf.classes_] = np.log(np.clip(clf.predict_proba(X), 1e-9, None))
        S = _zscore(logp)
    return S


def _clarity(S: np.ndarray) -> np.ndarray:
    """How clearly each segment is its best code: the percentile, among the project's
    segments, of its best score's lead over its second best."""
    top2 = -np.sort(-S, axis=1)[:, :2]
    lead = top2[:, 0] - top2[:, 1]
    order = lead.argsort(kind="stable")
    ranks = np.empty(len(lead))
    ranks[order] = np.arange(len(lead))
    return ranks / max(len(lead) - 1, 1)


def _check(texts, codebook) -> tuple[list[str], list[str], list[str]]:
    """The texts, the codes to score and those described by their name alone."""
    items = check_texts(texts)
    if len(items) < MIN_SEGMENTS:
        raise InputError(
            f"the cold start compares segments with each other and needs at "
            f"least {MIN_SEGMENTS}; there are {len(items)}"
        )
    codes = [c.id for c in codebook]
    if not codes:
        raise InputError("the project has no codebook to suggest from; load one with `qda codebook load F`")
    if len(codes) < 2:
        raise InputError(
            f"the cold start chooses among codes and needs at least 2 in the codebook; it has {len(codes)}"
        )
    bare = [
        c.id
        for c in codebook
        if not (c.description.strip() or c.include.strip() or any(e.strip() for e in c.examples))
    ]
    if len(bare) == len(codes):
        shown = ", ".join(bare[:8]) + (f" and {len(bare) - 8} more" if len(bare) > 8 else "")
        raise InputError(
            f"no code in the codebook has a description, include notes or "
            f"examples to suggest from ({shown}); add them to the codebook "
            "and load it again, or code some segments and use --from CODER"
        )
    return items, codes, bare


def _matched(text_lemmas: str, code_lemmas: str, limit: int = 8) -> list[str]:
    """The codebook's words (lemmas) that the segment shares with the code's text."""
    mine = set(text_lemmas.split())
    return [w for w in dict.fromkeys(code_lemmas.split()) if w in mine][:limit]


def cold_start(
    texts: pd.Series,
    codebook,
    *,
    nlp=None,
    rules_hits=None,
    embeddings: bool | None = None,
    rounds: int = 2,
    pseudo_per_code: int | None = None,
    C: float = 0.3,
    threshold: float = DEFAULT_THRESHOLD,
    seed: int = 0,
    context: pd.DataFrame | None = None,
) -> ColdStart:
    """Suggest each segment its best code from the codebook alone (see the module doc).

    ``texts``: segment texts indexed by segment id. ``rules_hits``: one set of code ids
    per segment (the rules coder's hits) or None. ``embeddings``: use sentence
    embeddings (default: when installed). ``threshold``: the least confidence (how
    clearly the segment is its best code, a percentile from 0 to 1) to suggest.
    ``context``: the segments' surroundings, one row per text in its order (columns
    ``context`` and ``position``, :func:`qda.coding.context.segment_contexts`) or None.
    """
    if not 0 <= threshold < 1:
        raise InputError(f"the threshold is a percentile between 0 and 1, not {threshold}")
    texts = pd.Series(texts)
    items, codes, bare = _check(texts, codebook)
    context = check_context(context, len(items))
    pos, neg = code_descriptions(codebook, set(codes))
    if nlp is None:
        from qda.segment import make_nlp

        nlp = make_nlp()
    use_emb = embeddings_available() if embeddings is None else bool(embeddings)
    S_lex, _, code_lemmas = _lexical(items, pos, neg, codes, nlp)
    S = _zscore(S_lex)
    if use_emb:
        S = _zscore(_embedding(items, pos, neg, codes)) + LEXICAL_WEIGHT * S
    if rules_hits is not None:
        col = {c: j for j, c in enumerate(codes)}
        for i, hits in enumerate(rules_hits):
            for c in hits or ():
                if c in col:
                    S[i, col[c]] += RULES_BONUS
    m = pseudo_per_code or min(PSEUDO_MAX, max(2, len(items) // len(codes)))
    S = _self_train(S, items, rounds, m, C, seed, context)
    clarity = _clarity(S)
    best = S.argmax(axis=1)
    rows = np.arange(len(S))
    keep = clarity >= threshold
    text_lemmas = _lemmatiser(nlp)([items[i] for i in rows[keep]])
    found = pd.DataFrame(
        {
            "segment_id": texts.index[keep],
            "code_id": [codes[j] for j in best[keep]],
            "confidence": clarity[keep].round(4),
            "score": S[rows[keep], best[keep]].round(4),
            "matched": [_matched(t, code_lemmas[j]) for t, j in zip(text_lemmas, best[keep])],
        }
    )
    settings = {
        "rounds": rounds,
        "pseudo_per_code": m,
        "C": C,
        "threshold": threshold,
        "lexical_weight": LEXICAL_WEIGHT if use_emb else 1.0,
        "rules": rules_hits is not None,
        "context": context is not None,
        "name_only": bare,
    }
    return ColdStart(
        suggestions=found,
        scores=pd.DataFrame(S, index=texts.index, columns=codes),
        path="embeddings+lexical" if use_emb else "lexical",
        settings=settings,
    )

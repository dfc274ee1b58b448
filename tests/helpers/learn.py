"""Synthetic coded texts for the learned suggester: phrases in the register of the sample,
one pool per code, mixed with neutral talk."""

from __future__ import annotations

import random

# Phrases in the register of the sample, one pool per code, plus neutral talk.
POOLS = {
    "home_visits": [
        "I went round to the house for a home visit",
        "we sat in her kitchen on the home visit",
        "seeing the family at home in their front room",
        "a home visit shows you how they live",
    ],
    "confidentiality_consent": [
        "he signed the consent form so I could speak to his mum",
        "I can't share what he tells me, it's confidential",
        "with his permission I told her about the appointments",
        "data protection means I need his consent first",
    ],
    "children_in_sessions": [
        "she had to bring the baby to the appointment",
        "no children are allowed in the building",
        "he couldn't get childcare so the kids came along",
        "the toddler was in the buggy during supervision",
    ],
}
NEUTRAL = [
    "it was raining and the bus was late",
    "thanks for having me, love",
    "I've been doing this job about nine years",
    "the van is booked out at two",
    "sorry, the dog is barking again",
    "we talked about the weather for a bit",
]


def synthetic(n: int = 60, seed: int = 0, rare: dict[str, int] | None = None):
    """Texts mixing one or two code phrases with neutral talk; the codes as label sets."""
    rng = random.Random(seed)
    codes = list(POOLS)
    texts, labels = [], []
    for i in range(n):
        chosen = set()
        if i % 4 != 3:  # a quarter of the segments need no code
            chosen.add(codes[i % 3])
            if i % 5 == 0:
                chosen.add(codes[(i + 1) % 3])
        parts = [rng.choice(NEUTRAL)] + [rng.choice(POOLS[c]) for c in sorted(chosen)]
        rng.shuffle(parts)
        texts.append(". ".join(parts).capitalize() + ".")
        labels.append(chosen)
    free = iter(range(3, n, 4))  # segments that had no code
    for code, k in (rare or {}).items():
        for _ in range(k):
            labels[next(free)] = {code}
    return texts, labels

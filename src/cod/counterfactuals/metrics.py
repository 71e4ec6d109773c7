"""Quality of a counterfactual set: validity, ΔP, minimality, closeness, a fluency proxy, cost."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable


def word_levenshtein(a: list[str], b: list[str]) -> int:
    """Word-level edit distance (substitution, insertion, deletion each cost 1)."""
    prev = list(range(len(b) + 1))
    for i, wa in enumerate(a, 1):
        cur = [i]
        for j, wb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (wa != wb)))
        prev = cur
    return prev[-1]


class BigramLM:
    """Add-k smoothed word bigram model of a task's training text: a fluency proxy (not GPT-2 perplexity)."""

    def __init__(self, texts: Iterable[str], k: float = 0.1) -> None:
        self.k = k
        self.unigrams: Counter[str] = Counter()
        self.bigrams: Counter[tuple[str, str]] = Counter()
        for text in texts:
            toks = ["<s>", *text.lower().split(), "</s>"]
            self.unigrams.update(toks[:-1])
            self.bigrams.update(zip(toks[:-1], toks[1:], strict=False))
        self.vocab = len(self.unigrams) + 1

    def logprob_per_word(self, text: str) -> float:
        """Mean log-probability per word (higher = more like the training text)."""
        toks = ["<s>", *text.lower().split(), "</s>"]
        lp = [
            math.log((self.bigrams[(a, b)] + self.k) / (self.unigrams[a] + self.k * self.vocab))
            for a, b in zip(toks[:-1], toks[1:], strict=False)
        ]
        return sum(lp) / len(lp)


def cosine(a, b) -> float:
    """Cosine similarity of two vectors."""
    import numpy as np

    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))

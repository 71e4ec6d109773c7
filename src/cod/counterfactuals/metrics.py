"""Measures of a counterfactual against its original: word-level edit distance and closeness."""

from __future__ import annotations


def word_levenshtein(a: list[str], b: list[str]) -> int:
    """Word-level edit distance (substitution, insertion, deletion each cost 1)."""
    prev = list(range(len(b) + 1))
    for i, wa in enumerate(a, 1):
        cur = [i]
        for j, wb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (wa != wb)))
        prev = cur
    return prev[-1]


def cosine(a, b) -> float:
    """Cosine similarity of two vectors."""
    import numpy as np

    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))

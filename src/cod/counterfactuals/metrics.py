"""Measures of a counterfactual against its original: word-level edit distance and closeness."""

from __future__ import annotations

from rapidfuzz.distance import Levenshtein


def word_levenshtein(a: list[str], b: list[str]) -> int:
    """Word-level edit distance (substitution, insertion, deletion each cost 1)."""
    return int(Levenshtein.distance(a, b))


def cosine(a, b) -> float:
    """Cosine similarity of two vectors."""
    import numpy as np

    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))

"""Scores of a student's generated explanations as R2's field reads them: label-word leakage, simulatability, length.

Leakage: the share of explanations naming the label word the student predicted (a whole word, any case), i.e.
explanations that may just restate the answer. Simulatability: whether a simple reader recovers the student's
predicted label from the explanation alone — a logistic regression (sklearn defaults, C = 1) on the explanation's
bag of words (lower-cased word counts), its accuracy cross-validated over stratified folds, beside the majority
share it has to beat. Length: mean whitespace tokens per explanation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

FOLDS = 5
WORD = r"(?u)\b\w+\b"  # the reader's tokens: every run of word characters, one-letter words included


def mentions(text: str, word: str) -> bool:
    """Whether ``text`` contains ``word`` as a whole word, ignoring case."""
    return re.search(rf"(?<!\w){re.escape(word.lower())}(?!\w)", text.lower()) is not None


def leakage(explanations: Sequence[str], predicted: Sequence[int], words: Sequence[str]) -> float | None:
    """The share of explanations that contain the label word of their row's predicted class (None when empty)."""
    if not explanations:
        return None
    hits = [mentions(text, words[int(p)]) for text, p in zip(explanations, predicted, strict=True)]
    return float(np.mean(hits))


def mean_length(explanations: Sequence[str]) -> float | None:
    """Mean number of whitespace-separated tokens per explanation (None when empty)."""
    return float(np.mean([len(text.split()) for text in explanations])) if explanations else None


def simulatability(explanations: Sequence[str], predicted: Sequence[int], seed: int = 0) -> dict[str, float | None]:
    """``simulatability``: cross-validated accuracy of a bag-of-words logistic regression reading each explanation to
    recover its predicted label (stratified, shuffled with ``seed``, up to FOLDS folds, as many as the rarest class
    has rows); ``simulatability_majority``: the share of the most common predicted label, the level to beat. The
    accuracy is None when it cannot be measured: one predicted class only, a class with a single row, or no words."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    labels = np.asarray(predicted, dtype=int)
    counts = Counter(labels.tolist())
    majority = max(counts.values()) / len(labels) if len(labels) else None
    out: dict[str, float | None] = {"simulatability": None, "simulatability_majority": majority}
    folds = min(FOLDS, min(counts.values(), default=0))
    if len(counts) < 2 or folds < 2 or not any(re.search(WORD, text) for text in explanations):
        return out
    reader = make_pipeline(CountVectorizer(token_pattern=WORD), LogisticRegression(max_iter=1000))
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    try:
        accuracy = cross_val_score(reader, list(explanations), labels, cv=split, error_score="raise")
        out["simulatability"] = float(accuracy.mean())
    except ValueError:  # a training fold whose explanations hold no word at all: nothing to read
        return out
    return out


def explanation_scores(
    explanations: Sequence[str], predicted: Sequence[int], words: Sequence[str], seed: int = 0
) -> dict[str, float | None]:
    """Every score above for one set of explanations: leakage, simulatability (and its majority level), length."""
    return {
        "leakage": leakage(explanations, predicted, words),
        **simulatability(explanations, predicted, seed),
        "length": mean_length(explanations),
    }

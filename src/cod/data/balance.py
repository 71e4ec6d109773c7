"""Class balance of a labelled split: its majority/minority ratio, the imbalance rule and balanced class weights."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def class_counts(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Rows per class index 0..n_classes-1 (a class without rows counts 0)."""
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)[:n_classes]


def class_ratio(counts: Sequence[int] | np.ndarray) -> float:
    """Rows of the largest class over rows of the smallest (inf when a class has none; 1.0 when balanced)."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.size == 0 or counts.max() == 0:
        return 1.0
    return float(counts.max() / counts.min()) if counts.min() > 0 else float("inf")


def is_imbalanced(counts: Sequence[int] | np.ndarray, ratio: float) -> bool:
    """The imbalance rule: the largest class has more than ``ratio`` times the rows of the smallest."""
    return class_ratio(counts) > ratio


def balanced_weights(counts: Sequence[int] | np.ndarray) -> np.ndarray:
    """Weight n / (C · n_c) per class (sklearn's "balanced"): every class weighs as much in total; 1.0 when balanced."""
    counts = np.asarray(counts, dtype=np.float64)
    return counts.sum() / (len(counts) * np.maximum(counts, 1.0))


def loss_weights(counts: Sequence[int] | np.ndarray, setting: str, ratio: float) -> np.ndarray | None:
    """The class weights of a loss for ``setting`` (teacher.class_weights): none → None; balanced →
    balanced_weights; auto → balanced weights when the counts are imbalanced beyond ``ratio``, else None."""
    if setting not in ("auto", "none", "balanced"):
        raise ValueError(f"class weights {setting!r}: expected auto, none or balanced")
    if setting == "balanced" or (setting == "auto" and is_imbalanced(counts, ratio)):
        return balanced_weights(counts)
    return None

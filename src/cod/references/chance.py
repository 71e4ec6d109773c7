"""The chance level: always predict the training split's majority class (no look at validation or test labels)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cod.references.schema import accuracy_key

RULE = (
    "always the majority class of the training split (a tie between classes goes to the lowest label index); "
    "accuracy = that class's share of each evaluation split"
)


def majority_class(train_labels: np.ndarray, n_classes: int) -> int:
    """The most frequent training label (the lowest label index among equally frequent ones)."""
    return int(np.argmax(np.bincount(train_labels.astype(np.int64), minlength=n_classes)))


def chance_level(train: pd.DataFrame, evals: dict[str, pd.DataFrame], label_names: list[str]) -> dict[str, Any]:
    """The chance entry of levels.json: the majority class, the training counts and its accuracy per split."""
    labels = train["label"].to_numpy()
    majority = majority_class(labels, len(label_names))
    counts = np.bincount(labels.astype(np.int64), minlength=len(label_names))
    return {
        "rule": RULE,
        "majority_class": label_names[majority],
        "train_class_counts": {name: int(c) for name, c in zip(label_names, counts, strict=True)},
        **{accuracy_key(split): float((frame["label"] == majority).mean()) for split, frame in evals.items()},
    }

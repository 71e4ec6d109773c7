"""A linear probe: logistic regression on frozen features of the clean k-shot rows, scored on validation and test."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cod.errors import DataError
from cod.references.schema import PROBE_COLUMNS, accuracy_key
from cod.stats import describe

MAX_ITER = 1000  # the solver's budget, not a tuned setting: lbfgs converges on these small sets well before it
CLASSIFIER = (
    f"sklearn LogisticRegression, default C=1.0 and lbfgs (no tuning: nothing is chosen on validation), "
    f"max_iter={MAX_ITER}; trained on exactly the clean k-shot rows of each (k, seed)"
)

Features = tuple[np.ndarray, np.ndarray]  # (rows x dims features, labels)


def fit(features: np.ndarray, labels: np.ndarray) -> Any:
    """A logistic regression with sklearn's defaults (C=1.0) fitted on ``features``; refuses a one-class set."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(labels)) < 2:
        raise DataError(f"a probe needs at least two classes; its {len(labels)} training rows have one")
    return LogisticRegression(C=1.0, max_iter=MAX_ITER).fit(features, labels)


def accuracy(model: Any, features: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of rows the probe classifies correctly."""
    return float((model.predict(features) == labels).mean())


def train_features(subset: pd.DataFrame, by_idx: dict[int, np.ndarray]) -> Features:
    """The features and labels of a k-shot set's rows, looked up by their training-split index ``idx``."""
    return np.stack([by_idx[int(i)] for i in subset["idx"]]), subset["label"].to_numpy()


def probe_row(dataset: str, k: int, seed: int, train: Features, evals: dict[str, Features]) -> dict[str, Any]:
    """One row of probe.csv: a probe fitted on ``train`` and its accuracy on each evaluation split."""
    model = fit(*train)
    scored = {accuracy_key(split): accuracy(model, *data) for split, data in evals.items()}
    row = {"dataset": dataset, "k": k, "seed": seed, **scored, "train_rows": len(train[1])}
    return {column: row[column] for column in PROBE_COLUMNS}


def summary_by_k(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Per k: the number of seeds and the mean and sample std of the probe's accuracies (the levels.json entry)."""
    out = []
    for k, group in rows.groupby("k", sort=True):
        entry: dict[str, Any] = {"k": int(k), "n": len(group)}
        for split in ("validation", "test"):
            stats = describe(group[accuracy_key(split)], len(group))
            entry[f"{accuracy_key(split)}_mean"] = stats["mean"]
            entry[f"{accuracy_key(split)}_std"] = None if np.isnan(stats["std"]) else stats["std"]
        out.append(entry)
    return out

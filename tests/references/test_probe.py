"""The linear probe: sklearn's default logistic regression on exactly the k-shot rows' features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cod.errors import DataError
from cod.references import probe
from cod.references.schema import PROBE_COLUMNS, accuracy_key


def separable(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two well-separated clusters on the unit sphere (labels alternate 0, 1)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    x = rng.normal(0, 0.1, size=(n, 8)) + np.where(labels[:, None] == 1, 1.0, -1.0) * np.eye(8)[0]
    return x / np.linalg.norm(x, axis=1, keepdims=True), labels


def test_a_separable_toy_set_scores_100_percent_and_the_row_counts_its_training_rows():
    subset = pd.DataFrame({"idx": [5, 9, 2, 7], "label": [0, 1, 0, 1]})
    x, y = separable(4, 0)
    by_idx = dict(zip([5, 9, 2, 7], x, strict=True)) | {99: np.zeros(8)}  # a row of no set: never used
    train = probe.train_features(subset, by_idx)
    assert train[0].shape == (4, 8) and train[1].tolist() == [0, 1, 0, 1]
    evals = {"validation": separable(20, 1), "test": separable(40, 2)}
    row = probe.probe_row("toy", 4, 3, train, evals)
    assert list(row) == list(PROBE_COLUMNS)
    assert row[accuracy_key("validation")] == 1.0 and row[accuracy_key("test")] == 1.0
    assert (row["k"], row["seed"], row["train_rows"]) == (4, 3, 4)


def test_default_c_no_tuning_and_a_one_class_set_is_refused():
    model = probe.fit(*separable(6, 0))
    assert model.C == 1.0 and "no tuning" in probe.CLASSIFIER
    with pytest.raises(DataError, match="two classes"):
        probe.fit(np.eye(3), np.zeros(3, dtype=int))


def test_summary_by_k_mean_and_sample_std_over_seeds():
    rows = pd.DataFrame(
        {
            "dataset": "toy",
            "k": [8, 8, 8, 16],
            "seed": [0, 1, 2, 0],
            accuracy_key("validation"): [0.5, 0.6, 0.7, 0.9],
            accuracy_key("test"): [0.4, 0.5, 0.6, 0.8],
            "train_rows": [8, 8, 8, 16],
        }
    )
    by_k = probe.summary_by_k(rows)
    assert [(e["k"], e["n"]) for e in by_k] == [(8, 3), (16, 1)]
    assert by_k[0][f"{accuracy_key('test')}_mean"] == pytest.approx(0.5)
    assert by_k[0][f"{accuracy_key('validation')}_std"] == pytest.approx(0.1)
    assert by_k[1][f"{accuracy_key('test')}_std"] is None  # one seed: no sample std

"""Deterministic, stratified carving of validation/test splits out of a training split."""

from __future__ import annotations

import numpy as np
import pandas as pd


def carve_sizes(n: int, validation_fraction: float, test_fraction: float) -> tuple[int, int, int]:
    """(train, validation, test) sizes for a class of n rows; a pure function of its inputs."""
    n_val = int(n * validation_fraction + 0.5)
    n_test = int(n * test_fraction + 0.5)
    return n - n_val - n_test, n_val, n_test


def carve(
    frame: pd.DataFrame,
    *,
    validation_fraction: float | None,
    test_fraction: float | None,
    seed: int,
) -> dict[str, pd.DataFrame]:
    """Split ``frame`` per class into train / validation / test (a None fraction carves nothing).

    Each class is permuted with its own seeded generator, so the result depends only on the
    rows, their labels and ``seed``; rows keep their original relative order inside a split.
    """
    parts: dict[str, list[np.ndarray]] = {"train": [], "validation": [], "test": []}
    for label in sorted(frame["label"].unique()):
        idx = np.flatnonzero(frame["label"].to_numpy() == label)
        rng = np.random.default_rng([seed, int(label)])
        perm = idx[rng.permutation(len(idx))]
        _, n_val, n_test = carve_sizes(len(idx), validation_fraction or 0.0, test_fraction or 0.0)
        parts["validation"].append(perm[:n_val])
        parts["test"].append(perm[n_val : n_val + n_test])
        parts["train"].append(perm[n_val + n_test :])
    out = {}
    for split, chunks in parts.items():
        if split == "validation" and validation_fraction is None:
            continue
        if split == "test" and test_fraction is None:
            continue
        rows = np.sort(np.concatenate(chunks)) if chunks else np.array([], dtype=int)
        out[split] = frame.iloc[rows].reset_index(drop=True)
    return out

"""Whether a k-shot budget fits a dataset: k/n_classes draws per class, no more than its smallest class has."""

from __future__ import annotations

import json
from collections.abc import Iterable

from cod import paths
from cod.data import registry
from cod.data.splits import carve_sizes
from cod.errors import ConfigError


def train_class_counts(dataset: str, validation_fraction: float, test_fraction: float) -> dict[str, int] | None:
    """Rows per class in the training split, when known without loading data (else None)."""
    info = registry.BUILTIN.get(dataset)
    if info is not None and info.class_totals is not None:
        return {
            label: carve_sizes(n, validation_fraction, test_fraction)[0]
            for label, n in zip(info.label_names, info.class_totals, strict=True)
        }
    meta = paths.prepared_meta(dataset)
    if meta.is_file():
        return json.loads(meta.read_text())["class_counts"]["train"]
    return None


def check_k_fits(dataset: str, k: int, class_counts: dict[str, int]) -> None:
    """Refuse a k whose k/2-per-class draw needs more rows than the smallest class has."""
    n_classes = len(class_counts)
    if k % n_classes:
        raise ConfigError(
            f"k={k} cannot be split evenly over the {n_classes} classes of {dataset}; use a multiple of {n_classes}"
        )
    per_class = k // n_classes
    label, smallest = min(class_counts.items(), key=lambda kv: kv[1])
    if per_class > smallest:
        raise ConfigError(
            f"k={k} needs k/{n_classes}={per_class} examples per class, but class {label!r} of "
            f"{dataset}'s training split has only {smallest}. Allowed for {dataset}: "
            f"k <= {smallest * n_classes}"
        )


def check_ks_fit(dataset: str, ks: Iterable[int], validation_fraction: float, test_fraction: float) -> None:
    """Refuse the first of ``ks`` that does not fit, when the training split's class sizes are known already."""
    counts = train_class_counts(dataset, validation_fraction, test_fraction)
    if counts is not None:
        for k in ks:
            check_k_fits(dataset, k, counts)

"""Whether a k-shot budget fits a dataset: k/n_classes per class (CoD originals too), within its smallest class."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from fractions import Fraction

from cod import paths
from cod.data import registry
from cod.data.splits import carve_sizes
from cod.errors import ConfigError


def train_class_counts(dataset: str, validation_fraction: float, test_fraction: float) -> dict[str, int] | None:
    """Rows per class in the training split, when known without loading data (else None)."""
    info = registry.BUILTIN.get(dataset)
    if info is not None and info.class_totals is not None:
        carved_test = 0.0 if info.source_test else test_fraction
        return {
            label: carve_sizes(n, validation_fraction, carved_test)[0]
            for label, n in zip(info.label_names, info.class_totals, strict=True)
        }
    meta = paths.prepared_meta(dataset)
    if meta.is_file():
        return json.loads(meta.read_text())["class_counts"]["train"]
    return None


def k_step(n_classes: int, cfe_fraction: float | None = None) -> int:
    """The smallest k whose multiples split evenly over the classes, in the clean set and the CoD originals.

    The CoD originals are the first k*(1-cfe_fraction) rows of the draw (cod.data.subsets.draw); they are
    balanced only when that is a whole multiple of the class count. None: only the clean set is considered.
    """
    if cfe_fraction is None:
        return n_classes
    real = Fraction(1 - cfe_fraction).limit_denominator(1000)  # share of k spent on real examples
    per = math.lcm(n_classes // math.gcd(n_classes, real.denominator), n_classes // math.gcd(n_classes, real.numerator))
    return real.denominator * per


def check_k_fits(dataset: str, k: int, class_counts: dict[str, int], cfe_fraction: float | None = None) -> None:
    """Refuse a k not split evenly over the classes (given cfe_fraction: in the CoD originals too) or too big."""
    n_classes = len(class_counts)
    step = k_step(n_classes, cfe_fraction)
    if k % step:
        if k % n_classes:
            reason = f"k={k} cannot be split evenly over the {n_classes} classes of {dataset}"
        else:
            reason = (
                f"k={k} with subset.cfe_fraction={cfe_fraction} leaves the CoD arm k*(1-cfe_fraction)="
                f"{k * (1 - cfe_fraction):g} real examples (the originals of its CFEs), which cannot be split "
                f"evenly over the {n_classes} classes of {dataset}"
            )
        allowed = f": the smallest allowed k are {step}, {2 * step}, {3 * step}" if step != n_classes else ""
        raise ConfigError(f"{reason}; use a multiple of {step}{allowed}")
    per_class = k // n_classes
    label, smallest = min(class_counts.items(), key=lambda kv: kv[1])
    if per_class > smallest:
        raise ConfigError(
            f"k={k} needs k/{n_classes}={per_class} examples per class, but class {label!r} of "
            f"{dataset}'s training split has only {smallest}. Allowed for {dataset}: "
            f"k <= {smallest * n_classes}"
        )


def check_ks_fit(
    dataset: str,
    ks: Iterable[int],
    validation_fraction: float,
    test_fraction: float,
    cfe_fraction: float | None = None,
) -> None:
    """Refuse the first of ``ks`` that does not fit, when the training split's class sizes are known already."""
    counts = train_class_counts(dataset, validation_fraction, test_fraction)
    if counts is not None:
        for k in ks:
            check_k_fits(dataset, k, counts, cfe_fraction)

"""The names of the references stage's outputs, shared by the stage that writes them and the report that reads them.

``levels.json`` (one per dataset; every accuracy is a fraction in 0..1, as the ``_fraction`` suffix says)::

    dataset, label_names, smoke, accuracy_unit, eval_rows {validation, test}
    chance:  rule, majority_class, train_class_counts, val_accuracy_fraction, test_accuracy_fraction
    lexicon: applicable, reason (null when applicable), rule,
             val_accuracy_fraction, test_accuracy_fraction, val_tie_fraction, test_tie_fraction
             (all four null when not applicable)
    probe:   encoder, layers, max_length, pooling, classifier, rows_file,
             by_k: [{k, n, val_accuracy_fraction_mean, val_accuracy_fraction_std,
                     test_accuracy_fraction_mean, test_accuracy_fraction_std}]

``probe.csv``: one row per (k, seed) of the grid with the columns ``PROBE_COLUMNS``.
Seconds are never written here: they go to results/timings (cod.paths.timings_file).
"""

from __future__ import annotations

LEVELS = ("chance", "lexicon", "probe", "teacher")  # the order of the report's rows; teacher comes from its stage
SPLIT_PREFIX = {"validation": "val", "test": "test"}
ACCURACY_UNIT = "fraction (0-1) in every *_fraction key"


def accuracy_key(split: str) -> str:
    """The key of a split's accuracy (a fraction): val_accuracy_fraction or test_accuracy_fraction."""
    return f"{SPLIT_PREFIX[split]}_accuracy_fraction"


def tie_key(split: str) -> str:
    """The key of the lexicon's share of rows with a compound score of exactly 0 on a split (a fraction)."""
    return f"{SPLIT_PREFIX[split]}_tie_fraction"


PROBE_COLUMNS = ("dataset", "k", "seed", accuracy_key("validation"), accuracy_key("test"), "train_rows")

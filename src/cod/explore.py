"""Read-only views of what the pipeline made, for notebooks/explore.py (not a stage: it writes nothing)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cod import paths
from cod.counterfactuals.texts import highlight
from cod.errors import CodError, DataError


def show(title: str, make: Callable[[], object]) -> None:
    """Display ``make()`` under a heading, or the message saying which stage to run first."""
    from IPython.display import Markdown, display

    display(Markdown(f"### {title}"))
    try:
        display(make())
    except CodError as exc:
        display(Markdown(f"*not available yet:* {exc}"))


def _require(file: Path, target: str) -> Path:
    if not file.is_file():
        raise DataError(f"{file} is missing (run `dvc repro {target}`)")
    return file


def few_shot(dataset: str, k: int, seed: int) -> pd.DataFrame:
    """The clean k-shot training set of (dataset, k, seed)."""
    file = _require(paths.subset_file(dataset, k, seed, "train.jsonl"), f"subset@{dataset}")
    return pd.read_json(file, lines=True)


def counterfactual_edits(dataset: str, k: int, seed: int) -> pd.DataFrame:
    """Each CFE of the CoD set as its marked edit ([old→new], [-deleted]), validity, ΔP and word edits.

    For a sentence-pair dataset the unchanged first text comes first (``premise``) and ``edit`` marks the
    edited second text (the hypothesis)."""
    file = _require(paths.cfe_records(dataset, k, seed), f"counterfactuals@{dataset}")
    records = pd.read_json(file, lines=True)
    pair = {"premise": records["premise"]} if "premise" in records.columns else {}
    return pd.DataFrame(
        {
            **pair,
            "edit": [highlight(r) for r in records.to_dict(orient="records")],
            "valid": records["valid"],
            **({"role": records["role"]} if "role" in records.columns else {}),  # original, replaced, replacement …
            "delta_p": records["delta_p"].round(2),
            "word_edits": records["word_edits"],
        }
    )


def accuracy_over_seeds(runs: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """Test accuracy per method × mode (rows) and k (columns): mean, sample std and count over seeds."""
    return (
        runs[runs["dataset"] == dataset]
        .pivot_table(index=["method", "mode"], columns="k", values="test_accuracy", aggfunc=["mean", "std", "count"])
        .round(1)
    )


def validation_curve(dataset: str, k: int, seed: int, method: str, mode: str) -> pd.DataFrame:
    """One run's validation accuracy at each evaluation (dvclive's TSV)."""
    run = paths.run_dir(dataset, k, seed, method, mode)
    file = _require(run / "plots" / "metrics" / "val" / "accuracy.tsv", f"distill@{dataset}-{method}-{seed}")
    return pd.read_csv(file, sep="\t").set_index("step").T

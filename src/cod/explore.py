"""What the pipeline made, as pandas DataFrames to analyse in notebooks/explore.py (not a stage: it writes nothing)."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from cod import paths
from cod.counterfactuals.texts import highlight
from cod.data.corpus import load_meta
from cod.errors import CodError, DataError
from cod.report.aggregate import VALUES
from cod.report.cfe_figures import word_diff  # note: it selects matplotlib's file-only backend (Agg)

T = TypeVar("T")


def available(make: Callable[..., T], *args: object) -> T | None:
    """``make(*args)``, or None after one line saying what is missing and which stage makes it."""
    try:
        return make(*args)
    except CodError as exc:
        print(f"not available yet: {exc}")
        return None


def _require(file: Path, target: str) -> Path:
    if not file.is_file():
        raise DataError(f"{file} is missing (run `dvc repro {target}`)")
    return file


def aggregated(name: str) -> pd.DataFrame:
    """One table of the aggregate stage (results/aggregate/<name>.csv: runs, gains_test, cfes, teachers, ...)."""
    return pd.read_csv(_require(paths.aggregate_dir() / f"{name}.csv", "aggregate"))


def runs(dataset: str | None = None) -> pd.DataFrame:
    """Every finished run (status ok) of ``dataset`` (None: of every dataset), one row each, accuracies in %; a
    DataError when there is none."""
    table = aggregated("runs")
    table = table[table["status"] == "ok"]
    table = table if dataset is None else table[table["dataset"] == dataset]
    if table.empty:
        raise DataError(f"no finished run of {dataset or 'any dataset'} yet (run its distill stages, then aggregate)")
    return table.reset_index(drop=True)


def paired_gains(runs: pd.DataFrame, arm: str = "cod", base: str = "clean", value: str = "test") -> pd.DataFrame:
    """Data mode ``arm`` − ``base`` per dataset × method × k × seed (accuracy points; ``value`` test or val), for the
    seeds that have both runs: the per-seed pairs the report's gains summarise."""
    keys = ["dataset", "method", "k", "seed"]
    wide = runs.pivot_table(index=keys, columns="mode", values=VALUES[value])
    if not {arm, base} <= set(wide.columns):
        return pd.DataFrame(columns=[*keys, base, arm, "gain"])
    pairs = wide[[base, arm]].dropna().reset_index()
    pairs.columns.name = None
    return pairs.assign(gain=pairs[arm] - pairs[base])


def validation_curve(dataset: str, k: int, seed: int, method: str, mode: str) -> pd.DataFrame:
    """One run's validation accuracy (%) at each epoch it was evaluated (dvclive's TSV; its step 0 is epoch 1)."""
    run = paths.run_dir(dataset, k, seed, method, mode)
    file = _require(run / "plots" / "metrics" / "val" / "accuracy.tsv", f"distill@{dataset}-{method}-{seed}")
    curve = pd.read_csv(file, sep="\t")
    return pd.DataFrame({"epoch": curve["step"] + 1, "val_accuracy": curve["accuracy"] * 100.0})


def validation_curves(dataset: str, k: int, seed: int, methods: list[str], modes: list[str]) -> pd.DataFrame:
    """The validation curves of every (method, mode) run of (dataset, k, seed) that exists, stacked with their method
    and mode; a DataError naming the stage when none does."""
    curves, missing = [], None
    for method in methods:
        for mode in modes:
            try:
                curve = validation_curve(dataset, k, seed, method, mode)
            except DataError as exc:
                missing = missing or exc
                continue
            curves.append(curve.assign(method=method, mode=mode))
    if not curves:
        raise missing or DataError("no method or data mode asked for")
    return pd.concat(curves, ignore_index=True)


def few_shot(dataset: str, k: int, seed: int) -> pd.DataFrame:
    """The clean k-shot training set of (dataset, k, seed)."""
    file = _require(paths.subset_file(dataset, k, seed, "train.jsonl"), f"subset@{dataset}")
    return pd.read_json(file, lines=True)


def cfes(dataset: str, k: int, seed: int, mode: str = "cod") -> pd.DataFrame:
    """Every CFE record of a CoD set (original, cfe, valid, delta_p, word_edits, ...) with the teacher's label names
    before and after the edit (original_label, cfe_label)."""
    file = _require(paths.cfe_records(dataset, k, seed, mode), f"counterfactuals@{dataset}")
    records = pd.read_json(file, lines=True)
    names = load_meta(dataset)["label_names"]
    return records.assign(
        original_label=[names[int(i)] for i in records["teacher_original"]],
        cfe_label=[names[int(i)] for i in records["teacher_cfe"]],
    )


def diff_html(original: str, cfe: str) -> str:
    """The CFE as HTML with its word diff against the original (cod.report.cfe_figures.word_diff, the report's panel):
    inserted or replacing words bold red, removed ones grey and struck through."""
    styles = {"same": "{}", "new": '<b style="color:#C44E52">{}</b>', "gone": '<s style="color:#999999">{}</s>'}
    return " ".join(styles[kind].format(html.escape(word)) for word, kind in word_diff(original, cfe))


def highlighted(cfes: pd.DataFrame) -> pd.DataFrame:
    """CFE rows for reading: the teacher's label before → after, ΔP and the CFE with its edited words highlighted
    (an HTML column: show with ``HTML(frame.to_html(escape=False))``)."""
    return pd.DataFrame(
        {
            **({"premise": cfes["premise"]} if "premise" in cfes.columns else {}),
            "labels": cfes["original_label"] + " → " + cfes["cfe_label"],
            "delta_p": cfes["delta_p"].round(2),
            "cfe": [diff_html(a, b) for a, b in zip(cfes["original"], cfes["cfe"], strict=True)],
        },
        index=cfes.index,
    )


def counterfactual_edits(dataset: str, k: int, seed: int) -> pd.DataFrame:
    """Each CFE of the CoD set as its marked edit ([old→new], [-deleted]), validity, ΔP and word edits, as text.

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

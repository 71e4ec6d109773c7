"""Gather every run of the grid into one tidy table and summarise it (mean, sample std, n, 95 % CI)."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cod import paths
from cod.config import GridConfig as Grid

RUN_KEYS = ["dataset", "k", "seed", "method", "mode"]
GROUP_KEYS = ["dataset", "method", "mode", "k"]
# The engine's two numbers: the paper's (best validation accuracy over epochs) and the honest one.
VALUES = {"val": "best_val_accuracy", "test": "test_accuracy"}
RUN_COLUMNS = [
    "best_val_accuracy",
    "test_accuracy",
    "val_mcc",
    "test_mcc",
    "val_agreement",
    "test_agreement",
    "best_epoch",
    "train_rows",
    "train_cfe_rows",
]


def expected_runs(grid: Grid) -> pd.DataFrame:
    """One row per run the grid asks for (the distill matrix of dvc.yaml)."""
    combos = itertools.product(grid.datasets, grid.k, grid.seeds, grid.methods, grid.data_modes)
    return pd.DataFrame(list(combos), columns=RUN_KEYS)


def read_run(directory: Path) -> tuple[str, dict[str, Any]]:
    """(status, metrics) of one run folder: ok, missing (no metrics.json) or failed (unreadable / no accuracy)."""
    file = directory / "metrics.json"
    if not file.is_file():
        return "missing", {}
    try:
        metrics = json.loads(file.read_text())
    except json.JSONDecodeError as exc:
        return "failed", {"error": f"metrics.json is not JSON: {exc}"}
    values = [metrics.get(v) for v in VALUES.values()]
    if any(v is None or not math.isfinite(float(v)) for v in values):
        return "failed", {**metrics, "error": "best_val_accuracy or test_accuracy missing or not finite"}
    return "ok", metrics


def collect_runs(grid: Grid) -> pd.DataFrame:
    """The tidy table: every expected run with its status, numbers (accuracy in %) and folder; none dropped."""
    rows = []
    for run in expected_runs(grid).itertuples(index=False):
        directory = paths.run_dir(run.dataset, run.k, run.seed, run.method, run.mode)
        status, metrics = read_run(directory)
        row: dict[str, Any] = {**run._asdict(), "status": status, "run_dir": str(directory.relative_to(paths.root()))}
        for column in RUN_COLUMNS:
            row[column] = metrics.get(column, np.nan)
        row["error"] = metrics.get("error", "")
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in ("best_val_accuracy", "test_accuracy", "val_agreement", "test_agreement"):
        table[column] = table[column].astype(float) * 100.0
    return table


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Two-sided Student-t confidence interval of the mean (NaN when n < 2)."""
    from scipy import stats

    n = len(values)
    if n < 2:
        return math.nan, math.nan
    half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / math.sqrt(n)
    return float(values.mean() - half), float(values.mean() + half)


def describe(values: pd.Series, expected: int, confidence: float = 0.95) -> dict[str, float | int]:
    """mean, sample std (ddof=1), n, n_expected, n_missing and the t-interval (ci_low, ci_high) of the finite values."""
    finite = values.dropna().to_numpy(dtype=float)
    n = len(finite)
    low, high = t_interval(finite, confidence)
    return {
        "mean": float(finite.mean()) if n else math.nan,
        "std": float(finite.std(ddof=1)) if n > 1 else math.nan,
        "n": n,
        "n_expected": expected,
        "n_missing": expected - n,
        "ci_low": low,
        "ci_high": high,
    }


def summarise(
    runs: pd.DataFrame, value: str = "test", by: list[str] | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """Per dataset × method × mode × k statistics of ``value`` (val | test) over seeds; failed runs count as missing."""
    column = VALUES[value]
    by = by or GROUP_KEYS
    rows = []
    for keys, group in runs.groupby(by, sort=True):
        ok = group.loc[group["status"] == "ok", column]
        rows.append({**dict(zip(by, keys, strict=True)), "value": value, **describe(ok, len(group), confidence)})
    return pd.DataFrame(rows)


def cod_gain(runs: pd.DataFrame, value: str = "test", confidence: float = 0.95) -> pd.DataFrame:
    """CoD − clean per dataset × method × k, paired by seed (same seed = CoD originals ⊂ clean set)."""
    column = VALUES[value]
    ok = runs[runs["status"] == "ok"]
    wide = ok.pivot_table(index=["dataset", "method", "k", "seed"], columns="mode", values=column)
    if not {"clean", "cod"} <= set(wide.columns):
        return pd.DataFrame(columns=["dataset", "method", "k", "value", "mean", "std", "n"])
    diff = (wide["cod"] - wide["clean"]).rename("gain").reset_index()
    expected = runs.groupby(["dataset", "method", "k"])["seed"].nunique()
    rows = []
    for (dataset, method, k), group in diff.groupby(["dataset", "method", "k"], sort=True):
        stats = describe(group["gain"], int(expected.loc[(dataset, method, k)]), confidence)
        rows.append({"dataset": dataset, "method": method, "k": k, "value": value, **stats})
    return pd.DataFrame(rows)


def problems(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs that are missing or failed, with their folder and error (reported, never dropped)."""
    return runs.loc[runs["status"] != "ok", [*RUN_KEYS, "status", "run_dir", "error"]].reset_index(drop=True)


def cfe_quality(grid: Grid) -> pd.DataFrame:
    """One row per CoD set of the grid: the counterfactuals stage's quality metrics (missing sets included)."""
    rows = []
    for dataset, k, seed in itertools.product(grid.datasets, grid.k, grid.seeds):
        file = paths.cfe_metrics(dataset, k, seed)
        metrics = json.loads(file.read_text()) if file.is_file() else {}
        rows.append({"dataset": dataset, "k": k, "seed": seed, "status": "ok" if metrics else "missing", **metrics})
    return pd.DataFrame(rows)


def teacher_quality(grid: Grid) -> pd.DataFrame:
    """One row per dataset: the teacher's validation and test accuracy (%)."""
    rows = []
    for dataset in grid.datasets:
        file = paths.teacher_dir(dataset) / "metrics.json"
        metrics = json.loads(file.read_text()) if file.is_file() else {}
        rows.append(
            {
                "dataset": dataset,
                "model": metrics.get("model", ""),
                "validation_accuracy": 100.0 * metrics.get("validation_accuracy", math.nan),
                "test_accuracy": 100.0 * metrics.get("test_accuracy", math.nan),
                "status": "ok" if metrics else "missing",
            }
        )
    return pd.DataFrame(rows)


def headline(summary: pd.DataFrame, gains: pd.DataFrame, runs: pd.DataFrame) -> dict[str, Any]:
    """The few numbers `dvc metrics show` / `dvc exp show` track: mean test accuracy and CoD gain per cell."""
    out: dict[str, Any] = {"runs_ok": int((runs["status"] == "ok").sum()), "runs_expected": len(runs)}
    for row in summary.itertuples(index=False):
        cell = out.setdefault(row.dataset, {}).setdefault(f"k{row.k}", {})
        cell[f"{row.method}_{row.mode}"] = None if math.isnan(row.mean) else round(row.mean, 2)
    for row in gains.itertuples(index=False):
        cell = out.setdefault(row.dataset, {}).setdefault(f"k{row.k}", {})
        cell[f"{row.method}_cod_gain"] = None if math.isnan(row.mean) else round(row.mean, 2)
    return out


def cfe_examples(grid: Grid, n: int, label_names: dict[str, list[str]]) -> pd.DataFrame:
    """``n`` teacher-verified CFEs for the example panel: seed 0 (else the first seed), largest k, both directions."""
    seed = 0 if 0 in grid.seeds else grid.seeds[0]
    rows = []
    for dataset in grid.datasets:
        file = paths.subset_file(dataset, max(grid.k), seed, "cfes.jsonl", mode="cod")
        if not file.is_file() or dataset not in label_names:
            continue
        records = pd.read_json(file, lines=True)
        valid = records[records["valid"]].copy()
        names = label_names[dataset]
        valid["dataset"] = dataset
        valid["original_label"] = [names[i] for i in valid["teacher_original"]]
        valid["cfe_label"] = [names[i] for i in valid["teacher_cfe"]]
        rows.append(valid)
    if not rows:
        return pd.DataFrame(columns=["dataset", "original", "cfe", "original_label", "cfe_label", "delta_p"])
    valid = pd.concat(rows, ignore_index=True)
    # alternate the flip direction so the panel shows both, shortest sentences first (readable in a figure)
    valid = valid.assign(length=valid["original"].str.len()).sort_values(["length", "idx"])
    by_direction = [g for _, g in valid.groupby("teacher_original", sort=True)]
    picked = pd.concat([g.head(-(-n // len(by_direction))) for g in by_direction]).head(n)
    return picked[["dataset", "idx", "original", "cfe", "original_label", "cfe_label", "delta_p", "word_edits"]]

"""How the paired CoD gain moves with the student's lr: the tune grid's lrs on the first sensitivity seeds."""

from __future__ import annotations

import itertools
import json
import math
import re

import pandas as pd

from cod import paths
from cod.config import Params
from cod.method_registry import BASELINE
from cod.report.aggregate import VALUES, read_run
from cod.stats import describe

COLUMNS = ["dataset", "method", "k", "lr", "chosen", "mean", "std", "n", "n_expected", "ci_low", "ci_high"]


def chosen_lr(dataset: str) -> float:
    """The lr the distill stages used for ``dataset`` (the tune stage's record)."""
    return float(json.loads(paths.tune_choice(dataset).read_text())["lr"])


def sensitivity_runs(params: Params) -> pd.DataFrame:
    """One row per KD run of the analysis (chosen lr: the grid's own runs; others: the sensitivity runs)."""
    tune = params.tune
    seeds = params.grid.seeds[: tune.sensitivity_seeds]
    rows = []
    for dataset in params.grid.datasets:
        if not paths.tune_choice(dataset).is_file():
            continue
        chosen = chosen_lr(dataset)
        lrs = sorted({*tune.lrs, chosen})
        for lr, k, seed, mode in itertools.product(lrs, tune.sensitivity_k, seeds, ("clean", "cod")):
            is_chosen = math.isclose(lr, chosen, rel_tol=1e-9)
            folder = (
                paths.run_dir(dataset, k, seed, BASELINE, mode)
                if is_chosen
                else paths.sensitivity_run_dir(dataset, seed, lr, k, BASELINE, mode)
            )
            status, metrics = read_run(folder)
            value = metrics.get(VALUES["test"]) if status == "ok" else None
            rows.append(
                {
                    "dataset": dataset,
                    "method": BASELINE,
                    "k": k,
                    "lr": lr,
                    "chosen": is_chosen,
                    "seed": seed,
                    "mode": mode,
                    "status": status,
                    "test_accuracy": math.nan if value is None else 100.0 * float(value),
                }
            )
    return pd.DataFrame(
        rows, columns=["dataset", "method", "k", "lr", "chosen", "seed", "mode", "status", "test_accuracy"]
    )


def sensitivity_gains(runs: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Paired CoD − clean test-accuracy gain per dataset × method × k × lr (mean, sample std, n, t-interval)."""
    if runs.empty:
        return pd.DataFrame(columns=COLUMNS)
    keys = ["dataset", "method", "k", "lr", "chosen"]
    wide = runs.set_index([*keys, "seed", "mode"])["test_accuracy"].unstack("mode")
    gains = (wide["cod"] - wide["clean"]).rename("gain").reset_index()  # NaN when either run is missing
    rows = []
    for cell, group in gains.groupby(keys, sort=True):
        rows.append({**dict(zip(keys, cell, strict=True)), **describe(group["gain"], len(group), confidence)})
    return pd.DataFrame(rows)[COLUMNS]


def tune_decisions(datasets: list[str]) -> str:
    """Every dataset's learning-rate decision (the tune stage's decision.md), headings demoted, in one document."""
    parts = []
    for dataset in datasets:
        file = paths.tune_report(dataset)
        text = (
            file.read_text().strip()
            if file.is_file()
            else f"# `{dataset}`\n\nNo decision: run `dvc repro tune@{dataset}`."
        )
        parts.append(re.sub(r"^# ", "#### ", text, flags=re.M))
    return "\n\n".join(parts) + "\n"


def render(gains: pd.DataFrame) -> str:
    """Markdown table of the sensitivity analysis (gain in points, its interval, n)."""
    lines = [
        "| dataset | method | k | lr | paired CoD gain (test, points) | 95 % interval | n |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in gains.itertuples(index=False):
        lr = f"**{r.lr:g}** (chosen)" if r.chosen else f"{r.lr:g}"
        interval = "–" if math.isnan(r.ci_low) else f"[{r.ci_low:+.1f}, {r.ci_high:+.1f}]"
        mean = "–" if math.isnan(r.mean) else f"{r.mean:+.1f}"
        lines.append(
            f"| {r.dataset} | {r.method.upper()} | {r.k} | {lr} | {mean} | {interval} | {r.n} of {r.n_expected} |"
        )
    return "\n".join(lines) + "\n"

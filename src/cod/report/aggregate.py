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
from cod.config import Params
from cod.data.balance import is_imbalanced
from cod.data.corpus import EVAL_CAP_NOTE, load_meta
from cod.stats import describe

RUN_KEYS = ["dataset", "k", "seed", "method", "mode"]
GROUP_KEYS = ["dataset", "method", "mode", "k"]
# The engine's two numbers: the paper's (best validation accuracy over epochs) and the honest one.
VALUES = {"val": "best_val_accuracy", "test": "test_accuracy"}
# The same runs' balanced accuracy (mean recall over classes), shown beside accuracy for imbalanced datasets.
BALANCED = {"val": "val_balanced_accuracy", "test": "test_balanced_accuracy"}
RUN_COLUMNS = [
    "best_val_accuracy",
    "test_accuracy",
    "val_mcc",
    "test_mcc",
    "val_balanced_accuracy",
    "test_balanced_accuracy",
    "val_agreement",
    "test_agreement",
    "best_epoch",
    "train_rows",
    "train_cfe_rows",
    "wall_seconds",
    "cpu_seconds",
]
# The machine values of the verdict column (display labels: verdict.verdict_label).
VERDICTS = ("cod_better", "no_difference", "baseline_better", "excluded", "insufficient")


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


def read_timings(output: Path) -> dict[str, Any]:
    """The seconds recorded for making ``output`` on this machine ({} when it ran elsewhere or not at all)."""
    file = paths.timings_file(output)
    return json.loads(file.read_text()) if file.is_file() else {}


def run_row(run: dict[str, Any], directory: Path) -> dict[str, Any]:
    """One row of the tidy table: the run's keys, status, numbers as recorded and folder."""
    status, metrics = read_run(directory)
    metrics = {**read_timings(directory), **metrics}
    row: dict[str, Any] = {**run, "status": status, "run_dir": str(directory.relative_to(paths.root()))}
    for column in RUN_COLUMNS:
        row[column] = metrics.get(column, np.nan)
    row["error"] = metrics.get("error", "")
    return row


def tidy(rows: list[dict[str, Any]], cfe_fraction: float = 0.5) -> pd.DataFrame:
    """Rows of ``run_row`` as a table with accuracies in % and the CFE budget."""
    table = pd.DataFrame(rows, columns=[*RUN_KEYS, "status", "run_dir", *RUN_COLUMNS, "error"] if not rows else None)
    for column in ("best_val_accuracy", "test_accuracy", *BALANCED.values(), "val_agreement", "test_agreement"):
        table[column] = table[column].astype(float) * 100.0
    return add_cfe_budget(table, cfe_fraction)


def collect_runs(grid: Grid, cfe_fraction: float = 0.5) -> pd.DataFrame:
    """The tidy table: every expected run with its status, numbers (accuracy in %), CFE budget and folder."""
    rows = [
        run_row(run._asdict(), paths.run_dir(run.dataset, run.k, run.seed, run.method, run.mode))
        for run in expected_runs(grid).itertuples(index=False)
    ]
    return tidy(rows, cfe_fraction)


def collect_variant_runs(params: Params) -> pd.DataFrame:
    """Every expected run of the grid methods' variants (distill.<method>.variants), as collect_runs rows whose
    method is ``<method>:<variant>``."""
    grid = params.grid
    rows = []
    for dataset, seed, method in itertools.product(grid.datasets, grid.seeds, grid.methods):
        for variant, k, mode in params.variant_cells(method):
            run = {"dataset": dataset, "k": k, "seed": seed, "method": f"{method}:{variant}", "mode": mode}
            rows.append(run_row(run, paths.variant_run_dir(dataset, seed, variant, k, method, mode)))
    return tidy(rows, params.subset.cfe_fraction)


def is_control(base: str) -> bool:
    """Whether a rationale gain's ``base`` is a variant of the method itself (its random-word control)."""
    return ":" in str(base)


def is_cod_mode(mode: str) -> bool:
    """Whether a data mode trains on counterfactuals: ``cod`` (the CoD arm) or an ablation mode ``cod-<kind>``."""
    return mode == "cod" or mode.startswith("cod-")


def cod_modes(modes) -> list[str]:
    """The CoD modes among ``modes``, once each, in their order."""
    return [m for m in dict.fromkeys(modes) if is_cod_mode(str(m))]


def cfe_asked(k: int, cfe_fraction: float = 0.5) -> int:
    """CFEs a CoD set of budget k asks for: k − round(k·(1 − cfe_fraction)) (k/2 at the default 0.5)."""
    return int(k - round(k * (1 - cfe_fraction)))


def add_cfe_budget(runs: pd.DataFrame, cfe_fraction: float = 0.5) -> pd.DataFrame:
    """``runs`` plus cfe_asked (CoD runs: the budget's CFE count; clean: 0) and cfe_share = train_cfe_rows / asked."""
    out = runs.copy()
    is_cod = out["mode"].astype(str).map(is_cod_mode).to_numpy(dtype=bool)
    asked = np.array([cfe_asked(int(k), cfe_fraction) for k in out["k"]], dtype=int)
    out["cfe_asked"] = np.where(is_cod, asked, 0)
    had = out["train_cfe_rows"].astype(float) if "train_cfe_rows" in out else pd.Series(np.nan, index=out.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cfe_share"] = np.where(is_cod & (asked > 0), had.to_numpy() / np.maximum(asked, 1), np.nan)
    return out


def cfe_budget(shares: pd.Series) -> dict[str, Any]:
    """cfe_short (a run had fewer CFEs than asked), min_cfe_share and mean_cfe_share of the known shares."""
    known = shares.dropna().to_numpy(dtype=float)
    return {
        "cfe_short": bool((known < 1.0 - 1e-9).any()),
        "min_cfe_share": float(known.min()) if len(known) else math.nan,
        "mean_cfe_share": float(known.mean()) if len(known) else math.nan,
    }


def summarise(
    runs: pd.DataFrame,
    value: str = "test",
    by: list[str] | None = None,
    confidence: float = 0.95,
    balanced: bool = False,
) -> pd.DataFrame:
    """Per dataset × method × mode × k statistics of ``value`` over seeds (failed = missing) and the CFE budget kept;
    ``balanced``: of its balanced accuracy instead of its accuracy."""
    column = (BALANCED if balanced else VALUES)[value]
    by = by or GROUP_KEYS
    rows = []
    for keys, group in runs.groupby(by, sort=True):
        ok = group[group["status"] == "ok"]
        budget = cfe_budget(ok["cfe_share"] if "cfe_share" in ok else pd.Series(dtype=float))
        rows.append(
            {
                **dict(zip(by, keys, strict=True)),
                "value": value,
                **describe(ok[column], len(group), confidence),
                **budget,
            }
        )
    return pd.DataFrame(rows)


def verdict_of(ci_low: float, ci_high: float, n: int, excluded: bool, half_width: float, target: float) -> str:
    """Machine verdict of a gain cell: excluded; cod_better (the arm) or baseline_better (the base) when the interval
    excludes 0; no_difference when it contains 0 and is no wider than ± ``target``; insufficient when it contains 0
    but is wider (the cell could not resolve a difference of that size), or n < 2."""
    if excluded:
        return "excluded"
    if n < 2 or math.isnan(ci_low) or math.isnan(ci_high):
        return "insufficient"
    if ci_low > 0:
        return "cod_better"
    if ci_high < 0:
        return "baseline_better"
    return "no_difference" if half_width <= target else "insufficient"


def verdict(gains: pd.DataFrame, min_cfe_share: float = 0.8, target_half_width: float = 3.0) -> pd.DataFrame:
    """Per contrast × dataset × k × method: paired gain, its interval, half-width, decisiveness target and one-word
    verdict (``gains``: paired.contrast_gains, or paired.cod_gain's frame for the CoD − clean contrast alone)."""
    # Exclusion rule: the mean over the cell's paired seeds of cfe_share (CFEs the student trained on / CFEs the
    # budget asked for) is below min_cfe_share. An unknown share (no train_cfe_rows) does not exclude.
    columns = [
        "contrast", "arm", "base",
        "dataset", "k", "method", "value", "mean", "std", "n", "n_expected", "ci_low", "ci_high", "half_width",
        "meets_target", "mean_cfe_share", "min_cfe_share", "cfe_short", "excluded", "verdict", "reason",
    ]  # fmt: skip
    if "contrast" not in gains:
        gains = gains.assign(contrast="cod - clean", arm="cod", base="clean")
    order = {name: i for i, name in enumerate(dict.fromkeys(gains["contrast"]))}  # the declared order
    ordered = gains.assign(order=gains["contrast"].map(order)).sort_values(["order", "dataset", "k", "method"])
    rows = []
    for g in ordered.to_dict(orient="records"):
        n, low, high = int(g["n"]), float(g["ci_low"]), float(g["ci_high"])
        half = (high - low) / 2 if n >= 2 else math.nan
        share = float(g.get("mean_cfe_share", math.nan))
        excluded = bool(not math.isnan(share) and share < min_cfe_share)
        if excluded:
            who = "CoD arm" if g.get("base", "clean") == "clean" else "an arm of the contrast"  # the shorter of two
            reason = (
                f"{who} trained on {share:.0%} of the CFEs its budget asked for (mean over {n} paired seeds) "
                f"< report.min_cfe_share {min_cfe_share:.0%}"
            )
        elif n < 2:
            reason = f"n = {n} paired seed(s): no interval"
        elif low <= 0 <= high and half > target_half_width:
            reason = f"the interval contains 0 and its half-width {half:.1f} exceeds the target {target_half_width:g}"
        else:
            reason = ""
        rows.append(
            {
                **{key: g.get(key, math.nan) for key in columns[:13]},
                "half_width": half,
                "meets_target": bool(not math.isnan(half) and half <= target_half_width),
                "mean_cfe_share": share,
                "min_cfe_share": float(g.get("min_cfe_share", math.nan)),
                "cfe_short": bool(g.get("cfe_short", False)),
                "excluded": excluded,
                "verdict": verdict_of(low, high, n, excluded, half, target_half_width),
                "reason": reason,
            }
        )
    return pd.DataFrame(rows, columns=columns)


def problems(runs: pd.DataFrame, verdicts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Missing / failed runs, CoD runs short of their CFE budget and gain cells excluded from the verdict, with why."""
    # kind: run (missing or failed), cfe_short (an ok CoD run with fewer CFEs than asked) or cfe_budget (a gain cell
    # excluded from the verdict; seed empty); reason says why in words
    columns = ["kind", *RUN_KEYS, "status", "run_dir", "error", "reason"]
    bad = runs[runs["status"] != "ok"].assign(kind="run")
    bad["reason"] = np.where(bad["status"] == "missing", "no metrics.json", bad["error"].astype(str))
    parts = [bad]
    if "cfe_share" in runs:
        short = runs[(runs["status"] == "ok") & (runs["cfe_share"] < 1.0 - 1e-9)].assign(kind="cfe_short")
        short["reason"] = [
            f"trained on {int(r.train_cfe_rows)} of the {int(r.cfe_asked)} CFEs asked for ({r.cfe_share:.0%})"
            for r in short.itertuples(index=False)
        ]
        parts.append(short)
    if verdicts is not None and len(verdicts):
        cells = verdicts[verdicts["excluded"].astype(bool)]
        parts.append(
            cells[["dataset", "k", "method", "reason"]].assign(
                kind="cfe_budget", seed=pd.NA, mode="cod", status="excluded", run_dir="", error=""
            )
        )
    parts = [p[columns] for p in parts if len(p)]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    table["seed"] = table["seed"].astype("Int64")
    return table


CFE_QUALITY_KEYS = ["dataset", "k", "seed", "mode", "kind", "status"]


def cfe_quality(grid: Grid, kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per CoD set of the grid (dataset × k × seed × CoD data mode): the counterfactuals stage's quality
    metrics (missing sets included). ``kind`` is the set's own (metrics.json), else ``kinds[mode]``."""
    kinds = kinds or {}
    rows = []
    modes = cod_modes(grid.data_modes)
    for dataset, k, seed, mode in itertools.product(grid.datasets, grid.k, grid.seeds, modes):
        file = paths.cfe_metrics(dataset, k, seed, mode)
        metrics = json.loads(file.read_text()) if file.is_file() else {}
        kind = metrics.get("kind") or kinds.get(mode, mode.removeprefix("cod-"))
        status = "ok" if metrics else "missing"
        row = {"dataset": dataset, "k": k, "seed": seed, "mode": mode, "kind": kind, "status": status}
        rows.append({**row, **metrics, "mode": mode, "kind": kind, "status": status})
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=CFE_QUALITY_KEYS)


def imbalanced_datasets(datasets: list[str], ratio: float) -> list[str]:
    """The datasets whose test split is imbalanced (its largest class > ``ratio`` × its smallest; ratio =
    teacher.imbalance_ratio): their student tables add balanced accuracy. One whose counts are unknown is left out."""
    found = []
    for dataset in datasets:
        meta = load_meta(dataset) if paths.prepared_meta(dataset).is_file() else {}
        counts = meta.get("class_counts", {}).get("test")
        found += [dataset] if counts and is_imbalanced(list(counts.values()), ratio) else []
    return found


def evaluation_caps(datasets: list[str]) -> list[str]:
    """One line per dataset whose validation and test splits were capped (data.max_eval_rows): the rows before and
    after, as the prepare stage recorded them, so every table that reports accuracy says so."""
    lines = []
    for dataset in datasets:
        meta = load_meta(dataset) if paths.prepared_meta(dataset).is_file() else {}
        lines += [
            f"{dataset}: evaluated on a sample — {note}."
            for note in meta.get("notes", [])
            if note.startswith(EVAL_CAP_NOTE)
        ]
    return lines


# Declared before any LLM arm was read: an arm whose kept CFEs are more than half a fallback's (the LLM's offline
# editor) is flagged in the verdict and named as what it is ("llm → editor fallback (11/12)").
MOSTLY_FALLBACK = 0.5
FALLBACK_COLUMNS = ["kept", "fallback_cfes", "fallback_share", "fallback_generator", "mostly_fallback"]


def fallback_shares(cfes: pd.DataFrame, by: tuple[str, ...] = ("dataset", "k", "mode")) -> pd.DataFrame:
    """Per ``by`` group of the ok CoD sets (cfe_quality rows) that record their makers: the CFEs they keep, how many
    a fallback made, its share, who made them and whether that is most of them (> ``MOSTLY_FALLBACK``)."""
    if cfes.empty or "fallback_cfes" not in cfes:
        return pd.DataFrame(columns=[*by, *FALLBACK_COLUMNS])
    ok = cfes[(cfes["status"] == "ok") & cfes["fallback_cfes"].notna()]
    rows = []
    for keys, group in ok.groupby(list(by), sort=True):
        kept, made = int(group["cfe_rows"].sum()), int(group["fallback_cfes"].sum())
        names = group["fallback_generator"].dropna().astype(str) if "fallback_generator" in group else pd.Series()
        share = made / kept if kept else math.nan
        rows.append(
            {
                **dict(zip(by, keys, strict=True)),
                "kept": kept,
                "fallback_cfes": made,
                "fallback_share": share,
                "fallback_generator": ", ".join(sorted(set(", ".join(names).split(", ")) - {""})) or None,
                "mostly_fallback": bool(kept and share > MOSTLY_FALLBACK),
            }
        )
    return pd.DataFrame(rows, columns=[*by, *FALLBACK_COLUMNS])


def teacher_quality(grid: Grid) -> pd.DataFrame:
    """One row per dataset: the teacher's validation and test accuracy and balanced accuracy (%), and MCC."""
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
                **{
                    f"{split}_{key}": scale * metrics.get(f"{split}_{key}", math.nan)
                    for key, scale in (("balanced_accuracy", 100.0), ("mcc", 1.0))
                    for split in ("validation", "test")
                },
                "status": "ok" if metrics else "missing",
            }
        )
    return pd.DataFrame(rows)


def headline(
    summary: pd.DataFrame, gains: pd.DataFrame, runs: pd.DataFrame, verdicts: pd.DataFrame | None = None
) -> dict[str, Any]:
    """The numbers `dvc metrics show` tracks: mean accuracy and CoD gain per cell, plus the verdict per cell."""
    out: dict[str, Any] = {"runs_ok": int((runs["status"] == "ok").sum()), "runs_expected": len(runs)}
    for row in summary.itertuples(index=False):
        cell = out.setdefault(row.dataset, {}).setdefault(f"k{row.k}", {})
        cell[f"{row.method}_{row.mode}"] = None if math.isnan(row.mean) else round(row.mean, 2)
    for row in gains.itertuples(index=False):
        cell = out.setdefault(row.dataset, {}).setdefault(f"k{row.k}", {})
        cell[f"{row.method}_cod_gain"] = None if math.isnan(row.mean) else round(row.mean, 2)
    for row in (verdicts if verdicts is not None else pd.DataFrame()).itertuples(index=False):
        cell = out.setdefault(row.dataset, {}).setdefault(f"k{row.k}", {})
        numbers = {"mean": row.mean, "ci_low": row.ci_low, "ci_high": row.ci_high, "half_width": row.half_width}
        # numbers and strings only (dvc metrics show): an undefined number is left out, never null
        cell[f"{row.method}_gain"] = {
            **{key: round(float(v), 2) for key, v in numbers.items() if not math.isnan(float(v))},
            "n": int(row.n),
            "meets_target": int(bool(row.meets_target)),
            "verdict": str(row.verdict),
        }
    return out


def verdict_counts(verdicts: pd.DataFrame) -> dict[str, int]:
    """How many gain cells got each verdict, and how many meet the decisiveness target (for metrics.json)."""
    counts = {name: int((verdicts["verdict"] == name).sum()) for name in VERDICTS}
    return {"cells": len(verdicts), **counts, "meets_target": int(verdicts["meets_target"].astype(bool).sum())}


def cfe_examples(grid: Grid, n: int, label_names: dict[str, list[str]]) -> pd.DataFrame:
    """``n`` teacher-verified CFEs for the example panel: seed 0 (else the first seed), largest k, both directions."""
    seed = 0 if 0 in grid.seeds else grid.seeds[0]
    columns = ["dataset", "idx", "original", "cfe", "original_label", "cfe_label", "delta_p", "word_edits"]
    rows = []
    for dataset in grid.datasets:
        file = paths.cfe_records(dataset, max(grid.k), seed, "cod")  # the CoD arm's sets, not the ablation kinds
        if not file.is_file() or dataset not in label_names or not file.read_text().strip():
            continue
        records = pd.read_json(file, lines=True)
        if "valid" not in records or not records["valid"].astype(bool).any():
            continue  # a set without a valid CFE has nothing to show (zero valid CFEs must not crash the stage)
        valid = records[records["valid"].astype(bool)].copy()
        names = label_names[dataset]
        valid["dataset"] = dataset
        valid["original_label"] = [names[int(i)] for i in valid["teacher_original"]]
        valid["cfe_label"] = [names[int(i)] for i in valid["teacher_cfe"]]
        rows.append(valid)
    if not rows:
        return pd.DataFrame(columns=columns)
    valid = pd.concat(rows, ignore_index=True)
    # alternate the flip direction so the panel shows both, shortest sentences first (readable in a figure)
    valid = valid.assign(length=valid["original"].str.len()).sort_values(["length", "idx"])
    by_direction = [g for _, g in valid.groupby("teacher_original", sort=True)]
    picked = pd.concat([g.head(-(-n // len(by_direction))) for g in by_direction]).head(n)
    return picked.reindex(columns=columns)

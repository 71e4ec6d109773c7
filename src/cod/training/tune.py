"""The declared learning-rate rule: clean KD students on tuning draws, the lr chosen on validation accuracy only."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from cod import paths
from cod.config import DistillConfig, Params
from cod.data.corpus import load_meta, load_split
from cod.data.subsets import draw
from cod.errors import DataError
from cod.method_registry import BASELINE
from cod.training.distill import as_training_frame, distill, prepare

RULE = "highest mean validation accuracy of clean KD students over the tune seeds and k (ties: the smaller lr)"


def choose_lr(runs: pd.DataFrame) -> float:
    """The rule: among clean KD rows only, the lr with the highest mean ``best_val_accuracy`` (ties: smaller lr).

    Any CoD row or test column in ``runs`` is ignored, so neither can move the choice.
    """
    rows = runs[(runs["method"] == BASELINE) & (runs["mode"] == "clean")]
    if rows.empty:
        raise DataError("no clean KD tuning run to choose a learning rate from")
    means = rows.groupby("lr")["best_val_accuracy"].mean()
    best = means.max()
    return float(min(lr for lr, mean in means.items() if mean >= best - 1e-12))


def tuning_runs(dataset: str, params: Params, smoke: bool = False) -> pd.DataFrame:
    """Train a clean KD student for every (lr, k, tune seed) on in-memory draws; validation only, never test."""
    tune, cfg = params.tune, params.distill
    ks = tune.k or params.grid.k
    meta, train = load_meta(dataset), load_split(dataset, "train")
    setup = prepare(dataset, cfg.model_copy(update={"lr": tune.lrs[0]}))
    rows = []
    cells = list(itertools.product(tune.lrs, ks, tune.seeds))
    for lr, k, seed in tqdm(cells, desc="tune", leave=False):
        subset = draw(
            train,
            dataset=dataset,
            k=k,
            seed=seed,
            cfe_fraction=params.subset.cfe_fraction,
            label_names=meta["label_names"],
            source={"sha256": meta["splits"]["train"]["sha256"]},
        )
        frame = as_training_frame(subset.clean)
        result = distill(
            dataset,
            k,
            seed,
            BASELINE,
            "clean",
            cfg.model_copy(update={"lr": lr}),
            setup=setup,
            frame=frame,
            test=False,
            smoke=smoke,
        )
        s = result.summary
        rows.append(
            {
                "dataset": dataset,
                "method": BASELINE,
                "mode": "clean",
                "lr": lr,
                "k": k,
                "seed": seed,
                "best_val_accuracy": 100.0 * s["best_val_accuracy"],
                "best_epoch": s["best_epoch"],
            }
        )
    return pd.DataFrame(rows)


def summary_table(runs: pd.DataFrame, chosen: float) -> pd.DataFrame:
    """Per lr: mean validation accuracy, sample std (ddof=1), n, and whether the rule chose it."""
    table = runs.groupby("lr")["best_val_accuracy"].agg(["mean", "std", "count"]).reset_index()
    table = table.rename(columns={"count": "n", "mean": "val_accuracy_mean", "std": "val_accuracy_std"})
    table["chosen"] = table["lr"] == chosen
    return table


def run_tune(dataset: str, params: Params, smoke: bool = False) -> dict[str, Any]:
    """The tune stage: apply the rule (or record the fixed lr) and write results/tune/<dataset> + its report."""
    out = paths.tune_dir(dataset)
    out.mkdir(parents=True, exist_ok=True)
    if params.distill.lr != "tuned":
        choice: dict[str, Any] = {"lr": float(params.distill.lr), "rule": "fixed in params.yaml (distill.lr)"}
        runs = pd.DataFrame(columns=["dataset", "method", "mode", "lr", "k", "seed", "best_val_accuracy"])
        table = pd.DataFrame(columns=["lr", "val_accuracy_mean", "val_accuracy_std", "n", "chosen"])
    else:
        runs = tuning_runs(dataset, params, smoke)
        chosen = choose_lr(runs)
        table = summary_table(runs, chosen)
        choice = {
            "lr": chosen,
            "rule": RULE,
            "lrs": params.tune.lrs,
            "seeds": params.tune.seeds,
            "k": params.tune.k or params.grid.k,
            "validation_accuracy": {f"{r.lr:g}": round(r.val_accuracy_mean, 4) for r in table.itertuples()},
        }
    runs.to_csv(out / "runs.csv", index=False)
    paths.tune_choice(dataset).write_text(json.dumps(choice, indent=2) + "\n")
    report = paths.tune_report(dataset)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(render(dataset, choice, table))
    return {"choice": choice, "table": table, "runs": runs}


def render(dataset: str, choice: dict[str, Any], table: pd.DataFrame) -> str:
    """Markdown of the tuning decision: the rule, the per-lr validation accuracy and the choice."""
    lines = [f"# Learning-rate choice for `{dataset}`", "", f"Rule: {choice['rule']}.", ""]
    if len(table):
        lines += [
            f"Tune seeds {choice['seeds']} (never used by the results), k = {choice['k']}; clean KD only, "
            "validation accuracy (%) at the best evaluation; no test number was computed.",
            "",
            "| lr | validation accuracy (mean ± sd) | n | chosen |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r.lr:g} | {r.val_accuracy_mean:.1f} ± {r.val_accuracy_std:.1f} | {int(r.n)} | "
            f"{'**yes**' if r.chosen else ''} |"
            for r in table.itertuples()
        ]
        lines.append("")
    lines.append(f"Chosen: **lr = {choice['lr']:g}**.")
    return "\n".join(lines) + "\n"


def resolve_lr(dataset: str, cfg: DistillConfig) -> DistillConfig:
    """``cfg`` with a numeric lr: itself when fixed, else the tune stage's choice for ``dataset``."""
    if cfg.lr != "tuned":
        return cfg
    file = paths.tune_choice(dataset)
    if not file.is_file():
        raise DataError(f"distill.lr is `tuned` but {file} is missing; run `dvc repro tune@{dataset}` first")
    return cfg.model_copy(update={"lr": float(json.loads(file.read_text())["lr"])})

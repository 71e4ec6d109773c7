"""Distillation runs, trained and recorded (dvclive): one cell (`cod distill`) or every run of a seed (stage 50); one
student kept as a Hugging Face folder (`cod student`)."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import pandas as pd

from cod import config, paths, tracking
from cod.config import DistillConfig, Params
from cod.method_registry import BASELINE
from cod.training.distill import DistillResult, Setup, distill, prepare, training_frame
from cod.training.export import keep_student, save_student
from cod.training.tune import resolve_lr


def record(
    run: Path, cell: dict[str, Any], cfg: DistillConfig, *, setup: Setup | None = None, smoke: bool = False
) -> DistillResult:
    """Distil one cell and write its dvclive folder ``run`` (with its student when distill.save_student; only the main
    process writes under accelerate)."""
    from accelerate import PartialState

    live = (
        tracking.open_run(run, {**cfg.for_method(cell["method"]), **cell, "smoke": smoke})
        if PartialState().is_main_process
        else None
    )
    result = distill(
        cell["dataset"],
        cell["k"],
        cell["seed"],
        cell["method"],
        cell["mode"],
        cfg,
        smoke=smoke,
        setup=setup,
        on_epoch=(lambda _, row: tracking.log_epoch(live, row)) if live is not None else None,
    )
    if live is not None:
        tracking.finish(live, result.summary)
        tracking.write_timings(run, result.timings)
        if result.rationales is not None:
            result.rationales.to_json(paths.run_rationales(run), orient="records", lines=True)
        keep_student(result.student, run, cell["dataset"], cfg)
    return result


def cell_config(dataset: str, k: int, seed: int, method: str, mode: str) -> tuple[dict[str, Any], DistillConfig]:
    """One cell's keys and its validated distill settings with the lr resolved (the tune stage's choice if `tuned`)."""
    cfg = config.load("distill", dataset=dataset, k=k, seed=seed, method=method, mode=mode)
    cell = {"dataset": dataset, "k": k, "seed": seed, "method": method, "mode": mode}
    return cell, resolve_lr(dataset, cfg)


def run_cell(dataset: str, k: int, seed: int, method: str, mode: str, *, smoke: bool = False) -> DistillResult:
    """Validate one cell, resolve its lr, distil it and write results/runs/... (`cod distill`)."""
    cell, cfg = cell_config(dataset, k, seed, method, mode)
    return record(paths.run_dir(dataset, k, seed, method, mode), cell, cfg, smoke=smoke)


RUN_RECORD = "distill_run.json"  # in a `cod student` folder: the cell and the summary of the run that made it


def student_cell(dataset: str, k: int, seed: int, method: str, mode: str, out: Path) -> tuple[Path, DistillResult]:
    """Distil one cell from this workspace's prepared data, teacher and training set and write its best-validation
    student to ``out`` as a Hugging Face folder, with the run's summary in RUN_RECORD (`cod student`); nothing is
    written under results/."""
    cell, cfg = cell_config(dataset, k, seed, method, mode)
    frame = training_frame(dataset, k, seed, mode)  # first: a missing set is named before any model loads
    result = distill(dataset, k, seed, method, mode, cfg, frame=frame)
    save_student(result.student, out, dataset, cfg)
    (out / RUN_RECORD).write_text(json.dumps({**cell, **result.summary}, indent=2) + "\n")
    return out, result


def sensitivity_cells(params: Params, seed: int, method: str, chosen: float) -> list[tuple[float, int, str]]:
    """(lr, k, mode) of the runs this seed adds to the lr-sensitivity analysis (KD on sensitivity seeds only)."""
    tune = params.tune
    if method != BASELINE or seed not in params.grid.seeds[: tune.sensitivity_seeds]:
        return []
    lrs = [lr for lr in tune.lrs if abs(lr - chosen) > 1e-12 * chosen]
    modes = [m for m in ("clean", "cod") if m in params.grid.data_modes]
    return list(itertools.product(lrs, tune.sensitivity_k, modes))


def with_variant(cfg: DistillConfig, method: str, variant: str) -> DistillConfig:
    """``cfg`` with ``method``'s section replaced by its variant ``variant``."""
    return cfg.model_copy(update={method: getattr(cfg, method).variant(variant)})


def run_seed(dataset: str, seed: int, method: str, *, smoke: bool = False) -> pd.DataFrame:
    """Every run of one method and seed in one process: the grid's k × data modes, then its sensitivity runs and its
    variants' runs.

    The teacher, tokenizer and evaluation batches are loaded once; each student still gets its own
    results/runs/<dataset>/<method>/seed<s>/... folder. Returns one row per run with its numbers and timings.
    """
    import psutil

    started = time.time()
    params = config.load_params()
    cfg = resolve_lr(dataset, config.load("distill", dataset=dataset, seed=seed, method=method))
    setup = prepare(dataset, cfg)
    jobs: list[tuple[Path, dict[str, Any], DistillConfig]] = []
    for k, mode in itertools.product(params.grid.k, params.grid.data_modes):
        cell = {"dataset": dataset, "k": k, "seed": seed, "method": method, "mode": mode}
        jobs.append((paths.run_dir(dataset, k, seed, method, mode), cell, cfg))
    for lr, k, mode in sensitivity_cells(params, seed, method, float(cfg.lr)):
        cell = {"dataset": dataset, "k": k, "seed": seed, "method": method, "mode": mode, "sensitivity": True}
        jobs.append(
            (paths.sensitivity_run_dir(dataset, seed, lr, k, method, mode), cell, cfg.model_copy(update={"lr": lr}))
        )
    for variant, k, mode in params.variant_cells(method):
        cell = {"dataset": dataset, "k": k, "seed": seed, "method": method, "mode": mode, "variant": variant}
        jobs.append(
            (paths.variant_run_dir(dataset, seed, variant, k, method, mode), cell, with_variant(cfg, method, variant))
        )
    rows = []
    for run, cell, run_cfg in jobs:
        result = record(run, cell, run_cfg, setup=setup, smoke=smoke)
        numbers = {key: value for key, value in result.summary.items() if not isinstance(value, list)}
        rows.append({**cell, **numbers, **result.timings})
    table = pd.DataFrame(rows)
    timings = {
        "process_start_to_work_seconds": started - psutil.Process().create_time(),
        "setup_seconds": setup.seconds,
        "students": len(rows),
        "student_seconds": float(table["wall_seconds"].sum()),
        "train_seconds": float(table["train_seconds"].sum()),
        "eval_seconds": float(table["eval_seconds"].sum()),
        "total_work_seconds": time.time() - started,
    }
    tracking.write_timings(paths.runs_seed_dir(dataset, method, seed), timings)
    return table

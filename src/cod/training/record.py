"""One cell of the distillation grid, run and recorded (dvclive): shared by notebook 50 and `cod distill`."""

from __future__ import annotations

from cod import config, paths, tracking
from cod.training.distill import DistillResult, distill


def run_cell(dataset: str, k: int, seed: int, method: str, mode: str, *, smoke: bool = False) -> DistillResult:
    """Validate the cell, distil, and write results/runs/... (only the main process writes under accelerate)."""
    from accelerate import PartialState

    cfg = config.load("distill", dataset=dataset, k=k, seed=seed, method=method, mode=mode)
    main = PartialState().is_main_process
    live = None
    if main:
        run = paths.run_dir(dataset, k, seed, method, mode)
        cell = {"dataset": dataset, "k": k, "seed": seed, "method": method, "mode": mode, "smoke": smoke}
        live = tracking.open_run(run, {**cfg.model_dump(), **cell})
    result = distill(
        dataset,
        k,
        seed,
        method,
        mode,
        cfg,
        smoke=smoke,
        on_epoch=(lambda _, row: tracking.log_epoch(live, row)) if live is not None else None,
    )
    if live is not None:
        tracking.finish(live, result.summary)
    return result

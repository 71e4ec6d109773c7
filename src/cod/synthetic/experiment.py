"""KD vs CoD students on two moons over seeds: one teacher, k real points vs k/2 real points + k/2 closest CFEs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from cod.config import SyntheticConfig
from cod.synthetic.cfe import closest_counterfactuals
from cod.synthetic.mlp import mlp, predict, train
from cod.synthetic.sampling import few_shot, moons

CFE_OVERSHOOT = 1  # extra steps past the flip, so the CFE sits just across the boundary
GRID_RESOLUTION = 200  # cells per axis of the grid on which boundaries are compared (and the figure shaded)
# smoke: a seconds-long run (fewer points, epochs, seeds and grid cells)
SMOKE = {"n_train": 300, "n_test": 300, "teacher_epochs": 150, "student_epochs": 100, "seeds": 2}
SMOKE_GRID_RESOLUTION = 60


@dataclass
class SeedRun:
    """One seed of the experiment: metrics plus what the figure needs."""

    metrics: list[dict[str, float]]
    real: np.ndarray
    real_labels: np.ndarray
    originals: np.ndarray
    original_labels: np.ndarray
    cfes: np.ndarray
    cfe_labels: np.ndarray
    grid_x: np.ndarray
    grid_y: np.ndarray
    grid_predictions: dict[str, np.ndarray]

    @property
    def boundary_agreement(self) -> dict[str, float]:
        """Each student's boundary agreement with the teacher (%), keyed as ``grid_predictions``."""
        return {f"{m['student']} student": m["boundary_agreement"] for m in self.metrics}


@dataclass
class MoonsResult:
    """Per-seed metrics, the teacher's test accuracy and the first seed's run for the figure."""

    runs: pd.DataFrame
    teacher_test_accuracy: float
    example: SeedRun


def run_seed(
    cfg: SyntheticConfig,
    teacher: nn.Module,
    test: tuple[torch.Tensor, torch.Tensor],
    seed: int,
    pool: tuple[torch.Tensor, torch.Tensor],
    resolution: int = GRID_RESOLUTION,
) -> SeedRun:
    """KD on k real points vs CoD on k/2 real points + their k/2 closest CFEs, same student, same seed."""
    x_pool, y_pool = pool
    clean_idx = few_shot(y_pool, cfg.k // 2, seed)
    cod_idx = clean_idx[: cfg.k // 2]  # interleaved, so the CoD originals are a class-balanced strict subset
    x_real, y_real = x_pool[clean_idx], y_pool[clean_idx]
    x_orig, y_orig = x_pool[cod_idx], y_pool[cod_idx]
    cfes, flipped = closest_counterfactuals(teacher, x_orig, cfg.cfe_step, cfg.cfe_max_steps, CFE_OVERSHOOT)
    y_cfe = torch.as_tensor(predict(teacher, cfes))  # teacher-verified label, as the text pipeline does
    x_cod, y_cod = torch.cat([x_orig, cfes[flipped]]), torch.cat([y_orig, y_cfe[flipped]])

    students = {
        name: train(
            mlp(cfg.student_hidden, seed), x, y, cfg.student_epochs, cfg.lr, teacher, cfg.kl_alpha, cfg.temperature
        )
        for name, x, y in (("KD student", x_real, y_real), ("CoD student", x_cod, y_cod))
    }
    x_test, y_test = test
    lo, hi = x_test.min(0).values - 0.5, x_test.max(0).values + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = torch.as_tensor(np.c_[gx.ravel(), gy.ravel()], dtype=torch.float32)
    teacher_grid, teacher_test = predict(teacher, grid), predict(teacher, x_test)
    preds = {"teacher": teacher_grid}
    metrics = []
    for name, model in students.items():
        preds[name] = predict(model, grid)
        test_pred = predict(model, x_test)
        metrics.append(
            {
                "seed": seed,
                "student": name.split()[0],
                "test_accuracy": float((test_pred == y_test.numpy()).mean() * 100),
                "test_agreement": float((test_pred == teacher_test).mean() * 100),
                "boundary_agreement": float((preds[name] == teacher_grid).mean() * 100),
                "train_rows": len(x_real) if name.startswith("KD") else len(x_cod),
                "cfe_flip_rate": float(flipped.float().mean() * 100),
                "cfe_mean_distance": float((cfes - x_orig).norm(dim=1).mean()),
            }
        )
    return SeedRun(
        metrics,
        x_real.numpy(),
        y_real.numpy(),
        x_orig.numpy(),
        y_orig.numpy(),
        cfes.numpy(),
        y_cfe.numpy(),
        gx,
        gy,
        preds,
    )


def run(cfg: SyntheticConfig, smoke: bool = False) -> MoonsResult:
    """Train the teacher on the full data, then KD vs CoD students over seeds 0 … cfg.seeds - 1."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny MLPs: thread hand-offs cost more than they save (about 2.5x here)
    try:
        if smoke:
            return _run(cfg.model_copy(update=SMOKE), SMOKE_GRID_RESOLUTION)
        return _run(cfg, GRID_RESOLUTION)
    finally:
        torch.set_num_threads(threads)


def _run(cfg: SyntheticConfig, resolution: int) -> MoonsResult:
    x_train, y_train = moons(cfg.n_train, cfg.noise, seed=0)
    test = moons(cfg.n_test, cfg.noise, seed=1)
    teacher = train(mlp(cfg.teacher_hidden, 0), x_train, y_train, cfg.teacher_epochs, cfg.lr)
    for p in teacher.parameters():
        p.requires_grad_(False)
    teacher_acc = float((predict(teacher, test[0]) == test[1].numpy()).mean() * 100)
    seeds = [run_seed(cfg, teacher, test, s, (x_train, y_train), resolution) for s in range(cfg.seeds)]
    runs = pd.DataFrame([m for s in seeds for m in s.metrics])
    return MoonsResult(runs, teacher_acc, seeds[0])

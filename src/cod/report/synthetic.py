"""The paper's synthetic experiment (spec §2): two moons, MLP teacher, tiny student, KD vs CoD with closest CFEs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from cod.training.losses import kd_loss


@dataclass(frozen=True)
class MoonsConfig:
    """Knobs of the synthetic experiment (paper: teacher [2→64→64→2], student [2→16→2], k = 20)."""

    n_train: int = 1000
    n_test: int = 2000
    noise: float = 0.2
    k: int = 20
    teacher_hidden: tuple[int, ...] = (64, 64)
    student_hidden: tuple[int, ...] = (16,)
    teacher_epochs: int = 300
    student_epochs: int = 500
    lr: float = 0.01
    kl_alpha: float = 1.0
    temperature: float = 2.0
    cfe_step: float = 0.01  # length of one normalised gradient step on the teacher's logit margin
    cfe_max_steps: int = 2000
    cfe_overshoot: int = 1  # extra steps past the flip, so the CFE sits just across the boundary
    seeds: tuple[int, ...] = field(default_factory=lambda: tuple(range(10)))
    grid_resolution: int = 200


def smoke(cfg: MoonsConfig) -> MoonsConfig:
    """A seconds-long version of ``cfg``: fewer points, epochs, seeds and grid cells."""
    return replace(
        cfg, n_train=300, n_test=300, teacher_epochs=150, student_epochs=100, seeds=(0, 1), grid_resolution=60
    )


def mlp(hidden: tuple[int, ...], seed: int) -> nn.Sequential:
    """A ReLU MLP 2 → hidden… → 2 with seeded initialisation."""
    torch.manual_seed(seed)
    sizes = (2, *hidden)
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(sizes[-1], 2))


def moons(n: int, noise: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two-moons points (float32) and labels (int64)."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    return torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)


def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    epochs: int,
    lr: float,
    teacher: nn.Module | None = None,
    kl_alpha: float = 0.0,
    temperature: float = 2.0,
) -> nn.Module:
    """Full-batch Adam on CE (+ kl_alpha · KD to ``teacher`` when given)."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    soft = teacher(x).detach() if teacher is not None else None
    for _ in range(epochs):
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        if soft is not None:
            loss = loss + kl_alpha * kd_loss(logits, soft, temperature)
        loss.backward()
        opt.step()
    return model.eval()


def closest_counterfactuals(
    teacher: nn.Module, x: torch.Tensor, step: float, max_steps: int, overshoot: int = 1
) -> tuple[torch.Tensor, torch.Tensor]:
    """Walk each point along the normalised gradient of the teacher's logit margin until its class flips.

    Returns the CFEs and a boolean mask of the points that flipped within ``max_steps``.
    """
    with torch.no_grad():
        start = teacher(x).argmax(-1)
    sign = torch.where(start == 1, -1.0, 1.0)  # push the margin z1 - z0 towards the other class
    current = x.clone()
    done = torch.zeros(len(x), dtype=torch.bool)
    extra = torch.zeros(len(x), dtype=torch.long)
    for _ in range(max_steps):
        moving = ~done | (extra < overshoot)
        if not moving.any():
            break
        probe = current.clone().requires_grad_(True)
        logits = teacher(probe)
        margin = (logits[:, 1] - logits[:, 0]) * sign
        (grad,) = torch.autograd.grad(margin.sum(), probe)
        direction = grad / grad.norm(dim=1, keepdim=True).clamp_min(1e-12)
        with torch.no_grad():
            current[moving] += step * direction[moving]
            extra[done & moving] += 1
            done |= teacher(current).argmax(-1) != start
    return current.detach(), done


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """Hard predictions as a numpy array."""
    return model(x).argmax(-1).numpy()


def few_shot(y: torch.Tensor, per_class: int, seed: int) -> torch.Tensor:
    """Indices of ``per_class`` seeded examples per class, interleaved (as the text subsets)."""
    gen = torch.Generator().manual_seed(seed)
    picks = [torch.nonzero(y == c).flatten()[torch.randperm(int((y == c).sum()), generator=gen)] for c in (0, 1)]
    return torch.stack([p[:per_class] for p in picks], dim=1).flatten()


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


def run_seed(
    cfg: MoonsConfig,
    teacher: nn.Module,
    test: tuple[torch.Tensor, torch.Tensor],
    seed: int,
    pool: tuple[torch.Tensor, torch.Tensor],
) -> SeedRun:
    """KD on k real points vs CoD on k/2 real points + their k/2 closest CFEs, same student, same seed."""
    x_pool, y_pool = pool
    clean_idx = few_shot(y_pool, cfg.k // 2, seed)
    cod_idx = clean_idx[: cfg.k // 2]  # interleaved, so the CoD originals are a class-balanced strict subset
    x_real, y_real = x_pool[clean_idx], y_pool[clean_idx]
    x_orig, y_orig = x_pool[cod_idx], y_pool[cod_idx]
    cfes, flipped = closest_counterfactuals(teacher, x_orig, cfg.cfe_step, cfg.cfe_max_steps, cfg.cfe_overshoot)
    y_cfe = torch.as_tensor(predict(teacher, cfes))  # teacher-verified label, as the text pipeline does
    x_cod, y_cod = torch.cat([x_orig, cfes[flipped]]), torch.cat([y_orig, y_cfe[flipped]])

    students = {
        "KD student": train(
            mlp(cfg.student_hidden, seed),
            x_real,
            y_real,
            cfg.student_epochs,
            cfg.lr,
            teacher,
            cfg.kl_alpha,
            cfg.temperature,
        ),
        "CoD student": train(
            mlp(cfg.student_hidden, seed),
            x_cod,
            y_cod,
            cfg.student_epochs,
            cfg.lr,
            teacher,
            cfg.kl_alpha,
            cfg.temperature,
        ),
    }
    x_test, y_test = test
    lo, hi = x_test.min(0).values - 0.5, x_test.max(0).values + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], cfg.grid_resolution), np.linspace(lo[1], hi[1], cfg.grid_resolution))
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


@dataclass
class MoonsResult:
    """Per-seed metrics, the teacher's test accuracy and the first seed's run for the figure."""

    runs: pd.DataFrame
    teacher_test_accuracy: float
    example: SeedRun


def run(cfg: MoonsConfig = MoonsConfig()) -> MoonsResult:
    """Train the teacher on the full data, then KD vs CoD students over ``cfg.seeds``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny MLPs: thread hand-offs cost more than they save (about 2.5x here)
    try:
        return _run(cfg)
    finally:
        torch.set_num_threads(threads)


def _run(cfg: MoonsConfig) -> MoonsResult:
    x_train, y_train = moons(cfg.n_train, cfg.noise, seed=0)
    test = moons(cfg.n_test, cfg.noise, seed=1)
    teacher = train(mlp(cfg.teacher_hidden, 0), x_train, y_train, cfg.teacher_epochs, cfg.lr)
    for p in teacher.parameters():
        p.requires_grad_(False)
    teacher_acc = float((predict(teacher, test[0]) == test[1].numpy()).mean() * 100)
    seeds = [run_seed(cfg, teacher, test, s, (x_train, y_train)) for s in cfg.seeds]
    runs = pd.DataFrame([m for s in seeds for m in s.metrics])
    return MoonsResult(runs, teacher_acc, seeds[0])

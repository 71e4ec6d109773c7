"""The synthetic experiment's models: seeded ReLU MLPs, full-batch training (CE, optionally + KD), predictions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from cod.training.losses import kd_loss


def mlp(hidden: Sequence[int], seed: int) -> nn.Sequential:
    """A ReLU MLP 2 → hidden… → 2 with seeded initialisation."""
    torch.manual_seed(seed)
    sizes = (2, *hidden)
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(sizes[-1], 2))


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


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """Hard predictions as a numpy array."""
    return model(x).argmax(-1).numpy()

"""The multitask objective α·L(label task) + (1−α)·L(auxiliary task), fitted with the shared training loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from cod.text2text.batches import AUX
from cod.training.batching import Batch
from cod.training.loop import FitResult, fit


def task_loss(model: nn.Module, batch: Batch, prefix: str = "") -> torch.Tensor:
    """Mean token cross-entropy of the model on one task's (source, target) pairs in ``batch``."""
    return model(
        input_ids=batch[prefix + "input_ids"],
        attention_mask=batch[prefix + "attention_mask"],
        labels=batch[prefix + "labels"],
    ).loss


class Multitask(nn.Module):
    """forward(batch) → (α·L_label + (1−α)·L_aux, parts); at α = 1 the auxiliary task is never run."""

    def __init__(self, model: nn.Module, alpha: float) -> None:
        super().__init__()
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha={alpha} must be in (0, 1]: the weight of the label task")
        self.model, self.alpha = model, alpha

    def forward(self, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        label = task_loss(self.model, batch)
        if self.alpha == 1:
            return label, {"label": float(label.detach())}
        aux = task_loss(self.model, batch, AUX)
        loss = self.alpha * label + (1 - self.alpha) * aux
        return loss, {"label": float(label.detach()), "aux": float(aux.detach())}


def train(
    model: nn.Module,
    batches: list[Batch],
    *,
    alpha: float,
    epochs: int,
    lr: float,
    seed: int,
    evaluate: Callable[[], dict[str, float]] | None = None,
    eval_every: int = 1,
    accelerator: Any = None,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    desc: str = "text2text",
) -> FitResult:
    """Fit ``model`` on the fixed batches with AdamW (seeded order, linear decay); per-epoch history with train_loss,
    train_label, train_aux and the val_ metrics; the best-validation-accuracy epoch's weights in ``best_state``."""
    from accelerate.utils import set_seed

    set_seed(seed)
    return fit(
        Multitask(model, alpha),
        batches,
        epochs=epochs,
        lr=lr,
        seed=seed,
        evaluate=evaluate,
        keep=model,
        eval_every=eval_every,
        accelerator=accelerator,
        on_epoch=on_epoch,
        desc=desc,
    )

"""R2's objective γ·L_MT + (1−γ)·L_CF, with L_MT = α·L(label task) + (1−α)·L(auxiliary task) (R1's and R2's
multitask objective) and L_CF = L(factual) + L(counterfactual), fitted with the shared training loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from cod.text2text.batches import AUX, PREFIX
from cod.training.batching import Batch
from cod.training.loop import FitResult, fit

# the weight γ of the multitask loss under each objective (mt+cf: distill.text2text.gamma)
MT_WEIGHT = {"mt": 1.0, "cf": 0.0}


def task_loss(model: nn.Module, batch: Batch, prefix: str = "") -> torch.Tensor:
    """Mean token cross-entropy of the model on one task's (source, target) pairs in ``batch``."""
    return model(
        input_ids=batch[prefix + "input_ids"],
        attention_mask=batch[prefix + "attention_mask"],
        labels=batch[prefix + "labels"],
    ).loss


def mt_weight(objective: str, gamma: float) -> float:
    """γ, the weight of the multitask loss: 1 for objective mt, 0 for cf, ``gamma`` for mt+cf."""
    return MT_WEIGHT.get(objective, gamma)


class Multitask(nn.Module):
    """forward(batch) → (γ·(α·L_label + (1−α)·L_aux) + (1−γ)·(L_factual + L_counterfactual), parts).

    Each L is the mean token cross-entropy of its task's examples in the batch, so the counterfactual term is
    averaged over the wrong answers the batch holds. A term whose weight is 0 (α = 1: the auxiliary task; γ = 1: the
    CF terms; γ = 0: the MT terms) is never run, nor is one whose task has no example in the batch."""

    def __init__(self, model: nn.Module, alpha: float, gamma: float = 1.0) -> None:
        super().__init__()
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha={alpha} must be in (0, 1]: the weight of the label task")
        if not 0 <= gamma <= 1:
            raise ValueError(f"gamma={gamma} must be in [0, 1]: the weight of the multitask loss")
        self.model, self.alpha, self.gamma = model, alpha, gamma

    def forward(self, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        weights = {
            "label": self.gamma * self.alpha,
            "aux": self.gamma * (1 - self.alpha),
            "factual": 1 - self.gamma,
            "counterfactual": 1 - self.gamma,
        }
        prefixes = {"label": "", "aux": AUX, "factual": PREFIX["factual"], "counterfactual": PREFIX["counterfactual"]}
        losses = {
            part: task_loss(self.model, batch, prefixes[part])
            for part, weight in weights.items()
            if weight > 0 and prefixes[part] + "labels" in batch
        }
        if not losses:
            raise ValueError(f"a batch holds no example of a task with weight > 0 (weights {weights})")
        loss = sum(weights[part] * value for part, value in losses.items())
        return loss, {part: float(value.detach()) for part, value in losses.items()}


def train(
    model: nn.Module,
    batches: list[Batch],
    *,
    alpha: float,
    gamma: float = 1.0,
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
    the parts that ran (train_label, train_aux, train_factual, train_counterfactual) and the val_ metrics; the
    best-validation-accuracy epoch's weights in ``best_state``."""
    from accelerate.utils import set_seed

    set_seed(seed)
    return fit(
        Multitask(model, alpha, gamma),
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

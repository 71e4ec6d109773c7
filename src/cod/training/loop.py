"""One training loop for teachers, TED filters and students: seeded batch order, accelerate, best-epoch state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from cod.training.batching import Batch, to_device
from cod.training.device import precision_context, shared_accelerator
from cod.training.rows import train_used_rows


@dataclass
class FitResult:
    """What a fit produced: the best epoch by a validation metric (accuracy), its metrics and weights, and the curve."""

    best_epoch: int
    best_metrics: dict[str, float]
    history: list[dict[str, float]] = field(default_factory=list)
    best_state: dict[str, torch.Tensor] | None = None


def snapshot(module: nn.Module) -> dict[str, torch.Tensor]:
    """A CPU copy of a module's weights."""
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


def fused_adam(device: torch.device) -> bool:
    """Whether to use torch's fused AdamW: on CPU it is ~5x faster for the 11.7M-row embedding matrix."""
    return device.type in ("cpu", "cuda")


def epochs_for(n_batches: int, min_steps: int) -> int:
    """The epochs of ``n_batches`` updates each that make at least ``min_steps`` updates."""
    return -(-min_steps // max(1, n_batches))


def schedule(n_batches: int, epochs: int, min_steps: int, evaluations: int) -> tuple[int, int]:
    """(epochs, eval_every): at least ``epochs`` and ``min_steps`` updates, at most ``evaluations`` evaluations."""
    total = max(epochs, epochs_for(n_batches, min_steps))
    return total, max(1, -(-total // evaluations))


def fit(
    module: nn.Module,
    batches: list[Batch],
    *,
    epochs: int,
    lr: float,
    seed: int,
    evaluate: Callable[[], dict[str, float]] | None = None,
    keep: nn.Module | None = None,
    eval_every: int = 1,
    patience: int = 0,
    weight_decay: float = 0.0,
    warmup_ratio: float = 0.0,
    accelerator: Any = None,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    desc: str = "train",
    input_rows: nn.Module | None = None,
    precision: str = "fp32",
    select: str = "accuracy",
    min_epochs: int = 0,
) -> FitResult:
    """Train ``module`` (its forward(batch) returns (loss, parts)) with AdamW and linear decay.

    Every epoch visits the fixed batches in a seeded random order (sharded across processes under
    accelerate). Every ``eval_every`` epochs ``evaluate()`` runs; the epoch with the best ``select`` metric
    (accuracy) is kept (weights of ``keep`` snapshotted). ``patience`` > 0 stops after that many evaluations without
    improvement, but not before epoch ``min_epochs``. ``input_rows``: a model whose input ids all come from
    ``batches``; its embedding trains only the rows they use where that gives the same result (cod.training.rows),
    faster.
    ``precision`` "bf16" runs the forward (and so the loss) under bfloat16 autocast: mixed precision, with the
    weights, their gradients and the optimiser in float32 (``distill.train_precision``).
    """
    from transformers import get_linear_schedule_with_warmup

    accelerator = accelerator or shared_accelerator()
    module.to(accelerator.device)
    with train_used_rows(input_rows, batches, weight_decay, accelerator.num_processes) as rows:
        params = [p for p in module.parameters() if p.requires_grad] + ([rows.rows] if rows is not None else [])
        optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, fused=fused_adam(accelerator.device))
        steps_per_epoch = -(-len(batches) // accelerator.num_processes)
        total = max(1, steps_per_epoch * epochs)
        scheduler = get_linear_schedule_with_warmup(optimizer, int(warmup_ratio * total), total)
        wrapped, optimizer = accelerator.prepare(module, optimizer)
        result = FitResult(best_epoch=0, best_metrics={})
        best, stale = -1.0, 0
        bar = tqdm(range(1, epochs + 1), desc=desc, disable=not accelerator.is_main_process, leave=False)
        for epoch in bar:
            wrapped.train()
            gen = torch.Generator().manual_seed(seed * 100_003 + epoch)
            order = torch.randperm(len(batches), generator=gen).tolist()
            order = order[accelerator.process_index :: accelerator.num_processes]
            sums: dict[str, float] = {}
            for i in order:
                with precision_context(precision, accelerator.device, "distill.train_precision"):
                    loss, parts = wrapped(to_device(batches[i], accelerator.device))
                accelerator.backward(loss)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                for k, v in {"loss": float(loss.detach()), **parts}.items():
                    sums[k] = sums.get(k, 0.0) + v
            row = {"epoch": float(epoch), **{f"train_{k}": v / max(1, len(order)) for k, v in sums.items()}}
            if evaluate is not None and (epoch % eval_every == 0 or epoch == epochs):
                if rows is not None:
                    rows.sync()  # evaluation and the snapshot below read the embedding's own weight
                metrics = evaluate()
                row.update({f"val_{k}": v for k, v in metrics.items()})
                if metrics[select] > best:
                    best, stale = metrics[select], 0
                    result.best_epoch, result.best_metrics = epoch, metrics
                    if keep is not None:
                        result.best_state = snapshot(keep)
                else:
                    stale += 1
                bar.set_postfix(val_acc=f"{metrics['accuracy']:.3f}", best=f"{best:.3f}")
            result.history.append(row)
            if on_epoch is not None:
                on_epoch(epoch, row)
            if patience and stale >= patience and epoch >= min_epochs:
                break
    accelerator.free_memory()  # the process-wide accelerator keeps no reference to this model or its optimizer
    return result

"""Closest counterfactuals of the synthetic experiment: normalised gradient steps until the teacher's class flips."""

from __future__ import annotations

import torch
from torch import nn


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

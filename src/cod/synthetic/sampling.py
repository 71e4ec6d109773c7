"""Two-moons points and the seeded few-shot draw of the synthetic experiment."""

from __future__ import annotations

import torch


def moons(n: int, noise: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two-moons points (float32) and labels (int64)."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    return torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)


def few_shot(y: torch.Tensor, per_class: int, seed: int) -> torch.Tensor:
    """Indices of ``per_class`` seeded examples per class, interleaved (as the text subsets)."""
    gen = torch.Generator().manual_seed(seed)
    picks = [torch.nonzero(y == c).flatten()[torch.randperm(int((y == c).sum()), generator=gen)] for c in (0, 1)]
    return torch.stack([p[:per_class] for p in picks], dim=1).flatten()

"""Matching student layers to teacher layers, and the modules that map one hidden space to the other."""

from __future__ import annotations

import torch
from torch import nn

from cod.errors import ConfigError


def layer_map(n_student: int, n_teacher: int, fi: int, tfi: int, section: str = "distill.lwd") -> list[tuple[int, int]]:
    """Pairs (student layer, teacher layer), 1-based: student fi, 2fi, … ↔ teacher tfi, 2tfi, ….

    ``section`` names the params section the intervals came from, for the error message.

    ``hidden_states[l]`` of an HF model is the output of layer l (index 0 is the embeddings).
    """
    if fi < 1 or tfi < 1:
        raise ConfigError(f"{section}.student_interval={fi} and {section}.teacher_interval={tfi} must be >= 1")
    n_s, n_t = n_student // fi, n_teacher // tfi
    if n_s == 0 or n_t == 0 or n_s != n_t:
        fits = [t for t in range(1, n_teacher + 1) if n_s and n_teacher // t == n_s]
        fix = [t for t in fits if n_teacher % t == 0] or fits  # prefer strides that reach the last layer
        hint = f"; with student_interval={fi}, teacher_interval in {fix} works" if fix else ""
        raise ConfigError(
            f"impossible layer map: student {n_student} layers / {section}.student_interval={fi} gives {n_s} "
            f"layers, teacher {n_teacher} layers / {section}.teacher_interval={tfi} gives {n_t}; they must be "
            f"equal and positive{hint}"
        )
    return [(fi * i, tfi * i) for i in range(1, n_s + 1)]


class Filter(nn.Module):
    """A per-layer map of hidden states: Linear, or Linear–GELU–Linear (TED's non-linear filter)."""

    def __init__(self, d_in: int, d_out: int, nonlinear: bool = False) -> None:
        super().__init__()
        self.net = (
            nn.Sequential(nn.Linear(d_in, d_out), nn.GELU(), nn.Linear(d_out, d_out))
            if nonlinear
            else nn.Linear(d_in, d_out)
        )

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.net(hidden)


def projections(n: int, d_in: int, d_out: int, nonlinear: bool = False) -> nn.ModuleList:
    """One learnable map per matched layer (LWD's student projections / TED's filters)."""
    return nn.ModuleList([Filter(d_in, d_out, nonlinear) for _ in range(n)])


def pool(hidden: torch.Tensor, attention_mask: torch.Tensor, last_token: bool) -> torch.Tensor:
    """Sentence vector: first token (encoders) or last non-padding token (decoders, either padding side)."""
    if not last_token:
        return hidden[:, 0]
    positions = torch.arange(hidden.shape[1], device=hidden.device)
    last = (positions * attention_mask).argmax(dim=-1)
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]


class FilterHeads(nn.Module):
    """TED stage-1 heads: one classifier per filter (pool → dropout → dense → GELU → dropout → linear)."""

    def __init__(self, n: int, d: int, num_labels: int, last_token: bool, dropout: float = 0.1) -> None:
        super().__init__()
        self.last_token = last_token
        self.heads = nn.ModuleList(
            [
                nn.Sequential(
                    nn.Dropout(dropout),
                    nn.Linear(d, d),
                    nn.GELU(),
                    nn.Dropout(dropout),
                    nn.Linear(d, num_labels),
                )
                for _ in range(n)
            ]
        )

    def forward(self, filtered: list[torch.Tensor], attention_mask: torch.Tensor) -> list[torch.Tensor]:
        return [head(pool(h, attention_mask, self.last_token)) for head, h in zip(self.heads, filtered, strict=True)]

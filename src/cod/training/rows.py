"""Train only the input-embedding rows a fixed training set looks up: the same result under AdamW without weight
decay, without a dense 30k-row gradient and optimizer update per step.

A row that no training batch contains gets a zero gradient at every step, so AdamW (weight decay 0) leaves it,
and its zero moments, exactly as they were. Its update is skipped here instead of computed: during ``fit`` the
embedding's weight is frozen and a small matrix of the used rows is trained in its place, then written back.
For a 3-layer MiniLM student on 8-row batches this removes about a fifth of a training step's time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from cod.training.batching import Batch


def used_ids(batches: list[Batch]) -> torch.Tensor:
    """The sorted token ids that occur in the ``input_ids`` of any batch."""
    return torch.unique(torch.cat([b["input_ids"].reshape(-1) for b in batches]))


def trainable_embedding(model: nn.Module | None, weight_decay: float, processes: int) -> nn.Embedding | None:
    """``model``'s input embedding when training only its used rows gives the same result as training it all.

    That holds under AdamW with weight decay 0 (decay would shrink the unused rows too), in one process (data
    parallel wrappers synchronise only registered parameters), for a plain trainable ``nn.Embedding`` whose weight no
    other layer shares (a tied output layer would give every row a gradient).
    """
    if model is None or weight_decay != 0 or processes != 1 or not hasattr(model, "get_input_embeddings"):
        return None
    embedding = model.get_input_embeddings()
    if type(embedding) is not nn.Embedding or not embedding.weight.requires_grad:
        return None
    if embedding.sparse or embedding.scale_grad_by_freq or embedding.max_norm is not None:
        return None
    shared = sum(p is embedding.weight for _, p in model.named_parameters(remove_duplicate=False))
    return embedding if shared == 1 else None


class UsedRows:
    """The trainable copy of an embedding's used rows, swapped into its forward while gradients are on."""

    def __init__(self, embedding: nn.Embedding, ids: torch.Tensor) -> None:
        weight = embedding.weight
        ids = ids.cpu()
        local = torch.full((embedding.num_embeddings,), -1, dtype=torch.long)
        local[ids] = torch.arange(len(ids))
        pad = embedding.padding_idx
        self.padding_idx = int(local[pad]) if pad is not None and int(local[pad]) >= 0 else None
        self.embedding = embedding
        self.ids, self.local = ids.to(weight.device), local.to(weight.device)
        self.rows = nn.Parameter(weight.detach()[self.ids].clone())

    def lookup(self, module: nn.Module, inputs: tuple[Any, ...], output: torch.Tensor) -> torch.Tensor | None:
        """Forward hook: with gradients on, the rows come from the trainable copy (the frozen weight's are stale)."""
        if not torch.is_grad_enabled():
            return None
        local = self.local[inputs[0]]
        if bool((local < 0).any()):
            raise RuntimeError(
                "a training forward looked up a token id that no training batch contains; "
                "fit(input_rows=...) only applies to models whose input ids all come from the training batches"
            )
        return F.embedding(local, self.rows, self.padding_idx)

    def sync(self, module: nn.Module | None = None, inputs: Any = None) -> None:
        """Write the trained rows back into the embedding (also a forward pre-hook for gradient-free passes)."""
        if module is not None and torch.is_grad_enabled():
            return
        with torch.no_grad():
            self.embedding.weight[self.ids] = self.rows


@contextmanager
def train_used_rows(
    model: nn.Module | None, batches: list[Batch], weight_decay: float, processes: int
) -> Iterator[UsedRows | None]:
    """While open, ``model``'s input embedding trains only the rows ``batches`` use (None: trained as usual).

    Gradient-free forwards (evaluation) and the exit see the trained rows written back, so weights, snapshots and
    saved models look exactly like those of ordinary training.
    """
    embedding = trainable_embedding(model, weight_decay, processes)
    if embedding is None or not batches:
        yield None
        return
    rows = UsedRows(embedding, used_ids(batches))
    hooks = [embedding.register_forward_pre_hook(rows.sync), embedding.register_forward_hook(rows.lookup)]
    embedding.weight.requires_grad_(False)
    try:
        yield rows
    finally:
        rows.sync()
        for hook in hooks:
            hook.remove()
        embedding.weight.requires_grad_(True)

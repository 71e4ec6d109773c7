"""The frozen student encoder as distillation starts from it, and its mean-pooled sentence features."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from cod.models.load import load_classifier
from cod.training.batching import make_batches, model_inputs, to_device

POOLING = "mean of the last hidden state over real tokens (attention mask), L2-normalised"


def load_encoder(
    spec: str, layers: list[int] | None, label_names: list[str], device: torch.device
) -> tuple[nn.Module, Any]:
    """(model, tokenizer) of ``distill.student`` cut to ``distill.student_layers``, as distill loads it; frozen, in
    eval mode, on ``device`` (its new classification head is never used)."""
    model, tokenizer = load_classifier(
        spec, len(label_names), layers=layers, label_names=label_names, field="distill.student"
    )
    model.requires_grad_(False)
    return model.eval().to(device), tokenizer


@torch.no_grad()
def embed(
    model: nn.Module, tokenizer: Any, frame: pd.DataFrame, *, max_length: int, batch_size: int, device: torch.device
) -> np.ndarray:
    """One L2-normalised, mask-mean-pooled last hidden state per row of ``frame`` (text, with text_pair when the
    frame has one), float32, in row order."""
    batches, index = make_batches(tokenizer, frame, max_length=max_length, batch_size=batch_size)
    out: np.ndarray | None = None
    for batch, rows in zip(batches, index, strict=True):
        inputs = model_inputs(to_device(batch, device))
        hidden = model(**inputs, output_hidden_states=True).hidden_states[-1].float()
        mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        pooled = nn.functional.normalize(pooled, dim=-1).cpu().numpy()
        if out is None:
            out = np.zeros((len(frame), pooled.shape[-1]), dtype=np.float32)
        out[rows] = pooled
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)

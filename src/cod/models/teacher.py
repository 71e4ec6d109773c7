"""The teacher stage's outputs read back: the fine-tuned classifier, its tokenizer and metrics, its saved logits."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import torch
from torch import nn

from cod import paths
from cod.errors import DataError
from cod.models.load import ensure_pad_token, load_tokenizer


def load_teacher(dataset: str) -> tuple[nn.Module, Any, dict[str, Any]]:
    """(model, tokenizer, metrics) of the teacher stage's output, in eval mode."""
    from transformers import AutoModelForSequenceClassification

    folder = paths.teacher_dir(dataset)
    if not (folder / "metrics.json").is_file():
        raise DataError(f"no teacher for {dataset} ({folder} missing); run `dvc repro teacher@{dataset}` first")
    model = AutoModelForSequenceClassification.from_pretrained(folder / "model", dtype=torch.float32).eval()
    tokenizer = ensure_pad_token(load_tokenizer(str(folder / "model")))
    return model, tokenizer, json.loads((folder / "metrics.json").read_text())


def teacher_logits(dataset: str, split: str) -> np.ndarray:
    """The teacher's saved logits on a prepared split."""
    return np.load(paths.teacher_predictions(dataset, split))

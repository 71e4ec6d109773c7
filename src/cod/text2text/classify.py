"""Classify by the label word: rank classification (summed log-probs of each word) and greedy generation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from cod.training.evaluate import classification_metrics


def chunks(items: list[str], size: int) -> list[list[str]]:
    """``items`` in consecutive lists of at most ``size``."""
    return [items[i : i + size] for i in range(0, len(items), size)]


@torch.no_grad()
def rank_scores(
    model: nn.Module, tokenizer: Any, sources: list[str], words: list[str], *, max_source: int, batch_size: int
) -> np.ndarray:
    """(rows, classes): the sum of log-probabilities of each label word's tokens (with its eos) as the target."""
    was_training, device = model.training, next(model.parameters()).device
    model.eval()
    targets = [torch.as_tensor(ids, device=device) for ids in tokenizer(text_target=words)["input_ids"]]
    out = []
    for chunk in chunks(sources, batch_size):
        enc = tokenizer(chunk, max_length=max_source, truncation=True, padding="longest", return_tensors="pt")
        enc = {k: v.to(device) for k, v in enc.items()}
        encoded = model.get_encoder()(**enc)
        scores = torch.zeros(len(chunk), len(words), device=device)
        for c, ids in enumerate(targets):
            labels = ids.expand(len(chunk), -1).contiguous()
            logits = model(encoder_outputs=encoded, attention_mask=enc["attention_mask"], labels=labels).logits
            scores[:, c] = logits.float().log_softmax(-1).gather(-1, labels[..., None]).squeeze(-1).sum(-1)
        out.append(scores.cpu().numpy())
    model.train(was_training)
    return np.concatenate(out) if out else np.zeros((0, len(words)), dtype=np.float32)


@torch.no_grad()
def generate(
    model: nn.Module, tokenizer: Any, sources: list[str], *, max_source: int, max_new: int, batch_size: int
) -> list[str]:
    """Each source's greedy generation, decoded without special tokens and stripped."""
    was_training, device = model.training, next(model.parameters()).device
    model.eval()
    texts: list[str] = []
    for chunk in chunks(sources, batch_size):
        enc = tokenizer(chunk, max_length=max_source, truncation=True, padding="longest", return_tensors="pt")
        ids = model.generate(
            **{k: v.to(device) for k, v in enc.items()}, max_new_tokens=max_new, do_sample=False, num_beams=1
        )
        texts += [t.strip() for t in tokenizer.batch_decode(ids, skip_special_tokens=True)]
    model.train(was_training)
    return texts


def evaluate(
    model: nn.Module,
    tokenizer: Any,
    sources: list[str],
    labels: np.ndarray,
    words: list[str],
    *,
    max_source: int,
    max_new: int,
    batch_size: int,
    reference: np.ndarray | None = None,
    generation: bool = True,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per row: rank prediction (and greedy generation); metrics: accuracy, mcc, agreement with ``reference``
    (the teacher's predictions) by rank, and generation_valid (share of generations that are exactly a label word)
    and generation_accuracy (share that are the gold label's word)."""
    scores = rank_scores(model, tokenizer, sources, words, max_source=max_source, batch_size=batch_size)
    metrics = classification_metrics(scores, labels, reference)
    predictions = pd.DataFrame({"label": labels, "pred": scores.argmax(-1)})
    if generation:
        texts = generate(model, tokenizer, sources, max_source=max_source, max_new=max_new, batch_size=batch_size)
        gold = [words[int(y)] for y in labels]
        metrics["generation_valid"] = float(np.mean([t in words for t in texts])) if texts else 0.0
        metrics["generation_accuracy"] = (
            float(np.mean([t == g for t, g in zip(texts, gold, strict=True)])) if texts else 0.0
        )
        predictions["generated"] = texts
    return predictions, metrics

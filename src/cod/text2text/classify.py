"""Classify by the label word: rank classification (summed log-probs of each word) and greedy generation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from cod.text2text.examples import factual_target, split_answer
from cod.training.evaluate import classification_metrics
from cod.training.targets import IGNORE


def chunks(items: list[str], size: int) -> list[list[str]]:
    """``items`` in consecutive lists of at most ``size``."""
    return [items[i : i + size] for i in range(0, len(items), size)]


@torch.no_grad()
def candidate_scores(
    model: nn.Module,
    tokenizer: Any,
    sources: list[str],
    candidates: list[list[str]],
    *,
    max_source: int,
    batch_size: int,
) -> np.ndarray:
    """(rows, candidates): the sum of log-probabilities of each row's candidate targets' tokens (with their eos); every
    row has as many candidates, and the encoder reads each source once."""
    was_training, device = model.training, next(model.parameters()).device
    model.eval()
    width = len(candidates[0]) if candidates else 0
    out = []
    for start in range(0, len(sources), batch_size):
        chunk = sources[start : start + batch_size]
        enc = tokenizer(chunk, max_length=max_source, truncation=True, padding="longest", return_tensors="pt")
        enc = {k: v.to(device) for k, v in enc.items()}
        encoded = model.get_encoder()(**enc)
        scores = torch.zeros(len(chunk), width, device=device)
        for c in range(width):
            targets = [row[c] for row in candidates[start : start + len(chunk)]]
            tok = tokenizer(text_target=targets, padding="longest", return_tensors="pt")
            ids, real = tok["input_ids"].to(device), tok["attention_mask"].to(device).bool()
            labels = ids.masked_fill(~real, IGNORE)
            logits = model(encoder_outputs=encoded, attention_mask=enc["attention_mask"], labels=labels).logits
            token = logits.float().log_softmax(-1).gather(-1, ids[..., None]).squeeze(-1)
            scores[:, c] = (token * real).sum(-1)
        out.append(scores.cpu().numpy())
    model.train(was_training)
    return np.concatenate(out) if out else np.zeros((0, width), dtype=np.float32)


def rank_scores(
    model: nn.Module, tokenizer: Any, sources: list[str], words: list[str], *, max_source: int, batch_size: int
) -> np.ndarray:
    """(rows, classes): the sum of log-probabilities of each label word's tokens (with its eos) as the target."""
    candidates = [list(words)] * len(sources)
    scores = candidate_scores(model, tokenizer, sources, candidates, max_source=max_source, batch_size=batch_size)
    return scores if len(sources) else np.zeros((0, len(words)), dtype=np.float32)


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


def factual_scores(
    model: nn.Module,
    tokenizer: Any,
    sources: list[str],
    words: list[str],
    *,
    max_source: int,
    max_new: int,
    batch_size: int,
) -> tuple[np.ndarray, list[str]]:
    """(rows, classes) scores of the factual task and each row's greedy generation: the student writes its
    explanation, then each label word is scored as the end of "<its explanation>. So the answer is <word>" (the
    explanation is shared by every candidate, so only the answer's tokens decide)."""
    texts = generate(model, tokenizer, sources, max_source=max_source, max_new=max_new, batch_size=batch_size)
    candidates = [[factual_target(split_answer(text)[0], word) for word in words] for text in texts]
    scores = candidate_scores(model, tokenizer, sources, candidates, max_source=max_source, batch_size=batch_size)
    return (scores if texts else np.zeros((0, len(words)), dtype=np.float32)), texts


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
    factual: bool = False,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per row: rank prediction (and greedy generation); metrics: accuracy, mcc, agreement with ``reference``
    (the teacher's predictions) by rank, and generation_valid (share of generations whose answer is exactly a label
    word) and generation_accuracy (share whose answer is the gold label's word).

    ``factual``: the sources are R2's factual task, whose generation is "<explanation>. So the answer is <word>":
    rank classification scores the answers after the student's own explanation (``factual_scores``), a generation's
    answer is what follows "So the answer is", and its explanation is kept per row in ``explanation``."""
    scoring = {"max_source": max_source, "batch_size": batch_size}
    texts: list[str] | None = None
    if factual:
        scores, texts = factual_scores(model, tokenizer, sources, words, max_new=max_new, **scoring)
    else:
        scores = rank_scores(model, tokenizer, sources, words, **scoring)
        if generation:
            texts = generate(model, tokenizer, sources, max_new=max_new, **scoring)
    metrics = classification_metrics(scores, labels, reference)
    predictions = pd.DataFrame({"label": labels, "pred": scores.argmax(-1)})
    if texts is not None:
        parts = [split_answer(t) for t in texts] if factual else [(None, t) for t in texts]
        answers = [answer for _, answer in parts]
        gold = [words[int(y)] for y in labels]
        metrics["generation_valid"] = float(np.mean([a in words for a in answers])) if answers else 0.0
        metrics["generation_accuracy"] = (
            float(np.mean([a == g for a, g in zip(answers, gold, strict=True)])) if answers else 0.0
        )
        predictions["generated"] = texts
        if factual:
            predictions["explanation"] = [explanation for explanation, _ in parts]
    return predictions, metrics

"""Tokenise once, group rows of similar length (keeping CFE pairs together) into fixed padded batches."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

Batch = dict[str, torch.Tensor]


def encode(tokenizer: Any, frame: pd.DataFrame, max_length: int) -> list[dict[str, list[int]]]:
    """Token ids (and token types / masks) of every row, truncated to ``max_length``, unpadded."""
    texts = frame["text"].tolist()
    pairs = frame["text_pair"].tolist() if "text_pair" in frame.columns else None
    enc = tokenizer(texts, pairs, truncation=True, max_length=max_length)
    keys = [k for k in ("input_ids", "token_type_ids", "attention_mask") if k in enc]
    return [{k: enc[k][i] for k in keys} for i in range(len(texts))]


def length_batches(
    lengths: list[int], batch_size: int, groups: list[int] | None = None, seed: int = 0
) -> list[list[int]]:
    """Row indices grouped into batches of similar length; rows sharing a group id stay in one batch.

    Units (single rows, or all rows of a group such as an original and its CFE) are ordered by
    length with a seeded tie-break and packed greedily into batches of at most ``batch_size`` rows.
    """
    if not lengths:
        return []
    groups = list(range(len(lengths))) if groups is None else list(groups)
    units: dict[int, list[int]] = {}
    for row, g in enumerate(groups):
        units.setdefault(g, []).append(row)
    members = list(units.values())
    if max(len(m) for m in members) > batch_size:
        raise ValueError(f"a group of {max(len(m) for m in members)} rows does not fit a batch of {batch_size}")
    tie = np.random.default_rng(seed).permutation(len(members))
    order = sorted(range(len(members)), key=lambda u: (max(lengths[r] for r in members[u]), tie[u]))
    batches: list[list[int]] = [[]]
    for u in order:
        if len(batches[-1]) + len(members[u]) > batch_size:
            batches.append([])
        batches[-1].extend(members[u])
    return batches


def collate(tokenizer: Any, features: list[dict[str, list[int]]], labels: np.ndarray | None = None) -> Batch:
    """Pad a list of encoded rows to their longest member (the tokenizer's padding side)."""
    batch = tokenizer.pad(features, padding="longest", return_tensors="pt")
    out = {k: v for k, v in batch.items()}
    if labels is not None:
        out["labels"] = torch.as_tensor(labels, dtype=torch.long)
    return out


def make_batches(
    tokenizer: Any,
    frame: pd.DataFrame,
    *,
    max_length: int,
    batch_size: int,
    labels: np.ndarray | None = None,
    groups: list[int] | None = None,
    seed: int = 0,
) -> tuple[list[Batch], list[list[int]]]:
    """Fixed, padded batches of ``frame`` and the row indices each holds."""
    features = encode(tokenizer, frame, max_length)
    index = length_batches([len(f["input_ids"]) for f in features], batch_size, groups, seed)
    batches = [
        collate(tokenizer, [features[i] for i in rows], None if labels is None else labels[rows]) for rows in index
    ]
    return batches, index


def eval_batches(
    tokenizer: Any, splits: dict[str, pd.DataFrame], max_length: int, batch_size: int
) -> dict[str, tuple[list[Batch], list[list[int]]]]:
    """Length-bucketed evaluation batches (and their row indices) for each named split."""
    return {
        name: make_batches(tokenizer, frame, max_length=max_length, batch_size=batch_size)
        for name, frame in splits.items()
    }


def to_device(batch: Batch, device: torch.device) -> Batch:
    """Move every tensor of a batch to ``device``."""
    return {k: v.to(device) for k, v in batch.items()}


def model_inputs(batch: Batch) -> Batch:
    """The keys a HF model's forward takes (labels are handled by our losses)."""
    return {k: v for k, v in batch.items() if k in ("input_ids", "attention_mask", "token_type_ids")}

"""Rationales as training targets: the teacher's top-k words of each row, then a 0/1 label per student token."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from cod.training.batching import Batch
from cod.training.targets import IGNORE, RATIONALE_MASK


def teacher_rationales(
    teacher: nn.Module,
    tokenizer: Any,
    frame: pd.DataFrame,
    targets: np.ndarray,
    *,
    attribution: str,
    top_k: int,
    max_length: int,
    steps: int,
    seed: int,
) -> list[list[dict[str, Any]]]:
    """Per row of ``frame``, its rationale: the ``top_k`` words (field, index, start, end, word, score) of the teacher's
    attribution toward class ``targets[i]``, or ``top_k`` random words when ``attribution`` is ``random``."""
    from cod.rationales.attribution import random_k, word_scores, words_of
    from cod.rationales.attribution import top_k as best_k

    rng = np.random.default_rng(seed)
    out = []
    for i, row in enumerate(frame.itertuples(index=False)):
        pair = getattr(row, "text_pair", None)
        if attribution == "random":
            words = words_of(row.text) + ([] if pair is None else words_of(pair, "text_pair"))
            chosen, scores = random_k(words, top_k, rng), {}
        else:
            words, values = word_scores(
                teacher,
                tokenizer,
                row.text,
                int(targets[i]),
                method=attribution,
                text_pair=pair,
                max_length=max_length,
                steps=steps,
            )
            chosen = best_k(words, values, top_k)
            scores = {(w.field, w.index): float(v) for w, v in zip(words, values, strict=True)}
        out.append(
            [
                {
                    "field": w.field,
                    "index": w.index,
                    "start": w.start,
                    "end": w.end,
                    "word": w.word,
                    "score": scores.get((w.field, w.index)),
                }
                for w in chosen
            ]
        )
    return out


def token_targets(
    tokenizer: Any, frame: pd.DataFrame, rationales: list[list[dict[str, Any]]], max_length: int
) -> list[list[int]]:
    """Per row, one target per token of the student's encoding (cod.training.batching.encode): 1 if the token
    overlaps a rationale word's characters, 0 for other text tokens, IGNORE for special tokens."""
    texts = frame["text"].tolist()
    pairs = frame["text_pair"].tolist() if "text_pair" in frame.columns else None
    enc = tokenizer(texts, pairs, truncation=True, max_length=max_length, return_offsets_mapping=True)
    out = []
    for i, spans in enumerate(rationales):
        fields = {0: "text", 1: "text_pair"}
        row = []
        for (start, end), seq in zip(enc["offset_mapping"][i], enc.sequence_ids(i), strict=True):
            if seq is None or end <= start:
                row.append(IGNORE)
                continue
            hit = any(s["field"] == fields[seq] and start < s["end"] and s["start"] < end for s in spans)
            row.append(int(hit))
        out.append(row)
    return out


def attach_token_targets(
    batches: list[Batch], index: list[list[int]], targets: list[list[int]], padding_side: str
) -> None:
    """Store each batch's token targets, padded like its input ids (IGNORE at padding), under RATIONALE_MASK."""
    for batch, rows in zip(batches, index, strict=True):
        width = batch["input_ids"].shape[1]
        mask = torch.full((len(rows), width), IGNORE, dtype=torch.long)
        for j, r in enumerate(rows):
            t = torch.as_tensor(targets[r], dtype=torch.long)
            if padding_side == "left":
                mask[j, width - len(t) :] = t
            else:
                mask[j, : len(t)] = t
        batch[RATIONALE_MASK] = mask

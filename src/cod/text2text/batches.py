"""Examples tokenised once into fixed batches: each row's label-task and auxiliary-task pair in one batch."""

from __future__ import annotations

from typing import Any

import pandas as pd
import torch

from cod.training.batching import Batch, length_batches
from cod.training.targets import IGNORE

AUX = "aux_"  # batch keys of the auxiliary task: aux_input_ids, aux_attention_mask, aux_labels


def encode(tokenizer: Any, sources: list[str], targets: list[str], max_source: int, max_target: int) -> Batch:
    """Padded source ids and mask, and target ids with padding set to IGNORE (left out of the loss)."""
    enc = tokenizer(sources, max_length=max_source, truncation=True, padding="longest", return_tensors="pt")
    labels = tokenizer(text_target=targets, max_length=max_target, truncation=True, padding="longest")["input_ids"]
    labels = torch.as_tensor(labels, dtype=torch.long)
    labels[labels == tokenizer.pad_token_id] = IGNORE
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "labels": labels}


def make_batches(
    tokenizer: Any,
    examples: pd.DataFrame,
    tasks: tuple[str, str],
    *,
    batch_size: int,
    max_source: int,
    max_target: int,
    groups: list[Any] | None = None,
    seed: int = 0,
) -> tuple[list[Batch], list[list[int]]]:
    """Fixed batches of rows (similar source lengths together; rows sharing a group, such as an original and its
    CFE, in one batch) holding each row's ``tasks[0]`` example and, under AUX keys, its ``tasks[1]`` example."""
    main = examples[examples["task"] == tasks[0]].set_index("row").sort_index()
    aux = examples[examples["task"] == tasks[1]].set_index("row").sort_index()
    lengths = [
        len(ids) for ids in tokenizer(main["source"].tolist(), truncation=True, max_length=max_source)["input_ids"]
    ]
    index = length_batches(lengths, batch_size, groups, seed)
    batches = []
    for rows in index:
        batch = encode(
            tokenizer, main["source"].iloc[rows].tolist(), main["target"].iloc[rows].tolist(), max_source, max_target
        )
        extra = encode(
            tokenizer, aux["source"].iloc[rows].tolist(), aux["target"].iloc[rows].tolist(), max_source, max_target
        )
        batches.append(batch | {AUX + k: v for k, v in extra.items()})
    return batches, index

"""Examples tokenised once into fixed batches: each batch holds, task by task, the examples of its rows."""

from __future__ import annotations

from typing import Any

import pandas as pd
import torch

from cod.training.batching import Batch, length_batches
from cod.training.targets import IGNORE

AUX = "aux_"  # batch keys of the auxiliary task: aux_input_ids, aux_attention_mask, aux_labels
# the batch keys' prefix of each task: the label task's keys are plain, the auxiliary task's AUX, R2's counterfactual
# objective's tasks their own name
PREFIX = {
    "label": "",
    "predict": "",
    "rationale": AUX,
    "explain": AUX,
    "factual": "factual_",
    "counterfactual": "counterfactual_",
}


def encode(
    tokenizer: Any, sources: list[str], targets: list[str], max_source: int, max_target: int, keep_end: bool = False
) -> Batch:
    """Padded source ids and mask, and target ids with padding set to IGNORE (left out of the loss); a target longer
    than ``max_target`` loses its end, or with ``keep_end`` its start (a factual target keeps its answer)."""
    enc = tokenizer(sources, max_length=max_source, truncation=True, padding="longest", return_tensors="pt")
    side = tokenizer.truncation_side
    tokenizer.truncation_side = "left" if keep_end else side
    try:
        labels = tokenizer(text_target=targets, max_length=max_target, truncation=True, padding="longest")
    finally:
        tokenizer.truncation_side = side
    labels = torch.as_tensor(labels["input_ids"], dtype=torch.long)
    labels[labels == tokenizer.pad_token_id] = IGNORE
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "labels": labels}


def make_batches(
    tokenizer: Any,
    examples: pd.DataFrame,
    tasks: tuple[str, ...],
    *,
    batch_size: int,
    max_source: int,
    max_target: int,
    groups: list[Any] | None = None,
    seed: int = 0,
) -> tuple[list[Batch], list[list[int]]]:
    """Fixed batches of rows (similar source lengths together; rows sharing a group, such as an original and its
    CFE, in one batch) holding, under each task's PREFIX keys, that task's examples of the batch's rows (one, none or
    several per row: a row without a task's example is left out of that task's loss). A row's length is that of its
    first example in ``tasks`` order; rows with no example of any task are not batched. ``groups``: one per row of
    the training frame (``examples``' row numbers index it)."""
    used = examples[examples["task"].isin(tasks)].copy()
    used["order"] = used["task"].map({t: i for i, t in enumerate(tasks)})
    first = used.sort_values(["row", "order"], kind="stable").drop_duplicates("row")
    rows = first["row"].tolist()
    lengths = [
        len(ids) for ids in tokenizer(first["source"].tolist(), truncation=True, max_length=max_source)["input_ids"]
    ]
    units = [groups[r] for r in rows] if groups is not None else None
    index = [[rows[i] for i in batch] for batch in length_batches(lengths, batch_size, units, seed)]
    by_task = {task: used[used["task"] == task] for task in tasks}
    batches = []
    for members in index:
        place = {r: i for i, r in enumerate(members)}
        batch: Batch = {}
        for task, part in by_task.items():
            part = part[part["row"].isin(place)]
            if part.empty:
                continue
            part = part.assign(place=part["row"].map(place)).sort_values("place", kind="stable")
            enc = encode(
                tokenizer, part["source"].tolist(), part["target"].tolist(), max_source, max_target, task == "factual"
            )
            batch |= {PREFIX[task] + k: v for k, v in enc.items()}
        batches.append(batch)
    return batches, index

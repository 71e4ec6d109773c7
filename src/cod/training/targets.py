"""What a student is trained against, stored in the fixed batches: teacher logits, hidden states and labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

from cod.errors import ConfigError
from cod.training.batching import Batch, model_inputs, to_device

TEACHER_LOGITS = "teacher_logits"
RATIONALE_MASK = "rationale_mask"  # batch key of the per-token rationale targets (rationale methods)
IGNORE = -100  # a token without a rationale target: special tokens, padding


def hidden_key(side: str, j: int) -> str:
    """Batch key of the j-th matched layer's cached hidden states (side: teacher | student)."""
    return f"{side}_h{j}"


@torch.no_grad()
def cache_outputs(
    model: nn.Module,
    batches: list[Batch],
    layers: list[int],
    side: str,
    device: torch.device,
    logits_key: str | None = None,
) -> None:
    """Run a frozen model once over the fixed batches; store its logits and matched hidden states in them."""
    model.eval()
    for batch in batches:
        out = model(**model_inputs(to_device(batch, device)), output_hidden_states=bool(layers))
        if logits_key:
            batch[logits_key] = out.logits.float().cpu()
        for j, layer in enumerate(layers):
            batch[hidden_key(side, j)] = out.hidden_states[layer].float().cpu()


def relabelled(frame: pd.DataFrame) -> np.ndarray:
    """The rows labelled at distill time: CFE rows, except those with ``fixed_label`` true (copy, lexicon controls)."""
    fixed = frame["fixed_label"].eq(True).to_numpy() if "fixed_label" in frame else np.zeros(len(frame), dtype=bool)
    return frame["is_cfe"].to_numpy(dtype=bool) & ~fixed


def labels_need_teacher(frame: pd.DataFrame, how: str) -> bool:
    """Whether the training labels of ``frame`` take the teacher's predictions (relabelled rows, cfe_label teacher)."""
    return how == "teacher" and bool(relabelled(frame).any())


def cfe_labels(frame: pd.DataFrame, teacher_pred: np.ndarray | None, how: str, num_labels: int) -> np.ndarray:
    """Training labels: gold for originals; for CFEs the teacher's prediction or the paper code's 1 − y, except CFE
    rows with ``fixed_label`` true (the copy and lexicon controls), which keep their file label under either.
    ``teacher_pred`` may be None when the labels do not need it (labels_need_teacher)."""
    labels = frame["label"].to_numpy().copy()
    cfe = relabelled(frame)
    if not cfe.any():
        return labels
    if how == "teacher":
        if teacher_pred is None:
            raise ValueError("CFE rows labelled by the teacher (distill.cfe_label: teacher) need its predictions")
        labels[cfe] = teacher_pred[cfe]
    else:
        if num_labels != 2:
            raise ConfigError("distill.cfe_label=flip (1 - y) needs a binary task; use cfe_label: teacher")
        gold = frame.loc[~frame["is_cfe"]].set_index("pair_id")["label"]
        labels[cfe] = 1 - frame.loc[cfe, "pair_id"].map(gold).to_numpy()
    return labels


def attach_labels(batches: list[Batch], index: list[list[int]], frame: pd.DataFrame, how: str, num_labels: int) -> None:
    """Store each row's label, pair id and CFE flag in its batch (CFE labels use the cached teacher logits, present
    whenever labels_need_teacher)."""
    teacher_pred = None
    if all(TEACHER_LOGITS in batch for batch in batches):
        teacher_pred = np.zeros(len(frame), dtype=int)
        for batch, rows in zip(batches, index, strict=True):
            teacher_pred[rows] = batch[TEACHER_LOGITS].argmax(-1).numpy()
    labels = cfe_labels(frame, teacher_pred, how, num_labels)
    for batch, rows in zip(batches, index, strict=True):
        batch["labels"] = torch.as_tensor(labels[rows], dtype=torch.long)
        batch["pair_id"] = torch.as_tensor(frame["pair_id"].to_numpy()[rows])
        batch["is_cfe"] = torch.as_tensor(frame["is_cfe"].to_numpy()[rows])


def randomise_soft_labels(batches: list[Batch], seed: int) -> None:
    """Soft-label ablation (paper Table 9): replace the teacher's logits by log-probabilities drawn from Dir(1)."""
    gen = torch.Generator().manual_seed(seed)
    for batch in batches:
        shape = batch[TEACHER_LOGITS].shape
        gamma = -torch.log(torch.rand(shape, generator=gen).clamp_min(1e-12))  # Exp(1) draws, normalised = Dir(1)
        probs = gamma / gamma.sum(-1, keepdim=True)
        batch[TEACHER_LOGITS] = probs.clamp_min(1e-12).log()

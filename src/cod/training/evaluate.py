"""Predictions and classification metrics: accuracy, Matthews correlation, balanced accuracy, agreement with the
teacher."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from cod.training.batching import Batch, model_inputs, to_device
from cod.training.device import precision_context


@torch.no_grad()
def predict_logits(
    model: nn.Module, batches: list[Batch], index: list[list[int]], device: torch.device, precision: str = "fp32"
) -> np.ndarray:
    """Logits (float32) for every row, returned in the original row order (batches may be length-sorted);
    ``precision`` "bf16" runs the forward under bfloat16 autocast (cod.training.device.precision_context)."""
    was_training = model.training
    model.eval()
    n = sum(len(rows) for rows in index)
    out: np.ndarray | None = None
    for batch, rows in zip(batches, index, strict=True):
        with precision_context(precision, device):
            logits = model(**model_inputs(to_device(batch, device))).logits
        logits = logits.float().cpu().numpy()
        if out is None:
            out = np.zeros((n, logits.shape[-1]), dtype=np.float32)
        out[rows] = logits
    model.train(was_training)
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)


def matthews_corrcoef(labels: np.ndarray, pred: np.ndarray) -> float:
    """Multiclass Matthews correlation (Gorodkin's R_K, = sklearn's); 0 when undefined (e.g. one class predicted).

    Written out because importing sklearn.metrics costs ~1.3 s in every pipeline stage.
    """
    classes = np.union1d(labels, pred)
    confusion = (labels[:, None] == classes)[:, :, None] & (pred[:, None] == classes)[:, None, :]
    c = confusion.sum(0).astype(np.float64)
    t, p, n = c.sum(1), c.sum(0), c.sum()
    cov_tp = np.trace(c) * n - t @ p
    denom = np.sqrt((n * n - p @ p) * (n * n - t @ t))
    return float(cov_tp / denom) if denom > 0 else 0.0


def balanced_accuracy(labels: np.ndarray, pred: np.ndarray) -> float:
    """Mean over the classes present in ``labels`` of their recall (= sklearn's balanced_accuracy_score); 1/C for a
    constant prediction, whatever the class shares."""
    classes = np.unique(labels)
    if classes.size == 0:
        return float("nan")
    return float(np.mean([(pred[labels == c] == c).mean() for c in classes]))


def classification_metrics(
    logits: np.ndarray, labels: np.ndarray, reference: np.ndarray | None = None
) -> dict[str, float]:
    """accuracy, mcc, balanced_accuracy and (given a reference prediction such as the teacher's) agreement."""
    pred = logits.argmax(-1)
    metrics = {
        "accuracy": float((pred == labels).mean()),
        "mcc": matthews_corrcoef(labels, pred),
        "balanced_accuracy": balanced_accuracy(labels, pred),
    }
    if reference is not None:
        metrics["agreement"] = float((pred == reference).mean())
    return metrics

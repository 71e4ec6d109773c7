"""Fine-tune a teacher classifier on a prepared dataset, keep the best validation epoch, record test accuracy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from cod import paths
from cod.config import TeacherConfig
from cod.data.balance import class_counts, loss_weights
from cod.errors import ConfigError, DataError
from cod.models.hub import named
from cod.models.load import load_classifier, packaged, resolve
from cod.training.batching import Batch, eval_batches, make_batches, model_inputs
from cod.training.device import shared_accelerator
from cod.training.evaluate import classification_metrics, predict_logits
from cod.training.loop import FitResult, epochs_for, fit


class CrossEntropyStep(nn.Module):
    """forward(batch) -> (CE loss, parts) around a classifier: the teacher's fine-tuning objective.

    ``weight``: one weight per class (cod.data.balance.loss_weights), the batch's loss then being the weighted mean
    sum_i w_{y_i} CE_i / sum_i w_{y_i} (torch's cross_entropy); None = the plain mean.
    """

    def __init__(self, model: nn.Module, weight: torch.Tensor | None = None) -> None:
        super().__init__()
        self.model = model
        self.register_buffer("weight", weight)  # a buffer: it moves to the model's device with the module

    def forward(self, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        logits = self.model(**model_inputs(batch)).logits
        loss = F.cross_entropy(logits, batch["labels"], weight=self.weight)
        return loss, {"ce": float(loss.detach())}


@dataclass
class TeacherResult:
    """A trained teacher, its metrics, and its logits on validation and test."""

    model: nn.Module
    tokenizer: Any
    metrics: dict[str, Any]
    logits: dict[str, np.ndarray]
    fit: FitResult


def training_rows(train: pd.DataFrame, cap: int | None, seed: int = 0) -> pd.DataFrame:
    """At most ``cap`` training rows, a seeded random sample (the paper's code caps at 5,000)."""
    if cap is None or len(train) <= cap:
        return train
    return train.sample(n=cap, random_state=seed).sort_index()


def split_metrics(logits: dict[str, np.ndarray], splits: dict[str, pd.DataFrame]) -> dict[str, float]:
    """classification_metrics of each split's logits against its labels, keyed ``<split>_<metric>``."""
    return {
        f"{split}_{key}": value
        for split in logits
        for key, value in classification_metrics(logits[split], splits[split]["label"].to_numpy()).items()
    }


def check_fine_tuned(spec: str, n_labels: int) -> None:
    """A teacher used as it is (teacher.epochs 0) must be a sequence classifier with the dataset's number of labels."""
    from transformers import AutoConfig

    with named(spec, "teacher.model", packaged()):
        cfg = AutoConfig.from_pretrained(resolve(spec))
    heads = [a for a in cfg.architectures or [] if a.endswith("ForSequenceClassification")]
    if not heads or cfg.num_labels != n_labels:
        raise ConfigError(
            f"teacher.epochs is 0 (use teacher.model as it is) but teacher.model={spec!r} is not a sequence classifier "
            f"with {n_labels} labels (architectures {cfg.architectures}, {cfg.num_labels} labels): name a fine-tuned "
            "classifier of this dataset's labels, or set teacher.epochs >= 1 to fine-tune it"
        )


def fine_tune(
    model: nn.Module,
    tokenizer: Any,
    train: pd.DataFrame,
    n_labels: int,
    cfg: TeacherConfig,
    evaluate: Any,
    accelerator: Any,
    *,
    smoke: bool = False,
    on_epoch: Any = None,
) -> tuple[FitResult, np.ndarray | None, str]:
    """(fit, class weights or None, the metric that picks the best epoch) of fine-tuning ``model`` on ``train``."""
    batches, _ = make_batches(
        tokenizer,
        train,
        max_length=cfg.max_length,
        batch_size=cfg.batch_size,
        labels=train["label"].to_numpy(),
        seed=cfg.seed,
    )
    min_epochs = 0 if smoke else epochs_for(len(batches), cfg.min_steps)
    epochs = 1 if smoke else max(cfg.epochs, min_epochs)
    counts = class_counts(train["label"].to_numpy(), n_labels)
    weights = loss_weights(counts, cfg.class_weights, cfg.imbalance_ratio)
    select = "accuracy" if weights is None else "balanced_accuracy"
    result = fit(
        CrossEntropyStep(model, None if weights is None else torch.tensor(weights, dtype=torch.float32)),
        batches,
        epochs=epochs,
        lr=cfg.lr,
        seed=cfg.seed,
        evaluate=evaluate,
        keep=model,
        patience=cfg.patience,
        weight_decay=cfg.weight_decay,
        warmup_ratio=cfg.warmup_ratio,
        accelerator=accelerator,
        on_epoch=on_epoch,
        desc="teacher",
        input_rows=model,
        select=select,
        min_epochs=min_epochs,
    )
    return result, weights, select


def train_teacher(
    splits: dict[str, pd.DataFrame],
    label_names: list[str],
    cfg: TeacherConfig,
    *,
    smoke: bool = False,
    on_epoch: Any = None,
) -> TeacherResult:
    """Fine-tune ``cfg.model`` on train with early stopping on validation; evaluate the best epoch on test.

    At least ``cfg.min_steps`` updates (epochs added; early stopping waits for them) except in smoke mode; the loss
    is class-weighted as ``cfg.class_weights`` says, and then the best epoch is picked by balanced accuracy.
    ``cfg.epochs`` 0 uses ``cfg.model`` as it is (an already fine-tuned classifier): no update, evaluated only."""
    from accelerate.utils import set_seed

    as_given = cfg.epochs == 0
    if as_given:
        check_fine_tuned(cfg.model, len(label_names))
    set_seed(cfg.seed)
    model, tokenizer = load_classifier(cfg.model, len(label_names), label_names=label_names, field="teacher.model")
    cap = cfg.smoke_train_examples if smoke else cfg.max_train_examples
    train = splits["train"].iloc[:0] if as_given else training_rows(splits["train"], cap)
    if train.empty and not as_given:
        raise DataError("the teacher's training split is empty")
    evals = eval_batches(tokenizer, {s: splits[s] for s in ("validation", "test")}, cfg.max_length, cfg.eval_batch_size)
    accelerator = shared_accelerator()
    model.to(accelerator.device)  # before the device is read: evaluation feeds batches to where the model is
    device = accelerator.device

    def evaluate(split: str = "validation") -> dict[str, float]:
        logits = predict_logits(model, *evals[split], device)
        return classification_metrics(logits, splits[split]["label"].to_numpy())

    if as_given:
        result, weights, selected = FitResult(best_epoch=0, best_metrics={}), None, "none: used as given (epochs 0)"
    else:
        result, weights, select = fine_tune(
            model, tokenizer, train, len(label_names), cfg, evaluate, accelerator, smoke=smoke, on_epoch=on_epoch
        )
        selected = f"validation {select}"
    if result.best_state is not None:
        model.load_state_dict(result.best_state)
    logits = {split: predict_logits(model, *evals[split], device) for split in ("validation", "test")}
    metrics = {
        "model": cfg.model,
        "train_rows": len(train),
        "best_epoch": result.best_epoch,
        **split_metrics(logits, splits),
        "epochs_run": len(result.history),
        "selected_by": selected,
        "class_weights": None if weights is None else dict(zip(label_names, map(float, weights), strict=True)),
    }
    return TeacherResult(model, tokenizer, metrics, logits, result)


def save_teacher(result: TeacherResult, dataset: str) -> Path:
    """Write model + tokenizer (safetensors), metrics.json and validation/test logits."""
    out = paths.teacher_dir(dataset)
    result.model.save_pretrained(out / "model")
    result.tokenizer.save_pretrained(out / "model")
    for split, logits in result.logits.items():
        target = paths.teacher_predictions(dataset, split)
        target.parent.mkdir(parents=True, exist_ok=True)
        np.save(target, logits)
    (out / "metrics.json").write_text(json.dumps(result.metrics, indent=2) + "\n")
    return out

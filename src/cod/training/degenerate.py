"""A teacher at or near chance stops its stage: the rule, and one message with its numbers and the fixes."""

from __future__ import annotations

from typing import Any

import numpy as np

from cod.config import TeacherConfig
from cod.errors import CodError


class DegenerateTeacher(CodError):
    """The teacher's validation predictions are no better than chance (e.g. one class for every row)."""

    exit_code = 1


def chance_floor(n_classes: int, margin: float) -> float:
    """The validation balanced accuracy a teacher must reach: chance (1/C, any constant prediction) plus ``margin``."""
    return 1.0 / n_classes + margin


def predicted_shares(logits: np.ndarray, label_names: list[str]) -> str:
    """The predicted-class distribution, e.g. 'positive 40 of 40 (100%), negative 0 (0%)', most predicted first."""
    counts = np.bincount(logits.argmax(-1), minlength=len(label_names))[: len(label_names)]
    n = max(1, int(counts.sum()))
    head, *rest = sorted(range(len(label_names)), key=lambda i: (-counts[i], i))
    parts = [f"{label_names[head]} {counts[head]} of {n} ({counts[head] / n:.0%})"]
    parts += [f"{label_names[i]} {counts[i]} ({counts[i] / n:.0%})" for i in rest]
    return ", ".join(parts)


def degenerate_message(
    metrics: dict[str, Any], logits: np.ndarray, label_names: list[str], cfg: TeacherConfig, dataset: str
) -> str | None:
    """The one-line message for a teacher whose validation balanced accuracy is below chance_floor or whose validation
    MCC is below teacher.min_mcc (chance: 0), else None."""
    floor = chance_floor(len(label_names), cfg.chance_margin)
    balanced, mcc = float(metrics["validation_balanced_accuracy"]), float(metrics["validation_mcc"])
    if balanced >= floor and mcc >= cfg.min_mcc:
        return None
    weighted = metrics.get("class_weights") is not None
    weights = (
        f"the loss was already class-weighted (teacher.class_weights: {cfg.class_weights})"
        if weighted
        else "weight the classes (teacher.class_weights: balanced; the loss was unweighted)"
    )
    fixes = (
        f"train longer (teacher.min_steps, now {cfg.min_steps}; teacher.epochs, now {cfg.epochs}), {weights}, check "
        f"the training labels (class_counts in data/prepared/{dataset}/meta.json)"
        if cfg.epochs
        else f"teacher.model was used as it is (teacher.epochs: 0): check that its label ids 0..{len(label_names) - 1} "
        f"mean {label_names} in this order, or fine-tune it (teacher.epochs >= 1)"
    )
    return (
        f"teacher of {dataset} is at or near chance on validation: accuracy {metrics['validation_accuracy']:.1%}, "
        f"balanced accuracy {balanced:.1%} (needs >= {floor:.1%}: chance 1/{len(label_names)} + "
        f"teacher.chance_margin {cfg.chance_margin:g}), MCC {mcc:.2f} (needs >= {cfg.min_mcc:g}: teacher.min_mcc; "
        f"chance 0), predicted classes: "
        f"{predicted_shares(logits, label_names)}. Fixes: {fixes}"
    )


def check_teacher(
    metrics: dict[str, Any],
    logits: np.ndarray,
    label_names: list[str],
    cfg: TeacherConfig,
    dataset: str,
    *,
    allow: bool = False,
) -> str | None:
    """Raise DegenerateTeacher for a teacher no better than chance, unless ``allow`` (teacher.allow_degenerate, or a
    smoke run): then return the message as a warning. None when the teacher passes."""
    message = degenerate_message(metrics, logits, label_names, cfg, dataset)
    if message is not None and not allow:
        raise DegenerateTeacher(f"{message}; or set teacher.allow_degenerate: true to go on with this teacher")
    return message

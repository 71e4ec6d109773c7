"""Distil a teacher into a student on a k-shot set with a registered method (cod.method_registry), clean or CoD data."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from torch import nn

from cod import paths
from cod.config import DistillConfig, RationaleSettings
from cod.data.corpus import load_meta, load_split
from cod.errors import ConfigError, DataError
from cod.models.load import check_same_vocabulary, load_classifier
from cod.models.teacher import load_teacher, teacher_logits
from cod.rationales.targets import attach_token_targets, teacher_rationales, token_targets
from cod.training import methods
from cod.training.batching import Batch, eval_batches, make_batches
from cod.training.device import shared_accelerator
from cod.training.evaluate import classification_metrics, predict_logits
from cod.training.loop import FitResult, fit, schedule
from cod.training.methods import Context, Method
from cod.training.targets import (
    TEACHER_LOGITS,
    attach_labels,
    cache_outputs,
    labels_need_teacher,
    randomise_soft_labels,
)

# measurements of this machine, not results (they differ between identical runs): DistillResult.timings
TIMINGS = ("wall_seconds", "cpu_seconds", "train_seconds", "eval_seconds")


def as_training_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A training set with ``is_cfe`` and ``pair_id`` (clean sets have neither: every row is its own pair)."""
    frame = frame.copy()
    if "is_cfe" not in frame.columns:
        frame["is_cfe"] = False
    if "pair_id" not in frame.columns:
        frame["pair_id"] = frame["idx"]
    frame["is_cfe"] = frame["is_cfe"].astype(bool)
    return frame.reset_index(drop=True)


def row_rationales(
    teacher: nn.Module,
    tokenizer: Any,
    frame: pd.DataFrame,
    batches: list[Batch],
    index: list[list[int]],
    settings: RationaleSettings,
    max_length: int,
    seed: int,
) -> list[list[dict[str, Any]]]:
    """Each training row's rationale from the frozen teacher, toward its prediction (cached in the batches) or the
    row's label, per the method's rationale ``settings`` (distill.rkd, distill.rce, distill.rlwd)."""
    if settings.target == "gold":
        targets = frame["label"].to_numpy()
    else:
        targets = np.zeros(len(frame), dtype=np.int64)
        for batch, rows in zip(batches, index, strict=True):
            targets[rows] = batch[TEACHER_LOGITS].argmax(-1).numpy()
    return teacher_rationales(
        teacher,
        tokenizer,
        frame,
        targets,
        attribution=settings.attribution,
        top_k=settings.top_k,
        max_length=max_length,
        steps=settings.ig_steps,
        seed=seed,
    )


def needs_teacher_logits(recipe: Method, frame: pd.DataFrame, cfg: DistillConfig) -> bool:
    """Whether a run caches the frozen teacher's logits on its training rows: for the method's KL term or layers,
    the CFE rows' teacher labels, or rationales toward the teacher's prediction (the label-only student: none)."""
    if recipe.needs & {TEACHER_LOGITS, "hidden_states"} or labels_need_teacher(frame, cfg.cfe_label):
        return True
    return "rationales" in recipe.needs and recipe.settings.target == "teacher"


def training_frame(dataset: str, k: int, seed: int, mode: str) -> pd.DataFrame:
    """The rows a student is trained on, with ``is_cfe`` and ``pair_id`` (an original and its CFEs share one)."""
    path = paths.train_set(dataset, k, seed, mode)
    stage = f"subset@{dataset}" if mode == "clean" else f"counterfactuals@{dataset}"
    if not path.is_file():
        raise DataError(f"training set {path} is missing; run `dvc repro {stage}` first")
    frame = pd.read_json(path, lines=True)
    if frame.empty:
        raise DataError(f"training set {path} is empty; nothing to distil on")
    return as_training_frame(frame)


@dataclass
class DistillResult:
    """The distilled student, its run summary, per-epoch history and timings (seconds, kept apart from results)."""

    student: nn.Module
    summary: dict[str, Any]
    fit: FitResult
    timings: dict[str, float]
    rationales: pd.DataFrame | None = None  # rationale methods: each training row's idx, is_cfe and rationale words


@dataclass
class Setup:
    """What every student of one dataset shares within a process: teacher, tokenizer, evaluation data, device."""

    dataset: str
    label_names: list[str]
    teacher: nn.Module
    teacher_metrics: dict[str, Any]
    tokenizer: Any
    splits: dict[str, pd.DataFrame]
    evals: dict[str, tuple[list[Batch], list[list[int]]]]
    reference: dict[str, np.ndarray]
    accelerator: Any
    seconds: float


def prepare(dataset: str, cfg: DistillConfig, accelerator: Any = None) -> Setup:
    """Load the teacher, the student's tokenizer and the tokenised validation/test splits once."""
    from cod.models.load import load_tokenizer

    start = time.perf_counter()
    accelerator = accelerator or shared_accelerator()
    names = load_meta(dataset)["label_names"]
    teacher, t_tok, t_metrics = load_teacher(dataset)
    tokenizer = load_tokenizer(cfg.student, "distill.student")
    check_same_vocabulary(t_tok, tokenizer, t_metrics.get("model", "the teacher"), cfg.student)
    teacher.to(accelerator.device)
    splits = {s: load_split(dataset, s) for s in ("validation", "test")}
    return Setup(
        dataset=dataset,
        label_names=names,
        teacher=teacher,
        teacher_metrics=t_metrics,
        tokenizer=tokenizer,
        splits=splits,
        evals=eval_batches(tokenizer, splits, cfg.max_length, cfg.eval_batch_size),
        reference={s: teacher_logits(dataset, s).argmax(-1) for s in splits},
        accelerator=accelerator,
        seconds=time.perf_counter() - start,
    )


def distill(
    dataset: str,
    k: int,
    seed: int,
    method: str,
    mode: str,
    cfg: DistillConfig,
    *,
    smoke: bool = False,
    on_epoch: Any = None,
    setup: Setup | None = None,
    frame: pd.DataFrame | None = None,
    test: bool = True,
) -> DistillResult:
    """Train a student on the (dataset, k, seed, mode) set with ``method``; evaluate best-val (and test).

    The recipe: load the student and its training rows → cache what the method needs from the frozen
    teacher → label the rows → build the method's objective → fit → evaluate at the best epoch.
    ``setup`` shares the teacher and evaluation data between students of one process; ``frame``
    replaces the training set read from disk (the tune stage's in-memory draws); ``test=False`` never
    evaluates on the test split (the tune stage). ``cfg.lr`` must be a number here.
    """
    from accelerate.utils import set_seed

    if not isinstance(cfg.lr, float | int):
        raise ConfigError("distill.lr is `tuned`: resolve it with cod.training.tune.resolve_lr before distilling")
    started, cpu_started = time.perf_counter(), time.process_time()
    setup = setup or prepare(dataset, cfg)
    accelerator, teacher, names = setup.accelerator, setup.teacher, setup.label_names
    recipe = methods.build(method, cfg)

    # 1. inputs: the student and its fixed batches (tokenised with the setup's tokenizer, checked against the teacher's)
    set_seed(seed)
    student, _ = load_classifier(
        cfg.student, len(names), layers=cfg.student_layers, label_names=names, field="distill.student"
    )
    student.to(accelerator.device)
    frame = training_frame(dataset, k, seed, mode) if frame is None else frame
    batches, index = make_batches(
        setup.tokenizer,
        frame,
        max_length=cfg.max_length,
        batch_size=cfg.batch_size,
        labels=frame["label"].to_numpy(),
        groups=frame["pair_id"].tolist() if frame["is_cfe"].any() else None,
        seed=seed,
    )

    # 2. targets: the frozen teacher's logits (and hidden states at the method's layers) where anything needs them,
    # then training labels
    layers = recipe.layers(student, teacher) if "hidden_states" in recipe.needs else []
    if needs_teacher_logits(recipe, frame, cfg):
        cache_outputs(teacher, batches, [t for _, t in layers], "teacher", accelerator.device, TEACHER_LOGITS)
    attach_labels(batches, index, frame, cfg.cfe_label, len(names))
    rationales = None
    if "rationales" in recipe.needs:  # the teacher's top-k words of every row, as per-token targets
        words = row_rationales(teacher, setup.tokenizer, frame, batches, index, recipe.settings, cfg.max_length, seed)
        targets = token_targets(setup.tokenizer, frame, words, cfg.max_length)
        attach_token_targets(batches, index, targets, setup.tokenizer.padding_side)
        rationales = frame[["idx", "is_cfe"]].assign(rationale=words)
    # the soft-label ablation replaces the KL term's targets only (labels and rationales used the teacher's own)
    if cfg.soft_labels == "random" and TEACHER_LOGITS in recipe.needs:
        randomise_soft_labels(batches, seed)

    # 3. the method's objective, fitted with best-epoch selection on validation accuracy
    context = Context(student, teacher, batches, layers, len(names), seed, accelerator)
    module = recipe.objective(context)
    eval_seconds = 0.0

    def evaluate(split: str = "validation") -> dict[str, float]:
        nonlocal eval_seconds
        t0 = time.perf_counter()
        logits = predict_logits(student, *setup.evals[split], accelerator.device, cfg.eval_precision)
        metrics = classification_metrics(logits, setup.splits[split]["label"].to_numpy(), setup.reference[split])
        eval_seconds += time.perf_counter() - t0
        return metrics

    epochs, eval_every = (
        (cfg.smoke_epochs, 1) if smoke else schedule(len(batches), cfg.epochs, cfg.min_steps, cfg.evaluations)
    )
    fit_started = time.perf_counter()
    result = fit(
        module,
        batches,
        epochs=epochs,
        lr=float(cfg.lr),
        seed=seed,
        evaluate=evaluate,
        keep=student,
        eval_every=eval_every,
        weight_decay=cfg.weight_decay,
        warmup_ratio=cfg.warmup_ratio,
        accelerator=accelerator,
        on_epoch=on_epoch,
        desc=f"{method}-{mode}",
        input_rows=student,
        precision=cfg.train_precision,
    )
    fit_seconds, eval_in_fit = time.perf_counter() - fit_started, eval_seconds

    # 4. the best-validation student, evaluated
    if result.best_state is not None:
        student.load_state_dict(result.best_state)
    tested = evaluate("test") if test else {}
    t_metrics = setup.teacher_metrics
    summary = {
        "lr": float(cfg.lr),
        "best_val_accuracy": result.best_metrics["accuracy"],
        "best_epoch": result.best_epoch,
        "val_mcc": result.best_metrics["mcc"],
        "val_balanced_accuracy": result.best_metrics["balanced_accuracy"],
        "val_agreement": result.best_metrics["agreement"],
        **({f"test_{key}": value for key, value in tested.items()}),
        "teacher_val_accuracy": t_metrics.get("validation_accuracy"),
        "teacher_test_accuracy": t_metrics.get("test_accuracy"),
        "train_rows": len(frame),
        "train_cfe_rows": int(frame["is_cfe"].sum()),
        "matched_layers": [list(p) for p in layers],
        "epochs_run": len(result.history),
        "eval_every": eval_every,
    }
    timings = {  # this student's own (the shared setup of its process is reported by the stage)
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "train_seconds": fit_seconds - eval_in_fit,
        "eval_seconds": eval_seconds,
    }
    return DistillResult(student, summary, result, timings, rationales)

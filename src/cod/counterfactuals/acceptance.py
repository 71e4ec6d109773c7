"""When the teacher accepts a counterfactual: the one rule of every kind's search, the LLM's answers and the records."""

from __future__ import annotations

import numpy as np


def predicts(p: np.ndarray, target: int) -> bool:
    """Whether the teacher's probabilities ``p`` put class ``target`` first (no other class more probable)."""
    return int(p.argmax()) == target and p[target] >= p.max() - 1e-12


def accepts(p: np.ndarray, source: int, target: int, min_confidence: float) -> bool:
    """Whether a CFE of an original the teacher reads as class ``source`` is accepted: it aims at another class,
    ``target`` (binary: the other class; the editor: the runner-up; an LLM: the class its prompt asked for), and the
    teacher's probabilities ``p`` of the CFE predict ``target`` with p(target) >= ``min_confidence``. A CFE that
    moves to a third class is rejected however confident the teacher is."""
    return target != source and predicts(p, target) and float(p[target]) >= min_confidence

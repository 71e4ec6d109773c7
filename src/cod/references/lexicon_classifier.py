"""A label-free lexicon classifier: VADER's compound score, its sign read as the class "positive" or "negative".

A compound of exactly 0 (a tie: no polarity word, or words that cancel) predicts neither class and counts as 1/2
correct, the expected accuracy of a fair coin; the share of such ties is recorded beside the accuracy (RULE says
the same in levels.json).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cod.counterfactuals.lexicon import compound
from cod.references.schema import accuracy_key, tie_key

LABELS = frozenset({"negative", "positive"})
RULE = (
    "VADER compound > 0 -> positive, < 0 -> negative; a compound of exactly 0 (a tie) counts as 1/2 correct, "
    "the expected accuracy of a fair coin; no label is read except to score"
)


def not_applicable(label_names: list[str], text_fields: list[str]) -> str | None:
    """Why the lexicon classifier does not apply (None when it does: single texts labelled negative/positive)."""
    if set(label_names) != LABELS or len(label_names) != 2:
        return f"label names {list(label_names)} are not exactly {sorted(LABELS)}: no class for a sentiment sign"
    if list(text_fields) != ["text"]:
        return f"rows are {list(text_fields)}, not a single text: VADER scores one text"
    return None


def scores(texts: list[str]) -> np.ndarray:
    """VADER's compound score (-1 … 1) of every text."""
    return np.array([compound(t) for t in texts], dtype=np.float64)


def credit(compounds: np.ndarray, labels: np.ndarray, label_names: list[str]) -> np.ndarray:
    """Per row: 1 when the compound's sign names the row's class, 0 when it names the other, 1/2 on a tie (0)."""
    positive, negative = label_names.index("positive"), label_names.index("negative")
    predicted = np.where(compounds > 0, positive, negative)
    return np.where(compounds == 0, 0.5, (predicted == labels).astype(np.float64))


def lexicon_level(evals: dict[str, pd.DataFrame], label_names: list[str], text_fields: list[str]) -> dict[str, Any]:
    """The lexicon entry of levels.json: accuracy and tie share per split, or nulls and the reason it does not apply."""
    reason = not_applicable(label_names, text_fields)
    entry: dict[str, Any] = {"applicable": reason is None, "reason": reason, "rule": RULE}
    for split, frame in evals.items():
        if reason is not None:
            entry |= {accuracy_key(split): None, tie_key(split): None}
            continue
        compounds = scores(frame["text"].tolist())
        entry[accuracy_key(split)] = float(credit(compounds, frame["label"].to_numpy(), label_names).mean())
        entry[tie_key(split)] = float((compounds == 0).mean())
    return entry

"""Training rows as (source, target, task) text pairs: R1 "[label]"/"[rationale]", R2 "[predict]"/"[explain]"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from cod.errors import ConfigError, DataError

# scheme -> (the label task, the auxiliary task); a task's name is also its source prefix "[task]"
TASKS: dict[str, tuple[str, str]] = {"r1": ("label", "rationale"), "r2": ("predict", "explain")}
FIELD_ORDER = {"text": 0, "text_pair": 1}


def label_words(label_names: list[str]) -> list[str]:
    """The target word of each class: its label name lower-cased; refused when two classes would share one."""
    words = [str(name).strip().lower() for name in label_names]
    clash = sorted({w for w in words if words.count(w) > 1})
    if clash or not all(words):
        raise DataError(
            f"label names {label_names} do not give distinct, non-empty label words ({clash or 'an empty name'}); "
            "give each class a distinct name (data.local.<name>.label_names in params.yaml)"
        )
    return words


def render(text: str, text_pair: Any = None) -> str:
    """The input x as the student reads it: the text, or "premise: … hypothesis: …" for a sentence pair."""
    if text_pair is None or (isinstance(text_pair, float) and pd.isna(text_pair)):
        return str(text)
    return f"premise: {text} hypothesis: {text_pair}"


def source(task: str, text: str, text_pair: Any = None) -> str:
    """A task's source string: "[task] x"."""
    return f"[{task}] {render(text, text_pair)}"


def rationale_text(words: list[dict[str, Any]]) -> str:
    """A row's rationale words (dicts with field, start, word) joined by spaces in text order."""
    ordered = sorted(words, key=lambda w: (FIELD_ORDER[w["field"]], w["start"]))
    return " ".join(w["word"] for w in ordered)


def explanation_lookup(explanations: Mapping[Any, str] | pd.DataFrame) -> dict[tuple[str, bool], str]:
    """(idx, is_cfe) → explanation: a dict idx → text covers original rows, one keyed (idx, is_cfe) every row
    (the explanations job's choice: cod.explanations.select.explanations_for); a DataFrame has columns idx and
    explanation, and is_cfe to give CFE rows (which share their original's idx) their own."""
    if isinstance(explanations, pd.DataFrame):
        missing = [c for c in ("idx", "explanation") if c not in explanations.columns]
        if missing:
            raise DataError(
                f"explanations: column(s) {missing} not found (columns: {list(explanations.columns)}); "
                "give one row per training row with columns idx, explanation and, for CoD sets, is_cfe"
            )
        cfe = explanations["is_cfe"] if "is_cfe" in explanations.columns else pd.Series(False, explanations.index)
        keys = list(zip(explanations["idx"].astype(str), cfe.astype(bool), strict=True))
        values = explanations["explanation"].astype(str).tolist()
    else:
        # idx → text (original rows), or (idx, is_cfe) → text as cod.explanations.select.explanations_for gives
        keys = [(str(k[0]), bool(k[1])) if isinstance(k, tuple) else (str(k), False) for k in explanations]
        values = [str(v) for v in explanations.values()]
    table = dict(zip(keys, values, strict=True))
    if len(table) != len(keys):
        raise DataError("explanations: an (idx, is_cfe) appears twice; keep one explanation per training row")
    return table


def examples(
    frame: pd.DataFrame,
    words: list[str],
    scheme: str,
    *,
    rationales: list[list[dict[str, Any]]] | None = None,
    explanations: Mapping[int | str, str] | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One label-task and one auxiliary-task example per row of ``frame`` (text[, text_pair], label, is_cfe, idx):
    columns row, task, source, target. R1's auxiliary target is the row's rationale words (``rationales``, one list
    per row, as cod.rationales.targets.teacher_rationales gives them); R2's is its explanation (``explanations``)."""
    if scheme not in TASKS:
        raise ConfigError(f"distill.text2text.scheme: unknown scheme {scheme!r}; use one of {list(TASKS)}")
    main, aux = TASKS[scheme]
    pairs = frame["text_pair"].tolist() if "text_pair" in frame.columns else [None] * len(frame)
    cfe = frame["is_cfe"].astype(bool).tolist() if "is_cfe" in frame.columns else [False] * len(frame)
    if scheme == "r1":
        if rationales is None or len(rationales) != len(frame):
            raise DataError("scheme r1 needs one rationale (a list of words) per training row; pass rationales")
        aux_targets = [rationale_text(r) for r in rationales]
    else:
        if explanations is None:
            raise DataError("scheme r2 needs an explanation per training row; pass explanations (idx → text)")
        table = explanation_lookup(explanations)
        keys = [(str(i), c) for i, c in zip(frame["idx"], cfe, strict=True)]
        lacking = [f"idx={i}{' (CFE)' if c else ''}" for i, c in keys if (i, c) not in table]
        if lacking:
            raise DataError(
                f"explanations: {len(lacking)} training row(s) have none ({', '.join(lacking[:5])}); CFE rows share "
                "their original's idx, so give them a DataFrame with columns idx, is_cfe, explanation"
            )
        aux_targets = [table[key] for key in keys]
    rows = []
    for r, (text, pair, label) in enumerate(zip(frame["text"], pairs, frame["label"], strict=True)):
        rows.append({"row": r, "task": main, "source": source(main, text, pair), "target": words[int(label)]})
        rows.append({"row": r, "task": aux, "source": source(aux, text, pair), "target": aux_targets[r]})
    return pd.DataFrame(rows, columns=["row", "task", "source", "target"])

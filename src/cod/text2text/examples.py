"""Training rows as (source, target, task) text pairs: R1 "[label]"/"[rationale]", R2 "[predict]"/"[explain]" (its
multitask objective) and "[factual]"/"[counterfactual]" (its counterfactual objective)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from cod.errors import ConfigError, DataError

# scheme -> (the label task, the auxiliary task); a task's name is also its source prefix "[task]"
TASKS: dict[str, tuple[str, str]] = {"r1": ("label", "rationale"), "r2": ("predict", "explain")}
# R2's counterfactual objective: "[factual] x" -> "<e>. So the answer is <a>", and for each wrong answer a',
# "[counterfactual] x <r_a'>" -> "So the answer is <a'>"
CF_TASKS = ("factual", "counterfactual")
OBJECTIVES = ("mt", "cf", "mt+cf")
ANSWER = "So the answer is"
FIELD_ORDER = {"text": 0, "text_pair": 1}
RowKey = tuple[str, bool]  # (idx as text, is_cfe): a CFE shares its original's idx


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


def objective_tasks(scheme: str, objective: str) -> tuple[str, ...]:
    """The tasks an objective trains: the scheme's two (mt), R2's two counterfactual ones (cf), or all four."""
    if scheme not in TASKS:
        raise ConfigError(f"distill.text2text.scheme: unknown scheme {scheme!r}; use one of {list(TASKS)}")
    if objective not in OBJECTIVES or (objective != "mt" and scheme != "r2"):
        raise ConfigError(
            f"distill.text2text.objective: {objective!r} is not an objective of scheme {scheme}; use mt, or with "
            f"scheme r2 one of {list(OBJECTIVES)}"
        )
    return {"mt": TASKS[scheme], "cf": CF_TASKS, "mt+cf": (*TASKS[scheme], *CF_TASKS)}[objective]


def answer_target(word: str) -> str:
    """The counterfactual task's target: "So the answer is <word>"."""
    return f"{ANSWER} {word}"


def factual_target(explanation: str, word: str) -> str:
    """The factual task's target: the explanation, closed with a full stop unless it ends in . ! or ?, then
    "So the answer is <word>"."""
    text = explanation.strip()
    return f"{text}{'' if text.endswith(('.', '!', '?')) else '.'} {answer_target(word)}"


def counterfactual_source(text: str, text_pair: Any, rationale: str) -> str:
    """The counterfactual task's source: "[counterfactual] x <the rationale of a wrong answer>"."""
    return f"{source('counterfactual', text, text_pair)} {rationale.strip()}"


def split_answer(generated: str) -> tuple[str, str | None]:
    """A factual generation as (its explanation, its answer): the text before and after the last "So the answer is"
    (the answer stripped of closing punctuation); the whole text and None when the phrase is missing."""
    head, found, tail = generated.rpartition(ANSWER)
    if not found:
        return generated.strip(), None
    return head.strip(), tail.strip().rstrip(".!?").strip()


def rationale_text(words: list[dict[str, Any]]) -> str:
    """A row's rationale words (dicts with field, start, word) joined by spaces in text order."""
    ordered = sorted(words, key=lambda w: (FIELD_ORDER[w["field"]], w["start"]))
    return " ".join(w["word"] for w in ordered)


def explanation_lookup(explanations: Mapping[Any, str | None] | pd.DataFrame) -> dict[RowKey, str | None]:
    """(idx, is_cfe) → explanation: a dict idx → text covers original rows, one keyed (idx, is_cfe) every row
    (the explanations job's choice: cod.explanations.select.explanations_for); a DataFrame has columns idx and
    explanation, and is_cfe to give CFE rows (which share their original's idx) their own. A None text marks a row
    known to have no usable explanation (its teacher answer failed)."""
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
        values = [None if v is None else str(v) for v in explanations.values()]
    table = dict(zip(keys, values, strict=True))
    if len(table) != len(keys):
        raise DataError("explanations: an (idx, is_cfe) appears twice; keep one explanation per training row")
    return table


def row_explanations(frame: pd.DataFrame, cfe: list[bool], explanations: Any) -> list[str | None]:
    """Each row's explanation (None where it is known to have failed); refused when a row is not covered at all."""
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
    return [table[key] for key in keys]


def row_wrong_answers(
    frame: pd.DataFrame, cfe: list[bool], wrong_answers: Mapping[Any, Mapping[int, str]] | None, num_labels: int
) -> list[dict[int, str]]:
    """Each row's wrong-answer rationales (wrong label index → text; rows absent from ``wrong_answers`` have none),
    keyed like explanations by (idx, is_cfe); refused when a rationale is for the row's own label or no label."""
    table = {(str(k[0]), bool(k[1])): dict(v) for k, v in (wrong_answers or {}).items()}
    out = []
    for idx, c, label in zip(frame["idx"], cfe, frame["label"], strict=True):
        given = table.get((str(idx), c), {})
        bad = sorted(w for w in given if int(w) == int(label) or not 0 <= int(w) < num_labels)
        if bad:
            raise DataError(
                f"wrong-answer rationales of idx={idx}{' (CFE)' if c else ''}: labels {bad} are its own label "
                f"({int(label)}) or not a label; give rationales for the other labels only"
            )
        out.append({int(w): str(t) for w, t in sorted(given.items())})
    return out


def examples(
    frame: pd.DataFrame,
    words: list[str],
    scheme: str,
    *,
    rationales: list[list[dict[str, Any]]] | None = None,
    explanations: Mapping[int | str, str | None] | pd.DataFrame | None = None,
    wrong_answers: Mapping[Any, Mapping[int, str]] | None = None,
    objective: str = "mt",
) -> pd.DataFrame:
    """The examples of each row of ``frame`` (text[, text_pair], label, is_cfe, idx) for ``objective``'s tasks:
    columns row, task, source, target.

    mt: one label-task and one auxiliary-task example per row. R1's auxiliary target is the row's rationale words
    (``rationales``, one list per row, as cod.rationales.targets.teacher_rationales gives them); R2's is its
    explanation (``explanations``). cf (R2 only): a factual example per row ("<e>. So the answer is <a>") and a
    counterfactual one per wrong answer with a rationale in ``wrong_answers`` ((idx, is_cfe) → {wrong label:
    text}); mt+cf: both. A row whose explanation is None (known to have failed) has no explain or factual example.
    """
    tasks = objective_tasks(scheme, objective)
    pairs = frame["text_pair"].tolist() if "text_pair" in frame.columns else [None] * len(frame)
    cfe = frame["is_cfe"].astype(bool).tolist() if "is_cfe" in frame.columns else [False] * len(frame)
    if scheme == "r1":
        if rationales is None or len(rationales) != len(frame):
            raise DataError("scheme r1 needs one rationale (a list of words) per training row; pass rationales")
        aux_targets: list[str | None] = [rationale_text(r) for r in rationales]
    else:
        aux_targets = row_explanations(frame, cfe, explanations)
    wrong = row_wrong_answers(frame, cfe, wrong_answers, len(words)) if "counterfactual" in tasks else None
    main, aux_task = TASKS[scheme]
    rows = []
    for r, (text, pair, label) in enumerate(zip(frame["text"], pairs, frame["label"], strict=True)):
        word, aux = words[int(label)], aux_targets[r]
        made = {main: [(source(main, text, pair), word)], aux_task: [], "factual": [], "counterfactual": []}
        if aux is not None:
            made[aux_task] = [(source(aux_task, text, pair), aux)]
            made["factual"] = [(source("factual", text, pair), factual_target(aux, word))]
        if wrong is not None:
            made["counterfactual"] = [
                (counterfactual_source(text, pair, why), answer_target(words[w])) for w, why in wrong[r].items()
            ]
        for task in tasks:
            rows += [{"row": r, "task": task, "source": src, "target": tgt} for src, tgt in made[task]]
    return pd.DataFrame(rows, columns=["row", "task", "source", "target"])

"""The teacher LLM's explanation, critique and revision of every row of a few-shot training set (R2)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cod.chat.answers import json_field
from cod.chat.cache import ledger_summary
from cod.chat.client import CachedChat, EndpointError, ReplayMiss
from cod.counterfactuals.texts import is_pair
from cod.errors import DataError
from cod.explanations import prompts

REQUIRED = ("idx", "text", "label")
STEPS = ("explanation", "critique", "revised")  # the output column of each step, in the order they are asked


@dataclass
class Explained:
    """A job's rows (explanations: one per training row with idx, is_cfe, label, each step's text, ok flag and
    failure; wrong-answer rationales: one per row and wrong label) and its summary."""

    frame: pd.DataFrame
    summary: dict[str, Any]


def failure(answer: dict[str, Any], field: str) -> str:
    """Why an answer gave no usable ``field``: refused, empty, a failed request, or no JSON holding the field."""
    status = answer.get("status")
    if status == "refusal":
        return f"refused: {' '.join(str(answer.get('refusal')).split())[:120]}"
    if status == "empty":
        return "empty answer"
    if status == "error":
        return f"request failed: {' '.join(str(answer.get('error')).split())[:160]}"
    return f'malformed: no JSON object with a non-blank "{field}" string'


def failure_kind(reason: str) -> str:
    """The kind of a ``failure`` reason, to count failures by: refused, empty answer, request failed or malformed."""
    return reason.split(":", 1)[0]


def check_rows(frame: pd.DataFrame, label_names: list[str]) -> None:
    """Refuse a training set without the columns, or with labels outside ``label_names``, before any request."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DataError(
            f"explanations: the training set lacks columns {missing}; it needs {list(REQUIRED)} (is_cfe and, for a "
            "sentence-pair dataset, text_pair are optional), as data/subsets/... and data/cod/... sets have"
        )
    bad = sorted({int(v) for v in frame["label"] if not 0 <= int(v) < len(label_names)})
    if bad:
        raise DataError(
            f"explanations: labels {bad} have no name in label_names {label_names}; pass the dataset's label "
            "names (cod.data.load_meta(dataset)['label_names'])"
        )


class Asker:
    """One step at a time through the chat: answers parsed to a field, failures named, requests counted."""

    def __init__(self, chat: CachedChat) -> None:
        self.chat = chat
        self.asked = 0  # conversations answered (sent or from the cache)
        self.ledger_start = len(chat.cache.ledger.records())
        self.sent_start = chat.requests_sent

    def step(self, convs: list[list[dict[str, str]]], field: str) -> tuple[list[str | None], list[str | None]]:
        """Each conversation's ``field`` (None when unusable) and why not (None when usable), in order."""
        if not convs:
            return [], []
        try:
            answers = self.chat.complete_many(convs)
        except (EndpointError, ReplayMiss) as exc:
            raise type(exc)(f"explanations ({field} step; nothing was written): {exc}") from None
        self.asked += len(convs)
        values = [json_field(a.get("text"), field) for a in answers]
        reasons = [None if v else failure(a, field) for a, v in zip(answers, values, strict=True)]
        return values, reasons

    def tally(self) -> dict[str, Any]:
        """Conversations answered since this asker began, how many were sent and cached, and the ledger's account."""
        sent = self.chat.requests_sent - self.sent_start
        return {
            "asked": self.asked,
            "requests_sent": sent,
            "cache_hits": self.asked - sent,
            "ledger": ledger_summary(self.chat.cache, since=self.ledger_start),
        }


def row_texts(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str | None]]:
    """The rows renumbered from 0, each row's text and its second text (None for single texts)."""
    rows = frame.reset_index(drop=True)
    texts = rows["text"].astype(str).tolist()
    pairs = rows["text_pair"].astype(str).tolist() if is_pair(rows) else [None] * len(rows)
    return rows, texts, pairs


def row_keys(rows: pd.DataFrame) -> dict[str, list[Any]]:
    """The columns naming each row in a job's output: idx and is_cfe (False when the set has no CFEs)."""
    cfe = rows["is_cfe"].astype(bool).tolist() if "is_cfe" in rows else [False] * len(rows)
    return {"idx": rows["idx"].tolist(), "is_cfe": cfe}


def count_reasons(failures: list[str | None]) -> dict[str, int]:
    """How many failures there are of each kind (refused, empty answer, request failed, malformed)."""
    return dict(Counter(failure_kind(w) for w in failures if w))


def explain_rows(
    frame: pd.DataFrame, label_names: list[str], family: str, chat: CachedChat, critique: bool = True
) -> Explained:
    """Ask ``chat`` to explain each row's label, then (``critique``) critique each explanation and revise it.

    ``family``: the dataset's prompt family (DatasetInfo.prompts); a sentence pair (``text_pair``) is shown as
    premise and hypothesis. A row whose answer is refused, empty or malformed keeps None in that step (and in the
    steps after it), ``ok`` False and the reason in ``failure``; an endpoint fault or a replay miss raises.
    """
    check_rows(frame, label_names)
    rows, texts, pairs = row_texts(frame)
    n = len(rows)
    labels = [label_names[int(v)] for v in rows["label"]]
    asker = Asker(chat)

    out: dict[str, list[Any]] = {s: [None] * n for s in STEPS}
    why: list[str | None] = [None] * n
    convs = [prompts.explain(family, t, p, lab) for t, p, lab in zip(texts, pairs, labels, strict=True)]
    todo = list(range(n))
    for field in STEPS if critique else STEPS[:1]:
        values, reasons = asker.step([convs[i] for i in todo], field)
        nxt = []
        for i, value, reason in zip(todo, values, reasons, strict=True):
            out[field][i] = value
            if reason is not None:
                why[i] = f"{field}: {reason}"
                continue
            nxt.append(i)
            answer = json.dumps({field: value})  # the next turn shows the answer as the JSON it was asked for
            if field == "explanation":
                convs[i] = prompts.critique(convs[i], answer, pairs[i] is not None)
            elif field == "critique":
                convs[i] = prompts.revise(convs[i], answer)
        todo = nxt

    result = pd.DataFrame({**row_keys(rows), "label": rows["label"].astype(int).tolist(), **out})
    asked = STEPS if critique else STEPS[:1]
    for field in STEPS:
        result[f"{field}_ok"] = result[field].notna()
    result["ok"] = result[[f"{f}_ok" for f in asked]].all(axis=1)
    result["failure"] = why
    summary = {
        "rows": n,
        "critique": critique,
        "ok_rows": int(result["ok"].sum()),
        "failed_rows": int((~result["ok"]).sum()),
        "failures": {f: sum(str(w).startswith(f"{f}:") for w in why if w) for f in asked},
        "reasons": count_reasons([w.split(": ", 1)[1] if w else None for w in why]),
        **asker.tally(),
    }
    return Explained(result, summary)

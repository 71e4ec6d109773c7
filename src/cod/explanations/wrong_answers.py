"""The teacher LLM's rationale for every wrong label of every training row, argued as if it were right (R2's CF)."""

from __future__ import annotations

import pandas as pd

from cod.chat.client import CachedChat
from cod.explanations import prompts
from cod.explanations.teacher import Asker, Explained, check_rows, count_reasons, row_keys, row_texts

FIELD = "rationale"
RowKey = tuple[int, bool]  # (idx, is_cfe), as cod.explanations.select names a row


def rationalize_rows(frame: pd.DataFrame, label_names: list[str], family: str, chat: CachedChat) -> Explained:
    """Ask ``chat``, for each row and each label other than the row's own, for a rationale of that wrong label.

    One output row per (row, wrong label): idx, is_cfe, label, wrong (the wrong label's index), rationale, ok and
    failure. An answer that is refused, empty or malformed keeps None, ok False and its reason (counted by kind in
    the summary's ``reasons``); an endpoint fault or a replay miss raises (answers received are in the cache)."""
    check_rows(frame, label_names)
    rows, texts, pairs = row_texts(frame)
    labels = rows["label"].astype(int).tolist()
    asks = [(i, w) for i, y in enumerate(labels) for w in range(len(label_names)) if w != y]
    convs = [prompts.wrong_answer(family, texts[i], pairs[i], label_names[w]) for i, w in asks]
    asker = Asker(chat)
    values, reasons = asker.step(convs, FIELD)
    keys = row_keys(rows)
    result = pd.DataFrame(
        {
            "idx": [keys["idx"][i] for i, _ in asks],
            "is_cfe": [keys["is_cfe"][i] for i, _ in asks],
            "label": [labels[i] for i, _ in asks],
            "wrong": [w for _, w in asks],
            FIELD: values,
            "ok": [v is not None for v in values],
            "failure": reasons,
        }
    )
    summary = {
        "rows": len(rows),
        "wrong_answers": len(asks),
        "ok": int(result["ok"].sum()),
        "failed": int((~result["ok"]).sum()),
        "reasons": count_reasons(reasons),
        **asker.tally(),
    }
    return Explained(result, summary)


def rationales_for(frame: pd.DataFrame) -> dict[RowKey, dict[int, str]]:
    """Each row's usable wrong-answer rationales by (idx, is_cfe): wrong label index → rationale. Rows whose every
    rationale failed are absent (their failures are in the frame's ``failure`` column and the summary)."""
    out: dict[RowKey, dict[int, str]] = {}
    for row in frame[frame["ok"]].itertuples(index=False):
        out.setdefault((int(row.idx), bool(row.is_cfe)), {})[int(row.wrong)] = str(row.rationale)
    return out

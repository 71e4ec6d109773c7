"""Which text of an original a CFE edits (the text, or the second text of a sentence pair), and its edits marked."""

from __future__ import annotations

from typing import Any

import pandas as pd


def is_pair(originals: pd.DataFrame) -> bool:
    """A sentence-pair dataset (``text`` + ``text_pair``): its CFEs edit the second text, the first stays."""
    return "text_pair" in originals.columns


def edited_texts(originals: pd.DataFrame) -> list[str]:
    """The texts a CFE edits: ``text``, or ``text_pair`` (the hypothesis) for a sentence-pair dataset."""
    return originals["text_pair" if is_pair(originals) else "text"].tolist()


def fixed_texts(originals: pd.DataFrame) -> list[str] | None:
    """The first texts of a sentence-pair dataset (kept as they are in the CFEs); None for single texts."""
    return originals["text"].tolist() if is_pair(originals) else None


def prompt_row(text: str, pair: str | None) -> str:
    """A row as an LLM prompt shows it: ``Text: ...``, or ``Premise: ...`` and ``Hypothesis: ...`` for a pair
    (``text`` is then the premise and ``pair`` the hypothesis)."""
    return f"Text: {text}" if pair is None else f"Premise: {text}\nHypothesis: {pair}"


def highlight(record: dict[str, Any]) -> str:
    """Original → CFE with edited words marked: [old→new], [-deleted], [+inserted]."""
    marks = []
    words = record["original"].split()
    changed = {e["slot"]: e for e in record["edits"]}
    for i, w in enumerate(words):
        e = changed.get(i)
        marks.append(w if e is None else (f"[-{w}]" if not e["new"] else f"[{w}→{e['new']}]"))
    return " ".join(marks)

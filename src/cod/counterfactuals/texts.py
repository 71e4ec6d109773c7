"""Which text of an original a CFE edits: the text, or the second text (hypothesis) of a sentence pair."""

from __future__ import annotations

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

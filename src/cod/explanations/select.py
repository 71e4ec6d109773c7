"""Which explanation of each row a text-to-text student learns in its "[explain]" task."""

from __future__ import annotations

from typing import Literal

import pandas as pd

from cod.config import ExplanationsConfig
from cod.errors import DataError

Use = Literal["revised", "first"]
RowKey = tuple[int, bool]  # (idx, is_cfe): a CFE shares its original's idx, so idx alone does not name a row


def explanations_for(
    frame: pd.DataFrame, settings: ExplanationsConfig | Literal["revised", "first"]
) -> dict[RowKey, str]:
    """Each row's explanation text by (idx, is_cfe): with ``use: revised`` the revision where it is ok, else the first
    explanation; with ``use: first`` always the first. Rows with no usable explanation are absent (their failures are
    in the frame's ``failure`` column and the summary)."""
    use = settings if isinstance(settings, str) else settings.use
    if use not in ("revised", "first"):
        raise ValueError(f"explanations.use must be 'revised' or 'first', not {use!r}")
    keys = list(zip(frame["idx"].astype(int), frame["is_cfe"].astype(bool), strict=True))
    if len(set(keys)) != len(keys):
        dups = sorted({k for k in keys if keys.count(k) > 1})[:5]
        raise DataError(f"explanations: rows {dups} (idx, is_cfe) appear twice; explain each training row once")
    out: dict[RowKey, str] = {}
    for key, row in zip(keys, frame.itertuples(index=False), strict=True):
        if use == "revised" and row.revised_ok:
            out[key] = str(row.revised)
        elif row.explanation_ok:
            out[key] = str(row.explanation)
    return out

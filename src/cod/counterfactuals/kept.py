"""Which CFEs a CoD set trains on and the hard label each carries (light: the report reads it without the models)."""

from __future__ import annotations

from typing import Literal

import pandas as pd

# which CFEs a set keeps: valid = teacher-accepted ones; changed = every edited text, flipped or not; all = every
# record, edited or not (the paper code's set under counterfactuals.keep: all, and the copy control)
Keeps = Literal["valid", "changed", "all"]
# the hard label a kept CFE row carries: the teacher's prediction, its original's gold label or 1 − gold (binary)
Label = Literal["teacher", "gold", "flip"]


def kept_cfes(records: pd.DataFrame, keeps: str) -> pd.DataFrame:
    """The records (one per original: ``original``, ``cfe``, ``valid``) whose CFE a set that ``keeps`` trains on."""
    if keeps == "valid":
        return records[records["valid"].astype(bool)]
    if keeps == "changed":
        return records[records["cfe"] != records["original"]]
    if keeps == "all":
        return records
    raise ValueError(f"unknown CFE selection {keeps!r}; use valid, changed or all")


def hard_labels(kept: pd.DataFrame, label: str) -> pd.Series:
    """The hard label of each kept CFE (records with ``gold`` and ``teacher_cfe``), as ``label`` says."""
    if label == "teacher":
        return kept["teacher_cfe"].astype(int)
    if label == "gold":
        return kept["gold"].astype(int)
    if label == "flip":
        return (1 - kept["gold"]).astype(int)
    raise ValueError(f"unknown CFE label {label!r}; use teacher, gold or flip")

"""Writing and reading a run's explanations: ``explanations.jsonl`` (one row per training row) and ``summary.json``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from cod.errors import DataError
from cod.explanations.teacher import Explained

ROWS, SUMMARY = "explanations.jsonl", "summary.json"


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file renamed over it)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write(explained: Explained, folder: Path) -> Path:
    """Write the rows and the summary into ``folder``; returns the rows' file."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = explained.frame.to_json(orient="records", lines=True, force_ascii=False)
    _replace(folder / ROWS, rows)
    _replace(folder / SUMMARY, json.dumps(explained.summary, indent=2) + "\n")
    return folder / ROWS


def read(folder: Path) -> pd.DataFrame:
    """The rows written by ``write`` (idx, is_cfe, label, explanation, critique, revised, ok flags, failure)."""
    path = folder / ROWS
    if not path.is_file():
        raise DataError(f"{path} is missing; run the explanations job (explanations.enabled: true) first")
    return pd.read_json(path, lines=True, dtype={"explanation": str, "critique": str, "revised": str})

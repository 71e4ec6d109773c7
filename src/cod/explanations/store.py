"""Writing and reading a job's rows (``<name>.jsonl``) and summary: ``explanations.jsonl`` with ``summary.json``, and
``wrong_answers.jsonl`` with ``wrong_answers_summary.json``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from cod.errors import DataError
from cod.explanations.teacher import Explained

EXPLANATIONS, WRONG_ANSWERS = "explanations", "wrong_answers"
ROWS, SUMMARY = f"{EXPLANATIONS}.jsonl", "summary.json"


def files(folder: Path, name: str = EXPLANATIONS) -> tuple[Path, Path]:
    """The rows' and the summary's file of job ``name`` in ``folder``."""
    summary = SUMMARY if name == EXPLANATIONS else f"{name}_{SUMMARY}"
    return folder / f"{name}.jsonl", folder / summary


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file renamed over it)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write(explained: Explained, folder: Path, name: str = EXPLANATIONS) -> Path:
    """Write the rows and the summary of job ``name`` into ``folder``; returns the rows' file."""
    folder.mkdir(parents=True, exist_ok=True)
    rows, summary = files(folder, name)
    _replace(rows, explained.frame.to_json(orient="records", lines=True, force_ascii=False))
    _replace(summary, json.dumps(explained.summary, indent=2) + "\n")
    return rows


def read(folder: Path) -> pd.DataFrame:
    """The rows written by ``write`` (idx, is_cfe, label, explanation, critique, revised, ok flags, failure)."""
    path = folder / ROWS
    if not path.is_file():
        raise DataError(f"{path} is missing; run the explanations job (explanations.enabled: true) first")
    return pd.read_json(path, lines=True, dtype={"explanation": str, "critique": str, "revised": str})

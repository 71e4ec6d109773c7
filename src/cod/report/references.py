"""The reference levels beside the students, read back for the report: chance, lexicon, linear probe, teacher.

Reads the references stage's files (results/references/<dataset>/levels.json and probe.csv) and the teacher
stage's metrics.json; imports neither torch nor sklearn.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from cod import paths
from cod.references.schema import LEVELS, accuracy_key, tie_key

COLUMNS = ["dataset", "level", "k", "split", "status", "mean", "std", "n", "note"]
TEACHER_KEYS = {"validation": "validation_accuracy", "test": "test_accuracy"}  # fractions, as the teacher stage writes


def _row(dataset: str, level: str, k: int, split: str, **values: Any) -> dict[str, Any]:
    """One frame row with the defaults of a level that has no number (status missing, n 0)."""
    row = {"dataset": dataset, "level": level, "k": k, "split": split, "status": "missing"}
    return {**row, "mean": math.nan, "std": math.nan, "n": 0, "note": "", **values}


def _read_json(file: Any) -> dict[str, Any] | None:
    """A JSON file's mapping, or None when it is absent."""
    return json.loads(file.read_text()) if file.is_file() else None


def _single(fraction: float) -> dict[str, Any]:
    """status ok, mean (in %), std (NaN: one number) and n = 1 of a k-independent level."""
    return {"status": "ok", "mean": 100.0 * float(fraction), "std": math.nan, "n": 1}


def _from_levels(dataset: str, ks: list[int], split: str) -> list[dict[str, Any]]:
    """The chance, lexicon and probe rows of one dataset (levels.json and probe.csv)."""
    key = accuracy_key(split)
    levels_file, probe_file = paths.references_levels(dataset), paths.references_probe(dataset)
    levels = _read_json(levels_file)
    rows = []
    for k in ks:
        if levels is None:
            note = f"{levels_file.relative_to(paths.root())} missing; run `dvc repro references@{dataset}`"
            rows += [_row(dataset, level, k, split, note=note) for level in ("chance", "lexicon")]
            continue
        rows.append(_row(dataset, "chance", k, split, **_single(levels["chance"][key])))
        lexicon = levels["lexicon"]
        if lexicon.get(key) is None:
            rows.append(_row(dataset, "lexicon", k, split, status="not_applicable", note=lexicon.get("reason") or ""))
        else:
            ties = lexicon[tie_key(split)]
            rows.append(
                _row(dataset, "lexicon", k, split, **_single(lexicon[key]), note=f"ties (1/2 correct): {ties:.1%}")
            )
    probe = pd.read_csv(probe_file) if probe_file.is_file() else None
    for k in ks:
        if probe is None:
            note = f"{probe_file.relative_to(paths.root())} missing; run `dvc repro references@{dataset}`"
            rows.append(_row(dataset, "probe", k, split, note=note))
            continue
        values = probe.loc[probe["k"] == k, key].dropna().astype(float) * 100.0
        if values.empty:
            rows.append(_row(dataset, "probe", k, split, note=f"no probe row for k={k} in probe.csv"))
            continue
        std = float(values.std(ddof=1)) if len(values) > 1 else math.nan
        rows.append(_row(dataset, "probe", k, split, status="ok", mean=float(values.mean()), std=std, n=len(values)))
    return rows


def _teacher(dataset: str, ks: list[int], split: str) -> list[dict[str, Any]]:
    """The teacher's rows of one dataset, from the teacher stage's metrics.json (the same number for every k)."""
    file = paths.teacher_dir(dataset) / "metrics.json"
    metrics = _read_json(file)
    value = None if metrics is None else metrics.get(TEACHER_KEYS[split])
    if value is None:
        note = f"{file.relative_to(paths.root())} missing or without {TEACHER_KEYS[split]}"
        return [_row(dataset, "teacher", k, split, note=note) for k in ks]
    return [_row(dataset, "teacher", k, split, **_single(value), note=metrics.get("model", "")) for k in ks]


def reference_levels(datasets: Iterable[str], ks: Iterable[int], split: str = "test") -> pd.DataFrame:
    """One row per dataset × level × k: the reference levels beside the students' accuracies on ``split``.

    Columns:
      dataset, level (chance | lexicon | probe | teacher, in this order), k, split (test | validation);
      status: ok | missing (its file is absent, or probe.csv has no row for that k) | not_applicable (the lexicon
        classifier on a dataset whose labels are not negative/positive or whose rows are text pairs);
      mean: accuracy in % (mean over seeds for the probe; the one number of a k-independent level);
      std: sample std over seeds in % (NaN when n < 2, so always for chance, lexicon and teacher);
      n: seeds behind mean (the probe), 1 for the k-independent levels, 0 when there is no number;
      note: why a level is missing or not applicable; the lexicon's tie share; the teacher's model.
    The rows of chance, lexicon and teacher repeat for every k, so the frame joins the students' per-k summary on
    (dataset, k). Nothing is dropped: a missing file gives rows with status missing.
    """
    if split not in TEACHER_KEYS:
        raise ValueError(f"split must be one of {sorted(TEACHER_KEYS)}, got {split!r}")
    ks, datasets = sorted(ks), list(datasets)
    rows = []
    for dataset in datasets:
        rows += _from_levels(dataset, ks, split) + _teacher(dataset, ks, split)
    table = pd.DataFrame(rows, columns=COLUMNS)
    order = {"dataset": {d: i for i, d in enumerate(datasets)}, "level": {v: i for i, v in enumerate(LEVELS)}}
    table = table.sort_values(["dataset", "level", "k"], key=lambda c: c.map(order[c.name]) if c.name in order else c)
    return table.reset_index(drop=True).astype({"n": int})

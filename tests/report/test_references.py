"""The report's reader of the reference levels: one row per dataset x level x k, missing files kept as rows."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from cod import paths
from cod.references.schema import PROBE_COLUMNS, accuracy_key, tie_key
from cod.report.references import COLUMNS, reference_levels


def write_levels(dataset: str, lexicon: dict | None = None) -> None:
    """levels.json in the stage's schema (fractions) with a chance level of 0.5."""
    chance = {"majority_class": "negative", accuracy_key("validation"): 0.5, accuracy_key("test"): 0.5}
    if lexicon is None:
        lexicon = {"applicable": True, "reason": None, accuracy_key("validation"): 0.6, tie_key("validation"): 0.1}
        lexicon |= {accuracy_key("test"): 0.655, tie_key("test"): 0.1375}
    levels = {"dataset": dataset, "chance": chance, "lexicon": lexicon, "probe": {"by_k": []}}
    paths.references_dir(dataset).mkdir(parents=True, exist_ok=True)
    paths.references_levels(dataset).write_text(json.dumps(levels))


def write_probe(dataset: str, rows: list[tuple[int, int, float, float]]) -> None:
    """probe.csv rows (k, seed, val, test fractions)."""
    frame = pd.DataFrame([(dataset, k, seed, val, test, k) for k, seed, val, test in rows], columns=list(PROBE_COLUMNS))
    frame.to_csv(paths.references_probe(dataset), index=False)


def write_teacher(dataset: str) -> None:
    folder = paths.teacher_dir(dataset)
    folder.mkdir(parents=True, exist_ok=True)
    metrics = {"model": "embedded:all-MiniLM-L6-v2", "validation_accuracy": 0.79, "test_accuracy": 0.8}
    (folder / "metrics.json").write_text(json.dumps(metrics))


def cell(table: pd.DataFrame, dataset: str, level: str, k: int) -> pd.Series:
    rows = table[(table["dataset"] == dataset) & (table["level"] == level) & (table["k"] == k)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_the_documented_frame_with_ok_not_applicable_and_missing_rows(repo):
    write_levels("rt_sentences")
    write_probe("rt_sentences", [(8, 0, 0.5, 0.55), (8, 1, 0.6, 0.45), (16, 0, 0.7, 0.6)])
    write_teacher("rt_sentences")
    not_applicable = {"applicable": False, "reason": "label names are not negative/positive"}
    write_levels("snli", not_applicable | {accuracy_key(s): None for s in ("validation", "test")})

    table = reference_levels(["rt_sentences", "snli", "nowhere"], [16, 8])
    assert list(table.columns) == COLUMNS and len(table) == 3 * 4 * 2  # nothing dropped
    head = table[table["dataset"] == "rt_sentences"]
    assert head[["level", "k"]].values.tolist() == [
        [lv, k] for lv in ("chance", "lexicon", "probe", "teacher") for k in (8, 16)
    ]
    assert table["dataset"].drop_duplicates().tolist() == ["rt_sentences", "snli", "nowhere"]  # the order asked for

    probe = cell(table, "rt_sentences", "probe", 8)  # mean and sample std over seeds, in %
    assert (probe["status"], probe["n"], probe["split"]) == ("ok", 2, "test")
    assert probe["mean"] == pytest.approx(50.0) and probe["std"] == pytest.approx(math.sqrt(50.0))
    one_seed = cell(table, "rt_sentences", "probe", 16)
    assert one_seed["n"] == 1 and one_seed["mean"] == pytest.approx(60.0) and math.isnan(one_seed["std"])
    lexicon = cell(table, "rt_sentences", "lexicon", 16)
    assert (lexicon["status"], lexicon["n"]) == ("ok", 1) and lexicon["mean"] == pytest.approx(65.5)
    assert math.isnan(lexicon["std"]) and "13.8%" in lexicon["note"]
    assert cell(table, "rt_sentences", "chance", 8)["mean"] == pytest.approx(50.0)
    assert cell(table, "rt_sentences", "teacher", 16)["mean"] == pytest.approx(80.0)

    snli = cell(table, "snli", "lexicon", 8)
    assert (snli["status"], snli["n"]) == ("not_applicable", 0) and "negative/positive" in snli["note"]
    assert math.isnan(snli["mean"])
    assert cell(table, "snli", "chance", 8)["status"] == "ok"
    for level in ("probe", "teacher"):  # snli has no probe.csv and no teacher
        row = cell(table, "snli", level, 8)
        assert row["status"] == "missing" and row["n"] == 0 and "missing" in row["note"]
    nowhere = table[table["dataset"] == "nowhere"]
    assert (nowhere["status"] == "missing").all() and (nowhere["note"] != "").all()


def test_validation_split_and_a_k_without_probe_rows(repo):
    write_levels("rt_sentences")
    write_probe("rt_sentences", [(8, 0, 0.5, 0.55)])
    write_teacher("rt_sentences")
    table = reference_levels(["rt_sentences"], [8, 32], split="validation")
    assert (table["split"] == "validation").all()
    assert cell(table, "rt_sentences", "teacher", 8)["mean"] == pytest.approx(79.0)
    assert cell(table, "rt_sentences", "lexicon", 8)["mean"] == pytest.approx(60.0)
    missing = cell(table, "rt_sentences", "probe", 32)
    assert missing["status"] == "missing" and "k=32" in missing["note"]
    with pytest.raises(ValueError, match="split"):
        reference_levels(["rt_sentences"], [8], split="train")


def test_the_reader_imports_neither_torch_nor_sklearn():
    import subprocess
    import sys

    code = "import sys, cod.report.references; print(sorted({'torch', 'sklearn'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

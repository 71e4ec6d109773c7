"""The references stage on a tiny prepared dataset and a tiny student built from a config: files and schema."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cod import nb, paths
from cod.data import subsets
from cod.data.corpus import Corpus, save
from cod.references import embed, probe
from cod.references.schema import ACCURACY_UNIT, PROBE_COLUMNS, accuracy_key, tie_key
from cod.references.stage import levels_table, run_references
from cod.report.references import reference_levels
from tests import tiny
from tests.conftest import write_params

KS, SEEDS = [4, 8], [0, 1]


@pytest.fixture
def tiny_student(repo, tmp_path):
    """params.yaml pointing distill.student at a random 2-layer BERT, and a grid of 2 k x 2 seeds."""
    student = tiny.save_bert(tmp_path / "student", layers=2)
    write_params(
        repo,
        distill={"student": student, "student_layers": None},
        grid={"k": KS, "seeds": SEEDS},
        tune={"sensitivity_seeds": 0},
    )
    return student


def draw_subsets(dataset: str = "rt_sentences") -> None:
    subsets.make_all(dataset, KS, SEEDS, 0.5)


def spy(monkeypatch, module, name: str) -> list:
    """Record the arguments of every call of ``module.name`` (still calling it)."""
    calls, real = [], getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_stage_writes_levels_and_probe_rows_with_the_documented_schema(repo, tiny_student, monkeypatch):
    tiny.prepare()
    draw_subsets()
    fits, embeds = spy(monkeypatch, probe, "fit"), spy(monkeypatch, embed, "embed")
    refs = run_references("rt_sentences")

    levels = json.loads(paths.references_levels("rt_sentences").read_text())
    assert levels == refs.levels
    keys = ["dataset", "label_names", "smoke", "accuracy_unit", "eval_rows", "chance", "lexicon", "probe"]
    assert list(levels) == keys
    assert levels["accuracy_unit"] == ACCURACY_UNIT and levels["eval_rows"] == {"validation": 24, "test": 24}
    chance = levels["chance"]  # 40/40 in training: the tie goes to label 0; the toy eval splits are half negative
    assert chance["majority_class"] == "negative" and chance["train_class_counts"] == {"negative": 40, "positive": 40}
    assert chance[accuracy_key("validation")] == chance[accuracy_key("test")] == 0.5
    lexicon = levels["lexicon"]  # every toy text holds one polarity word VADER knows
    assert lexicon["applicable"] and lexicon["reason"] is None
    assert lexicon[accuracy_key("test")] >= 0.9 and lexicon[tie_key("test")] == 0.0
    entry = levels["probe"]
    assert entry["encoder"] == tiny_student and entry["layers"] is None and entry["rows_file"] == "probe.csv"
    assert [(e["k"], e["n"]) for e in entry["by_k"]] == [(4, 2), (8, 2)]

    rows = pd.read_csv(paths.references_probe("rt_sentences"))
    assert list(rows.columns) == list(PROBE_COLUMNS) and len(rows) == len(KS) * len(SEEDS)
    assert rows[["k", "seed"]].values.tolist() == [[4, 0], [4, 1], [8, 0], [8, 1]]
    assert (rows["train_rows"] == rows["k"]).all()
    for split in ("validation", "test"):
        assert rows[accuracy_key(split)].between(0, 1).all()

    # each probe trained on exactly its clean k-shot rows (labels in the set's order)
    assert len(fits) == 4
    for (features, labels), (k, seed) in zip(fits, rows[["k", "seed"]].values.tolist(), strict=True):
        assert features.shape[0] == k
        assert labels.tolist() == subsets.load_subset("rt_sentences", k, seed)["label"].tolist()
    # each distinct text embedded once: the training rows of every set (k=4 is a prefix of k=8), validation, test
    distinct = {i for s in SEEDS for i in subsets.load_subset("rt_sentences", 8, s)["idx"]}
    assert sorted(len(args[2]) for args in embeds) == sorted([len(distinct), 24, 24])

    # seconds go to results/timings, never into the DVC output
    timings = json.loads(paths.timings_file(paths.references_dir("rt_sentences")).read_text())
    assert timings["total_seconds"] > 0
    written = paths.references_levels("rt_sentences").read_text() + paths.references_probe("rt_sentences").read_text()
    assert "seconds" not in written
    assert sorted(p.name for p in paths.references_dir("rt_sentences").iterdir()) == ["levels.json", "probe.csv"]

    # a re-run writes the same bytes (a DVC output)
    before = {p.name: p.read_bytes() for p in paths.references_dir("rt_sentences").iterdir()}
    run_references("rt_sentences")
    assert before == {p.name: p.read_bytes() for p in paths.references_dir("rt_sentences").iterdir()}

    shown = levels_table(levels)
    assert shown["level"].tolist() == ["chance", "lexicon", "probe", "probe"]
    assert shown["test %"].tolist()[:2] == [50.0, 100.0 * lexicon[accuracy_key("test")]]

    table = reference_levels(["rt_sentences"], KS)  # the report reads back what the stage wrote
    ours = table[table["level"] != "teacher"]
    assert (ours["status"] == "ok").all() and ours.loc[ours["level"] == "probe", "n"].tolist() == [2, 2]
    assert (table.loc[table["level"] == "teacher", "status"] == "missing").all()  # no teacher stage ran here


def pairs(n: int) -> pd.DataFrame:
    """A separable pair dataset: the class is the second text's word, identical within a class."""
    labels = np.arange(n) % 2
    return pd.DataFrame({"text": "the movie", "text_pair": np.where(labels == 1, "good", "bad"), "label": labels})


def test_a_pair_dataset_gets_no_lexicon_level_and_a_separable_one_probes_at_100_percent(repo, tiny_student):
    splits = {"train": pairs(40), "validation": pairs(10), "test": pairs(12)}
    save(Corpus("rt_sentences", ["negative", "positive"], splits, {"kind": "test"}))
    draw_subsets()
    refs = run_references("rt_sentences")
    lexicon = refs.levels["lexicon"]
    assert lexicon["applicable"] is False and "not a single text" in lexicon["reason"]
    assert lexicon[accuracy_key("test")] is None and lexicon[tie_key("test")] is None
    assert (refs.probe[accuracy_key("test")] == 1.0).all() and (refs.probe[accuracy_key("validation")] == 1.0).all()
    assert (refs.probe["train_rows"] == refs.probe["k"]).all()
    lexicon_rows = reference_levels(["rt_sentences"], KS).query("level == 'lexicon'")
    assert (lexicon_rows["status"] == "not_applicable").all() and (lexicon_rows["note"] == lexicon["reason"]).all()


@pytest.mark.slow
def test_notebook_runs_in_smoke_mode(repo, tiny_student):
    tiny.prepare()
    draw_subsets()
    out = nb.run("notebooks/55_references.py", {"dataset": "rt_sentences", "smoke": True})
    assert out == paths.executed_notebook("55_references.py", {"dataset": "rt_sentences", "smoke": True})
    levels = json.loads(paths.references_levels("rt_sentences").read_text())
    assert levels["smoke"] is True and levels["eval_rows"] == {"validation": 24, "test": 24}
    rows = pd.read_csv(paths.references_probe("rt_sentences"))
    assert rows[["k", "seed"]].values.tolist() == [[4, 0]]  # the smallest k and the first seed
    assert "lexicon: VADER compound" in out.read_text()

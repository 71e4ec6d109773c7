"""Every figure function writes its PNG and PDF from a small fixture table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cod.report import aggregate, figures, synthetic


def runs() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [
        (ds, k, seed, method, mode, "ok", 60 + rng.normal(), 58 + k / 8 + (2 if mode == "cod" else 0) + rng.normal())
        for ds in ("rt_sentences", "movie_reviews")
        for k in (8, 16, 32)
        for seed in range(3)
        for method in ("kd", "lwd")
        for mode in ("clean", "cod")
    ]
    return pd.DataFrame(rows, columns=[*aggregate.RUN_KEYS, "status", "best_val_accuracy", "test_accuracy"])


def written(files, tmp_path, stem):
    assert [f.name for f in files] == [f"{stem}.png", f"{stem}.pdf"]
    assert all(f.parent == tmp_path and f.stat().st_size > 1000 for f in files)


def test_accuracy_vs_k_and_gain(tmp_path):
    table = runs()
    written(figures.accuracy_vs_k(aggregate.summarise(table, "val"), tmp_path, "val"), tmp_path, "accuracy_vs_k_val")
    written(figures.cod_gain(aggregate.cod_gain(table), tmp_path), tmp_path, "cod_gain")


def test_cfe_quality_and_examples(tmp_path):
    cfes = pd.DataFrame(
        [("rt_sentences", k, s, "ok", 0.95, 1.0, 0.6) for k in (8, 16) for s in range(3)],
        columns=["dataset", "k", "seed", "status", "flip_rate", "word_edits_median", "delta_p_mean"],
    )
    written(figures.cfe_quality(cfes, tmp_path), tmp_path, "cfe_quality")
    examples = pd.DataFrame(
        {
            "original": ["a truly wonderful film", "dull and lifeless"],
            "cfe": ["a truly dreadful film", "lively and full of life"],
            "original_label": ["positive", "negative"],
            "cfe_label": ["negative", "positive"],
            "delta_p": [0.8, 0.7],
        }
    )
    written(figures.cfe_examples(examples, tmp_path), tmp_path, "cfe_examples")


def test_word_diff_marks_replacements_and_deletions():
    assert figures.word_diff("a truly wonderful film", "a dreadful film") == [
        ("a", "same"),
        ("truly", "gone"),
        ("wonderful", "gone"),
        ("dreadful", "new"),
        ("film", "same"),
    ]


def test_teacher_accuracy(tmp_path):
    teachers = pd.DataFrame(
        [("rt_sentences", "m", 82.7, 80.1, "ok"), ("movie_reviews", "", np.nan, np.nan, "missing")],
        columns=["dataset", "model", "validation_accuracy", "test_accuracy", "status"],
    )
    written(figures.teacher_accuracy(teachers, tmp_path), tmp_path, "teacher_accuracy")


@pytest.fixture(scope="module")
def moons():
    return synthetic.run(synthetic.smoke(synthetic.MoonsConfig()))


def test_decision_boundaries(tmp_path, moons):
    agreement = {f"{m['student']} student": m["boundary_agreement"] for m in moons.example.metrics}
    written(figures.decision_boundaries(moons.example, agreement, tmp_path), tmp_path, "moons_boundaries")

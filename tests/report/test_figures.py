"""Every figure function writes its PNG and PDF from a small fixture table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cod.config import SyntheticConfig
from cod.report import aggregate, cfe_figures, figures, paired
from cod.synthetic import experiment
from tests.conftest import project_section


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
    written(figures.cod_gain(paired.cod_gain(table), tmp_path), tmp_path, "cod_gain")


def test_cfe_quality_and_examples(tmp_path):
    cfes = pd.DataFrame(
        [("rt_sentences", k, s, "ok", 0.95, 1.0, 0.6) for k in (8, 16) for s in range(3)],
        columns=["dataset", "k", "seed", "status", "flip_rate", "word_edits_median", "delta_p_mean"],
    )
    written(cfe_figures.cfe_quality(cfes, tmp_path), tmp_path, "cfe_quality")
    examples = pd.DataFrame(
        {
            "original": ["a truly wonderful film", "dull and lifeless"],
            "cfe": ["a truly dreadful film", "lively and full of life"],
            "original_label": ["positive", "negative"],
            "cfe_label": ["negative", "positive"],
            "delta_p": [0.8, 0.7],
        }
    )
    written(cfe_figures.cfe_examples(examples, tmp_path), tmp_path, "cfe_examples")


def test_word_diff_marks_replacements_and_deletions():
    assert cfe_figures.word_diff("a truly wonderful film", "a dreadful film") == [
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
    return experiment.run(SyntheticConfig(**project_section("synthetic")), smoke=True)


def test_decision_boundaries(tmp_path, moons):
    written(figures.decision_boundaries(moons.example, tmp_path), tmp_path, "moons_boundaries")


def test_short_cod_cells_are_marked_in_accuracy_and_gain(tmp_path):
    table = runs()  # seed 0's CoD runs had 1 CFE instead of k/2
    table["train_cfe_rows"] = np.where(table["seed"] == 0, 1, table["k"] // 2)
    table = aggregate.add_cfe_budget(table)
    summary, gains = aggregate.summarise(table, "test"), paired.cod_gain(table)
    assert summary.loc[summary["mode"] == "cod", "cfe_short"].all() and gains["cfe_short"].all()
    written(figures.accuracy_vs_k(summary, tmp_path, "test"), tmp_path, "accuracy_vs_k_test")
    written(figures.cod_gain(gains, tmp_path, min_cfe_share=0.8), tmp_path, "cod_gain")


def test_cfe_figures_without_a_single_valid_cfe(tmp_path):
    cfes = pd.DataFrame(
        [("rt_sentences", 8, s, "ok", 0.0, np.nan, -0.01) for s in range(3)],
        columns=["dataset", "k", "seed", "status", "flip_rate", "word_edits_median", "delta_p_mean"],
    )
    written(cfe_figures.cfe_quality(cfes, tmp_path), tmp_path, "cfe_quality")
    empty = pd.DataFrame(columns=["dataset", "idx", "original", "cfe", "original_label", "cfe_label", "delta_p"])
    written(cfe_figures.cfe_examples(empty, tmp_path), tmp_path, "cfe_examples")


def test_lr_sensitivity(tmp_path):
    rows = [
        (ds, method, k, lr, gain, gain - 2.0, gain + 2.0, 3, lr == 2e-5)
        for ds in ("rt_sentences", "movie_reviews")
        for method in ("kd", "lwd")
        for k in (8, 32)
        for lr, gain in ((1e-5, 0.5), (2e-5, 2.0), (5e-5, 1.0), (1e-4, -1.0))
    ]
    frame = pd.DataFrame(rows, columns=["dataset", "method", "k", "lr", "mean", "ci_low", "ci_high", "n", "chosen"])
    written(figures.lr_sensitivity(frame, tmp_path), tmp_path, "lr_sensitivity")
    pdf = (tmp_path / "lr_sensitivity.pdf").read_bytes()
    assert b"CreationDate" not in pdf  # reruns give the same bytes
    written(figures.lr_sensitivity(frame.drop(columns="chosen").head(4), tmp_path), tmp_path, "lr_sensitivity")


def kinds_runs() -> pd.DataFrame:
    """runs() plus a cod-random arm (0.5 points below clean on average)."""
    table = runs()
    random = table[table["mode"] == "clean"].assign(mode="cod-random")
    random["test_accuracy"] -= 0.5
    return pd.concat([table, random], ignore_index=True)


def test_cfe_kinds_gain_figure(tmp_path):
    gains = paired.kind_gains(kinds_runs(), {"cod": "semantic", "cod-random": "random"})
    assert set(gains["kind"]) == {"semantic", "random"}
    written(cfe_figures.cfe_kinds(gains, tmp_path, 0.9), tmp_path, "cfe_kinds")


def test_cfe_quality_by_kind_and_without_the_new_columns(tmp_path):
    rows = [
        ("rt_sentences", k, s, mode, kind, "ok", 0.9 - 0.3 * (mode != "cod"), 0.8, 1.0 + s, 1.4, 0.3)
        for k in (8, 16)
        for s in range(3)
        for mode, kind in (("cod", "semantic"), ("cod-adversarial", "adversarial"), ("cod-random", "random"))
    ]
    columns = ["dataset", "k", "seed", "mode", "kind", "status", "flip_rate", "p_target_median"]
    columns += ["word_edits_median", "ppl_ratio_median", "lexicon_edit_share"]
    written(cfe_figures.cfe_quality(pd.DataFrame(rows, columns=columns), tmp_path), tmp_path, "cfe_quality")
    old = pd.DataFrame(rows, columns=columns).drop(
        columns=["p_target_median", "ppl_ratio_median", "lexicon_edit_share"]
    )
    written(cfe_figures.cfe_quality(old[old["mode"] == "cod"], tmp_path), tmp_path, "cfe_quality")


def test_run_figures_draws_cfe_kinds_only_with_several_kinds(repo):
    from cod import config, paths
    from cod.report.stage import Aggregated

    table = aggregate.add_cfe_budget(kinds_runs().assign(train_cfe_rows=4))
    kinds = {"cod": "semantic", "cod-random": "random"}
    frames = {
        "summary_val": aggregate.summarise(table, "val"),
        "summary_test": aggregate.summarise(table, "test"),
        "gains_val": paired.cod_gain(table, "val"),
        "gains_test": paired.cod_gain(table, "test"),
        "kind_gains": paired.kind_gains(table, kinds),
        "cfes": pd.DataFrame(columns=aggregate.CFE_QUALITY_KEYS),
        "teachers": pd.DataFrame(columns=["dataset", "model", "validation_accuracy", "test_accuracy", "status"]),
        "sensitivity": pd.DataFrame({"n": []}),
    }
    cfg = config.load_params().report
    names = {f.name for f in figures.run_figures(Aggregated(frames), cfg)}
    assert {"cfe_kinds.png", "cfe_kinds.pdf"} <= names and (paths.figures_dir() / "cfe_kinds.png").is_file()
    one = paired.kind_gains(table[table["mode"] != "cod-random"], kinds)
    (paths.figures_dir() / "cfe_kinds.png").unlink()
    names = {f.name for f in figures.run_figures(Aggregated({**frames, "kind_gains": one}), cfg)}
    assert "cfe_kinds.png" not in names and not (paths.figures_dir() / "cfe_kinds.png").exists()

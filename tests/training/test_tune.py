"""The declared lr rule and the lr-sensitivity runs: which runs exist, what the rule may read."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cod import config, paths
from cod.errors import DataError
from cod.report import sensitivity
from cod.training import record, tune
from tests.conftest import write_params


def tuning_table() -> pd.DataFrame:
    """lr 2e-4 wins on clean-KD validation; CoD rows and test columns favour 6e-4 and would flip the choice."""
    rows = []
    for seed in (1000, 1001):
        rows += [
            {
                "method": "kd",
                "mode": "clean",
                "lr": 2e-4,
                "seed": seed,
                "best_val_accuracy": 70.0,
                "test_accuracy": 50.0,
            },
            {
                "method": "kd",
                "mode": "clean",
                "lr": 6e-4,
                "seed": seed,
                "best_val_accuracy": 65.0,
                "test_accuracy": 90.0,
            },
            {"method": "kd", "mode": "cod", "lr": 6e-4, "seed": seed, "best_val_accuracy": 99.0, "test_accuracy": 99.0},
            {
                "method": "lwd",
                "mode": "clean",
                "lr": 6e-4,
                "seed": seed,
                "best_val_accuracy": 99.0,
                "test_accuracy": 99.0,
            },
        ]
    return pd.DataFrame(rows)


def test_rule_reads_only_clean_kd_validation():
    table = tuning_table()
    assert tune.choose_lr(table) == 2e-4
    # dropping everything the rule must not read leaves the choice unchanged ...
    clean_val = table[(table["method"] == "kd") & (table["mode"] == "clean")].drop(columns="test_accuracy")
    assert tune.choose_lr(clean_val) == 2e-4
    # ... while a rule on test accuracy or on all rows would have chosen 6e-4
    assert table.groupby("lr")["test_accuracy"].mean().idxmax() == 6e-4
    assert table.groupby("lr")["best_val_accuracy"].mean().idxmax() == 6e-4


def test_rule_breaks_ties_to_the_smaller_lr_and_needs_clean_kd_runs():
    tie = pd.DataFrame(
        {"method": "kd", "mode": "clean", "lr": [6e-4, 2e-4, 6e-5], "best_val_accuracy": [60.0, 60.0, 55.0]}
    )
    assert tune.choose_lr(tie) == 2e-4
    with pytest.raises(DataError, match="no clean KD tuning run"):
        tune.choose_lr(tie.assign(mode="cod"))


def test_tune_seeds_must_not_be_result_seeds(repo):
    write_params(repo, tune={"seeds": [0, 1000]})
    with pytest.raises(config.ConfigError, match=r"tune.seeds: \[0\] are also grid.seeds"):
        config.load_params()


def test_fixed_lr_is_recorded_without_training_and_tuned_lr_is_read_back(repo):
    write_params(repo, distill={"lr": 3e-4})
    params = config.load_params()
    decision = tune.run_tune("rt_sentences", params)
    assert decision["choice"] == {"lr": 3e-4, "rule": "fixed in params.yaml (distill.lr)"}
    assert decision["runs"].empty and "lr = 0.0003" in paths.tune_report("rt_sentences").read_text()
    tuned = params.distill.model_copy(update={"lr": "tuned"})
    assert tune.resolve_lr("rt_sentences", tuned).lr == 3e-4
    paths.tune_choice("rt_sentences").unlink()
    with pytest.raises(DataError, match=r"run `dvc repro tune@rt_sentences` first"):
        tune.resolve_lr("rt_sentences", tuned)


def test_sensitivity_cells_only_for_kd_on_the_first_seeds_and_other_lrs(repo):
    write_params(repo, tune={"lrs": [6e-5, 2e-4, 6e-4], "sensitivity_seeds": 2, "sensitivity_k": [8]})
    params = config.load_params()
    assert record.sensitivity_cells(params, params.grid.seeds[2], "kd", 2e-4) == []
    assert record.sensitivity_cells(params, params.grid.seeds[1], "lwd", 2e-4) == []  # KD's analysis only
    cells = record.sensitivity_cells(params, params.grid.seeds[1], "kd", 2e-4)
    assert cells == [(6e-5, 8, "clean"), (6e-5, 8, "cod"), (6e-4, 8, "clean"), (6e-4, 8, "cod")]


def write_run(folder, test_accuracy: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(json.dumps({"best_val_accuracy": 0.5, "test_accuracy": test_accuracy}))


def test_sensitivity_pairs_by_seed_and_takes_the_chosen_lr_from_the_grid_runs(repo):
    write_params(
        repo, grid={"seeds": [0, 1, 2]}, tune={"lrs": [2e-4, 6e-4], "sensitivity_seeds": 2, "sensitivity_k": [8]}
    )
    params = config.load_params()
    paths.tune_choice("rt_sentences").parent.mkdir(parents=True)
    paths.tune_choice("rt_sentences").write_text(json.dumps({"lr": 2e-4}))
    for seed, (clean, cod) in enumerate([(0.60, 0.64), (0.62, 0.64)]):  # chosen lr: the grid's own runs
        write_run(paths.run_dir("rt_sentences", 8, seed, "kd", "clean"), clean)
        write_run(paths.run_dir("rt_sentences", 8, seed, "kd", "cod"), cod)
    write_run(paths.sensitivity_run_dir("rt_sentences", 0, 6e-4, 8, "kd", "clean"), 0.70)
    write_run(paths.sensitivity_run_dir("rt_sentences", 0, 6e-4, 8, "kd", "cod"), 0.60)  # seed 1 missing at 6e-4
    runs = sensitivity.sensitivity_runs(params)
    assert len(runs) == 2 * 2 * 2 and set(runs.loc[runs["lr"] == 6e-4, "status"]) == {"ok", "missing"}
    gains = sensitivity.sensitivity_gains(runs).set_index("lr")
    assert gains.loc[2e-4, "chosen"] and gains.loc[2e-4, "n"] == 2
    assert gains.loc[2e-4, "mean"] == pytest.approx(3.0) and gains.loc[2e-4, "std"] == pytest.approx(2**0.5)
    assert gains.loc[6e-4, "n"] == 1 and gains.loc[6e-4, "n_expected"] == 2
    assert gains.loc[6e-4, "mean"] == pytest.approx(-10.0)
    text = sensitivity.render(gains.reset_index())
    assert "**0.0002** (chosen)" in text and "1 of 2" in text

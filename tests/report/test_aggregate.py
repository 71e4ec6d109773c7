"""Aggregation statistics on hand-made tables: ddof=1, n, t-interval, missing and failed runs reported."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cod import config, paths
from cod.report import aggregate
from tests.conftest import write_params


def runs_table(rows: list[tuple]) -> pd.DataFrame:
    """(dataset, k, seed, method, mode, status, val, test) rows in the tidy layout of collect_runs."""
    frame = pd.DataFrame(rows, columns=[*aggregate.RUN_KEYS, "status", "best_val_accuracy", "test_accuracy"])
    frame["run_dir"], frame["error"] = "x", ""
    return frame


def test_describe_uses_sample_std_and_a_student_t_interval():
    values = pd.Series([60.0, 64.0, 71.0])
    out = aggregate.describe(values, expected=3)
    assert out["mean"] == pytest.approx(65.0)
    assert out["std"] == pytest.approx(np.std([60, 64, 71], ddof=1))  # 5.5678, not the ddof=0 4.546
    half = stats.t.ppf(0.975, 2) * out["std"] / math.sqrt(3)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((65 - half, 65 + half))
    assert (out["n"], out["n_expected"], out["n_missing"]) == (3, 3, 0)


def test_describe_of_one_value_has_no_std_or_interval():
    out = aggregate.describe(pd.Series([70.0, np.nan]), expected=2)
    assert out["mean"] == 70.0 and math.isnan(out["std"]) and math.isnan(out["ci_low"])
    assert (out["n"], out["n_missing"]) == (1, 1)


def test_summarise_counts_failed_and_missing_runs_without_dropping_the_cell():
    runs = runs_table(
        [
            ("d", 8, 0, "kd", "clean", "ok", 60.0, 58.0),
            ("d", 8, 1, "kd", "clean", "ok", 64.0, 62.0),
            ("d", 8, 2, "kd", "clean", "failed", np.nan, np.nan),
            ("d", 8, 0, "kd", "cod", "missing", np.nan, np.nan),
            ("d", 8, 1, "kd", "cod", "missing", np.nan, np.nan),
            ("d", 8, 2, "kd", "cod", "missing", np.nan, np.nan),
        ]
    )
    summary = aggregate.summarise(runs, "test").set_index("mode")
    assert summary.loc["clean", "mean"] == pytest.approx(60.0)
    assert summary.loc["clean", "std"] == pytest.approx(math.sqrt(8))
    assert (summary.loc["clean", "n"], summary.loc["clean", "n_missing"]) == (2, 1)
    assert summary.loc["cod", "n"] == 0 and math.isnan(summary.loc["cod", "mean"])
    problems = aggregate.problems(runs)
    assert len(problems) == 4 and set(problems["status"]) == {"failed", "missing"}
    val = aggregate.summarise(runs, "val").set_index("mode")
    assert val.loc["clean", "mean"] == pytest.approx(62.0)


def test_cod_gain_is_paired_by_seed():
    runs = runs_table(
        [
            ("d", 8, 0, "kd", "clean", "ok", 0, 50.0),
            ("d", 8, 1, "kd", "clean", "ok", 0, 70.0),
            ("d", 8, 0, "kd", "cod", "ok", 0, 54.0),
            ("d", 8, 1, "kd", "cod", "ok", 0, 72.0),
        ]
    )
    gain = aggregate.cod_gain(runs, "test").iloc[0]
    assert gain["mean"] == pytest.approx(3.0)
    assert gain["std"] == pytest.approx(np.std([4.0, 2.0], ddof=1))  # paired: far below the unpaired spread
    assert gain["n"] == 2


def test_collect_runs_reads_every_expected_run_and_labels_the_bad_ones(repo):
    write_params(
        repo,
        grid={"datasets": ["rt_sentences"], "k": [8], "seeds": [0, 1, 2], "methods": ["kd"], "data_modes": ["clean"]},
    )
    grid = config.load_params().grid
    good = {"best_val_accuracy": 0.6, "test_accuracy": 0.55, "val_mcc": 0.2}
    for seed, content in ((0, json.dumps(good)), (1, json.dumps({**good, "test_accuracy": float("nan")}))):
        run = paths.run_dir("rt_sentences", 8, seed, "kd", "clean")
        run.mkdir(parents=True)
        (run / "metrics.json").write_text(content)
    runs = aggregate.collect_runs(grid).set_index("seed")
    assert list(runs["status"]) == ["ok", "failed", "missing"]
    assert runs.loc[0, "test_accuracy"] == pytest.approx(55.0)  # percent
    assert "not finite" in runs.loc[1, "error"]
    headline = aggregate.headline(aggregate.summarise(runs.reset_index()), aggregate.cod_gain(runs.reset_index()), runs)
    assert headline["runs_ok"] == 1 and headline["runs_expected"] == 3
    assert headline["rt_sentences"]["k8"]["kd_clean"] == 55.0

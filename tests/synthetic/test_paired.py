"""CoD − KD paired by seed on two moons: the differences, their t-interval, the files written and the README table."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from cod import paths
from cod.report import readme
from cod.synthetic import stage
from cod.synthetic.experiment import MoonsResult

T_975_2 = 4.302653  # Student-t 0.975 quantile, 2 degrees of freedom (a t table's 4.303)

# Three seeds; the rows are not in seed order and CoD comes first for seed 2, so pairing must go by seed.
# CoD − KD per seed 0, 1, 2: test_accuracy 1, 2, 6; test_agreement -1, -2, -3; boundary_agreement -1, 0, 1.
RUNS = pd.DataFrame(
    [
        (1, "KD", 80.0, 85.0, 70.0),
        (0, "KD", 90.0, 92.0, 75.0),
        (2, "CoD", 91.0, 87.0, 81.0),
        (0, "CoD", 91.0, 91.0, 74.0),
        (2, "KD", 85.0, 90.0, 80.0),
        (1, "CoD", 82.0, 83.0, 70.0),
    ],
    columns=["seed", "student", "test_accuracy", "test_agreement", "boundary_agreement"],
).assign(cfe_flip_rate=100.0)

# By hand: mean, sample std (ddof=1) and mean ± t * std / sqrt(n) of each metric's three differences.
HAND = {
    "test_accuracy": (3.0, math.sqrt(7), T_975_2 * math.sqrt(7) / math.sqrt(3)),  # deviations -2, -1, 3
    "test_agreement": (-2.0, 1.0, T_975_2 / math.sqrt(3)),  # deviations 1, 0, -1
    "boundary_agreement": (0.0, 1.0, T_975_2 / math.sqrt(3)),
}


def test_paired_differences_are_cod_minus_kd_per_seed():
    differences = stage.paired_differences(RUNS)
    assert differences["seed"].tolist() == [0, 1, 2]
    assert differences["test_accuracy"].tolist() == [1.0, 2.0, 6.0]
    assert differences["test_agreement"].tolist() == [-1.0, -2.0, -3.0]
    assert differences["boundary_agreement"].tolist() == [-1.0, 0.0, 1.0]


def test_paired_summary_equals_the_hand_computation():
    summary = stage.paired_summary(stage.paired_differences(RUNS)).set_index("metric")
    assert list(summary.index) == list(HAND)
    for metric, (mean, std, half) in HAND.items():
        row = summary.loc[metric]
        assert row["n"] == 3 and row["n_expected"] == 3
        assert row["mean"] == pytest.approx(mean, abs=1e-12)
        assert row["std"] == pytest.approx(std, rel=1e-12)
        assert row["ci_low"] == pytest.approx(mean - half, rel=1e-6)
        assert row["ci_high"] == pytest.approx(mean + half, rel=1e-6)


def test_run_synthetic_writes_the_paired_table_and_keeps_the_unpaired_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("COD_ROOT", str(tmp_path))
    monkeypatch.setattr(stage, "run", lambda cfg, smoke: MoonsResult(RUNS, 97.0, example=None))
    _, summary, paired, metrics = stage.run_synthetic(cfg=None)
    assert len(summary) == 6 and len(paired) == 3
    assert metrics["KD_test_accuracy"] == {"mean": 85.0, "std": 5.0, "n": 3}  # unpaired: 90, 80, 85
    assert metrics["paired"]["confidence"] == 0.95
    assert metrics["paired"]["test_accuracy"] == {
        "mean": 3.0,
        "std": round(math.sqrt(7), 4),
        "n": 3,
        "n_expected": 3,
        "ci_low": pytest.approx(3.0 - HAND["test_accuracy"][2], abs=1e-4),
        "ci_high": pytest.approx(3.0 + HAND["test_accuracy"][2], abs=1e-4),
    }
    assert json.loads((paths.synthetic_dir() / "metrics.json").read_text()) == metrics
    written = pd.read_csv(paths.synthetic_dir() / "paired.csv")
    assert written.columns.tolist() == ["seed", *stage.METRICS]
    assert written["test_accuracy"].tolist() == [1.0, 2.0, 6.0]
    assert (paths.synthetic_dir() / "runs.csv").is_file()


def write_metrics(root: Path, paired: dict | None) -> None:
    """reports/synthetic/metrics.json under ``root`` with fixed unpaired numbers and the given paired block."""
    unpaired = {f"{s}_{m}": {"mean": 90.0, "std": 2.0, "n": 10} for s in ("KD", "CoD") for m in stage.METRICS}
    metrics = {"teacher_test_accuracy": 97.0, "cfe_flip_rate": 100.0, "seeds": 10, **unpaired}
    if paired is not None:
        metrics["paired"] = paired
    paths.synthetic_dir().mkdir(parents=True)
    (paths.synthetic_dir() / "metrics.json").write_text(json.dumps(metrics))


def cell(mean: float, low: float, high: float) -> dict:
    """A paired metrics.json cell with sd 1.5 and 10 of 10 seeds."""
    return {"mean": mean, "std": 1.5, "n": 10, "n_expected": 10, "ci_low": low, "ci_high": high}


@pytest.mark.parametrize(
    ("low", "high", "word"),
    [
        (0.4, 5.0, "CoD better"),
        (-5.0, -0.4, "KD better"),
        (-1.0, 2.0, "no difference detected"),
        (0.0, 3.0, "no difference detected"),  # a bound on 0: the interval contains 0
    ],
)
def test_readme_reads_the_paired_interval(tmp_path, monkeypatch, low, high, word):
    monkeypatch.setenv("COD_ROOT", str(tmp_path))
    write_metrics(tmp_path, {"confidence": 0.95, **{m: cell(2.0, low, high) for m in stage.METRICS}})
    text = readme.render_synthetic()
    assert "| KD | 90.0 ± 2.0 | 90.0 ± 2.0 | 90.0 ± 2.0 |" in text  # the unpaired table stays
    assert "CoD − KD, paired by seed" in text and "| metric | CoD − KD | 95 % interval | n | reading |" in text
    interval = f"[{low:+.1f}, {high:+.1f}]".replace("-", "−")
    for label in ("test accuracy", "test agreement with the teacher", "boundary agreement over the box"):
        assert f"| {label} | +2.0 ± 1.5 | {interval} | 10/10 | {word} |" in text


def test_readme_reads_each_metric_on_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("COD_ROOT", str(tmp_path))
    paired = {"test_accuracy": cell(2.0, 0.5, 3.5), "test_agreement": cell(-2.0, -3.5, -0.5)}
    write_metrics(tmp_path, {"confidence": 0.95, **paired, "boundary_agreement": cell(0.1, -1.0, 1.2)})
    rows = [line for line in readme.render_synthetic().splitlines() if line.startswith("| test") or "the box |" in line]
    assert [row.rsplit("|", 2)[1].strip() for row in rows] == ["CoD better", "KD better", "no difference detected"]


def test_readme_says_when_the_metrics_have_no_paired_block(tmp_path, monkeypatch):
    monkeypatch.setenv("COD_ROOT", str(tmp_path))
    write_metrics(tmp_path, None)
    text = readme.render_synthetic()
    assert "| CoD | 90.0 ± 2.0 |" in text
    assert "No CoD − KD differences paired by seed in `reports/synthetic/metrics.json` yet" in text

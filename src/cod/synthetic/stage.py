"""What the synthetic stage writes: the per-seed table and summary metrics of the two-moons experiment."""

from __future__ import annotations

import json

import pandas as pd

from cod import paths
from cod.config import SyntheticConfig
from cod.stats import describe
from cod.synthetic.experiment import MoonsResult, run


def run_synthetic(cfg: SyntheticConfig, smoke: bool = False) -> tuple[MoonsResult, pd.DataFrame, dict]:
    """Run the two-moons experiment; write runs.csv and metrics.json to reports/synthetic (the figure is report's)."""
    result = run(cfg, smoke)
    out = paths.synthetic_dir()
    out.mkdir(parents=True, exist_ok=True)
    result.runs.to_csv(out / "runs.csv", index=False)
    rows = []
    for student, group in result.runs.groupby("student", sort=False):
        for column in ("test_accuracy", "test_agreement", "boundary_agreement"):
            rows.append({"student": student, "metric": column, **describe(group[column], len(group))})
    summary = pd.DataFrame(rows)
    metrics = {
        "teacher_test_accuracy": round(result.teacher_test_accuracy, 2),
        "cfe_flip_rate": round(float(result.runs["cfe_flip_rate"].mean()), 2),
        "seeds": int(result.runs["seed"].nunique()),
        **{
            f"{r.student}_{r.metric}": {"mean": round(r.mean, 2), "std": round(r.std, 2), "n": int(r.n)}
            for r in summary.itertuples(index=False)
        },
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return result, summary, metrics

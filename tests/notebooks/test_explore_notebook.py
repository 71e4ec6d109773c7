"""notebooks/explore.py runs under papermill and as plain Python: with nothing made yet each section says in one line
what to run; on made outputs it shows the DataFrames, the seaborn plots and the highlighted CFEs."""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pandas as pd
import pytest

from cod import nb, paths
from tests import tiny

pytestmark = pytest.mark.slow


def make_outputs() -> None:
    """What the explore notebook reads, as the stages write it: prepared meta, the aggregate runs table (kd, clean and
    cod, two seeds), the runs' validation curves of seed 0 and a CoD set's CFE records."""
    tiny.prepare()
    rows = [
        ("kd", 8, seed, mode, acc, acc + 1.0)
        for seed, mode, acc in [(0, "clean", 60.0), (0, "cod", 64.0), (1, "clean", 58.0), (1, "cod", 57.0)]
    ]
    runs = pd.DataFrame(rows, columns=["method", "k", "seed", "mode", "test_accuracy", "best_val_accuracy"])
    paths.aggregate_dir().mkdir(parents=True)
    runs.assign(dataset="rt_sentences", status="ok").to_csv(paths.aggregate_dir() / "runs.csv", index=False)
    for mode in ("clean", "cod"):
        folder = paths.run_dir("rt_sentences", 8, 0, "kd", mode) / "plots" / "metrics" / "val"
        folder.mkdir(parents=True)
        pd.DataFrame({"step": [0, 1, 2], "accuracy": [0.5, 0.6, 0.55]}).to_csv(folder / "accuracy.tsv", sep="\t")
    file = paths.cfe_records("rt_sentences", 8, 0)
    file.parent.mkdir(parents=True)
    cfe = {"original": "the plot was good", "cfe": "the plot was awful", "teacher_original": 1, "teacher_cfe": 0}
    records = pd.DataFrame([cfe, {**cfe, "cfe": "the plot was fine", "teacher_cfe": 1}])
    records.assign(valid=[True, False], delta_p=[0.6, 0.1], word_edits=[1, 1]).to_json(
        file, orient="records", lines=True
    )


def outputs(executed: nbformat.NotebookNode) -> list[dict]:
    return [o for cell in executed.cells for o in cell.get("outputs", [])]


def test_with_nothing_made_each_section_says_in_one_line_what_to_run(repo):
    out = nb.run("notebooks/explore.py", {})
    printed = "".join(o.get("text", "") for o in outputs(nbformat.read(out, as_version=4)))
    lines = [line for line in printed.splitlines() if line]
    assert all(line.startswith("not available yet: ") for line in lines), lines
    assert any("dvc repro aggregate" in line for line in lines)
    assert any("dvc repro counterfactuals@rt_sentences" in line for line in lines)


def test_on_made_outputs_it_shows_frames_plots_and_highlighted_cfes_in_papermill_and_plain_python(repo):
    make_outputs()
    executed = nbformat.read(nb.run("notebooks/explore.py", {"k": 8}), as_version=4)
    shown = outputs(executed)
    assert not [o for o in shown if "not available" in o.get("text", "")]
    assert sum("image/png" in o.get("data", {}) for o in shown) >= 4  # runs by k, gains, curves, ΔP: inline plots
    html = "".join(o.get("data", {}).get("text/html", "") for o in shown)
    assert '<b style="color:#C44E52">awful</b>' in html and "positive → negative" in html
    env = {key: value for key, value in os.environ.items() if key != "COD_ROOT"}  # the root found from the cwd
    proc = subprocess.run(
        [sys.executable, "explore.py"], cwd=repo / "notebooks", env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "not available" not in proc.stdout

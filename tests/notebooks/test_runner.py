"""The notebook runner: papermill with parameters from the repo root; notebooks also run as plain Python."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import nbformat
import pandas as pd
import pytest

from cod import nb, paths
from cod.data import subsets
from cod.errors import ConfigError
from tests import tiny
from tests.conftest import write_params
from tests.reliability_cases import cases, ids

pytestmark = pytest.mark.slow


def test_prepare_and_subset_notebooks_run_with_parameters(repo, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    out = nb.run("notebooks/10_prepare.py", {"dataset": "rt_sentences", "smoke": True})
    assert out == paths.executed_notebook("10_prepare.py", {"dataset": "rt_sentences", "smoke": True})
    executed = nbformat.read(out, as_version=4)
    assert executed.metadata.papermill.parameters == {"dataset": "rt_sentences", "smoke": True}
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
    assert executed.cells[0].id == "cell-0" and "start_time" not in executed.metadata.papermill  # stable bytes
    meta = json.loads(paths.prepared_meta("rt_sentences").read_text())
    assert meta["class_counts"]["train"] == {"negative": 64, "positive": 64}

    write_params(repo, grid={"k": [8, 16], "seeds": [1]}, tune={"sensitivity_seeds": 0})
    nb.run("notebooks/30_subset.py", {"dataset": "rt_sentences"})
    m = subsets.load_manifest("rt_sentences", 16, 1)
    assert (m["k"], m["seed"]) == (16, 1)
    assert m["clean"]["class_counts"] == {"negative": 8, "positive": 8}
    assert not list(tmp_path.glob("cod-kernel-*")), "a finished run left its kernel's socket folder behind"


def test_prepare_notebook_shows_the_rows_dropped_from_a_local_file(repo):
    lines = ["review,stars", *(f"r{i},{('bad', 'good')[i % 2]}" for i in range(40))]
    lines[3], lines[6] = "r2,", ",good"  # data rows 3 (no label) and 6 (no text)
    (repo / "mine.csv").write_text("\n".join(lines) + "\n")
    local = {"files": {"train": "mine.csv"}, "text_column": "review", "label_column": "stars"}
    write_params(repo, data={"local": {"mine": {**local, "label_names": ["bad", "good"]}}})
    out = nb.run("notebooks/10_prepare.py", {"dataset": "mine"})
    assert "train: dropped 2 of 40 rows (1 with an empty text, 1 with a missing label; rows 3, 6)" in out.read_text()
    shown = [o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", []) if "data" in o]
    assert "missing_label" in shown[-1]["data"]["text/plain"]
    meta = json.loads(paths.prepared_meta("mine").read_text())
    assert meta["dropped_rows"]["train"] == {
        "rows_read": 40,
        "dropped": 2,
        "empty_text": 1,
        "missing_label": 1,
        "row_numbers": [3, 6],
    }


def test_unknown_parameter_and_bad_values_fail_before_running(repo):
    with pytest.raises(ConfigError, match=r"has no parameter\(s\) \['K'\]; its parameters are \['dataset', 'smoke'"):
        nb.run("notebooks/30_subset.py", {"K": 8})
    with pytest.raises(ConfigError, match="non-negative"):
        nb.run("notebooks/50_distill.py", {"seed": -1})
    assert not (repo / "reports").exists()


def test_failing_cell_reports_error_and_keeps_executed_notebook(repo, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the kernel's socket folder goes
    # subset before prepare: the data is missing, the message says what to run
    with pytest.raises(
        nb.NotebookFailed, match=r"DataError: rt_sentences is not prepared.*dvc repro prepare@rt_sentences"
    ) as info:
        nb.run("notebooks/30_subset.py", {"dataset": "rt_sentences"})
    assert "full traceback in" in str(info.value)
    assert paths.executed_notebook("30_subset.py", {"dataset": "rt_sentences"}).is_file()
    assert not list(tmp_path.glob("cod-kernel-*")), "the kernel's socket folder outlived a failed run"


def test_notebooks_run_as_plain_python_from_any_folder_inside_the_repo(repo):
    env = {k: v for k, v in os.environ.items() if k != "COD_ROOT"}
    # from the notebooks/ folder, like JupyterLab's kernel: the root is found by walking up
    for script in ("10_prepare.py", "30_subset.py"):
        proc = subprocess.run([sys.executable, script], cwd=repo / "notebooks", env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert paths.subset_file("rt_sentences", 8, 0, "manifest.json").is_file()


def test_cli_run_prints_one_line_error_for_missing_notebook(repo):
    proc = subprocess.run(
        [sys.executable, "-m", "cod", "run", "notebooks/99_nope.py"], cwd=repo, capture_output=True, text=True
    )
    assert proc.returncode == 2 and proc.stderr.startswith("error: notebook notebooks/99_nope.py not found")
    assert "Traceback" not in proc.stderr


def test_teacher_and_distill_notebooks_in_smoke_mode_on_the_embedded_default(repo):
    nb.run("notebooks/10_prepare.py", {"dataset": "rt_sentences", "smoke": True})
    nb.run("notebooks/20_teacher.py", {"dataset": "rt_sentences", "smoke": True})
    teacher = json.loads((paths.teacher_dir("rt_sentences") / "metrics.json").read_text())
    assert teacher["train_rows"] == 64 and 0 <= teacher["test_accuracy"] <= 1
    write_params(
        repo,
        grid={"k": [8], "seeds": [0, 1], "methods": ["kd", "lwd"], "data_modes": ["clean", "cod"]},
        tune={"lrs": [2.0e-4], "seeds": [1000], "k": None, "sensitivity_seeds": 0},
        distill={"lr": "tuned"},
        # a tiny LM scores fluency here (the embedded Gemma's conversion is tested in tests/models/test_lm.py)
        counterfactuals={"fluency_lm": tiny.save_causal_lm(repo / "tiny-lm")},
    )
    nb.run("notebooks/12_lm.py", {"smoke": True})  # a local folder: nothing to convert, a note for DVC
    assert json.loads(paths.lm_dir("external.json").read_text())["converted"] is False
    nb.run("notebooks/30_subset.py", {"dataset": "rt_sentences"})
    nb.run("notebooks/45_tune.py", {"dataset": "rt_sentences", "smoke": True})
    assert json.loads(paths.tune_choice("rt_sentences").read_text())["lr"] == 2.0e-4
    nb.run("notebooks/40_counterfactuals.py", {"dataset": "rt_sentences", "smoke": True})
    cfe = json.loads(paths.cfe_metrics("rt_sentences", 8, 0).read_text())
    assert cfe["originals"] == 4 and cfe["kind"] == "semantic" and 0 <= cfe["flip_rate"] <= 1
    for method in ("kd", "lwd"):  # one stage per method and seed; seed 1 left missing
        nb.run("notebooks/50_distill.py", {"dataset": "rt_sentences", "seed": 0, "method": method, "smoke": True})
    run = paths.run_dir("rt_sentences", 8, 0, "lwd", "clean")
    metrics = json.loads((run / "metrics.json").read_text())
    for key in ("best_val_accuracy", "test_accuracy", "val_agreement", "test_agreement", "best_epoch"):
        assert key in metrics
    assert "wall_seconds" not in metrics  # measurements stay out of the hashed run folder ...
    assert "wall_seconds" in json.loads(paths.timings_file(run).read_text())  # ... and are kept beside it
    assert metrics["epochs_run"] == 2 and metrics["matched_layers"] == [[1, 2], [2, 4], [3, 6]]
    assert metrics["lr"] == 2.0e-4
    curve = (run / "plots" / "metrics" / "val" / "accuracy.tsv").read_text().splitlines()
    assert curve[0].split("\t") == ["step", "accuracy"] and len(curve) == 3
    cod_run = json.loads((paths.run_dir("rt_sentences", 8, 0, "kd", "cod") / "metrics.json").read_text())
    assert cod_run["train_cfe_rows"] == cfe["valid_cfes"]
    assert json.loads(paths.timings_file(paths.runs_seed_dir("rt_sentences", "lwd", 0)).read_text())["students"] == 2
    assert json.loads(paths.timings_file(paths.cfe_seed_dir("rt_sentences", 0)).read_text())["originals"] == 4

    # the report stages and the exploration notebook run on this partial grid (most runs missing)
    nb.run("notebooks/60_aggregate.py", {})
    runs = pd.read_csv(paths.aggregate_dir() / "runs.csv")
    assert len(runs) == 8 and (runs["status"] == "ok").sum() == 4  # seed 1's four runs are reported missing
    problems = pd.read_csv(paths.aggregate_dir() / "problems.csv")
    assert (problems["kind"] == "run").sum() == 4
    assert (paths.reports_dir() / "paper_comparison.md").is_file()
    assert (paths.tables_dir() / "table1_test.tex").is_file()
    assert paths.cfe_samples("rt_sentences").read_text().startswith("# Counterfactual samples: rt_sentences")
    nb.run("notebooks/70_figures.py", {})
    assert (paths.figures_dir() / "accuracy_vs_k_test.png").is_file()
    nb.run("notebooks/80_synthetic.py", {"smoke": True})
    assert json.loads((paths.synthetic_dir() / "metrics.json").read_text())["cfe_flip_rate"] == 100.0
    out = nb.run("notebooks/explore.py", {"k": 8})
    assert "Counterfactuals" in out.read_text()


@pytest.mark.parametrize(
    "case", cases("tests/notebooks/test_runner.py::test_a_failing_stage_prints_only_its_error"), ids=ids
)
def test_a_failing_stage_prints_only_its_error(repo, case):
    lines = ["review,stars", *(f"review {i},good" for i in range(40))]  # one class only
    (repo / "one.csv").write_text("\n".join(lines) + "\n")
    local = {"files": {"train": "one.csv"}, "text_column": "review", "label_column": "stars"}
    write_params(repo, data={"local": {"one": local}})
    command = [sys.executable, "-m", "cod", "run", "notebooks/10_prepare.py", "-p", "dataset", "one"]
    for _ in range(case["setup"]["tries"]):  # the stray kernel line came in about one run of three
        proc = subprocess.run(command, cwd=repo, capture_output=True, text=True)
        assert proc.returncode == 1
        error, where = proc.stderr.splitlines()  # the error and where its traceback is: nothing else
        assert error.startswith(case["expect"][0]) and where.startswith("full traceback in "), proc.stderr

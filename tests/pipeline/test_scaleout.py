"""The whole pipeline on a small grid, scaled out the DVC way: slices on two "machines" sharing a local
remote and the run-cache, gathered on a third without recomputation, then a git-style clone that only
pulls. Also one distillation cell launched with `accelerate launch` on two CPU processes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cod import workspace
from tests import tiny
from tests.conftest import REPO

pytestmark = pytest.mark.slow

EXPENSIVE = ("prepare", "lm", "teacher", "subset", "counterfactuals", "tune", "distill")
SEED0, SEED1, SEED2 = "distill@rt_sentences-kd-0", "distill@rt_sentences-kd-1", "distill@rt_sentences-kd-2"
UPSTREAM = ["counterfactuals@rt_sentences", "lm", "prepare@rt_sentences", "subset@rt_sentences", "teacher@rt_sentences"]


def sh(cwd: Path, *cmd: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=workspace.tool_env(), capture_output=True, text=True)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def ran(proc: subprocess.CompletedProcess) -> list[str]:
    return sorted(line.split("'")[1] for line in proc.stdout.splitlines() if line.startswith("Running stage"))


def machine(src: Path, dst: Path) -> Path:
    """A checkout of ``src``'s sources (no outputs, no DVC cache) in its own git repo."""
    root = workspace.copy_sources(dst, src)
    workspace.git_init(root)
    return root


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A template checkout with a 2-seed grid (4 runs), tiny settings and a local-directory DVC remote."""
    tmp = tmp_path_factory.mktemp("scaleout")
    template = workspace.copy_sources(tmp / "template", REPO)
    params = yaml.safe_load((template / "params.yaml").read_text())
    params["grid"].update(datasets=["rt_sentences"], k=[8], seeds=[0, 1], methods=["kd"], data_modes=["clean", "cod"])
    params["teacher"].update(epochs=1, max_train_examples=96, min_steps=0, allow_degenerate=True)
    params["data"]["max_eval_rows"] = 300  # quick evaluations: validation and test sampled to 300 rows
    params["distill"].update(epochs=2, min_steps=0, evaluations=2, lr="tuned")
    params["tune"].update(lrs=[2.0e-4, 6.0e-4], seeds=[1000], k=None, sensitivity_seeds=1, sensitivity_k=[8])
    params["synthetic"].update(n_train=200, n_test=200, teacher_epochs=60, student_epochs=60, seeds=2)
    # a tiny causal LM scores fluency (the embedded Gemma's download and conversion are tested in tests/models)
    params["counterfactuals"]["fluency_lm"] = tiny.save_causal_lm(tmp / "tiny-lm")
    (template / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    for stale in ("reports/figures", "reports/tables", "reports/synthetic", "reports/plots"):
        shutil.rmtree(template / stale, ignore_errors=True)
    remote = tmp / "remote"
    remote.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=template, check=True)
    sh(template, "dvc", "remote", "add", "-d", "shared", str(remote))
    shutil.rmtree(template / ".git")
    return {"tmp": tmp, "template": template, "remote": remote}


def test_slices_on_two_machines_gathered_on_a_third_without_recomputing(setup):
    tmp, template = setup["tmp"], setup["template"]
    a = machine(template, tmp / "a")
    first = sh(a, "dvc", "repro", SEED0)  # slice 1: its upstream stages (incl. the lr rule) + seed 0's students
    assert ran(first) == sorted([SEED0, "tune@rt_sentences", *UPSTREAM])
    choice = json.loads((a / "results/tune/rt_sentences/choice.json").read_text())
    assert choice["lr"] in (2.0e-4, 6.0e-4) and "validation" in choice["rule"]
    assert (a / "results/tune/rt_sentences/decision.md").is_file()
    other = 6.0e-4 if choice["lr"] == 2.0e-4 else 2.0e-4  # seed 0 is the sensitivity seed: KD at the other lr too
    assert (a / f"results/runs/rt_sentences/kd/seed0/sensitivity/lr{other:g}/k8/cod/metrics.json").is_file()
    sh(a, "dvc", "push", "--run-cache")

    b = machine(template, tmp / "b")
    second = sh(b, "dvc", "repro", "--pull", SEED1)  # slice 2: upstream restored from the run-cache, only new work runs
    assert ran(second) == [SEED1]
    assert "prepare@rt_sentences" in second.stdout and "is cached" in second.stdout
    sh(b, "dvc", "push", "--run-cache")

    c = machine(template, tmp / "c")
    third = sh(c, "dvc", "repro", "--pull")  # gather: nothing expensive re-runs; the report stages run once here
    assert not [s for s in ran(third) if s.split("@")[0] in EXPENSIVE], third.stdout
    # ... and the reference levels, which neither slice asked for (their inputs are pulled, not recomputed)
    assert set(ran(third)) == {"references@rt_sentences", "aggregate", "figures", "synthetic"}
    assert (c / "results/references/rt_sentences/levels.json").is_file()
    runs = pd.read_csv(c / "results/aggregate/runs.csv")
    assert list(runs["status"]) == ["ok"] * 4
    assert (c / "reports/figures/accuracy_vs_k_test.png").is_file()
    assert (c / "reports/figures/lr_sensitivity.png").is_file()
    assert "Chosen: **lr = " in (c / "reports/tables/tune.md").read_text()
    assert (c / "reports/paper_comparison.md").is_file()
    assert json.loads((c / "reports/metrics.json").read_text())["runs_ok"] == 4
    assert ran(sh(c, "dvc", "repro")) == []

    # one more seed: the per-dataset subset/CFE stages re-run (cheap, cached CFEs are identical), but of
    # the students only the new seed's are trained; seeds 0 and 1 keep their runs
    params = yaml.safe_load((c / "params.yaml").read_text())
    params["grid"]["seeds"] = [0, 1, 2]
    (c / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    fourth = sh(c, "dvc", "repro")
    assert [s for s in ran(fourth) if s.startswith("distill")] == [SEED2]
    assert "tune@rt_sentences" not in ran(fourth)
    assert len(pd.read_csv(c / "results/aggregate/runs.csv")) == 6
    sh(c, "dvc", "push", "--run-cache")

    # a git clone of c's commit (dvc.lock and the git-tracked reports) needs only `dvc pull`
    d = workspace.copy_sources(tmp / "d", c)
    shutil.copy(c / "dvc.lock", d / "dvc.lock")
    workspace.git_init(d)
    sh(d, "dvc", "pull")
    assert "up to date" in sh(d, "dvc", "status").stdout
    assert ran(sh(d, "dvc", "repro")) == []
    assert (d / "results/runs/rt_sentences/kd/seed0/k8/cod/metrics.json").is_file()

    # one cell on two processes with accelerate (DDP over gloo on CPU; GPUs: drop --cpu)
    launch = sh(
        c,
        "accelerate",
        "launch",
        "--cpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "-m",
        "cod",
        "distill",
        "--dataset",
        "rt_sentences",
        "--k",
        "8",
        "--seed",
        "0",
        "--method",
        "kd",
        "--mode",
        "cod",
        "--smoke",
    )
    assert "test_accuracy" in launch.stdout
    metrics = json.loads((c / "results/runs/rt_sentences/kd/seed0/k8/cod/metrics.json").read_text())
    assert metrics["epochs_run"] == 2

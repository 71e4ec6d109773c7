"""`dvc repro` of the prepare and subset stages in a temporary copy of the repository."""
# (the distill stages' re-run granularity is tested end to end in test_scaleout.py)

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from cod import workspace
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def sh(cwd: Path, *cmd: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=workspace.tool_env(), capture_output=True, text=True)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's sources in a fresh git repo (no outputs, no dvc.lock), with a small grid."""
    dst = workspace.copy_sources(tmp_path_factory.mktemp("clone") / "cod", REPO)
    set_k(dst, [8, 16])
    workspace.git_init(dst)
    return dst


def set_k(root: Path, ks: list[int]) -> None:
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["grid"].update(datasets=["rt_sentences"], k=ks, seeds=[0])
    params["tune"].update(sensitivity_seeds=0)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def ran(proc: subprocess.CompletedProcess) -> list[str]:
    return [line.split("'")[1] for line in proc.stdout.splitlines() if line.startswith("Running stage")]


def test_repro_then_noop_then_only_the_changed_k(clone):
    first = sh(clone, "dvc", "repro", "subset")
    assert sorted(ran(first)) == ["prepare@rt_sentences", "subset@rt_sentences"]
    manifest = json.loads((clone / "data/subsets/clean/rt_sentences/seed0/k16/manifest.json").read_text())
    assert manifest["clean"]["class_counts"] == {"negative": 8, "positive": 8}
    assert (clone / "reports/executed/30_subset/rt_sentences.ipynb").is_file()
    lock = yaml.safe_load((clone / "dvc.lock").read_text())["stages"]
    assert all(o.get("md5") for o in lock["subset@rt_sentences"]["outs"])

    second = sh(clone, "dvc", "repro", "subset")
    assert ran(second) == [] and "Data and pipelines are up to date" in second.stdout
    assert "up to date" in sh(clone, "dvc", "status", "subset").stdout

    set_k(clone, [8, 32])
    assert "subset@rt_sentences" in sh(clone, "dvc", "status", "subset").stdout
    third = sh(clone, "dvc", "repro", "subset")
    assert ran(third) == ["subset@rt_sentences"]
    small = json.loads((clone / "data/subsets/clean/rt_sentences/seed0/k8/manifest.json").read_text())
    large = json.loads((clone / "data/subsets/clean/rt_sentences/seed0/k32/manifest.json").read_text())
    assert large["clean"]["indices"][:8] == small["clean"]["indices"]
    assert not (clone / "data/subsets/clean/rt_sentences/seed0/k16").exists()  # the stage rewrites its output


def test_dag_and_params_diff(clone):
    dag = sh(clone, "dvc", "dag", "--dot").stdout
    assert '"prepare@rt_sentences" -> "subset@rt_sentences"' in dag
    assert '"subset@rt_sentences" -> "distill@rt_sentences-kd-0"' in dag
    assert '"tune@rt_sentences" -> "distill@rt_sentences-kd-0"' in dag
    params = yaml.safe_load((clone / "params.yaml").read_text())
    params["subset"]["cfe_fraction"] = 0.25
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    diff = sh(clone, "dvc", "params", "diff").stdout
    assert "subset.cfe_fraction" in diff and "0.25" in diff
    status = sh(clone, "dvc", "status", "subset").stdout
    assert "subset@rt_sentences" in status and "prepare@rt_sentences" not in status


def test_bad_params_stop_repro_with_one_readable_message(clone):
    text = (clone / "params.yaml").read_text()
    (clone / "params.yaml").write_text(text.replace("- rt_sentences", "- nope"))
    proc = subprocess.run(["dvc", "repro"], cwd=clone, env=workspace.tool_env(), capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "error: params.yaml: grid.datasets: unknown dataset 'nope'" in out
    assert "Traceback" not in out
    (clone / "params.yaml").write_text(text)

"""A forced re-run of unchanged stages on one machine leaves dvc.lock (and every output) byte-identical."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from cod import workspace
from tests.conftest import REPO
from tests.reliability_cases import cases, ids

pytestmark = pytest.mark.slow

STAGES = ["prepare@rt_sentences", "subset@rt_sentences"]


def repro(root: Path, *args: str) -> list[str]:
    """Run ``dvc repro <args>`` in ``root``; returns the stages it ran."""
    proc = subprocess.run(["dvc", "repro", *args], cwd=root, env=workspace.tool_env(), capture_output=True, text=True)
    assert proc.returncode == 0, f"dvc repro {args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return sorted(line.split("'")[1] for line in proc.stdout.splitlines() if line.startswith("Running stage"))


def snapshot(root: Path) -> dict[str, bytes]:
    """dvc.lock and every output file of the stages, by path."""
    folders = ["data/prepared", "data/subsets", "reports/executed"]
    files = [p for folder in folders for p in sorted((root / folder).rglob("*")) if p.is_file()]
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in [root / "dvc.lock", *files]}


@pytest.mark.parametrize(
    "case", cases("tests/pipeline/test_hash_stability.py::test_forced_rerun_leaves_dvc_lock_byte_identical"), ids=ids
)
def test_forced_rerun_leaves_dvc_lock_byte_identical(tmp_path, case):
    root = workspace.copy_sources(tmp_path / "cod", REPO)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["grid"].update(datasets=["rt_sentences"], k=[8], seeds=[0])
    params["tune"].update(sensitivity_seeds=0)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    workspace.git_init(root)

    assert repro(root, "subset") == STAGES
    first = snapshot(root)
    assert repro(root, "--force", "subset") == STAGES  # run again, not restored from the run-cache
    second = snapshot(root)
    assert [path for path in first if first[path] != second.get(path)] == []
    assert first.keys() == second.keys() and any(p.startswith("reports/executed/") for p in first)

"""dvclive records: the same files in a git repo with commits and in one without any (an unpacked tarball)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cod import tracking
from tests.reliability_cases import cases, ids


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def record(root: Path) -> dict[str, str]:
    """Open a run in ``root``, log two epochs and finish; returns every written file's text."""
    live = tracking.open_run(root / "run", {"lr": 0.1, "method": "kd"})
    for epoch, acc in enumerate((0.5, 0.75)):
        tracking.log_epoch(live, {"epoch": epoch, "val_accuracy": acc})
    tracking.finish(live, {"best_val_accuracy": 0.75})
    files = sorted(p for p in (root / "run").rglob("*") if p.is_file())
    return {p.relative_to(root / "run").as_posix(): p.read_text() for p in files}


@pytest.mark.parametrize(
    "case",
    cases("tests/unit/test_tracking.py::test_tracking_without_a_commit_writes_what_a_committed_repo_writes"),
    ids=ids,
)
def test_tracking_without_a_commit_writes_what_a_committed_repo_writes(tmp_path, monkeypatch, case):
    monkeypatch.delenv("DVC_ROOT", raising=False)
    records = {}
    for commits in (case["setup"]["commits"], 1):
        root = tmp_path / f"commits{commits}"
        root.mkdir()
        monkeypatch.chdir(root)
        git(root, "init", "-q")
        if commits:
            git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x")
        records[commits] = record(root)
    files = records[case["setup"]["commits"]]
    assert files == records[1]
    metrics = json.loads(files["metrics.json"])
    assert metrics["best_val_accuracy"] == 0.75 and metrics["val"]["accuracy"] == 0.75 and metrics["step"] == 1
    assert files["plots/metrics/val/accuracy.tsv"].splitlines()[1:] == ["0\t0.5", "1\t0.75"]
    assert "lr: 0.1" in files["params.yaml"]

"""Stages depend on the params keys they read: a TED-only or LLM-only setting re-runs only the stages that read it.

The stages are recorded with `dvc commit` over placeholder inputs and outputs (nothing is trained), then one
setting is changed and `dvc status` says which stages DVC would re-run.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from cod import paths, workspace
from tests.conftest import REPO

SEEDS = [0, 1]


def sh(cwd: Path, *cmd: str) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=workspace.tool_env(), capture_output=True, text=True)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def placeholder(root: Path, path: str) -> None:
    """An input or output of a stage, so `dvc commit` can hash it without the stage having run."""
    target = root / path
    if target.suffix in (".json", ".ipynb", ".md", ".csv"):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"placeholder {path}\n")
    else:
        target.mkdir(parents=True, exist_ok=True)
        (target / "placeholder.txt").write_text(path)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkout whose counterfactuals, tune and distill stages (kd, lwd, ted × 2 seeds) are recorded as run."""
    root = workspace.copy_sources(tmp_path_factory.mktemp("per_key") / "cod", REPO)
    workspace.git_init(root)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["grid"].update(datasets=["rt_sentences"], k=[8], seeds=SEEDS, methods=["kd", "lwd", "ted"])
    params["tune"].update(sensitivity_seeds=0)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    listed = sh(root, "dvc", "stage", "list", "--name-only").split()
    targets = [s for s in listed if s.split("@")[0] in ("counterfactuals", "tune", "distill")]
    assert len([t for t in targets if t.startswith("distill@")]) == 6, listed
    for seed in SEEDS:
        for mode in ("clean", "cod"):
            placeholder(root, paths.subset_seed_dir("rt_sentences", seed, mode).relative_to(paths.root()).as_posix())
        for method in ("kd", "lwd", "ted"):
            placeholder(root, paths.runs_seed_dir("rt_sentences", method, seed).relative_to(paths.root()).as_posix())
            placeholder(root, f"reports/executed/50_distill/rt_sentences-{seed}-{method}.ipynb")
    for path in (
        "data/prepared/rt_sentences",
        "models/teachers/rt_sentences",
        "models/lm",
        "results/counterfactuals/rt_sentences",
        "reports/cfe_samples/rt_sentences.md",
        "results/tune/rt_sentences/choice.json",
        "reports/executed/40_counterfactuals/rt_sentences.ipynb",
        "reports/executed/45_tune/rt_sentences.ipynb",
    ):
        placeholder(root, path)
    sh(root, "dvc", "commit", "--force", *targets)
    return root


def changed_stages(root: Path) -> set[str]:
    """The stages `dvc status` reports as changed."""
    return set(json.loads(sh(root, "dvc", "status", "--json")))


def edit(root: Path, section: str, key: str, value: object) -> None:
    """Change one setting of params.yaml (``section`` may be dotted: distill.ted)."""
    params = yaml.safe_load((root / "params.yaml").read_text())
    node = params
    for part in section.split("."):
        node = node[part]
    node[key] = value
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.mark.slow
def test_a_ted_setting_re_runs_only_the_ted_stages(recorded):
    before = (recorded / "params.yaml").read_text()
    try:
        assert not {s for s in changed_stages(recorded) if s.split("@")[0] in ("distill", "tune")}
        edit(recorded, "distill.ted", "filter_lr", 3.0e-5)
        changed = {s for s in changed_stages(recorded) if s.split("@")[0] in ("distill", "tune", "counterfactuals")}
        assert changed == {f"distill@rt_sentences-ted-{seed}" for seed in SEEDS}
    finally:
        (recorded / "params.yaml").write_text(before)


@pytest.mark.slow
def test_an_llm_price_does_not_re_run_the_editor_stage(recorded):
    before = (recorded / "params.yaml").read_text()
    try:
        edit(recorded, "counterfactuals.llm", "price_input_per_1k", 0.5)
        assert "counterfactuals@rt_sentences" not in changed_stages(recorded)
        edit(recorded, "counterfactuals.editor", "beam_width", 2)
        assert "counterfactuals@rt_sentences" in changed_stages(recorded)
    finally:
        (recorded / "params.yaml").write_text(before)


@pytest.mark.slow
def test_keeping_the_students_re_runs_the_distill_stages_but_not_tune(recorded):
    before = (recorded / "params.yaml").read_text()
    try:
        edit(recorded, "distill", "save_student", True)
        changed = {s for s in changed_stages(recorded) if s.split("@")[0] in ("distill", "tune", "counterfactuals")}
        assert changed == {f"distill@rt_sentences-{m}-{seed}" for m in ("kd", "lwd", "ted") for seed in SEEDS}
    finally:
        (recorded / "params.yaml").write_text(before)

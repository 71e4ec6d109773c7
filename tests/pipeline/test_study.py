"""A study end to end in a temporary checkout: its protocol must be committed first; it runs beside the default
pipeline without touching params.yaml, the default's reports or its `dvc status`; it reuses the default's stages
through the run-cache; an unchanged re-run does nothing; more seeds train only the new seeds; the list flags a
protocol or code change after the results; the overview is regenerated from the files."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cod import workspace
from tests import tiny
from tests.conftest import REPO

pytestmark = pytest.mark.slow

PROTOCOL = """# Study tiny

## Question
Does the semantic arm beat its controls on a tiny grid?

## Arms
clean, cod (semantic), cod-random, cod-copy: three of the mechanism study's arms (the kinds themselves are tested
with the generators).

## Contrasts
cod - clean; cod - cod-random; cod - cod-copy.

## Pairing
By seed.

## Sample size
2 seeds: a test, not a decision.

## Verdict rule
The project's rule.

## Exclusions
None.
"""


ARMS = ("clean", "cod", "cod-random", "cod-copy")
CONTRASTS = ["cod - clean", "cod - cod-random", "cod - cod-copy"]


def sh(cwd: Path, *cmd: str, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=workspace.tool_env(), capture_output=True, text=True)
    if ok:
        assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-3000:]}"
    return proc


def commit(root: Path, message: str) -> None:
    sh(root, "git", "add", "-A")
    sh(root, "git", "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", message)


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def ran(log: str) -> list[str]:
    return sorted({line.split("'")[1] for line in log.splitlines() if "Running stage '" in line})


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkout with a tiny default grid whose teacher (and what it needs) has run, and a study `tiny` whose protocol
    is not yet committed."""
    tmp = tmp_path_factory.mktemp("study")
    root = workspace.copy_sources(tmp / "cod", REPO)
    for folder in ("studies", "reports/studies"):
        subprocess.run(["rm", "-rf", str(root / folder)], check=True)
    tiny.pipeline_params(root, tmp / "tiny-lm")
    workspace.git_init(root)
    sh(root, "dvc", "repro", "teacher", "lm")  # what the study can take from the default (the rest: kernel start-ups)
    commit(root, "default run")
    study = root / "studies" / "tiny"
    study.mkdir(parents=True)
    overrides = {
        "grid": {"seeds": [1, 2], "data_modes": [*ARMS]},
        "report": {"contrasts": CONTRASTS},
    }
    (study / "params.yaml").write_text(yaml.safe_dump(overrides, sort_keys=False))
    (study / "protocol.md").write_text(PROTOCOL)
    return root


def test_a_study_runs_beside_the_default_and_reuses_what_it_made(root):
    refused = sh(root, "cod", "study", "run", "tiny", ok=False)
    assert refused.returncode == 2 and "not committed" in refused.stderr and "Traceback" not in refused.stderr
    commit(root, "study tiny: protocol")
    params_before = (root / "params.yaml").read_bytes()
    reports_before = tree_digest(root / "reports")
    status_before = sh(root, "dvc", "status").stdout

    first = sh(root, "cod", "study", "run", "tiny")
    assert "Running stage 'teacher@rt_sentences'" not in first.stdout  # the default's teacher, restored
    assert "Stage 'teacher@rt_sentences' is cached - skipping run" in first.stdout
    assert (root / "params.yaml").read_bytes() == params_before
    after = tree_digest(root / "reports")
    assert {p: h for p, h in after.items() if not p.startswith("studies/")} == reports_before
    assert sh(root, "dvc", "status").stdout == status_before  # the default pipeline, untouched
    assert "teacher@rt_sentences" not in status_before  # ... and its teacher up to date

    out = root / "reports" / "studies" / "tiny"
    rec = json.loads((out / "study.json").read_text())
    assert rec["protocol"]["short"] and not rec["exploratory"]
    assert rec["runs"][-1]["stages"]["restored"] >= 3 and rec["runs"][-1]["stages"]["unchanged"] == 0
    verdicts = pd.read_csv(out / "verdict.csv")
    assert list(verdicts["contrast"]) == CONTRASTS and set(verdicts["n"]) == {2}
    table = (out / "tables" / "verdict.md").read_text()
    for row in ("semantic − clean", "semantic − random", "semantic − copy"):
        assert f"| {row} |" in table
    assert "| VADER (label-free) |" in table and "linear probe" in table  # where the arms stand
    ws = root / "studies/tiny/workspace"
    for seed, mode in [(s, m) for s in (1, 2) for m in ARMS]:
        assert (ws / f"results/runs/rt_sentences/kd/seed{seed}/k8/{mode}/metrics.json").is_file()
    kinds = (out / "tables" / "cfe_kinds.md").read_text()
    assert all(kind in kinds for kind in ("semantic", "random", "copy"))
    assert {"contrasts.png", "cfe_kinds.png"} <= {f.name for f in (out / "figures").iterdir()}
    samples = (out / "cfe_samples" / "rt_sentences.md").read_text()
    assert "## cod: semantic" in samples and "## cod-random: random" in samples and "## cod-copy: copy" in samples
    readme = (out / "README.md").read_text()
    assert "Does the semantic arm beat its controls" in readme and rec["protocol"]["short"] in readme
    assert (root / "studies" / "tiny" / "dvc.lock").is_file()
    overview = (root / "reports" / "studies" / "README.md").read_text()
    assert "## tiny" in overview and "semantic − random" in overview
    assert "up to date" in sh(root, "cod", "study", "list").stdout

    record_before = (out / "study.json").read_bytes()
    again = sh(root, "cod", "study", "run", "tiny")  # unchanged: nothing runs, nothing is rewritten
    assert "Running stage" not in again.stdout and "up to date, nothing ran" in again.stdout
    assert (out / "study.json").read_bytes() == record_before

    overrides = yaml.safe_load((root / "studies/tiny/params.yaml").read_text())
    overrides["grid"]["seeds"] = [1, 2, 3]
    (root / "studies/tiny/params.yaml").write_text(yaml.safe_dump(overrides, sort_keys=False))
    commit(root, "study tiny: a third seed")
    more = sh(root, "cod", "study", "run", "tiny")
    assert [s for s in ran(more.stdout) if s.startswith("distill")] == ["distill@rt_sentences-kd-3"]
    assert set(pd.read_csv(out / "verdict.csv")["n"]) == {3}


def test_the_list_flags_a_protocol_or_code_change_after_the_results(root):
    assert "up to date" in sh(root, "cod", "study", "list").stdout
    protocol = root / "studies/tiny/protocol.md"
    protocol.write_text(protocol.read_text() + "\nAmended after the results.\n")
    commit(root, "amend the protocol")
    listed = sh(root, "cod", "study", "list").stdout
    assert "stale: protocol changed after the results" in listed
    code = root / "src/cod/report/verdict.py"
    code.write_text(code.read_text() + "\n# a change\n")
    assert "code changed: src/cod/report/verdict.py" in sh(root, "cod", "study", "list").stdout


def test_the_overview_is_regenerated_from_the_files_and_checked(root):
    assert sh(root, "cod", "study", "overview", "--check").returncode == 0
    file = root / "reports/studies/README.md"
    text = file.read_text()
    file.write_text(text.replace("semantic − random", "semantic − copy"))
    stale = sh(root, "cod", "study", "overview", "--check", ok=False)
    assert stale.returncode == 1 and "stale" in stale.stdout
    sh(root, "cod", "study", "overview")
    assert file.read_text() == text

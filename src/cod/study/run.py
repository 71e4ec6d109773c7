"""`cod study run NAME`: run a study's pipeline in its workspace, then publish its reports and its record."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cod import machine, paths, stage_deps
from cod.errors import CodError, ConfigError
from cod.report import readme
from cod.study import record, render, spec, sync
from cod.study.spec import Study

# The workspace's files a study publishes under reports/studies/<name>/ (git-tracked, like the default's reports):
# workspace path -> published name. Folders are copied whole (figures: PNG only, the PDFs stay in the workspace).
PUBLISHED = {
    "reports/tables": "tables",
    "reports/figures": "figures",
    "reports/cfe_samples": "cfe_samples",
    "reports/metrics.json": "metrics.json",
    "results/aggregate/verdict.csv": "verdict.csv",
    "results/aggregate/summary_test.csv": "summary_test.csv",
    "results/aggregate/cfes.csv": "cfes.csv",
    "results/aggregate/problems.csv": "problems.csv",
    "results/aggregate/rationale_gains.csv": "rationale_gains.csv",
}
STAGE_LINES = {
    "ran": re.compile(r"Running stage '([^']+)'"),
    "restored": re.compile(r"Stage '([^']+)' is cached - skipping run"),
    "unchanged": re.compile(r"Stage '([^']+)' didn't change, skipping"),
}


class StudyFailed(CodError):
    """The study's pipeline failed; its finished stages stay in the workspace and the next run resumes."""

    exit_code = 1


def check_frozen(study: Study, exploratory: bool) -> dict[str, Any]:
    """Where the protocol and settings are committed; refuses uncommitted ones unless the run is ``exploratory``."""
    state = record.frozen(study)
    problems = list(state["uncommitted"]) + (["protocol.md (never committed)"] if state["protocol"] is None else [])
    if problems and not exploratory:
        raise ConfigError(
            f"study {study.name}: {', '.join(problems)} not committed. A study's protocol and settings are committed "
            f"before its first result: `git add studies/{study.name} && git commit`; or run with --exploratory "
            "(the results are then marked exploratory)"
        )
    return state


def execute(study: Study, jobs: int, devices: Sequence[str] | None, log: Path) -> tuple[dict[str, int], int]:
    """`cod repro --jobs N` in the workspace, streamed to stdout and ``log``; (how many stages ran, were restored from
    the run-cache or were already up to date; the exit code)."""
    cmd = ["cod", "repro", "--jobs", str(jobs), *(["--devices", ",".join(devices)] if devices else [])]
    seen: dict[str, set[str]] = {what: set() for what in STAGE_LINES}
    log.parent.mkdir(parents=True, exist_ok=True)
    with (
        log.open("w") as out,
        subprocess.Popen(
            cmd,
            cwd=study.workspace,
            env=sync.env(study.workspace),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as proc,
    ):
        for line in proc.stdout:  # type: ignore[union-attr]
            sys.stdout.write(f"[{study.name}] {line}")
            sys.stdout.flush()
            out.write(line)
            for what, pattern in STAGE_LINES.items():
                if m := pattern.search(line):
                    seen[what].add(m.group(1))
    # the last, plain `dvc repro` of `cod repro` reports the stages its workers ran a moment ago as unchanged
    seen["unchanged"] -= seen["ran"] | seen["restored"]
    return {what: len(names) for what, names in seen.items()}, proc.returncode


def publish_files(study: Study) -> list[str]:
    """Copy the workspace's report files to reports/studies/<name>/ (replacing the previous ones) and its dvc.lock
    to studies/<name>/dvc.lock; the published names."""
    ws, out = study.workspace, study.reports
    out.mkdir(parents=True, exist_ok=True)
    published = []
    for src, name in PUBLISHED.items():
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
        source = ws / src
        if source.is_dir():
            shutil.copytree(source, target, ignore=lambda _, names: [n for n in names if n.endswith(".pdf")])
        elif source.is_file():
            shutil.copyfile(source, target)
        else:
            continue
        published.append(name)
    shutil.copyfile(ws / "dvc.lock", study.folder / "dvc.lock")
    return published


def new_record(
    study: Study, text: str, frozen: dict[str, Any], run: dict[str, Any], previous: dict[str, Any] | None
) -> dict[str, Any]:
    """The study's record after a run: question, protocol and settings as run, code fingerprint, runs so far."""
    roots = record.inputs_of(study.workspace / "dvc.lock")
    protocol = frozen["protocol"] or {}
    return {
        "name": study.name,
        "question": spec.question(text),
        "protocol": {
            "path": study.protocol_file.relative_to(paths.root()).as_posix(),
            "sha256": record.sha256(study.protocol_file),
            **{key: protocol.get(key) for key in ("commit", "short", "date")},
        },
        "settings": {
            "path": study.settings_file.relative_to(paths.root()).as_posix(),
            "sha256": record.sha256(study.settings_file),
            **{key: (frozen["settings"] or {}).get(key) for key in ("commit", "short", "date")},
        },
        "exploratory": bool(run["exploratory"]),
        "params": spec.merged(study),
        "input_roots": roots,
        "inputs": record.fingerprint(study.workspace, roots),
        "runs": [*(previous or {}).get("runs", []), run],
    }


def unchanged_rerun(rec: dict[str, Any], previous: dict[str, Any] | None) -> bool:
    """Whether a run computed nothing and found the same protocol, settings and inputs as the recorded one (then it
    adds no run to the record: the published files are the ones already there)."""
    if previous is None or rec["runs"][-1]["stages"]["ran"] or rec["runs"][-1]["stages"]["restored"]:
        return False
    return {k: v for k, v in rec.items() if k != "runs"} == {k: v for k, v in previous.items() if k != "runs"}


def run(name: str, jobs: int = 2, devices: Sequence[str] | None = None, exploratory: bool = False) -> Path:
    """Run study ``name``: check its protocol is committed, sync its workspace, reproduce its pipeline there (stages
    already run with the same inputs are restored from the run-cache or skipped), publish reports and record."""
    study = spec.find(name)
    text = spec.check_protocol(study)
    spec.params(study)  # every setting valid before any work
    frozen = check_frozen(study, exploratory)
    stale = stage_deps.stale(paths.root())
    if stale:  # the study copies dvc.yaml: its stages would not re-run on code they do not list
        raise ConfigError(
            f"study {name}: dvc.yaml's code deps are stale (stage {'; '.join(c.describe() for c in stale)}); "
            "run `cod deps` and commit dvc.yaml first"
        )
    commit = record.git("rev-parse", "--short", "HEAD")  # the code the workspace is synced from, as committed ...
    dirty = bool(record.git("status", "--porcelain", "--", "src", "notebooks", "dvc.yaml", "params.yaml"))
    started = time.time()
    changed = sync.sync(study)
    stamp = datetime.now(UTC)
    log = study.workspace / "logs" / f"run-{stamp:%Y%m%dT%H%M%SZ}.log"
    print(f"study {name}: workspace {study.workspace.relative_to(paths.root())} ({len(changed)} file(s) synced)")
    stages, code = execute(study, jobs, devices, log)
    seconds = time.time() - started
    if code:
        raise StudyFailed(
            f"study {name}: the pipeline failed (exit {code}) after {seconds:.0f} s; the failing stage is named above "
            f"and in {log.relative_to(paths.root())}. Stages that finished are kept: the next run resumes"
        )
    publish_files(study)
    entry = {
        "started": stamp.isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "stages": stages,
        "jobs": jobs,
        "machine": machine.describe(),
        "commit": commit,
        "uncommitted_code": dirty,  # ... and whether the working tree's code differed from that commit
        "exploratory": exploratory,
    }
    previous = record.read(study)
    rec = new_record(study, text, frozen, entry, previous)
    if unchanged_rerun(rec, previous):
        print(
            f"study {name}: up to date, nothing ran ({stages['unchanged']} stage(s) unchanged, {seconds:.0f} s); "
            "its record and reports are left as they were"
        )
        return study.reports
    (study.reports / record.RECORD).write_text(json.dumps(rec, indent=2, ensure_ascii=False) + "\n")
    render.write_overview()  # every published study's README (this one's too), the overview and the figure
    readme.refresh(["studies", "confirmation"])  # the README's study blocks follow; the default's blocks stay
    print(
        f"study {name}: done in {seconds / 60:.1f} min ({stages['ran']} stage(s) ran, {stages['restored']} restored "
        f"from the run-cache, {stages['unchanged']} unchanged); reports in "
        f"{study.reports.relative_to(paths.root())}/"
    )
    return study.reports

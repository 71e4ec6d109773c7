"""What a study's results rest on — protocol, settings, code — recorded when it runs and compared when it is listed."""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cod import paths
from cod.study import spec
from cod.study.spec import Study

RECORD = "study.json"


def md5(path: Path) -> str:
    """The md5 of a file's bytes (what DVC hashes a file dependency by)."""
    return hashlib.md5(path.read_bytes()).hexdigest()


def sha256(path: Path) -> str:
    """The sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lock_inputs(lock: dict[str, Any]) -> list[str]:
    """The dependencies of a dvc.lock's stages that hold nothing a stage produces: code, notebooks, raw data
    (a dependency that is an output, lies inside one or contains one, like the aggregate's results/runs, is not)."""
    stages = lock.get("stages", {}).values()
    outs = {o["path"].rstrip("/") for s in stages for o in s.get("outs", [])}
    deps = {d["path"].rstrip("/") for s in stages for d in s.get("deps", [])}

    def produced(dep: str) -> bool:
        return any(dep == o or dep.startswith(o + "/") or o.startswith(dep + "/") for o in outs)

    return sorted(d for d in deps if not produced(d))


def fingerprint(base: Path, rels: list[str]) -> dict[str, str]:
    """md5 of every file at or under each of ``rels`` (relative to ``base``; byte-code skipped), by relative path."""
    out = {}
    for rel in rels:
        path = base / rel
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []
        for file in files:
            if "__pycache__" not in file.parts and file.suffix != ".pyc":
                out[file.relative_to(base).as_posix()] = md5(file)
    return out


def flatten(mapping: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mapping → {"section.key": value} (lists are values)."""
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def changed_keys(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The dotted keys whose value differs between two params mappings (added and removed keys included)."""
    a, b = flatten(before), flatten(after)
    return sorted(k for k in set(a) | set(b) if a.get(k, object()) != b.get(k, object()))


def git(*args: str) -> str | None:
    """A git command's stdout in the repository, or None when git fails (no repository, no commit)."""
    proc = subprocess.run(["git", *args], cwd=paths.root(), capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def last_commit(path: Path) -> dict[str, str] | None:
    """The last commit that changed ``path``: {commit, short, date}, or None if it was never committed."""
    out = git("log", "-1", "--format=%H%x09%h%x09%cI", "--", path.relative_to(paths.root()).as_posix())
    if not out:
        return None
    commit, short, date = out.split("\t")
    return {"commit": commit, "short": short, "date": date}


def uncommitted(path: Path) -> bool:
    """Whether ``path`` differs from its committed version (or is not committed at all)."""
    rel = path.relative_to(paths.root()).as_posix()
    return git("ls-files", "--error-unmatch", rel) is None or bool(git("status", "--porcelain", "--", rel))


def frozen(study: Study) -> dict[str, Any]:
    """Where the study's protocol and settings stand in git: their last commits and whether either has changes."""
    files = (study.protocol_file, study.settings_file)
    return {
        "protocol": last_commit(study.protocol_file),
        "settings": last_commit(study.settings_file),
        "uncommitted": [f.relative_to(paths.root()).as_posix() for f in files if f.is_file() and uncommitted(f)],
    }


def read(study: Study) -> dict[str, Any] | None:
    """The study's record (reports/studies/<name>/study.json), or None before its first run."""
    file = study.reports / RECORD
    return json.loads(file.read_text()) if file.is_file() else None


def inputs_of(lock_file: Path) -> list[str]:
    """The input paths (code, notebooks, raw data) of the stages in a dvc.lock file, plus dvc.yaml."""
    lock = yaml.safe_load(lock_file.read_text()) if lock_file.is_file() else {}
    return sorted({"dvc.yaml", *lock_inputs(lock or {})})


@dataclass
class State:
    """A study as `cod study list` shows it."""

    name: str
    question: str
    frozen: dict[str, Any]
    record: dict[str, Any] | None
    stale: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """no results | up to date | stale (the reasons are in ``stale``)."""
        if self.record is None:
            return "no results"
        return "stale" if self.stale else "up to date"


def stale_reasons(study: Study, record: dict[str, Any]) -> list[str]:
    """Why a study's results no longer match its protocol, settings or code (empty: up to date)."""
    reasons = []
    if not study.protocol_file.is_file() or sha256(study.protocol_file) != record["protocol"]["sha256"]:
        reasons.append("protocol changed after the results")
    keys = changed_keys(record["params"], spec.merged(study))
    if keys:
        shown = ", ".join(keys[:4]) + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")
        reasons.append(f"settings changed: {shown}")
    now = fingerprint(paths.root(), record["input_roots"])
    files = sorted(p for p in set(now) | set(record["inputs"]) if now.get(p) != record["inputs"].get(p))
    if files:
        shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
        reasons.append(f"code changed: {shown}")
    return reasons


def state(study: Study) -> State:
    """The study's question, where its protocol is frozen, its record and why it is stale (if it is)."""
    text = study.protocol_file.read_text() if study.protocol_file.is_file() else ""
    record = read(study)
    return State(
        study.name,
        spec.question(text),
        frozen(study),
        record,
        stale_reasons(study, record) if record is not None else [],
    )

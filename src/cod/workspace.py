"""Fresh copies of the repository sources (no outputs, caches or venv) for tests and benchmarks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from cod import paths

# Never copied: environments, VCS and DVC internals, and everything the pipeline produces.
# Skipped wherever they occur.
SKIP_NAMES = {".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints"}
# Skipped at these repository-relative paths only: caches, the lock file and pipeline outputs (not git-tracked).
SKIP_PATHS = {
    ".dvc/cache",
    ".dvc/tmp",
    "dvc.lock",
    "data/prepared",
    "data/subsets",
    "models",
    "results",
    "reports/executed",
}


def copy_sources(dst: Path, src: Path | None = None) -> Path:
    """Copy the working tree of ``src`` (default: this repo) to ``dst`` without generated files."""
    src = (src or paths.root()).resolve()

    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).resolve().relative_to(src)
        special = {n for n in names if not (Path(folder, n).is_file() or Path(folder, n).is_dir())}  # sockets
        return special | {
            n
            for n in names
            if (rel / n).as_posix().removeprefix("./") in SKIP_PATHS or n in SKIP_NAMES or n.endswith(".egg-info")
        }

    shutil.copytree(src, dst, ignore=ignore, dirs_exist_ok=True)
    return dst


def tool_env() -> dict[str, str]:
    """Environment for subprocesses: this interpreter's bin first on PATH, no analytics, no COD_ROOT."""
    env = dict(os.environ, DVC_NO_ANALYTICS="1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("COD_ROOT", None)
    return env


def git_init(root: Path) -> None:
    """Make ``root`` a git repository with one commit (DVC needs git)."""
    for cmd in (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=cod", "-c", "user.email=cod@localhost", "commit", "-qm", "copy"],
    ):
        subprocess.run(cmd, cwd=root, check=True, capture_output=True)

"""A study's workspace: the pipeline's sources mirrored, the study's merged params, one DVC cache with the repository.

The workspace is a DVC project of its own (``dvc init --no-scm``) inside ``studies/<name>/workspace/``, ignored by
git and by the repository's DVC (a folder with its own ``.dvc`` is a sub-repository DVC skips). Its cache is the
repository's cache, so DVC's run-cache restores every stage whose command, dependencies and parameters are those of
a run already made anywhere with that cache (the default pipeline's data preparation, teacher, language model, ...)
instead of recomputing it. Only files whose bytes differ are rewritten, so an unchanged study stays up to date.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
from pathlib import Path

import yaml

from cod import paths, workspace
from cod.errors import CodError
from cod.study.spec import Study, merged

# What a stage can depend on besides other stages' outputs: mirrored from the repository into the workspace.
MIRRORED_DIRS = ("src/cod", "notebooks", "data/raw")
MIRRORED_FILES = ("dvc.yaml", ".dvcignore")
# Never mirrored (DVC ignores them too, see .dvcignore): byte-code, notebook checkpoints, paired .ipynb files.
SKIPPED = ("__pycache__", ".ipynb_checkpoints")
SKIPPED_SUFFIXES = (".pyc", ".ipynb")


class SyncFailed(CodError):
    """The workspace could not be set up (a `dvc` command failed)."""


def _skipped(path: Path) -> bool:
    return any(part in SKIPPED for part in path.parts) or path.suffix in SKIPPED_SUFFIXES


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly those bytes; whether it wrote."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def mirror(src: Path, dst: Path) -> list[str]:
    """Make folder ``dst`` hold exactly ``src``'s files (byte-code and checkpoints aside); the paths it changed."""
    changed = []
    wanted = {p.relative_to(src) for p in src.rglob("*") if p.is_file() and not _skipped(p.relative_to(src))}
    for rel in sorted(wanted):
        target = dst / rel
        if not (target.is_file() and filecmp.cmp(src / rel, target, shallow=False)):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / rel, target)
            changed.append(rel.as_posix())
    if dst.is_dir():
        for path in sorted(dst.rglob("*"), reverse=True):
            rel = path.relative_to(dst)
            if path.is_file() and rel not in wanted and not _skipped(rel):
                path.unlink()
                changed.append(rel.as_posix())
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return changed


def dvc(cwd: Path, *args: str) -> str:
    """Run one `dvc` command in ``cwd``; its stdout, or SyncFailed with its message."""
    proc = subprocess.run(["dvc", *args], cwd=cwd, env=workspace.tool_env(), capture_output=True, text=True)
    if proc.returncode:
        raise SyncFailed(f"`dvc {' '.join(args)}` in {cwd} failed: {(proc.stderr or proc.stdout).strip()}")
    return proc.stdout.strip()


def cache_dir(root: Path) -> Path:
    """The DVC cache folder of the repository at ``root`` (`dvc cache dir`, which follows its config)."""
    return Path(dvc(root, "cache", "dir"))


def with_no_scm(config: str) -> str:
    """A DVC config's text with ``core.no_scm = true`` (the workspace is not a git repository of its own)."""
    line = "    no_scm = true\n"
    if "[core]" in config:
        return config.replace("[core]\n", "[core]\n" + line, 1)
    return config.rstrip("\n") + ("\n" if config.strip() else "") + "[core]\n" + line


def init(ws: Path, root: Path) -> None:
    """Make ``ws`` a DVC project without git whose cache is the repository's (its remotes too, for `dvc push`)."""
    ws.mkdir(parents=True, exist_ok=True)
    if not (ws / ".dvc" / "config").is_file():
        dvc(ws, "init", "--no-scm", "--quiet")
    write_if_changed(ws / ".dvc" / "config", with_no_scm((root / ".dvc" / "config").read_text()).encode())
    # links, not copies, of the cache (the teacher and the language model are ~0.6 GB): DVC removes a stage's outputs
    # before it runs, so no stage writes into a linked file
    local = f"[cache]\n    dir = {cache_dir(root)}\n    type = reflink,hardlink,copy\n"
    write_if_changed(ws / ".dvc" / "config.local", local.encode())


def sync(study: Study) -> list[str]:
    """Create or refresh the study's workspace from the repository's working tree; the relative paths it changed."""
    root, ws = paths.root(), study.workspace
    init(ws, root)
    changed = []
    for rel in MIRRORED_DIRS:
        (root / rel).mkdir(parents=True, exist_ok=True)
        changed += [f"{rel}/{p}" for p in mirror(root / rel, ws / rel)]
    for rel in MIRRORED_FILES:
        if write_if_changed(ws / rel, (root / rel).read_bytes()):
            changed.append(rel)
    text = yaml.safe_dump(merged(study), sort_keys=False, allow_unicode=True)
    header = f"# Generated by `cod study run {study.name}`: params.yaml with studies/{study.name}/params.yaml on top.\n"
    if write_if_changed(ws / "params.yaml", (header + text).encode()):
        changed.append("params.yaml")
    return changed


def env(ws: Path) -> dict[str, str]:
    """Environment of the workspace's commands: its own copy of the code first on the import path, no COD_ROOT."""
    out = workspace.tool_env()
    out["PYTHONPATH"] = os.pathsep.join([str(ws / "src"), *filter(None, [out.get("PYTHONPATH")])])
    return out

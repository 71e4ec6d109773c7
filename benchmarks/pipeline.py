"""Benchmark (run on demand, not a test): fresh and no-op `dvc repro` of the default grid.

Copies the repository sources to a temporary folder, runs `dvc repro` twice and writes the total
and per-stage wall times to reports/benchmarks/pipeline.md.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import tempfile
import time
from pathlib import Path

from cod import paths, workspace


def timed_repro(root: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(["dvc", "repro"], cwd=root, env=workspace.tool_env(), capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"dvc repro failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return time.perf_counter() - start, proc.stdout


def stage_times(log: str) -> list[tuple[str, float]]:
    """(stage, seconds between its 'Running stage' line and the next) from DVC's output order."""
    stages = re.findall(r"Running stage '([^']+)'", log)
    runs = [float(s) for s in re.findall(r" in ([0-9.]+)s -> ", log)]
    return list(zip(stages, runs, strict=False))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = workspace.copy_sources(Path(tmp) / "cod")
        workspace.git_init(root)
        fresh, log = timed_repro(root)
        noop, _ = timed_repro(root)
    rows = "\n".join(f"| `{name}` | {sec:.1f} |" for name, sec in stage_times(log))
    report = f"""# Pipeline benchmark

Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()};
measured {time.strftime("%Y-%m-%d %H:%M")} with `python benchmarks/pipeline.py` on the default `params.yaml`.

| run | wall time (s) |
|---|---|
| fresh `dvc repro` (sources copied to a temp folder) | {fresh:.1f} |
| second, unchanged `dvc repro` | {noop:.1f} |

Notebook execution time per stage (papermill, from `cod run`; excludes DVC's hashing):

| stage | seconds |
|---|---|
{rows}
"""
    out = paths.reports_dir() / "benchmarks" / "pipeline.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()

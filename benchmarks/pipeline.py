"""Benchmark (run on demand, not a test): a fresh `make repro` and a no-op `dvc repro` of the default grid.

Default: copies the repository sources to a temporary folder (a fresh clone without outputs, DVC cache
or run-cache; only the pip download cache in ~/.cache/cod is shared), runs what `make repro` runs
(`cod check`, `cod repro --jobs N`), then an unchanged `dvc repro`. `--in-place` does the same in this
checkout after deleting its pipeline outputs and DVC run-cache, so everything is recomputed and the
outputs and dvc.lock are refreshed. Writes reports/benchmarks/pipeline.md with the totals and per-stage
wall times (from a worker starting a stage to the same worker starting its next one).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from cod import paths, workspace

TARGET_FRESH_S, TARGET_NOOP_S = 20 * 60, 10


def timed(root: Path, cmd: list[str]) -> tuple[float, list[tuple[str, float]]]:
    """Run ``cmd`` streaming its output; (total seconds, [(stage, seconds)]) from its 'Running stage' lines."""
    start = time.perf_counter()
    last: dict[str, tuple[str, float]] = {}  # worker -> (stage, start)
    stages: list[tuple[str, float]] = []
    tail: list[str] = []
    with subprocess.Popen(
        cmd, cwd=root, env=workspace.tool_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        for line in proc.stdout:
            tail = (tail + [line])[-40:]
            worker = line[: line.index("]") + 1] if line.startswith("[w") else ""
            body = line[len(worker) :].lstrip()
            if body.startswith("cod repro:") or (m := re.match(r"Running stage '([^']+)'", body)):
                now = time.perf_counter()
                for key in [k for k in last if k == worker or body.startswith("cod repro:")]:
                    stages.append((last[key][0], now - last[key][1]))
                    del last[key]
                if not body.startswith("cod repro:"):
                    last[worker] = (m.group(1), now)
    total = time.perf_counter() - start
    stages += [(name, start + total - t) for name, t in last.values()]
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n" + "".join(tail))
    return total, stages


def clear_outputs(root: Path) -> None:
    """Delete the pipeline's outputs, dvc.lock and DVC's run-cache, so the next run recomputes every stage.

    (With dvc.lock and the cached objects left, `dvc repro` would check missing outputs out of the cache.)
    """
    for rel in ("data/prepared", "data/subsets", "models", "results", "reports/executed", ".dvc/cache/runs"):
        shutil.rmtree(root / rel, ignore_errors=True)
    (root / "dvc.lock").unlink(missing_ok=True)


def fresh_and_noop(root: Path, jobs: int) -> tuple[float, float, list[tuple[str, float]]]:
    """What `make repro` runs, timed, then an unchanged `dvc repro`."""
    check, _ = timed(root, ["cod", "check"])
    fresh, stages = timed(root, ["cod", "repro", "--jobs", str(jobs)])
    noop, _ = timed(root, ["dvc", "repro"])
    return check + fresh, noop, stages


def report(fresh: float, noop: float, stages: list[tuple[str, float]], how: str, jobs: int) -> str:
    """The Markdown of reports/benchmarks/pipeline.md."""
    by_kind: dict[str, list[float]] = defaultdict(list)
    for name, sec in stages:
        by_kind[name.split("@")[0]].append(sec)
    kinds = "\n".join(
        f"| `{kind}` | {len(s)} | {sum(s):.0f} | {sum(s) / len(s):.1f} | {max(s):.1f} |" for kind, s in by_kind.items()
    )
    rows = "\n".join(f"| `{name}` | {sec:.1f} |" for name, sec in stages)
    ok = lambda value, target: "within" if value <= target else "**over**"  # noqa: E731
    return f"""# Pipeline benchmark

Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, no GPU;
measured {time.strftime("%Y-%m-%d %H:%M")} with `python benchmarks/pipeline.py{how}` on the default `params.yaml`
(pip download cache warm; everything else computed).

| run | wall time | target |
|---|---|---|
| fresh `make repro` = `cod check` + `cod repro --jobs {jobs}` ({len(stages)} stages) | {fresh:.0f} s = {fresh / 60:.1f} min | ≤ 20 min: {ok(fresh, TARGET_FRESH_S)} |
| second, unchanged `dvc repro` | {noop:.1f} s | ≤ 10 s: {ok(noop, TARGET_NOOP_S)} |

`cod repro --jobs {jobs}` runs {jobs} `dvc repro` workers per matrix group ({jobs} stages at a time, each worker
with cores/{jobs} threads); the sums below therefore exceed the wall time. Per kind of stage (from a worker
starting the stage to starting its next one: notebook start-up, imports, the work itself, and DVC's
hashing and lock-file update, which wait for the other worker's under DVC's repository lock):

| stage | count | total (s) | mean (s) | max (s) |
|---|---|---|---|---|
{kinds}

Every stage:

| stage | seconds |
|---|---|
{rows}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-place", action="store_true", help="recompute this checkout instead of a temp copy")
    parser.add_argument("--jobs", type=int, default=2, help="workers of `cod repro` (make repro's JOBS)")
    args = parser.parse_args()
    if args.in_place:
        clear_outputs(paths.root())
        fresh, noop, stages = fresh_and_noop(paths.root(), args.jobs)
        how = " --in-place"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            root = workspace.copy_sources(Path(tmp) / "cod")
            workspace.git_init(root)
            fresh, noop, stages = fresh_and_noop(root, args.jobs)
        how = ""
    text = report(fresh, noop, stages, how, args.jobs)
    out = paths.reports_dir() / "benchmarks" / "pipeline.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()

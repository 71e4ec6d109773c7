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
import json
import math
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from cod import paths, workspace
from cod.machine import cpu_model

TARGET_FRESH_S, TARGET_NOOP_S = 20 * 60, 10


@dataclass
class Stage:
    """One stage of the run: when a worker started it (s after the command started), how long until that worker
    started its next one, and the notebook's own run time as `cod run` printed it (papermill, kernel start included)."""

    name: str
    start: float
    seconds: float = 0.0
    notebook: float = math.nan


def timed(root: Path, cmd: list[str]) -> tuple[float, list[Stage]]:
    """Run ``cmd`` streaming its output; (total seconds, stages) from its 'Running stage' and 'ran ... in' lines."""
    start = time.perf_counter()
    last: dict[str, Stage] = {}  # worker -> its current stage
    stages: list[Stage] = []
    tail: list[str] = []
    with subprocess.Popen(
        cmd, cwd=root, env=workspace.tool_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        for line in proc.stdout:
            tail = (tail + [line])[-40:]
            worker = line[: line.index("]") + 1] if line.startswith("[w") else ""
            body = line[len(worker) :].lstrip()
            now = time.perf_counter() - start
            if (ran := re.match(r"ran \S+ .* in ([0-9.]+)s ->", body)) and worker in last:
                last[worker].notebook = float(ran.group(1))
            if body.startswith("cod repro:") or (m := re.match(r"Running stage '([^']+)'", body)):
                for key in [k for k in last if k == worker or body.startswith("cod repro:")]:
                    last[key].seconds = now - last[key].start
                    stages.append(last.pop(key))
                if not body.startswith("cod repro:"):
                    last[worker] = Stage(m.group(1), now)
    total = time.perf_counter() - start
    for stage in last.values():
        stage.seconds = total - stage.start
        stages.append(stage)
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


def fresh_and_noop(root: Path, jobs: int) -> tuple[float, float, list[Stage]]:
    """What `make repro` runs, timed, then an unchanged `dvc repro`."""
    check, _ = timed(root, ["cod", "check"])
    fresh, stages = timed(root, ["cod", "repro", "--jobs", str(jobs)])
    noop, _ = timed(root, ["dvc", "repro"])
    return check + fresh, noop, stages


# Measured before the batched distill stages (commit af47d48, same machine, same benchmark): 36 distill stages of
# one student each, two at a time, 38.4 s per stage = 19.2 s of pipeline wall time per student. Inside one
# k = 8 KD cell (single thread, cProfile): teacher + student load 3.8 s, training 9.2 s, 5 evaluations 7.5 s,
# batching/teacher cache/imports ~1.5 s; the other ~17 s of a stage were kernel start-up, imports and DVC.
BEFORE = {
    "stages": 36,
    "students": 36,
    "stage_s": 38.4,
    "per_student_wall_s": 19.2,
    "load_s": 3.8,
    "train_s": 9.2,
    "eval_s": 7.5,
    "startup_and_dvc_s": 17.0,
}


def distill_breakdown(root: Path, stages: list[Stage], jobs: int) -> str:
    """Where a distill stage's time goes: DVC, kernel start-up + imports, shared setup, training, evaluation."""
    distill = [s for s in stages if s.name.startswith("distill@")]
    if not distill:
        return "_No distill stage ran._\n"
    # each distill stage's timings (cod.tracking.write_timings; kept out of its hashed outputs)
    folder = root / "results" / "timings" / "results" / "runs"
    timings = [json.loads(f.read_text()) for f in sorted(folder.glob("*/*/seed*.json"))]
    students = sum(t["students"] for t in timings)
    phase = max(s.start + s.seconds for s in distill) - min(s.start for s in distill)
    mean = lambda values: sum(values) / max(1, len(values))  # noqa: E731
    stage_s = mean([s.seconds for s in distill])
    notebook_s = mean([s.notebook for s in distill if not math.isnan(s.notebook)])
    startup = mean([t["process_start_to_work_seconds"] for t in timings])
    setup = mean([t["setup_seconds"] for t in timings])
    train = mean([t["train_seconds"] for t in timings])
    evaluate = mean([t["eval_seconds"] for t in timings])
    other = mean(
        [t["total_work_seconds"] - t["setup_seconds"] - t["train_seconds"] - t["eval_seconds"] for t in timings]
    )
    per_student = phase / max(1, students)
    b = BEFORE
    return f"""| per distill stage (mean) | before: 1 student per stage | now: {students / max(1, len(distill)):.1f} students per stage |
|---|---|---|
| stage wall time (worker start to next start) | {b["stage_s"]:.1f} s | {stage_s:.1f} s |
| DVC bookkeeping (stage time − notebook time) | ~17 s (with start-up) | {stage_s - notebook_s:.1f} s |
| kernel start-up + imports (process start → work) | (in the line above) | {startup:.1f} s |
| teacher, tokenizer, eval batches (shared setup) | {b["load_s"]:.1f} s per student | {setup:.1f} s per stage |
| training (all students of the stage) | {b["train_s"]:.1f} s | {train:.1f} s |
| evaluation (validation passes + test) | {b["eval_s"]:.1f} s | {evaluate:.1f} s |
| other work in the cell (student load, batching, teacher cache, records) | ~1.5 s | {other:.1f} s |

Distill phase: {len(distill)} stages, {students} students in {phase:.0f} s of wall time with {jobs} workers =
**{per_student:.1f} s per student** (before: {b["per_student_wall_s"]:.1f} s; target ≤ 10 s:
{"within" if per_student <= 10 else "**over**"}). Before = commit af47d48 (36 one-student stages, 38.4 s each,
two at a time) and a single-thread profile of one of its k = 8 KD cells.
"""


def report(fresh: float, noop: float, stages: list[Stage], how: str, jobs: int, breakdown: str) -> str:
    """The Markdown of reports/benchmarks/pipeline.md."""
    by_kind: dict[str, list[float]] = defaultdict(list)
    for stage in stages:
        by_kind[stage.name.split("@")[0]].append(stage.seconds)
    kinds = "\n".join(
        f"| `{kind}` | {len(s)} | {sum(s):.0f} | {sum(s) / len(s):.1f} | {max(s):.1f} |" for kind, s in by_kind.items()
    )
    rows = "\n".join(f"| `{s.name}` | {s.start:.0f} | {s.seconds:.1f} | {s.notebook:.1f} |" for s in stages)
    ok = lambda value, target: "within" if value <= target else "**over**"  # noqa: E731
    return f"""# Pipeline benchmark

Machine: {platform.machine()}, {cpu_model()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, no GPU;
measured {time.strftime("%Y-%m-%d %H:%M")} with `python benchmarks/pipeline.py{how}` on the default `params.yaml`
(pip download cache warm; everything else computed).

| run | wall time | target |
|---|---|---|
| fresh `make repro` = `cod check` + `cod repro --jobs {jobs}` ({len(stages)} stages) | {fresh:.0f} s = {fresh / 60:.1f} min | ≤ 20 min: {ok(fresh, TARGET_FRESH_S)} |
| second, unchanged `dvc repro` | {noop:.1f} s | ≤ 10 s: {ok(noop, TARGET_NOOP_S)} |

## Distill stages: where the time goes

{breakdown}
## Every kind of stage

`cod repro --jobs {jobs}` runs {jobs} `dvc repro` workers per wave of stages ({jobs} stages at a time, each
worker with cores/{jobs} threads; a wave of at most {jobs} stages runs them one by one with every core, see
`cod.parallel.workers_for`), so the sums below can exceed the wall time. Per kind of stage (from a
worker starting the stage to starting its next one: notebook start-up, imports, the work itself, and DVC's
hashing and lock-file update, which wait for the other worker's under DVC's repository lock):

| stage | count | total (s) | mean (s) | max (s) |
|---|---|---|---|---|
{kinds}

Every stage (start = seconds after `cod repro` started; notebook = `cod run`'s own time):

| stage | start (s) | seconds | notebook (s) |
|---|---|---|---|
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
        breakdown = distill_breakdown(paths.root(), stages, args.jobs)
        how = " --in-place"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            root = workspace.copy_sources(Path(tmp) / "cod")
            workspace.git_init(root)
            fresh, noop, stages = fresh_and_noop(root, args.jobs)
            breakdown = distill_breakdown(root, stages, args.jobs)
        how = ""
    text = report(fresh, noop, stages, how, args.jobs, breakdown)
    out = paths.reports_dir() / "benchmarks" / "pipeline.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()

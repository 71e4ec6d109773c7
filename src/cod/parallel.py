"""`cod repro --jobs N`: DVC's documented parallel stage execution, one `dvc repro` per worker and group.

`dvc repro` runs one stage at a time. DVC releases its repository lock while a stage's command runs,
so several `dvc --wait-for-lock repro <targets>` processes on independent stages overlap their
commands, while DVC's own bookkeeping (status, lock file, run-cache) stays serialised under the lock.
The waves of matrix groups run in pipeline order; inside a wave the stages are dealt round-robin to
the workers (a wave with no more stages than workers runs them one by one with every core on a CPU, see
``workers_for``). Each worker gets cores/workers CPU threads, or one of ``devices`` as its only visible GPU.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

from cod import paths
from cod.errors import CodError

# Waves of stages run side by side; a wave's stages never depend on each other (tune needs no CFEs), only on
# earlier waves' (tests/pipeline/test_dvc_yaml.py checks this against dvc.yaml's deps and outs).
# The lm conversion and the synthetic experiment need nothing upstream: they run beside prepare, so the teacher has
# its wave to itself (every core).
# The references stage needs prepare and subset only; it runs beside the students of the last wave.
WAVES: tuple[tuple[str, ...], ...] = (
    ("prepare", "lm", "synthetic"),
    ("teacher",),
    ("subset",),
    ("counterfactuals", "tune"),
    ("distill", "references"),
)


class ReproFailed(CodError):
    """A worker's `dvc repro` failed; its output above names the stage."""

    exit_code = 1


def stage_names() -> list[str]:
    """Every expanded stage name of dvc.yaml (e.g. distill@rt_sentences-kd-0)."""
    out = subprocess.run(
        ["dvc", "stage", "list", "--name-only"], cwd=paths.root(), capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise ReproFailed(f"`dvc stage list` failed: {out.stderr.strip()}")
    return out.stdout.split()


def in_group(names: Sequence[str], group: str) -> list[str]:
    """The stages of one dvc.yaml group: the group itself or its matrix items ``group@...``."""
    return [n for n in names if n == group or n.startswith(f"{group}@")]


def deal(names: Sequence[str], jobs: int) -> list[list[str]]:
    """Round-robin split of ``names`` over at most ``jobs`` non-empty chunks."""
    chunks = [list(names[i::jobs]) for i in range(jobs)]
    return [c for c in chunks if c]


def workers_for(stages: int, jobs: int, devices: Sequence[str] | None = None) -> int:
    """How many workers a wave of ``stages`` gets: ``jobs`` (at most one per stage) when it has more stages than
    ``jobs`` or each worker has its own GPU; otherwise one, so its few stages run one after another with every CPU
    core. Such a wave's stages are unequal (counterfactuals ≈ 230 s, tune ≈ 120 s), and on
    2 cores one stage with 2 threads trains or edits 1.6–1.9× as fast as with 1, which beats leaving a core idle."""
    if devices or stages > jobs:
        return max(1, min(jobs, stages))
    return 1


def worker_env(index: int, workers: int, devices: Sequence[str] | None) -> dict[str, str]:
    """Environment of worker ``index`` of ``workers``: its share of the CPU threads, or one visible GPU."""
    env = dict(os.environ)
    threads = max(1, (os.cpu_count() or 1) // workers)
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), DVC_NO_ANALYTICS="1")
    if devices:
        env["CUDA_VISIBLE_DEVICES"] = str(devices[index % len(devices)])
    return env


def _stream(prefix: str, proc: subprocess.Popen) -> None:
    for line in proc.stdout:
        sys.stdout.write(f"{prefix}{line}")
        sys.stdout.flush()


def run_parallel(targets: list[list[str]], devices: Sequence[str] | None = None) -> None:
    """One `dvc --wait-for-lock repro --single-item` per chunk, concurrently; output lines prefixed [w<i>].

    An empty chunk means a plain `dvc repro` of everything (the last, sequential step).
    """
    procs, threads = [], []
    for i, chunk in enumerate(targets):
        proc = subprocess.Popen(
            # --single-item: upstream groups are done; checking them would take write locks the other workers block
            ["dvc", "--wait-for-lock", "repro", "--single-item", *chunk] if chunk else ["dvc", "repro"],
            cwd=paths.root(),
            env=worker_env(i, len(targets), devices),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        thread = threading.Thread(target=_stream, args=(f"[w{i + 1}] ", proc), daemon=True)
        thread.start()
        procs.append(proc)
        threads.append(thread)
        time.sleep(0.5)  # stagger the start: the workers' first lock requests do not collide
    codes = [p.wait() for p in procs]
    for thread in threads:
        thread.join()
    failed = [i + 1 for i, code in enumerate(codes) if code]
    if failed:
        raise ReproFailed(f"worker(s) {failed} failed; the stage and its error are in the [w<i>] lines above")


def repro(jobs: int, devices: Sequence[str] | None = None) -> None:
    """Reproduce the pipeline with ``jobs`` workers per wave of matrix groups, then `dvc repro` for the rest."""
    if jobs < 1:
        raise CodError(f"--jobs must be at least 1, got {jobs}")
    every = stage_names()  # listed once: `dvc stage list` parses the whole pipeline (~1.5 s)
    for wave in WAVES:
        names = [name for group in wave for name in in_group(every, group)]
        if names:
            workers = workers_for(len(names), jobs, devices)
            print(f"cod repro: {' + '.join(wave)}: {len(names)} stage(s) over {workers} worker(s)", flush=True)
            run_parallel(deal(names, workers), devices)
    print("cod repro: remaining stages (aggregate, figures, ...)", flush=True)
    run_parallel([[]], devices[:1] if devices else None)

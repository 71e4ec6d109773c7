"""`cod repro --jobs N`: how stages are dealt to workers and what each worker's environment holds."""

from __future__ import annotations

from cod import parallel


def test_deal_round_robin_without_empty_workers():
    names = [f"distill@x-{i}" for i in range(5)]
    assert parallel.deal(names, 2) == [names[0::2], names[1::2]]
    assert parallel.deal(names[:1], 4) == [names[:1]]
    assert sorted(sum(parallel.deal(names, 3), [])) == sorted(names)


def test_worker_env_splits_threads_or_pins_one_gpu(monkeypatch):
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 8)
    env = parallel.worker_env(1, 4, None)
    assert env["OMP_NUM_THREADS"] == "2" and "CUDA_VISIBLE_DEVICES" not in env
    assert parallel.worker_env(0, 16, None)["OMP_NUM_THREADS"] == "1"
    assert parallel.worker_env(3, 4, ["0", "1"])["CUDA_VISIBLE_DEVICES"] == "1"


def test_a_wave_with_few_stages_runs_them_one_by_one_with_every_core():
    assert parallel.workers_for(24, 2) == 2  # the distill wave: side by side
    assert parallel.workers_for(2, 2) == 1 and parallel.workers_for(1, 2) == 1  # teacher + lm: one after the other
    assert parallel.workers_for(3, 2) == 2 and parallel.workers_for(5, 8) == 1
    assert parallel.workers_for(2, 2, ["0", "1"]) == 2  # one GPU each: side by side
    assert parallel.workers_for(1, 4, ["0", "1"]) == 1

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

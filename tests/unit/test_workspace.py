"""Copying the repository sources for tests and benchmarks."""

from __future__ import annotations

import socket

from cod import workspace


def test_copy_sources_skips_outputs_caches_and_stray_sockets(tmp_path):
    src = tmp_path / "src"
    (src / "src" / "cod").mkdir(parents=True)
    (src / "src" / "cod" / "x.py").write_text("x = 1\n")
    (src / "data" / "prepared").mkdir(parents=True)
    (src / "data" / "prepared" / "big.parquet").write_text("data")
    (src / "dvc.lock").write_text("lock")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(src / "kernel-ipc-1"))  # what a killed Jupyter kernel can leave behind
    try:
        dst = workspace.copy_sources(tmp_path / "dst", src)
    finally:
        sock.close()
    assert (dst / "src" / "cod" / "x.py").read_text() == "x = 1\n"
    assert not (dst / "data" / "prepared").exists() and not (dst / "dvc.lock").exists()
    assert not (dst / "kernel-ipc-1").exists()


def test_a_studys_inputs_are_the_dependencies_no_stage_produces():
    from cod.study.record import lock_inputs

    lock = {
        "stages": {
            "prepare": {
                "deps": [{"path": "src/cod/data"}, {"path": "data/raw"}],
                "outs": [{"path": "data/prepared/x"}],
            },
            "cfe": {"deps": [{"path": "data/prepared/x"}], "outs": [{"path": "data/subsets/cod/x"}]},
            "distill": {"deps": [{"path": "data/subsets/cod/x/seed1"}, {"path": "src/cod/training/loop.py"}]},
            "aggregate": {"deps": [{"path": "data/subsets/cod"}, {"path": "src/cod/report"}], "outs": []},
        }
    }
    assert lock_inputs(lock) == ["data/raw", "src/cod/data", "src/cod/report", "src/cod/training/loop.py"]

"""Metrics records: dvclive folders (metrics.json + per-epoch TSV curves + params), never editing dvc.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def open_run(directory: Path, params: dict[str, Any] | None = None) -> Any:
    """A dvclive ``Live`` writing into ``directory`` without touching dvc.yaml or creating experiments."""
    from dvclive import Live

    live = Live(dir=str(directory), dvcyaml=None, save_dvc_exp=False, report=None, monitor_system=False)
    if params:
        live.log_params(params)
    return live


def log_epoch(live: Any, row: dict[str, float]) -> None:
    """Log one epoch's numbers (train_*, val_*) as plot points and advance the step."""
    for key, value in row.items():
        if key != "epoch":
            live.log_metric(key.replace("_", "/", 1), value)
    live.next_step()


def finish(live: Any, summary: dict[str, Any]) -> None:
    """Write the run's summary into metrics.json and close the run."""
    live.summary.update(summary)
    live.end()

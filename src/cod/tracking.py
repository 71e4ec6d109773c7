"""Metrics records: dvclive folders (metrics.json + per-epoch TSV curves + params), never editing dvc.yaml."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def _files_only_live() -> type:
    """``Live`` that skips dvclive's DVC/git lookup: it only writes files (metrics, plots, params)."""
    from dvclive import Live

    class FilesOnlyLive(Live):
        def _init_dvc(self) -> None:  # dvclive 3.49 reads the git HEAD here, which fails without a commit
            return None

    return FilesOnlyLive


def new_live(directory: Path) -> Any:
    """A ``Live`` for ``directory``; in a git repo without a commit (unpacked tarball) one without git."""
    from dvclive import Live
    from scmrepo.exceptions import SCMError

    options = {"dir": str(directory), "dvcyaml": None, "save_dvc_exp": False, "report": None, "monitor_system": False}
    try:
        return Live(**options)
    except SCMError as exc:  # e.g. "Empty git repo": nothing was written yet, so retry without git
        log.info("dvclive without git (%s): metrics are written, no DVC experiment is linked", exc)
        return _files_only_live()(**options)


def open_run(directory: Path, params: dict[str, Any] | None = None) -> Any:
    """A dvclive ``Live`` writing into ``directory`` without touching dvc.yaml or creating experiments."""
    live = new_live(directory)
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


def write_timings(output: Path, timings: dict[str, Any]) -> None:
    """Keep the seconds it took to make ``output`` beside, not inside, the DVC outputs (paths.timings_file)."""
    import json

    from cod import paths

    file = paths.timings_file(output)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(timings, indent=2) + "\n")

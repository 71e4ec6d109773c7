"""Run a jupytext notebook through papermill from the repository root, after validating its parameters."""

from __future__ import annotations

import ast
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from cod import paths
from cod.errors import CodError, ConfigError

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
GRID_SCALARS = ("dataset", "k", "seed", "method", "mode")


def _kernel_manager_class() -> type:
    """A kernel manager talking to the kernel over local IPC sockets instead of unencrypted TCP."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc")
            # socket files go to the temp dir, not the cwd (the repo root), so a killed kernel leaves none there
            kwargs.setdefault("ip", os.path.join(tempfile.mkdtemp(prefix="cod-kernel-"), "kernel"))
            super().__init__(**kwargs)

    return IPCKernelManager


class NotebookFailed(CodError):
    """A cell raised; the executed notebook with the full traceback is kept."""

    exit_code = 1


def read(notebook: Path) -> Any:
    """The notebook as an nbformat node (jupytext reads py:percent and ipynb alike)."""
    import jupytext

    nb = jupytext.read(notebook)
    nb.metadata["kernelspec"] = KERNELSPEC
    return nb


def declared_parameters(nb: Any) -> dict[str, Any]:
    """Names and default values assigned in the cell tagged ``parameters``."""
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            tree = ast.parse(cell.source)
            out = {}
            for node in tree.body:
                if isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for t in targets:
                        if isinstance(t, ast.Name):
                            out[t.id] = ast.literal_eval(node.value) if node.value else None
            return out
    raise ConfigError("the notebook has no cell tagged 'parameters'; add `# %% tags=[\"parameters\"]`")


def check_parameters(notebook: Path, nb: Any, parameters: dict[str, Any]) -> dict[str, Any]:
    """Refuse undeclared names and invalid values; returns the parameters in the notebook's order."""
    from cod import config

    declared = declared_parameters(nb)
    unknown = [p for p in parameters if p not in declared]
    if unknown:
        raise ConfigError(f"{notebook.name} has no parameter(s) {unknown}; its parameters are {list(declared)}")
    merged = {**declared, **parameters}
    config.load("grid", **{name: merged[name] for name in GRID_SCALARS if name in merged})
    return {name: parameters[name] for name in declared if name in parameters}


def run(notebook: str | Path, parameters: dict[str, Any] | None = None, out: Path | None = None) -> Path:
    """Execute ``notebook`` with ``parameters`` (cwd = repo root); returns the executed .ipynb path."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    parameters = dict(parameters or {})
    root = paths.root()
    path = Path(notebook)
    path = path if path.is_absolute() else root / path
    if not path.is_file():
        raise ConfigError(f"notebook {notebook} not found under {root}")
    nb = read(path)
    parameters = check_parameters(path, nb, parameters)
    out = out or paths.executed_notebook(path, parameters)
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            nb,
            str(out),
            parameters=parameters,
            cwd=str(root),
            kernel_name=KERNELSPEC["name"],
            progress_bar=False,
            kernel_manager_class=_kernel_manager_class(),
        )
    except PapermillExecutionError as exc:
        raise NotebookFailed(
            f"{path.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}\nfull traceback in {out}"
        ) from None
    print(
        f"ran {path.relative_to(root)} {parameters} in {time.perf_counter() - start:.1f}s -> "
        f"{out.relative_to(root) if out.is_relative_to(root) else out}"
    )
    return out

"""Run a jupytext notebook through papermill from the repository root, after validating its parameters."""

from __future__ import annotations

import ast
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from cod import paths
from cod.errors import CodError, ConfigError

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
GRID_SCALARS = ("dataset", "k", "seed", "method", "mode")

# What makes an executed notebook differ between two runs of the same inputs on one machine: clock
# readings (papermill's and the kernel's), random cell ids, absolute paths, and progress bars' timings
# and intermediate states. They are removed so that the notebook, a DVC output, hashes the same.
VOLATILE_PAPERMILL = ("start_time", "end_time", "duration")
VOLATILE_CELL_METADATA = ("execution",)  # iopub.status.busy / execute_input / ... timestamps
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"  # a random model id; its state is not saved
# tqdm's "[elapsed<remaining, rate, postfix]" (or "[elapsed, rate]"); the postfix is kept.
TQDM_TIMES = re.compile(r" ?\[(?:\d+:)?\d\d:\d\d(?:<(?:(?:\d+:)?\d\d:\d\d|\?))?,[^,\]]*(,[^\]]*)?\]")


def quiet_shutdown(manager: Any) -> bool:
    """Whether ``manager`` is shutting its kernel down: a notebook has finished (or failed) and the kernel is idle.

    jupyter_client interrupts a kernel before asking it to shut down; the SIGINT then often lands while the kernel
    handles a message and it logs ``[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel`` to the terminal, a
    stray line before the real error. Not sent, the shutdown request alone stops the kernel (a kernel that does not
    answer it is still killed after ``shutdown_wait_time``).
    """
    return bool(manager.shutting_down)


def _kernel_manager_class() -> type:
    """A kernel manager talking to the kernel over local IPC sockets instead of unencrypted TCP."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc")
            # socket files go to a temp folder, not the cwd (the repo root), so a killed kernel leaves none there
            self._socket_dir = tempfile.mkdtemp(prefix="cod-kernel-")
            kwargs.setdefault("ip", os.path.join(self._socket_dir, "kernel"))
            super().__init__(**kwargs)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart:  # the folder goes with the kernel: one run per stage would otherwise leave one each
                shutil.rmtree(self._socket_dir, ignore_errors=True)

        async def _async_interrupt_kernel(self) -> None:
            """Interrupt the kernel, except on the way to shutting it down (see quiet_shutdown)."""
            if not quiet_shutdown(self):
                await super()._async_interrupt_kernel()

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


def _postfix_only(match: re.Match[str]) -> str:
    """tqdm's bracket without its clock readings and rate: `` [postfix]`` or nothing."""
    postfix = (match.group(1) or "").lstrip(", ")
    return f" [{postfix}]" if postfix else ""


def as_displayed(text: str) -> str:
    """Stream text as Jupyter shows it: each line's last carriage-return segment, tqdm timings removed."""
    lines = []
    for line in re.sub(r"\r+\n", "\n", text).split("\n"):
        if "\r" in line:  # a progress bar redrawn in place: only its final state is seen (padding dropped)
            line = line.rsplit("\r", 1)[1].rstrip()
        lines.append(TQDM_TIMES.sub(_postfix_only, line))
    return "\n".join(lines)


def stable_outputs(outputs: list[Any], root: Path) -> list[Any]:
    """Outputs with consecutive chunks of one stream merged and shown as displayed, widget views dropped, and paths
    inside ``root`` (a warning's file name, say) written relative to it, so that two checkouts write the same text."""
    inside = f"{root.as_posix().rstrip('/')}/"
    out: list[Any] = []
    for output in outputs:
        if output.get("output_type") == "stream" and out and out[-1].get("name") == output.get("name"):
            out[-1]["text"] += output["text"]
            continue
        if "data" in output:
            output["data"].pop(WIDGET_VIEW, None)
            if isinstance(output["data"].get("text/plain"), str):
                plain = TQDM_TIMES.sub(_postfix_only, output["data"]["text/plain"])
                output["data"]["text/plain"] = plain.replace(inside, "")
        out.append(output)
    for output in out:
        if output.get("output_type") == "stream":
            output["text"] = as_displayed(output["text"]).replace(inside, "")
    return [o for o in out if o.get("output_type") != "stream" or o["text"]]


def _relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when inside it, else as given."""
    path = Path(path)
    return path.relative_to(root).as_posix() if path.is_absolute() and path.is_relative_to(root) else str(path)


def stabilise(nb: Any, *, source: Path, out: Path, root: Path) -> Any:
    """Remove what differs between two runs of the same notebook on the same inputs (see VOLATILE_*)."""
    papermill = nb.metadata.get("papermill", {})
    for key in VOLATILE_PAPERMILL:
        papermill.pop(key, None)
    if papermill:
        papermill["input_path"] = _relative(source, root)  # papermill stores the whole input notebook here
        papermill["output_path"] = _relative(out, root)
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"  # jupytext and papermill draw random ids
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        for key in VOLATILE_PAPERMILL:
            cell.metadata.get("papermill", {}).pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = stable_outputs(cell.outputs, root)
    return nb


def write_stable(out: Path, *, source: Path, root: Path) -> None:
    """Rewrite the executed notebook ``out`` without volatile metadata (byte-identical across re-runs)."""
    import nbformat

    nb = nbformat.read(out, as_version=4)
    nbformat.write(stabilise(nb, source=source, out=out, root=root), out)


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
    write_stable(out, source=path, root=root)  # a failed run keeps its timings, for debugging
    print(
        f"ran {path.relative_to(root)} {parameters} in {time.perf_counter() - start:.1f}s -> "
        f"{out.relative_to(root) if out.is_relative_to(root) else out}"
    )
    return out

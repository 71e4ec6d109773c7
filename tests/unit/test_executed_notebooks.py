"""Executed notebooks are DVC outputs: two runs of the same inputs must write the same bytes."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cod import nb

ROOT = Path("/repo")


def bar(chunks: list[str]) -> list:
    """A tqdm bar as the kernel sends it: one stderr output per redraw."""
    return [new_output("stream", name="stderr", text=chunk) for chunk in chunks]


def executed(start: str, rates: tuple[str, str], redraws: int, where: Path) -> nbformat.NotebookNode:
    """An executed notebook as papermill writes it, with the clock readings and ids of one run."""
    cells = [new_markdown_cell("# title"), new_code_cell("x = 1"), new_code_cell("train()")]
    middle = [f"\rtrain:  50%|█████     | 1/2 [00:0{i}<00:01,  {rates[0]}it/s, loss=0.5]" for i in range(redraws)]
    cells[2].outputs = [
        new_output("stream", name="stdout", text="rows: 10\n"),
        *bar(["\rtrain:   0%|          | 0/2 [00:00<?, ?it/s]", *middle]),
        *bar([f"\rtrain: 100%|██████████| 2/2 [00:02<00:00, {rates[1]}s/it, loss=0.25]", "\n"]),
        new_output("display_data", data={"text/plain": "shown"}),
    ]
    cells[2].execution_count = 1
    for cell in cells:
        cell.metadata["papermill"] = {"start_time": start, "end_time": start, "duration": 0.1, "status": "completed"}
    cells[2].metadata["execution"] = {"iopub.status.busy": start, "shell.execute_reply": start}
    notebook = new_notebook(cells=cells)
    notebook.metadata["papermill"] = {
        "start_time": start,
        "end_time": start,
        "duration": 2.5,
        "input_path": {"cells": [{"id": cells[0].id}]},
        "output_path": str(where / "reports/executed/x/a.ipynb"),
        "parameters": {"seed": 0},
    }
    return notebook


def stable_bytes(notebook: nbformat.NotebookNode) -> str:
    out = ROOT / "reports/executed/x/a.ipynb"
    return nbformat.writes(nb.stabilise(notebook, source=ROOT / "notebooks/x.py", out=out, root=ROOT))


def test_two_runs_of_the_same_inputs_write_the_same_notebook():
    one = executed("2026-01-01T10:00:00", ("1.51", "1.20"), redraws=1, where=ROOT)
    two = executed("2026-03-05T17:30:12", ("12.04", "0.93"), redraws=3, where=ROOT)
    assert nbformat.writes(one) != nbformat.writes(two)
    assert stable_bytes(one) == stable_bytes(two)


def test_what_is_kept_of_an_executed_notebook():
    notebook = executed("2026-01-01T10:00:00", ("1.51", "1.20"), redraws=2, where=ROOT)
    stable = nbformat.reads(stable_bytes(notebook), as_version=4)
    nbformat.validate(stable)
    assert [c.id for c in stable.cells] == ["cell-0", "cell-1", "cell-2"]
    assert stable.metadata.papermill == {
        "input_path": "notebooks/x.py",
        "output_path": "reports/executed/x/a.ipynb",
        "parameters": {"seed": 0},
    }
    assert stable.cells[2].metadata == {"papermill": {"status": "completed"}}
    outputs = stable.cells[2].outputs
    assert [o.get("name", o.output_type) for o in outputs] == ["stdout", "stderr", "display_data"]
    assert outputs[1].text == "train: 100%|██████████| 2/2 [loss=0.25]\n"  # the bar's final state, no clock


def test_as_displayed_keeps_plain_text_and_the_last_redraw():
    assert nb.as_displayed("a\nb [x]\n") == "a\nb [x]\n"
    assert nb.as_displayed("\rdone: 3it [00:01,  2.9it/s]   \r\n") == "done: 3it\n"
    assert nb.as_displayed("\rbar 1/2 [00:00<00:01, 3.1it/s]\r   \r") == ""  # leave=False clears its line
    assert nb.as_displayed("\rx [1:02:03<00:00:01, 10.0examples/s, a=1, b=2]\n") == "x [a=1, b=2]\n"


def test_two_checkouts_write_the_same_notebook():
    """A warning names a file under the checkout (its virtualenv, say): written relative, the bytes do not depend on
    where the repository was cloned."""
    texts = {}
    for root in (Path("/work/main"), Path("/home/someone/cod")):
        notebook = executed("2026-01-01T10:00:00", ("1.51", "1.20"), redraws=1, where=root)
        warning = f"{root}/.venv/lib/python3.11/site-packages/tqdm/auto.py:21: TqdmWarning: IProgress not found\n"
        notebook.cells[2].outputs.insert(0, new_output("stream", name="stderr", text=warning))
        notebook.cells[2].outputs.append(new_output("execute_result", data={"text/plain": f"'{root}/models/x'"}))
        out = root / "reports/executed/x/a.ipynb"
        texts[root] = nbformat.writes(nb.stabilise(notebook, source=root / "notebooks/x.py", out=out, root=root))
    one, two = texts.values()
    assert one == two and ".venv/lib/python3.11/site-packages/tqdm/auto.py:21" in one and "'models/x'" in one

"""The paper's transcribed numbers (Tables 1, 2, 4, 5, 6 and 8) and how our datasets and model pairs map onto
them: the stand-in datasets, the teacher → student pair keys, the paper's CoD gains."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

import pandas as pd

from cod.data import registry
from cod.models.names import model_name


def paper_results() -> pd.DataFrame:
    """The paper's Tables 1, 2, 5 and 6 as one long table (transcribed from the spec into paper_results.csv)."""
    with resources.files("cod.report").joinpath("paper_results.csv").open() as fh:
        table = pd.read_csv(fh, comment="#", dtype={"table": str})
    table["note"] = table["note"].fillna("")
    return table


def paper_extra() -> pd.DataFrame:
    """The paper's Table 4 (teacher accuracy) and Table 8 (wall time) numbers, transcribed into paper_extra.csv."""
    with resources.files("cod.report").joinpath("paper_extra.csv").open() as fh:
        table = pd.read_csv(fh, comment="#", dtype={"table": str, "method": str, "mode": str, "k": "Int64"})
    table["note"] = table["note"].fillna("")
    return table


# The paper's teacher → student pairs (model names without organisation, lower case) → `pair` of paper_results.csv.
PAPER_PAIRS: dict[tuple[str, str], str] = {
    ("deberta-v3-base", "deberta-v3-small"): "deberta-v3-base->small",
    ("deberta-v3-base", "deberta-v3-xsmall"): "deberta-v3-base->xsmall",
    ("qwen2.5-1.5b", "qwen2.5-0.5b"): "qwen2.5-1.5b->0.5b",
}


def pair_key(teacher: str, student: str, student_layers: Sequence[int] | None = None) -> str:
    """The paper's key of a teacher → student pair (paper_results.csv `pair`), else our own, e.g. 'a->b[0,2,4]'."""
    t, s = model_name(teacher), model_name(student)
    if student_layers is None and (t.lower(), s.lower()) in PAPER_PAIRS:
        return PAPER_PAIRS[(t.lower(), s.lower())]
    layers = "" if student_layers is None else "[" + ",".join(str(int(i)) for i in student_layers) + "]"
    return f"{t}->{s}{layers}"


def stand_in(dataset: str) -> str | None:
    """The embedded dataset that stands in for a paper dataset offline (rt_sentences for sst2), if any."""
    proxies = {info.paper_proxy: name for name, info in registry.BUILTIN.items() if info.paper_proxy}
    return proxies.get(dataset)


def paper_dataset(dataset: str) -> str:
    """The paper dataset one of ours is compared with: itself, or the one an embedded stand-in replaces."""
    info = registry.BUILTIN.get(dataset)
    return info.paper_proxy if info is not None and info.paper_proxy else dataset


def paper_gains(paper: pd.DataFrame, datasets: list[str], table: str = "1") -> pd.DataFrame:
    """The paper's CoD − clean gain (its mean over seeds) per method and k, for each of our datasets: the row of the
    paper dataset it is or stands in for, from Table ``table``'s first teacher → student pair that has it."""
    columns = ["dataset", "paper_dataset", "pair", "method", "k", "gain"]
    rows = []
    for dataset in datasets:
        target = paper_dataset(dataset)
        cells = paper[(paper["table"] == table) & (paper["dataset"] == target)]
        if cells.empty:
            continue
        cells = cells[cells["pair"] == cells["pair"].iloc[0]]
        wide = cells.pivot_table(index=["method", "k"], columns="mode", values="mean")
        if not {"clean", "cod"} <= set(wide.columns):
            continue
        for (method, k), gain in (wide["cod"] - wide["clean"]).dropna().items():
            rows.append([dataset, target, cells["pair"].iloc[0], method, int(k), float(gain)])
    return pd.DataFrame(rows, columns=columns)

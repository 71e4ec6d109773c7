"""Tables in the paper's layout (Markdown + LaTeX) and the side-by-side comparison with the paper's numbers."""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import pandas as pd

from cod.data import registry

METHOD_ROWS = {"kd": "KD", "lwd": "LWD", "ted": "TED"}
PAIR_OF_TABLE = {
    "1": "DeBERTa-v3-base → small",
    "2": "DeBERTa-v3-base → small (TED)",
    "5": "DeBERTa-v3-base → xsmall",
    "6": "Qwen2.5-1.5B → 0.5B",
}


def paper_results() -> pd.DataFrame:
    """The paper's Tables 1, 2, 5 and 6 as one long table (transcribed from the spec into paper_results.csv)."""
    with resources.files("cod.report").joinpath("paper_results.csv").open() as fh:
        table = pd.read_csv(fh, comment="#", dtype={"table": str})
    table["note"] = table["note"].fillna("")
    return table


def cell(mean: float, std: float, n: int | None = None) -> str:
    """'mean±std' with one decimal ('–' for a missing mean, no ± when std is undefined)."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "–"
    text = f"{mean:.1f}"
    if std is not None and not (isinstance(std, float) and math.isnan(std)):
        text += f"±{std:.1f}"
    return text


def table1(summary: pd.DataFrame) -> pd.DataFrame:
    """Paper Table 1 layout: rows dataset × (method, +CoD), columns k, cells mean±std over seeds."""
    rows = []
    for (dataset, method), group in summary.groupby(["dataset", "method"], sort=False):
        for mode in ("clean", "cod"):
            cells = group[group["mode"] == mode].set_index("k")
            if cells.empty:
                continue
            label = METHOD_ROWS.get(method, method) if mode == "clean" else "+CoD"
            row = {"dataset": dataset, "method": label}
            for k, r in cells.sort_index().iterrows():
                row[str(k)] = cell(r["mean"], r["std"])
            rows.append(row)
    return pd.DataFrame(rows)


def _better_mask(summary: pd.DataFrame) -> set[tuple[str, str, str, int]]:
    """(dataset, method, mode, k) cells whose mean beats the other data mode of the same method (bold in LaTeX)."""
    best = set()
    wide = summary.pivot_table(index=["dataset", "method", "k"], columns="mode", values="mean")
    for (dataset, method, k), row in wide.iterrows():
        if {"clean", "cod"} <= set(row.index) and not row.isna().any() and row["cod"] != row["clean"]:
            best.add((dataset, method, "cod" if row["cod"] > row["clean"] else "clean", k))
    return best


def to_markdown(table: pd.DataFrame) -> str:
    """A GitHub Markdown table (no extra dependency)."""
    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def to_latex(summary: pd.DataFrame, caption: str) -> str:
    """Table 1 as a booktabs LaTeX table; the better of baseline / +CoD per cell in bold."""
    ks = sorted(summary["k"].unique())
    best = _better_mask(summary)
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        rf"\caption{{{caption}}}",
        r"\begin{tabular}{ll" + "c" * len(ks) + "}",
        r"\toprule",
        "Dataset & Method & " + " & ".join(f"$k={k}$" for k in ks) + r" \\",
        r"\midrule",
    ]
    for dataset, by_dataset in summary.groupby("dataset", sort=False):
        first = True
        for method, group in by_dataset.groupby("method", sort=False):
            for mode in ("clean", "cod"):
                cells = group[group["mode"] == mode].set_index("k")
                if cells.empty:
                    continue
                texts = []
                for k in ks:
                    if k not in cells.index:
                        texts.append("--")
                        continue
                    r = cells.loc[k]
                    text = cell(r["mean"], r["std"]).replace("±", r"$\pm$").replace("–", "--")
                    texts.append(rf"\textbf{{{text}}}" if (dataset, method, mode, k) in best else text)
                label = METHOD_ROWS.get(method, method) if mode == "clean" else "+CoD"
                name = dataset.replace("_", r"\_") if first else ""
                lines.append(f"{name} & {label} & " + " & ".join(texts) + r" \\")
                first = False
        lines.append(r"\midrule")
    lines[-1] = r"\bottomrule"
    lines += [r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def write_table1(summary: pd.DataFrame, out_dir: Path, value: str, n_note: str) -> list[Path]:
    """reports/tables/table1_<value>.md and .tex."""
    out_dir.mkdir(parents=True, exist_ok=True)
    what = "test accuracy at the best-validation epoch" if value == "test" else "best validation accuracy (paper's)"
    caption = f"Accuracy (\\%) of the distilled student, {what}; mean $\\pm$ sample std over seeds ({n_note})."
    md = out_dir / f"table1_{value}.md"
    md.write_text(
        f"Accuracy (%) of the distilled student, {what}; mean ± sample std over seeds ({n_note}).\n\n"
        + to_markdown(table1(summary))
        + "\n"
    )
    tex = out_dir / f"table1_{value}.tex"
    tex.write_text(to_latex(summary, caption))
    return [md, tex]


def stand_in(dataset: str) -> str | None:
    """The embedded dataset that stands in for a paper dataset offline (rt_sentences for sst2), if any."""
    proxies = {info.paper_proxy: name for name, info in registry.BUILTIN.items() if info.paper_proxy}
    return proxies.get(dataset)


def comparison(paper: pd.DataFrame, val: pd.DataFrame, test: pd.DataFrame, tables: list[str]) -> pd.DataFrame:
    """Every paper number of ``tables`` with ours beside it (best-val = paper's metric, and test) where a run exists."""
    keys = ["dataset", "method", "mode", "k"]
    ours_val = val.set_index(keys)
    ours_test = test.set_index(keys)
    rows = []
    for r in paper[paper["table"].isin(tables)].itertuples(index=False):
        match = _match(r.dataset, r.method, r.mode, r.k, ours_val.index)
        row = {
            "table": r.table,
            "dataset": r.dataset,
            "method": r.method,
            "mode": r.mode,
            "k": r.k,
            "paper": cell(r.mean, r.std),
            "ours_dataset": "",
            "ours_val": "",
            "ours_test": "",
            "n": "",
            "delta_val": "",
            "note": r.note,
        }
        if match is not None:
            v, t = ours_val.loc[match], ours_test.loc[match]
            row.update(
                ours_dataset=match[0] + (" †" if match[0] != r.dataset else ""),
                ours_val=cell(v["mean"], v["std"]),
                ours_test=cell(t["mean"], t["std"]),
                n=f"{int(v['n'])}/{int(v['n_expected'])}",
                delta_val="" if math.isnan(v["mean"]) else f"{v['mean'] - r.mean:+.1f}",
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _match(dataset: str, method: str, mode: str, k: int, index: pd.Index) -> tuple | None:
    """Our (dataset, method, mode, k) for a paper cell: the same dataset if we ran it, else its embedded stand-in."""
    for candidate in (dataset, stand_in(dataset)):
        key = (candidate, method, mode, k)
        if candidate is not None and key in index:
            return key
    return None


def write_comparison(table: pd.DataFrame, out: Path, setting: str) -> Path:
    """reports/paper_comparison.md: one section per paper table, every paper number listed."""
    matched = (table["ours_val"] != "").sum()
    parts = [
        "# Our runs beside the paper's numbers",
        "",
        f"Every number of the paper's Tables {', '.join(sorted(table['table'].unique()))} "
        f"({len(table)} cells, transcribed in `src/cod/report/paper_results.csv` "
        "from `../shared/spec/cod-paper.md` §5)."
        f" {matched} of them have a run of ours beside them.",
        "",
        f"Ours: {setting}. `ours_val` is the paper's metric (best validation accuracy over evaluations), "
        "`ours_test` the test accuracy at that epoch; both mean±sample std over seeds, `n` = runs found / expected. "
        "`delta_val` = ours_val − paper. † = an embedded stand-in dataset (offline default), not the paper's data: "
        "rt_sentences (Pang & Lee sentences, the source of SST-2) stands in for sst2, movie_reviews for imdb. "
        "Model pairs differ unless the paper profile was run, so compare trends (CoD vs baseline), not levels.",
        "",
    ]
    for number, group in table.groupby("table", sort=True):
        parts += [
            f"## Table {number}: {PAIR_OF_TABLE.get(number, '')}",
            "",
            to_markdown(group.drop(columns="table")),
            "",
        ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(parts))
    return out

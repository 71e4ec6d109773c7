"""Table 1 in the paper's layout (Markdown + LaTeX): methods × k per dataset, balanced-accuracy rows, reference
levels, and where the arms stand beside those levels."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from cod.method_registry import display_name, in_order
from cod.report.marks import SHORT_MARK, cell, mode_label, short_cells, short_note, to_markdown

LEVEL_LABELS = {
    "chance": "chance",
    "lexicon": "VADER (label-free)",
    "probe": "linear probe",
    "teacher": "teacher",
}
LEVELS_NOTE = (
    "Reference levels on the same evaluation rows: *chance* = always the training split's majority class; "
    "*VADER (label-free)* = the sign of VADER's compound score, no labels used (ties count ½; only for binary "
    "negative/positive single-text data); *linear probe* = logistic regression (C = 1, no tuning) on the frozen "
    "student encoder's mean-pooled states, trained on the same k clean rows as each seed's students (mean ± sample "
    "std over seeds); *teacher* = the fine-tuned teacher."
)


def level_cell(r: Any) -> str:
    """A reference level's cell: mean (± std over seeds when it has one), 'n/a' (not applicable), '–' (missing)."""
    if r["status"] == "not_applicable":
        return "n/a"
    if r["status"] != "ok":
        return "–"
    return cell(r["mean"], r["std"])


def level_rows(levels: pd.DataFrame | None, dataset: str) -> list[dict[str, str]]:
    """Table 1 rows of one dataset's reference levels (one column per k)."""
    if levels is None or levels.empty:
        return []
    rows = []
    mine = levels[levels["dataset"] == dataset]
    for level, group in mine.groupby("level", sort=False):
        row = {"dataset": dataset, "method": f"· {LEVEL_LABELS.get(str(level), str(level))}"}
        for r in group.sort_values("k").to_dict(orient="records"):
            row[str(r["k"])] = level_cell(r)
        rows.append(row)
    return rows


def method_rows(
    group: pd.DataFrame, dataset: str, method: str, short: dict[tuple, float], suffix: str = ""
) -> list[dict[str, str]]:
    """Table 1 rows of one dataset × method (``group``: its summary rows): the baseline, then +CoD, each label
    followed by ``suffix``; cells mean±std per k (‡ = short CoD)."""
    rows = []
    for mode in ("clean", "cod"):
        cells = group[group["mode"] == mode].set_index("k")
        if cells.empty:
            continue
        row = {"dataset": dataset, "method": (display_name(method) if mode == "clean" else "+CoD") + suffix}
        for k, r in cells.sort_index().iterrows():
            mark = f" {SHORT_MARK}" if (dataset, method, mode, int(k)) in short else ""
            row[str(k)] = cell(r["mean"], r["std"]) + mark
        rows.append(row)
    return rows


# the rows of a dataset whose test split is imbalanced: the same students' balanced accuracy (BALANCED_NOTE)
BALANCED_SUFFIX = " (bal. acc.)"
BALANCED_NOTE = (
    "(bal. acc.) rows: the same students' balanced accuracy (mean recall over the classes; chance = 1/C), shown for "
    "a dataset whose test split is imbalanced (its largest class has more than teacher.imbalance_ratio times the "
    "rows of its smallest). The verdict decides on accuracy."
)


def table1(
    summary: pd.DataFrame, levels: pd.DataFrame | None = None, balanced: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Paper Table 1 layout: rows dataset × (method, +CoD), columns k, cells mean±std over seeds (‡ = short CoD);
    then, for the imbalanced datasets in ``balanced`` (the balanced-accuracy summary), the same rows in balanced
    accuracy; then each dataset's reference levels (``levels``: report.references.reference_levels), rows marked '·'."""
    short = short_cells(summary)
    rows = []
    groups = dict(list(summary.groupby(["dataset", "method"], sort=False)))
    has_balanced = balanced is not None and len(balanced) > 0
    extra = dict(list(balanced.groupby(["dataset", "method"], sort=False))) if has_balanced else {}
    datasets = list(dict.fromkeys(summary["dataset"]))
    for dataset in datasets:
        for method in [m for m in in_order(summary["method"]) if (dataset, m) in groups]:
            rows += method_rows(groups[dataset, method], dataset, method, short)
            if (dataset, method) in extra:
                rows += method_rows(extra[dataset, method], dataset, method, short, BALANCED_SUFFIX)
        rows += level_rows(levels, dataset)
    return pd.DataFrame(rows)


def standing_table(
    summary: pd.DataFrame, levels: pd.DataFrame | None, kinds: dict[str, str] | None = None
) -> pd.DataFrame:
    """Where the arms stand: per dataset × k × method, the reference levels below the students and the teacher
    above them, beside every arm's mean ± sd (``summary``: the test summary; ``levels``: reference_levels)."""
    rows = []
    for (dataset, k, method), group in summary.groupby(["dataset", "k", "method"], sort=False):
        row: dict[str, str] = {"dataset": dataset, "k": str(int(k)), "method": display_name(str(method))}
        mine = levels[(levels["dataset"] == dataset) & (levels["k"] == k)] if levels is not None else pd.DataFrame()
        by_level = {r["level"]: r for r in mine.to_dict(orient="records")}
        for level in ("chance", "lexicon", "probe"):
            row[LEVEL_LABELS[level]] = level_cell(by_level[level]) if level in by_level else "–"
        for r in group.to_dict(orient="records"):
            row[mode_label(str(r["mode"]), kinds)] = cell(r["mean"], r["std"])
        row["teacher"] = level_cell(by_level["teacher"]) if "teacher" in by_level else "–"
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


def write_table1(
    summary: pd.DataFrame,
    out_dir: Path,
    value: str,
    n_note: str,
    levels: pd.DataFrame | None = None,
    balanced: pd.DataFrame | None = None,
    caps: Sequence[str] = (),
) -> list[Path]:
    """reports/tables/table1_<value>.md and .tex, with each dataset's reference levels (``levels``) below it; the
    Markdown also has the balanced-accuracy rows of the imbalanced datasets (``balanced``) and a line per capped
    evaluation split (``caps``: aggregate.evaluation_caps)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    what = "test accuracy at the best-validation epoch" if value == "test" else "best validation accuracy (paper's)"
    caption = f"Accuracy (\\%) of the distilled student, {what}; mean $\\pm$ sample std over seeds ({n_note})."
    note = short_note(short_cells(summary))
    md = out_dir / f"table1_{value}.md"
    md.write_text(
        f"Accuracy (%) of the distilled student, {what}; mean ± sample std over seeds ({n_note}).\n\n"
        + to_markdown(table1(summary, levels, balanced))
        + "\n"
        + (f"\n{note}\n" if note else "")
        + (f"\n{BALANCED_NOTE}\n" if balanced is not None and len(balanced) else "")
        + (f"\n{LEVELS_NOTE}\n" if levels is not None and len(levels) else "")
        + "".join(f"\n{cap}\n" for cap in caps)
    )
    tex = out_dir / f"table1_{value}.tex"
    tex.write_text(to_latex(summary, caption, levels))
    return [md, tex]


def to_latex(summary: pd.DataFrame, caption: str, levels: pd.DataFrame | None = None) -> str:
    """Table 1 as booktabs LaTeX (better mode in bold), CoD cells short of their CFE budget marked ‡ + footnote,
    each dataset's reference levels (``levels``) in italics below its rows."""
    ks = sorted(summary["k"].unique())
    best, short = _better_mask(summary), short_cells(summary)
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
                    text = rf"\textbf{{{text}}}" if (dataset, method, mode, k) in best else text
                    texts.append(text + (r"$^{\ddagger}$" if (dataset, method, mode, int(k)) in short else ""))
                label = display_name(method) if mode == "clean" else "+CoD"
                name = dataset.replace("_", r"\_") if first else ""
                lines.append(f"{name} & {label} & " + " & ".join(texts) + r" \\")
                first = False
        for row in level_rows(levels, str(dataset)):
            texts = [row.get(str(k), "--").replace("±", r"$\pm$").replace("–", "--") for k in ks]
            lines.append(r" & \textit{" + row["method"].removeprefix("· ") + "} & " + " & ".join(texts) + r" \\")
        lines.append(r"\midrule")
    lines[-1] = r"\bottomrule"
    lines.append(r"\end{tabular}")
    note = short_note(short)
    if note:
        escaped = note.replace(SHORT_MARK, r"$^{\ddagger}$").replace("%", r"\%").replace("_", r"\_")
        lines += [r"\par\smallskip", r"{\footnotesize " + escaped.replace("·", r"$\cdot$") + "}"]
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"

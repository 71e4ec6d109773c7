"""reports/paper_comparison.md: our runs beside the paper's numbers (same pair), the direction of the CoD gain
(other pairs), the teachers beside Table 4 and our compute beside Table 8."""

from __future__ import annotations

import math
import os
from typing import Any

import pandas as pd

from cod.models.names import model_name
from cod.report.marks import cell, number_cell, to_markdown
from cod.report.paper_numbers import paper_dataset, paper_extra, stand_in

PAIR_OF_TABLE = {
    "1": "DeBERTa-v3-base → small",
    "2": "DeBERTa-v3-base → small (TED)",
    "5": "DeBERTa-v3-base → xsmall",
    "6": "Qwen2.5-1.5B → 0.5B",
}
CELL_KEYS = ["dataset", "method", "mode", "k"]
STAND_IN_MARK = "†"
AMBIGUOUS = "ambiguous_order"  # note token of the paper cells whose row the spec could not resolve ('/')
AMBIGUOUS_MARK = "⇅"  # ‡ is taken (a CoD cell short of its CFE budget)
DIRECTION_TITLE = "Same dataset/method/mode/k, different models: compare direction (CoD gain sign), not level"
NOT_RECORDED = "not recorded"


def _ours_label(ours: str, paper: str) -> str:
    """Our dataset name, marked † when it only stands in for the paper's dataset."""
    return ours + (f" {STAND_IN_MARK}" if ours != paper else "")


def paper_cell(mean: float, std: float, note: str) -> str:
    """A paper number as 'mean±std', marked ⇅ when the spec could not resolve its row."""
    return cell(mean, std) + (f" {AMBIGUOUS_MARK}" if AMBIGUOUS in note else "")


def _indexed(summary: pd.DataFrame) -> pd.DataFrame:
    """A summary frame indexed by (dataset, method, mode, k); empty (with that index) when there are no cells."""
    if summary.empty or not set(CELL_KEYS) <= set(summary.columns):
        empty = pd.MultiIndex.from_tuples([], names=CELL_KEYS)
        return pd.DataFrame(columns=["mean", "std", "n", "n_expected"], index=empty)
    return summary.set_index(CELL_KEYS)


def comparison(
    paper: pd.DataFrame, val: pd.DataFrame, test: pd.DataFrame, tables: list[str], pair: str
) -> pd.DataFrame:
    """Every paper number of ``tables``; ours (best val = paper's metric, and test) beside our pair's cells only."""
    ours_val, ours_test = _indexed(val), _indexed(test)
    rows = []
    for r in paper[paper["table"].isin(tables)].itertuples(index=False):
        match = _match(r.dataset, r.method, r.mode, r.k, ours_val.index) if r.pair == pair else None
        row = {
            "table": r.table,
            "pair": r.pair,
            "dataset": r.dataset,
            "method": r.method,
            "mode": r.mode,
            "k": r.k,
            "paper": paper_cell(r.mean, r.std, r.note),
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
                ours_dataset=_ours_label(match[0], r.dataset),
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


def placed(table: pd.DataFrame) -> pd.DataFrame:
    """Our distinct (dataset, method, mode, k) cells that sit beside a paper number, with their run count."""
    hits = table[table["ours_dataset"] != ""]
    cells = pd.DataFrame(
        {
            "dataset": hits["ours_dataset"].str.replace(f" {STAND_IN_MARK}", "", regex=False),
            "method": hits["method"],
            "mode": hits["mode"],
            "k": hits["k"].astype(int),
            "runs": hits["n"].str.split("/").str[0].astype(int),
        }
    )
    return cells.drop_duplicates(CELL_KEYS).reset_index(drop=True)


def _gain(means: pd.Series, dataset: str, method: str, k: int) -> float:
    """+CoD mean − baseline mean of one dataset × method × k (NaN when either side is missing)."""
    try:
        return float(means.loc[(dataset, method, "cod", k)]) - float(means.loc[(dataset, method, "clean", k)])
    except KeyError:
        return math.nan


def same_sign(paper_gain: float, ours_gain: float) -> str:
    """'yes' / 'no' when both CoD gains point the same / opposite way, 'tie' when one rounds to 0.0, '' if unknown."""
    if math.isnan(paper_gain) or math.isnan(ours_gain):
        return ""
    if round(paper_gain, 1) == 0 or round(ours_gain, 1) == 0:
        return "tie"
    return "yes" if (paper_gain > 0) == (ours_gain > 0) else "no"


def direction(
    paper: pd.DataFrame,
    val: pd.DataFrame,
    test: pd.DataFrame,
    skip: pd.DataFrame | None = None,
    table: str = "1",
) -> pd.DataFrame:
    """Each of our cells not in ``skip`` (the placed ones), once, beside the same cell of paper ``table``."""
    ref = paper[paper["table"] == table].set_index(CELL_KEYS)
    ours_val, ours_test = _indexed(val), _indexed(test)
    done = set() if skip is None else set(skip[CELL_KEYS].itertuples(index=False, name=None))
    rows = []
    for key, v in ours_val.iterrows():
        dataset, method, mode, k = key[0], key[1], key[2], int(key[3])
        if (dataset, method, mode, k) in done:
            continue
        theirs = paper_dataset(dataset)
        found = (theirs, method, mode, k) in ref.index
        p = ref.loc[(theirs, method, mode, k)] if found else None
        t = ours_test.loc[key] if key in ours_test.index else v
        row = {
            "dataset": _ours_label(dataset, theirs) if found else dataset,
            "method": method,
            "mode": mode,
            "k": k,
            "paper": paper_cell(p["mean"], p["std"], p["note"]) if found else "",
            "paper_pair": p["pair"] if found else "",
            "ours_val": cell(v["mean"], v["std"]),
            "ours_test": cell(t["mean"], t["std"]),
            "n": f"{int(v['n'])}/{int(v['n_expected'])}",
            "paper_gain": "",
            "ours_gain_val": "",
            "same_sign": "",
            "note": p["note"] if found else f"no cell in Table {table}",
        }
        if mode == "cod":
            theirs_gain = _gain(ref["mean"], theirs, method, k)
            ours_gain = _gain(ours_val["mean"], dataset, method, k)
            sides = [(theirs, method, m, k) for m in ("clean", "cod")]
            notes = [ref.loc[side, "note"] for side in sides if side in ref.index]
            mark = f" {AMBIGUOUS_MARK}" if any(AMBIGUOUS in n for n in notes) else ""
            row.update(
                paper_gain="" if math.isnan(theirs_gain) else f"{theirs_gain:+.1f}{mark}",
                ours_gain_val="" if math.isnan(ours_gain) else f"{ours_gain:+.1f}",
                same_sign=same_sign(theirs_gain, ours_gain),
            )
        rows.append(row)
    columns = [
        "dataset", "method", "mode", "k", "paper", "paper_pair", "ours_val", "ours_test", "n",
        "paper_gain", "ours_gain_val", "same_sign", "note",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def paper_table4(extra: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 4 in its layout: one row per teacher model, one column per dataset."""
    t4 = extra[extra["table"] == "4"]
    datasets = list(dict.fromkeys(t4["dataset"]))
    rows = []
    for model, group in t4.groupby("model", sort=False):
        values = group.set_index("dataset")["value"]
        rows.append({"teacher": model, **{d: number_cell(values.get(d, math.nan)) for d in datasets}})
    return pd.DataFrame(rows, columns=["teacher", *datasets])


def pair_cell(row: Any, key: str, decimals: int = 1) -> str:
    """A teacher's validation and test ``key`` as 'validation / test' ('82.8 / 80.1'; '–' for a missing one)."""
    return " / ".join(
        number_cell(getattr(row, f"{split}_{key}", math.nan), 1.0, decimals) for split in ("validation", "test")
    )


def teacher_comparison(teachers: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """Our teachers (one row per dataset), their accuracy, balanced accuracy and MCC, beside the paper's Table 4
    accuracy of that dataset, same model named."""
    t4 = extra[extra["table"] == "4"]
    models = list(dict.fromkeys(t4["model"]))
    values = t4.set_index(["model", "dataset"])["value"]
    rows = []
    for r in teachers.itertuples(index=False):
        model = r.model if isinstance(r.model, str) else ""
        theirs = paper_dataset(r.dataset)
        name = model_name(model).lower() if model else ""
        row = {
            "dataset": _ours_label(r.dataset, theirs),
            "model": model or "–",
            "ours_val": number_cell(r.validation_accuracy),
            "ours_test": number_cell(r.test_accuracy),
            "bal. acc. val / test": pair_cell(r, "balanced_accuracy"),
            "MCC val / test": pair_cell(r, "mcc", decimals=2),
            "status": r.status,
            **{f"paper {m}": number_cell(values.get((m, theirs), math.nan)) for m in models},
            "paper's model": name if name in models else ("no (different model)" if name else "–"),
        }
        rows.append(row)
    return pd.DataFrame(rows, columns=["dataset", "model", "ours_val", "ours_test", "bal. acc. val / test",
                                       "MCC val / test", "status", *[f"paper {m}" for m in models],
                                       "paper's model"])  # fmt: skip


def compute(runs: pd.DataFrame) -> pd.DataFrame:
    """Per dataset × method × mode × k: wall time and CPU-seconds of our ok runs, mean±std, or 'not recorded'."""
    columns = [*CELL_KEYS, "runs", "wall_s", "cpu_s"]
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    rows = []
    for keys, group in ok.groupby(CELL_KEYS, sort=True):
        row: dict[str, object] = {**dict(zip(CELL_KEYS, keys, strict=True)), "runs": len(group)}
        for column, label in (("wall_seconds", "wall_s"), ("cpu_seconds", "cpu_s")):
            values = pd.to_numeric(group[column], errors="coerce").dropna() if column in group else pd.Series()
            if values.empty:
                row[label] = NOT_RECORDED
                continue
            std = float(values.std(ddof=1)) if len(values) > 1 else math.nan
            partial = f" (n={len(values)})" if len(values) < len(group) else ""
            row[label] = cell(float(values.mean()), std) + partial
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def paper_table8(extra: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 8 wall times the spec gives (the ends of each range), one row per cell."""
    t8 = extra[extra["table"] == "8"]
    return pd.DataFrame(
        {
            "dataset": t8["dataset"],
            "method": t8["method"],
            "mode": t8["mode"],
            "k": t8["k"].astype(int),
            "wall_s": t8["value"].map(lambda v: f"{float(v):.0f}"),
            "note": t8["note"],
        }
    ).reset_index(drop=True)


def machine() -> str:
    """The CPUs this process may use, as a label ('2-core CPU')."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return f"{cores}-core CPU"


def _counts(cells: pd.DataFrame, runs_column: str) -> tuple[int, int]:
    """(cells, runs) of a frame of our cells."""
    return len(cells), int(pd.to_numeric(cells[runs_column], errors="coerce").fillna(0).sum()) if len(cells) else 0


def comparison_markdown(
    table: pd.DataFrame,
    setting: str,
    pair: str,
    ours: pd.DataFrame | None = None,
    unplaced: pd.DataFrame | None = None,
    teachers: pd.DataFrame | None = None,
    runs: pd.DataFrame | None = None,
    extra: pd.DataFrame | None = None,
    cpu: str = "",
) -> str:
    """The text of reports/paper_comparison.md: matching summary, direction section, paper tables, Tables 4 and 8."""
    extra = paper_extra() if extra is None else extra
    hits = placed(table)
    n_cells, n_runs = _counts(hits, "runs")
    total_cells, total_runs = _counts(ours, "n") if ours is not None else (n_cells, n_runs)
    paper_pairs = table.drop_duplicates("table").set_index("table")["pair"].to_dict()
    named = ", ".join(f"Table {t} `{p}`" for t, p in sorted(paper_pairs.items()))
    matched_tables = sorted(set(table.loc[table["ours_dataset"] != "", "table"]))
    parts = [
        "# Our runs beside the paper's numbers",
        "",
        f"Every number of the paper's Tables {', '.join(sorted(table['table'].unique()))} "
        f"({len(table)} cells, transcribed in `src/cod/report/paper_results.csv` "
        "from the paper, arXiv 2510.21631), plus its Table 4 (teachers) and Table 8 (compute) at the end.",
        "",
        f"Ours: {setting}; model pair `{pair}`.",
        "",
        "A number of ours sits beside a paper cell only when dataset, method, mode, k **and** the teacher → student "
        f"pair agree (paper pairs: {named}).",
    ]
    if n_cells:
        parts[-1] += (
            f" {n_cells} of our {total_cells} cells ({n_runs} of our {total_runs} runs) sit beside "
            f"{int((table['ours_dataset'] != '').sum())} paper cells (Table {', '.join(matched_tables)})."
        )
    else:
        parts += [
            "",
            f"**Our pair `{pair}` is none of the paper's model pairs, so no number of ours is placed beside a "
            f"paper cell** and no delta is computed. Our {total_cells} cells ({total_runs} runs) are listed once each "
            f'in the section "{DIRECTION_TITLE}", beside Table 1 (another model pair, other data size): only the '
            "sign of the CoD gain is comparable there.",
        ]
    parts += [
        "",
        "`ours_val` is the paper's metric (best validation accuracy over evaluations), `ours_test` the test accuracy "
        "at that epoch; both mean±sample std over seeds, `n` = runs found / expected. `delta_val` = ours_val − paper "
        f"(same pair only). {STAND_IN_MARK} = an embedded stand-in dataset (offline default), not the paper's data: "
        "rt_sentences (Pang & Lee sentences, the source of SST-2) stands in for sst2, movie_reviews for imdb. "
        f"{AMBIGUOUS_MARK} = note `{AMBIGUOUS}`: the spec could not resolve which of two rows this number belongs "
        "to (the note names the other cell); `reconstructed` = a Table 1 Yelp/Sentiment140 row rebuilt from a garbled "
        "extraction. The paper's std is shown where the spec gives it (Table 1 except Yelp/Sentiment140).",
        "",
    ]
    if unplaced is not None and len(unplaced):
        parts += [
            f"## {DIRECTION_TITLE}",
            "",
            f"Each of our cells without a same-pair paper cell ({len(unplaced)}), once, beside the Table 1 cell of the "
            "same dataset (or the one it stands in for), method, mode and k. Different models and data size: the "
            "levels are not comparable. `paper_gain` / `ours_gain_val` = +CoD mean − baseline mean of the cell "
            "(best validation accuracy on both sides); `same_sign` says whether CoD moves accuracy the same way.",
            "",
            to_markdown(unplaced),
            "",
        ]
    for number, group in table.groupby("table", sort=True):
        parts += [
            f"## Table {number}: {PAIR_OF_TABLE.get(number, '')} (`{group['pair'].iloc[0]}`)",
            "",
            to_markdown(group.drop(columns=["table", "pair"])),
            "",
        ]
    parts += [
        "## Table 4: teacher accuracy (%)",
        "",
        "Paper (one accuracy per teacher; the released code evaluates teachers on the validation split):",
        "",
        to_markdown(paper_table4(extra)),
        "",
    ]
    if teachers is not None and len(teachers):
        parts += [
            "Ours (`ours_val` / `ours_test`: our teacher's validation / test accuracy; its balanced accuracy (mean "
            "recall over classes, chance = 1/C) and Matthews correlation (0 = chance) on both splits), beside the "
            "paper's number for "
            "the same dataset (or the one ours stands in for); `paper's model` names the paper teacher that is the "
            "same model as ours, if any:",
            "",
            to_markdown(teacher_comparison(teachers, extra)),
            "",
        ]
    else:
        parts += ["Ours: no teacher in the grid.", ""]
    parts += [
        "## Table 8: compute",
        "",
        "Paper (SST2, DeBERTa-v3-base → small, codecarbon wall time of one run on 4× RTX A6000; the spec gives "
        "only the ends of each range):",
        "",
        to_markdown(paper_table8(extra)),
        "",
        "Ours: wall time (`wall_s`) and CPU-seconds (`cpu_s`: user + system CPU time of the process, summed over "
        "threads, so it can exceed the wall time) of each distillation run's own training and evaluation (a setup "
        "shared by several runs of one process is not in it), mean±sample std over the ok runs of a cell, "
        f"measured on a {cpu or machine()} "
        "(the machine that built this report; the offline default runs every stage on it). No energy is measured: "
        "codecarbon is not a dependency (it is on the package index and its offline tracker makes no network call, "
        "but without RAPL power counters it models CPU power rather than measuring it). "
        f"`{NOT_RECORDED}` = the runs' metrics.json carry no such field. Not comparable with the paper's GPU times.",
        "",
    ]
    usage = compute(runs) if runs is not None else pd.DataFrame()
    parts += [to_markdown(usage) if len(usage) else "No ok run of ours yet.", ""]
    return "\n".join(parts)

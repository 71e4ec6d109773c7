"""The report's figures: one function per figure, one seaborn style, each saved as PNG and PDF."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # figures are files; no display needed (also under papermill)

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from cod import paths  # noqa: E402
from cod.method_registry import display_name, in_order  # noqa: E402
from cod.report.cfe_figures import cfe_examples, cfe_kinds, cfe_quality  # noqa: E402
from cod.report.plotting import is_short, log2_k_axis, mark_short, save, set_style, short_footnote  # noqa: E402

if TYPE_CHECKING:
    from cod.config import ReportConfig
    from cod.report.stage import Aggregated
    from cod.synthetic.experiment import SeedRun

MODE_COLORS = {"clean": "#4C72B0", "cod": "#DD8452"}
VALUE_LABELS = {"test": "test accuracy at best-val epoch (%)", "val": "best validation accuracy (%)"}


def accuracy_vs_k(summary: pd.DataFrame, out_dir: Path, value: str = "test") -> list[Path]:
    """Accuracy vs k per dataset (rows) and method (columns): baseline vs +CoD, mean line and ± 1 std band."""
    set_style()
    data = summary[summary["value"] == value]
    datasets, methods = sorted(data["dataset"].unique()), in_order(data["method"])
    ks = sorted(data["k"].unique())
    fig, axes = plt.subplots(
        len(datasets), len(methods), figsize=(4.2 * len(methods), 3.2 * len(datasets)), squeeze=False, sharey="row"
    )
    marked = 0
    for i, dataset in enumerate(datasets):
        for j, method in enumerate(methods):
            ax = axes[i, j]
            for mode, color in MODE_COLORS.items():
                cell = data[(data["dataset"] == dataset) & (data["method"] == method) & (data["mode"] == mode)]
                cell = cell.sort_values("k")
                if cell.empty:
                    continue
                name = display_name(method) + ("+CoD" if mode == "cod" else "")
                n = int(cell["n"].min())
                ax.plot(cell["k"], cell["mean"], marker="o", color=color, label=f"{name} (n≥{n})")
                std = cell["std"].fillna(0.0)
                ax.fill_between(cell["k"], cell["mean"] - std, cell["mean"] + std, color=color, alpha=0.2, lw=0)
                marked += mark_short(ax, cell["k"], cell["mean"], is_short(cell), color)
            log2_k_axis(ax, ks)
            ax.set_title(f"{dataset} · {display_name(method)}")
            ax.set_xlabel("k (labelled budget)")
            ax.set_ylabel(VALUE_LABELS[value] if j == 0 else "")
            ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()  # rows of panels: keep a panel's title clear of the x label above it
    fig.suptitle("Few-shot distillation: baseline vs CoD (mean ± sample std over seeds)", y=1.02)
    short_footnote(fig, marked)
    return save(fig, out_dir, f"accuracy_vs_k_{value}")


def cod_gain(gains: pd.DataFrame, out_dir: Path, min_cfe_share: float | None = None) -> list[Path]:
    """CoD − baseline accuracy vs k, paired by seed (mean, bars: the verdict's t-interval); ‡ short, open = excluded."""
    set_style()
    datasets = sorted(gains["dataset"].unique())
    ks = sorted(gains["k"].unique())
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.6 * len(datasets), 3.3), squeeze=False)
    marked = excluded_any = 0
    for ax, dataset in zip(axes[0], datasets, strict=True):
        data = gains[gains["dataset"] == dataset]
        methods = in_order(data["method"])
        width = 0.08
        for m, method in enumerate(methods):
            cell = data[data["method"] == method].sort_values("k")
            shift = 2 ** ((m - (len(methods) - 1) / 2) * width)
            interval = [(cell["mean"] - cell["ci_low"]).fillna(0.0), (cell["ci_high"] - cell["mean"]).fillna(0.0)]
            bars = ax.errorbar(
                cell["k"] * shift,
                cell["mean"],
                yerr=interval,
                marker="o",
                capsize=3,
                label=f"{display_name(method)} (n={int(cell['n'].min())})",
            )
            color = bars[0].get_color()
            marked += mark_short(ax, cell["k"] * shift, cell["mean"], is_short(cell), color)
            if min_cfe_share is not None and "mean_cfe_share" in cell:
                out = (cell["mean_cfe_share"] < min_cfe_share).to_numpy()
                excluded_any += int(out.sum())
                x, y = (cell["k"] * shift)[out], cell["mean"][out]
                ax.scatter(x, y, facecolor="white", edgecolor=color, zorder=3, s=30)
        ax.axhline(0.0, color="black", lw=0.8)
        log2_k_axis(ax, ks)
        ax.set_title(dataset)
        ax.set_xlabel("k (labelled budget)")
        ax.set_ylabel("CoD gain (accuracy points)")
        ax.legend(fontsize=8)
    fig.suptitle("Gain of CoD over the same method on clean data (bars: confidence interval of the mean)", y=1.03)
    extra = (
        f" Open markers: excluded from the verdict (mean share of asked CFEs < {min_cfe_share:.0%})."
        if excluded_any and min_cfe_share is not None
        else ""
    )
    short_footnote(fig, marked, extra)
    return save(fig, out_dir, "cod_gain")


def _lr_label(lr: float) -> str:
    """A learning rate as a short tick label: 2e-5, 1e-4, 0.001 → 1e-3."""
    mantissa, exponent = f"{lr:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def lr_sensitivity(frame: pd.DataFrame, out: Path) -> list[Path]:
    """Paired CoD gain vs student lr (log x), interval bars: rows dataset, columns k, hue method, chosen lr ringed."""
    # frame: dataset, method, k, lr, mean, ci_low, ci_high, n, and optionally a bool `chosen` (the protocol's lr)
    set_style()
    datasets, ks = sorted(frame["dataset"].unique()), sorted(frame["k"].unique())
    fig, axes = plt.subplots(
        max(len(datasets), 1),
        max(len(ks), 1),
        figsize=(4.4 * max(len(ks), 1), 3.3 * max(len(datasets), 1)),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    methods = in_order(frame["method"])
    palette = dict(zip(methods, sns.color_palette(n_colors=max(len(methods), 1)), strict=False))
    lrs = sorted(frame["lr"].unique())
    chose = False
    for (i, dataset), (j, k) in itertools.product(enumerate(datasets), enumerate(ks)):
        ax = axes[i, j]
        data = frame[(frame["dataset"] == dataset) & (frame["k"] == k)]
        if data.empty:
            ax.set_axis_off()
            continue
        for m, method in enumerate(methods):
            cell = data[data["method"] == method].sort_values("lr")
            if cell.empty:
                continue
            x = cell["lr"] * 10 ** ((m - (len(methods) - 1) / 2) * 0.03)  # dodge the methods a little, in log space
            low = (cell["mean"] - cell["ci_low"]).fillna(0.0).clip(lower=0)
            high = (cell["ci_high"] - cell["mean"]).fillna(0.0).clip(lower=0)
            label = f"{display_name(method)} (n={int(cell['n'].min())})"
            ax.errorbar(x, cell["mean"], yerr=[low, high], marker="o", capsize=3, color=palette[method], label=label)
            if "chosen" in cell:
                picked = cell["chosen"].eq(True).to_numpy()
                chose = chose or bool(picked.any())
                ax.scatter(x[picked], cell["mean"][picked], s=160, facecolor="none", edgecolor="black", zorder=4)
        ax.axhline(0.0, color="black", lw=0.8)
        ax.set_xscale("log")
        ax.set_xticks(lrs, [_lr_label(lr) for lr in lrs])
        ax.minorticks_off()
        ax.set_title(f"{dataset} · k={k}")
        ax.set_xlabel("student learning rate" if i == len(datasets) - 1 else "")
        ax.set_ylabel("CoD gain (accuracy points)" if j == 0 else "")
        ax.legend(fontsize=8)
    ring = "; black ring: the lr the protocol chose" if chose else ""
    fig.suptitle(f"CoD gain vs learning rate (mean over seeds, bars: confidence interval{ring})")
    return save(fig, out, "lr_sensitivity")


def teacher_accuracy(teachers: pd.DataFrame, out_dir: Path) -> list[Path]:
    """The teacher's validation and test accuracy per dataset."""
    set_style()
    data = teachers[teachers["status"] == "ok"].melt(
        id_vars=["dataset"], value_vars=["validation_accuracy", "test_accuracy"], var_name="split", value_name="acc"
    )
    data["split"] = data["split"].str.replace("_accuracy", "")
    fig, ax = plt.subplots(figsize=(1.6 + 1.4 * max(teachers["dataset"].nunique(), 1), 3.2))
    sns.barplot(data=data, x="dataset", y="acc", hue="split", ax=ax)
    for container in ax.containers:
        ax.bar_label(container, fmt="%.1f", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("teacher accuracy (%)")
    ax.set_title("Teacher (fine-tuned on the full training split)")
    return save(fig, out_dir, "teacher_accuracy")


def decision_boundaries(example: SeedRun, out_dir: Path) -> list[Path]:
    """Synthetic experiment: teacher, KD and CoD students' regions, their training points and the CFEs."""
    set_style()
    cmap = matplotlib.colors.ListedColormap(["#A1C9F4", "#FFB482"])
    names, agreement = list(example.grid_predictions), example.boundary_agreement
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.9), sharey=True)
    teacher_grid = example.grid_predictions["teacher"].reshape(example.grid_x.shape)
    for ax, name in zip(axes, names, strict=True):
        pred = example.grid_predictions[name].reshape(example.grid_x.shape)
        ax.contourf(example.grid_x, example.grid_y, pred, levels=[-0.5, 0.5, 1.5], cmap=cmap, alpha=0.6)
        ax.contour(example.grid_x, example.grid_y, teacher_grid, levels=[0.5], colors="k", linewidths=1)
        if name.startswith("CoD"):
            points, labels = example.originals, example.original_labels
            ax.scatter(
                example.cfes[:, 0],
                example.cfes[:, 1],
                c=example.cfe_labels,
                cmap="coolwarm",
                vmin=0,
                vmax=1,
                marker="X",
                edgecolor="k",
                s=50,
                label=f"CFE ({len(example.cfes)})",
            )
            for p, q in zip(points, example.cfes, strict=True):
                ax.plot([p[0], q[0]], [p[1], q[1]], color="dimgrey", lw=0.7)
        else:
            points, labels = example.real, example.real_labels
        ax.scatter(
            points[:, 0],
            points[:, 1],
            c=labels,
            cmap="coolwarm",
            vmin=0,
            vmax=1,
            edgecolor="k",
            s=30,
            label=f"real ({len(points)})",
        )
        ax.set_title(name if name == "teacher" else f"{name}: boundary agreement {agreement[name]:.1f} %")
        ax.legend(loc="lower left", fontsize=7)
    fig.suptitle("Two moons (black line: teacher boundary; shading: each model's prediction)", y=1.03)
    return save(fig, out_dir, "moons_boundaries")


def contrasts(verdicts: pd.DataFrame, out_dir: Path, target: float = 3.0) -> list[Path]:
    """Every declared contrast's paired gain with its interval (the verdict table as a forest plot): one panel per
    dataset × method, one row per contrast (``arm_label − base_label``), one colour per k; shaded: ± the
    decisiveness target around 0."""
    set_style()
    data = verdicts.assign(label=verdicts["arm_label"].astype(str) + " − " + verdicts["base_label"].astype(str))
    labels = list(dict.fromkeys(data["label"]))
    panels = list(dict.fromkeys(zip(data["dataset"], data["method"], strict=True)))
    ks = sorted(data["k"].unique())
    palette = dict(zip(ks, sns.color_palette("viridis", n_colors=len(ks)), strict=True))
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(5.2 * len(panels), 0.55 * len(labels) * max(1, len(ks) / 2) + 1.6),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    for ax, (dataset, method) in zip(axes[0], panels, strict=True):
        panel = data[(data["dataset"] == dataset) & (data["method"] == method)]
        ax.axvspan(-target, target, color="#eeeeee", zorder=0)
        ax.axvline(0.0, color="black", lw=0.8)
        for j, k in enumerate(ks):
            cell = panel[panel["k"] == k]
            y = [labels.index(label) + (j - (len(ks) - 1) / 2) * 0.22 for label in cell["label"]]
            low = (cell["mean"] - cell["ci_low"]).fillna(0.0).clip(lower=0)
            high = (cell["ci_high"] - cell["mean"]).fillna(0.0).clip(lower=0)
            n = pd.to_numeric(cell["n"], errors="coerce")
            name = f"k={k} (n={int(n.min())})" if len(cell) else f"k={k}"
            ax.errorbar(cell["mean"], y, xerr=[low, high], fmt="o", capsize=3, color=palette[k], label=name)
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set_title(f"{dataset} · {display_name(method)}")
        ax.set_xlabel("paired gain, test accuracy (points)")
        ax.legend(fontsize=8)
    fig.suptitle(f"Declared contrasts: mean paired gain and 95 % t-interval; grey band: ± {target:g} points")
    return save(fig, out_dir, "contrasts")


def gain_vs_paper(gains: pd.DataFrame, paper_gains: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Our CoD gain vs k per method (mean, bars: the verdict's t-interval) beside the paper's Table 1 gains on the
    dataset ours stands in for (``paper_gains``: paper_numbers.paper_gains): direction and shape only, other models."""
    set_style()
    datasets = sorted(gains["dataset"].unique())
    fig, axes = plt.subplots(len(datasets), 2, figsize=(9.5, 3.4 * len(datasets)), squeeze=False, layout="constrained")
    for row, dataset in enumerate(datasets):
        ours, theirs = axes[row]
        data = gains[gains["dataset"] == dataset]
        for method in in_order(data["method"]):
            cell = data[data["method"] == method].sort_values("k")
            interval = [(cell["mean"] - cell["ci_low"]).fillna(0.0), (cell["ci_high"] - cell["mean"]).fillna(0.0)]
            n = pd.to_numeric(cell["n"], errors="coerce")
            label = f"{display_name(method)} (n={int(n.min())}" + (f"–{int(n.max())})" if n.max() > n.min() else ")")
            ours.errorbar(cell["k"], cell["mean"], yerr=interval, marker="o", capsize=3, label=label)
        paper = paper_gains[(paper_gains["dataset"] == dataset) & paper_gains["method"].isin(data["method"])]
        for method in in_order(paper["method"]):
            cell = paper[paper["method"] == method].sort_values("k")
            theirs.plot(cell["k"], cell["gain"], marker="s", ls="--", label=display_name(method))
        source = f"{paper['paper_dataset'].iloc[0]} ({paper['pair'].iloc[0]})" if len(paper) else "no paper row"
        ks = sorted(set(data["k"]) | set(paper["k"]))
        for ax, title in ((ours, f"ours: {dataset}"), (theirs, f"paper Table 1: {source}")):
            ax.axhline(0.0, color="black", lw=0.8)
            log2_k_axis(ax, ks)
            ax.set_title(title)
            ax.set_xlabel("k (labelled budget)")
            ax.set_ylabel("CoD − clean (accuracy points)")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=8)
    fig.suptitle(
        "CoD gain vs k: ours (paired by seed, 95 % t-interval) beside the paper's (mean of its 5 seeds); "
        "different models and data: compare direction and shape, not level"
    )
    return save(fig, out_dir, "gain_vs_paper")


def run_figures(agg: Aggregated, cfg: ReportConfig) -> list[Path]:
    """The figures stage: every figure of the report, from the aggregate's tables, into reports/figures (PNG + PDF)."""
    out = paths.figures_dir()
    files = []
    for value in ("val", "test"):
        if len(agg[f"summary_{value}"]):
            files += accuracy_vs_k(agg[f"summary_{value}"], out, value)
    if len(agg[f"gains_{cfg.value}"]):
        files += cod_gain(agg[f"gains_{cfg.value}"], out, cfg.min_cfe_share)
    if "kind" in agg["kind_gains"] and agg["kind_gains"]["kind"].nunique() > 1:
        files += cfe_kinds(agg["kind_gains"], out, cfg.confidence)  # the counterfactual-kinds ablation only
    if (agg["cfes"]["status"] == "ok").any():
        files += cfe_quality(agg["cfes"], out)
        files += cfe_examples(agg["examples"], out)  # says "no valid CFE" when no set has one
    files += teacher_accuracy(agg["teachers"], out)
    verdicts = agg.frames.get("verdict", pd.DataFrame())
    if "contrast" in verdicts and len(verdicts) and set(verdicts["contrast"]) != {"cod - clean"}:
        files += contrasts(verdicts, out, cfg.target_half_width)
    gains = agg[f"gains_{cfg.value}"]
    if len(gains) and gains["k"].nunique() > 1 and "paper_gains" in agg.frames:
        files += gain_vs_paper(gains, agg["paper_gains"], out)
    if agg["sensitivity"]["n"].fillna(0).gt(0).any():
        files += lr_sensitivity(agg["sensitivity"], out)
    return files

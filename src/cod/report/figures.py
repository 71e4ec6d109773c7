"""The report's figures: one function per figure, one seaborn style, each saved as PNG and PDF."""

from __future__ import annotations

import difflib
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # figures are files; no display needed (also under papermill)

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

if TYPE_CHECKING:
    from cod.report.synthetic import SeedRun

MODE_COLORS = {"clean": "#4C72B0", "cod": "#DD8452"}
METHOD_LABELS = {"kd": "KD", "lwd": "LWD", "ted": "TED"}
VALUE_LABELS = {"test": "test accuracy at best-val epoch (%)", "val": "best validation accuracy (%)"}


def set_style() -> None:
    """The one style of every figure (seaborn whitegrid, paper context, fixed fonts)."""
    sns.set_theme(style="whitegrid", context="paper", font_scale=1.1)
    plt.rcParams.update({"figure.dpi": 110, "savefig.bbox": "tight", "pdf.fonttype": 42})


def save(fig: plt.Figure, out_dir: Path, stem: str) -> list[Path]:
    """Write ``stem``.png and ``stem``.pdf (without timestamps, so reruns give the same bytes) and close."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [out_dir / f"{stem}.png", out_dir / f"{stem}.pdf"]
    fig.savefig(files[0], dpi=150, metadata={"Software": None})
    fig.savefig(files[1], metadata={"CreationDate": None, "Creator": None, "Producer": None})
    plt.close(fig)
    return files


def _log2_k_axis(ax: plt.Axes, ks: list[int]) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.minorticks_off()


def accuracy_vs_k(summary: pd.DataFrame, out_dir: Path, value: str = "test") -> list[Path]:
    """Accuracy vs k per dataset (rows) and method (columns): baseline vs +CoD, mean line and ± 1 std band."""
    set_style()
    data = summary[summary["value"] == value]
    datasets, methods = sorted(data["dataset"].unique()), list(dict.fromkeys(data["method"]))
    ks = sorted(data["k"].unique())
    fig, axes = plt.subplots(
        len(datasets), len(methods), figsize=(4.2 * len(methods), 3.2 * len(datasets)), squeeze=False, sharey="row"
    )
    for i, dataset in enumerate(datasets):
        for j, method in enumerate(methods):
            ax = axes[i, j]
            for mode, color in MODE_COLORS.items():
                cell = data[(data["dataset"] == dataset) & (data["method"] == method) & (data["mode"] == mode)]
                cell = cell.sort_values("k")
                if cell.empty:
                    continue
                name = METHOD_LABELS.get(method, method) + ("+CoD" if mode == "cod" else "")
                n = int(cell["n"].min())
                ax.plot(cell["k"], cell["mean"], marker="o", color=color, label=f"{name} (n≥{n})")
                std = cell["std"].fillna(0.0)
                ax.fill_between(cell["k"], cell["mean"] - std, cell["mean"] + std, color=color, alpha=0.2, lw=0)
            _log2_k_axis(ax, ks)
            ax.set_title(f"{dataset} · {METHOD_LABELS.get(method, method)}")
            ax.set_xlabel("k (labelled budget)")
            ax.set_ylabel(VALUE_LABELS[value] if j == 0 else "")
            ax.legend(loc="lower right", fontsize=8)
    fig.suptitle("Few-shot distillation: baseline vs CoD (mean ± sample std over seeds)", y=1.02)
    return save(fig, out_dir, f"accuracy_vs_k_{value}")


def cod_gain(gains: pd.DataFrame, out_dir: Path) -> list[Path]:
    """CoD − baseline accuracy vs k, paired by seed, per dataset and method (mean ± sample std)."""
    set_style()
    datasets = sorted(gains["dataset"].unique())
    ks = sorted(gains["k"].unique())
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.6 * len(datasets), 3.3), squeeze=False)
    for ax, dataset in zip(axes[0], datasets, strict=True):
        data = gains[gains["dataset"] == dataset]
        methods = list(dict.fromkeys(data["method"]))
        width = 0.08
        for m, method in enumerate(methods):
            cell = data[data["method"] == method].sort_values("k")
            shift = 2 ** ((m - (len(methods) - 1) / 2) * width)
            ax.errorbar(
                cell["k"] * shift,
                cell["mean"],
                yerr=cell["std"].fillna(0.0),
                marker="o",
                capsize=3,
                label=f"{METHOD_LABELS.get(method, method)} (n={int(cell['n'].min())})",
            )
        ax.axhline(0.0, color="black", lw=0.8)
        _log2_k_axis(ax, ks)
        ax.set_title(dataset)
        ax.set_xlabel("k (labelled budget)")
        ax.set_ylabel("CoD gain (accuracy points)")
        ax.legend(fontsize=8)
    fig.suptitle("Gain of CoD over the same method on clean data", y=1.03)
    return save(fig, out_dir, "cod_gain")


def cfe_quality(cfes: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Counterfactual quality per k: flip rate, median word edits and ΔP towards the flipped class (over seeds)."""
    set_style()
    data = cfes[cfes["status"] == "ok"].copy()
    data["flip_rate_pct"] = 100.0 * data["flip_rate"]
    panels = [
        ("flip_rate_pct", "teacher-verified flips (%)"),
        ("word_edits_median", "median word edits (valid CFEs)"),
        ("delta_p_mean", "mean ΔP (target class)"),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(12, 3.2))
    for ax, (column, label) in zip(axes, panels, strict=True):
        sns.barplot(data=data, x="k", y=column, hue="dataset", errorbar="sd", ax=ax, capsize=0.1)
        ax.set_ylabel(label)
        ax.set_xlabel("k")
        if ax.get_legend():
            ax.get_legend().remove()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", fontsize=8)
    n = data.groupby(["dataset", "k"]).size().min() if len(data) else 0
    fig.suptitle(f"Counterfactual quality (bars: mean over seeds, n={n}; whiskers: sample std)", y=1.03)
    return save(fig, out_dir, "cfe_quality")


def word_diff(original: str, counterfactual: str) -> list[tuple[str, str]]:
    """The counterfactual as (word, kind) pieces: kind is same | new (inserted/replacing) | gone (deleted)."""
    a, b = original.split(), counterfactual.split()
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces += [(w, "same") for w in b[j1:j2]]
            continue
        pieces += [(w, "gone") for w in a[i1:i2]]
        pieces += [(w, "new") for w in b[j1:j2]]
    return pieces


def cfe_examples(examples: pd.DataFrame, out_dir: Path, max_chars: int = 110) -> list[Path]:
    """A panel of example CFEs: original above, counterfactual below with edits highlighted (struck / coloured)."""
    set_style()
    n = len(examples)
    fig, ax = plt.subplots(figsize=(11, 0.95 * n + 0.6))
    ax.set_axis_off()
    styles = {"same": {"color": "black"}, "new": {"color": "#C44E52", "weight": "bold"}, "gone": {"color": "#999999"}}
    renderer = fig.canvas.get_renderer()
    y = 1.0
    step = 1.0 / max(n, 1)
    for row in examples.itertuples(index=False):
        original = textwrap.shorten(row.original, max_chars, placeholder=" …")
        ax.text(
            0.0, y, f"{row.original_label}: {original}", transform=ax.transAxes, va="top", fontsize=9, color="#333333"
        )
        x = 0.0
        line = f"→ {row.cfe_label} (ΔP={row.delta_p:+.2f}): "
        pieces = [(line, "same")] + word_diff(row.original, row.cfe)[:40]
        for word, kind in pieces:
            text = ax.text(x, y - 0.38 * step, word + " ", transform=ax.transAxes, va="top", fontsize=9, **styles[kind])
            if kind == "gone":
                text.set_text("~" + word + "~ ")
            width = text.get_window_extent(renderer=renderer).width / ax.get_window_extent(renderer=renderer).width
            x += width
            if x > 0.97:
                break
        y -= step
    ax.set_title("Example counterfactuals (red bold: inserted/replacing words, grey ~struck~: removed)", loc="left")
    return save(fig, out_dir, "cfe_examples")


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


def decision_boundaries(example: SeedRun, agreement: dict[str, float], out_dir: Path) -> list[Path]:
    """Synthetic experiment: teacher, KD and CoD students' regions, their training points and the CFEs."""
    set_style()
    cmap = matplotlib.colors.ListedColormap(["#A1C9F4", "#FFB482"])
    names = list(example.grid_predictions)
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

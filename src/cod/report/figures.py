"""The report's figures: one function per figure, one seaborn style, each saved as PNG and PDF."""

from __future__ import annotations

import difflib
import itertools
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # figures are files; no display needed (also under papermill)

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from cod import paths  # noqa: E402
from cod.method_registry import display_name, in_order  # noqa: E402

if TYPE_CHECKING:
    from cod.config import ReportConfig
    from cod.report.stage import Aggregated
    from cod.synthetic.experiment import SeedRun

MODE_COLORS = {"clean": "#4C72B0", "cod": "#DD8452"}
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


# ‡ = CoD arm short of its CFE budget (the tables' mark; † is the paper comparison's "stand-in dataset")
SHORT_MARK = "‡"


def _is_short(frame: pd.DataFrame) -> pd.Series:
    """Per row: its CoD runs had fewer CFEs than asked (False when the frame has no cfe_short column)."""
    return frame["cfe_short"].eq(True) if "cfe_short" in frame else pd.Series(False, index=frame.index)


def _mark_short(ax: plt.Axes, x: pd.Series, y: pd.Series, short: pd.Series, color: str) -> int:
    """Write ‡ above the points whose CoD arm was short of its CFE budget; returns how many were marked."""
    for xi, yi in zip(x[short], y[short], strict=True):
        ax.annotate(SHORT_MARK, (xi, yi), xytext=(0, 5), textcoords="offset points", ha="center", color=color)
    return int(short.sum())


def _short_footnote(fig: plt.Figure, marked: int, extra: str = "") -> None:
    """The ‡ footnote under the figure (only when a point is marked)."""
    if marked:
        text = f"{SHORT_MARK} CoD arm short of its CFE budget: in ≥ 1 seed the student had fewer CFEs than asked."
        fig.text(0.01, -0.05, text + extra, ha="left", va="top", fontsize=8, color="#555555")


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
                marked += _mark_short(ax, cell["k"], cell["mean"], _is_short(cell), color)
            _log2_k_axis(ax, ks)
            ax.set_title(f"{dataset} · {display_name(method)}")
            ax.set_xlabel("k (labelled budget)")
            ax.set_ylabel(VALUE_LABELS[value] if j == 0 else "")
            ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()  # rows of panels: keep a panel's title clear of the x label above it
    fig.suptitle("Few-shot distillation: baseline vs CoD (mean ± sample std over seeds)", y=1.02)
    _short_footnote(fig, marked)
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
            marked += _mark_short(ax, cell["k"] * shift, cell["mean"], _is_short(cell), color)
            if min_cfe_share is not None and "mean_cfe_share" in cell:
                out = (cell["mean_cfe_share"] < min_cfe_share).to_numpy()
                excluded_any += int(out.sum())
                x, y = (cell["k"] * shift)[out], cell["mean"][out]
                ax.scatter(x, y, facecolor="white", edgecolor=color, zorder=3, s=30)
        ax.axhline(0.0, color="black", lw=0.8)
        _log2_k_axis(ax, ks)
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
    _short_footnote(fig, marked, extra)
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


def _kind_labels(frame: pd.DataFrame) -> pd.Series:
    """Each row's kind of counterfactual as a legend label (the CoD arm's own kind marked '(cod)')."""
    modes = frame["mode"].astype(str) if "mode" in frame else pd.Series("cod", index=frame.index)
    kinds = frame["kind"].fillna(modes) if "kind" in frame else modes
    # = tables.kind_label (not imported: the synthetic stage draws through this module and does not run tables)
    labels = [f"{k} (cod)" if m == "cod" else str(k) for m, k in zip(modes, kinds, strict=True)]
    return pd.Series(labels, index=frame.index)


def cfe_quality(cfes: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Counterfactual quality per k (bars: mean over seeds of the sets' medians/rates): flip rate, median p(target),
    median word edits, median perplexity ratio and lexicon edit share; hue = kind when the grid has several kinds,
    else dataset. A panel whose metric is absent or empty says so instead of drawing."""
    set_style()
    data = cfes[cfes["status"] == "ok"].copy()
    data["flip_rate_pct"] = 100.0 * pd.to_numeric(data.get("flip_rate", pd.Series(dtype=float)), errors="coerce")
    if "lexicon_edit_share" in data:
        data["lexicon_edit_pct"] = 100.0 * pd.to_numeric(data["lexicon_edit_share"], errors="coerce")
    data["kind_label"] = _kind_labels(data)
    by_kind = data["kind_label"].nunique() > 1
    hue = "kind_label" if by_kind else "dataset"
    panels = [
        ("flip_rate_pct", "teacher-verified flips (%)"),
        ("p_target_median", "median p(target) (kept CFEs)"),
        ("word_edits_median", "median word edits (valid CFEs)"),
        ("ppl_ratio_median", "median perplexity ratio\n(CFE / original)"),
        ("lexicon_edit_pct", "lexicon edit share (%)"),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.2))
    for ax, (column, label) in zip(axes, panels, strict=True):
        ax.set_ylabel(label)
        ax.set_xlabel("k")
        values = pd.to_numeric(data[column], errors="coerce") if column in data else pd.Series(dtype=float)
        if values.notna().sum() == 0:  # e.g. word edits of sets without a single valid CFE: say so, don't crash
            text = "not recorded" if column not in data else "no valid CFE"
            ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#777777")
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        frame = data.assign(**{column: values})
        sns.barplot(data=frame, x="k", y=column, hue=hue, errorbar="sd", ax=ax, capsize=0.1)
        if ax.get_legend():
            ax.get_legend().remove()
    drawn = [ax for ax in axes if ax.get_legend_handles_labels()[0]]
    if drawn:
        handles, labels = drawn[0].get_legend_handles_labels()
        title = "kind" if by_kind else None
        fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 0.95), fontsize=8, title=title)
    cells = ["dataset", "k", "kind_label"] if by_kind else ["dataset", "k"]
    n = data.groupby(cells).size().min() if len(data) else 0
    several = f"; {data['dataset'].nunique()} datasets pooled" if by_kind and data["dataset"].nunique() > 1 else ""
    fig.suptitle(f"Counterfactual quality (bars: mean over seeds, n={n}{several}; whiskers: sample std)", y=1.03)
    fig.tight_layout()
    return save(fig, out_dir, "cfe_quality")


def cfe_kinds(gains: pd.DataFrame, out_dir: Path, confidence: float = 0.95) -> list[Path]:
    """Gain over clean per kind of counterfactual vs k: one panel per dataset × method, colour = kind, points at the
    mean paired gain (test accuracy), bars its t-interval, dashed zero line."""
    set_style()
    data = gains.assign(kind_label=_kind_labels(gains))
    datasets, methods = sorted(data["dataset"].unique()), in_order(data["method"])
    kinds = list(dict.fromkeys(data["kind_label"]))
    ks = sorted(data["k"].unique())
    palette = dict(zip(kinds, sns.color_palette(n_colors=max(len(kinds), 1)), strict=False))
    fig, axes = plt.subplots(
        len(datasets),
        len(methods),
        figsize=(4.4 * len(methods), 3.3 * len(datasets)),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    for (i, dataset), (j, method) in itertools.product(enumerate(datasets), enumerate(methods)):
        ax = axes[i, j]
        panel = data[(data["dataset"] == dataset) & (data["method"] == method)]
        for position, kind in enumerate(kinds):
            cell = panel[panel["kind_label"] == kind].sort_values("k")
            if cell.empty:
                continue
            x = [ks.index(k) + (position - (len(kinds) - 1) / 2) * 0.12 for k in cell["k"]]  # categorical k, dodged
            low = (cell["mean"] - cell["ci_low"]).fillna(0.0).clip(lower=0)
            high = (cell["ci_high"] - cell["mean"]).fillna(0.0).clip(lower=0)
            ax.errorbar(x, cell["mean"], yerr=[low, high], fmt="o", capsize=3, color=palette[kind], label=kind)
        ax.axhline(0.0, color="black", lw=0.8, ls="--")
        ax.set_xticks(range(len(ks)), [str(k) for k in ks])
        ax.set_xlim(-0.5, len(ks) - 0.5)
        ax.set_title(f"{dataset} · {display_name(method)}")
        ax.set_xlabel("k (labelled budget)" if i == len(datasets) - 1 else "")
        ax.set_ylabel("gain over clean (accuracy points)" if j == 0 else "")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, title="kind", title_fontsize=8)
    n = pd.to_numeric(data["n"], errors="coerce")
    n_text = f"n={int(n.min())}" if n.min() == n.max() else f"n={int(n.min())}–{int(n.max())}"
    fig.suptitle(
        f"Gain of each counterfactual kind over clean data (test accuracy, paired by seed, {n_text} seeds; "
        f"points: mean, bars: {confidence:.0%} t-interval)"
    )
    return save(fig, out_dir, "cfe_kinds")


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
    """A panel of example CFEs: original above, counterfactual below with edits highlighted ("no valid CFE" if none)."""
    set_style()
    n = len(examples)
    fig, ax = plt.subplots(figsize=(11, 0.95 * n + 0.6))
    ax.set_axis_off()
    if n == 0:
        ax.text(0.5, 0.5, "no valid CFE in the example sets (none flipped the teacher)", ha="center", va="center")
        ax.set_title("Example counterfactuals", loc="left")
        return save(fig, out_dir, "cfe_examples")
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
    dataset ours stands in for (``paper_gains``: tables.paper_gains): direction and shape only, other models."""
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
            _log2_k_axis(ax, ks)
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

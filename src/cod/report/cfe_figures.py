"""The counterfactuals' figures: CFE quality per k, each kind's gain over clean, and example CFEs with their
edits highlighted."""

from __future__ import annotations

import difflib
import itertools
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are files; no display needed (also under papermill)

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from cod.method_registry import display_name, in_order  # noqa: E402
from cod.report.marks import kind_label  # noqa: E402
from cod.report.plotting import save, set_style  # noqa: E402


def _kind_labels(frame: pd.DataFrame) -> pd.Series:
    """Each row's kind of counterfactual as a legend label (the CoD arm's own kind marked '(cod)')."""
    modes = frame["mode"].astype(str) if "mode" in frame else pd.Series("cod", index=frame.index)
    kinds = frame["kind"].fillna(modes) if "kind" in frame else modes
    labels = [kind_label(m, k) for m, k in zip(modes, kinds, strict=True)]
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

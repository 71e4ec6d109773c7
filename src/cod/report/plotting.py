"""What every figure shares: one seaborn style, saving as PNG and PDF with stable bytes, the log2 k axis and the ‡
mark of a CoD arm short of its CFE budget."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are files; no display needed (also under papermill)

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from cod.report.marks import SHORT_MARK  # noqa: E402


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


def log2_k_axis(ax: plt.Axes, ks: list[int]) -> None:
    """A log2 x axis with one tick per budget k, labelled by k."""
    ax.set_xscale("log", base=2)
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.minorticks_off()


def is_short(frame: pd.DataFrame) -> pd.Series:
    """Per row: its CoD runs had fewer CFEs than asked (False when the frame has no cfe_short column)."""
    return frame["cfe_short"].eq(True) if "cfe_short" in frame else pd.Series(False, index=frame.index)


def mark_short(ax: plt.Axes, x: pd.Series, y: pd.Series, short: pd.Series, color: str) -> int:
    """Write ‡ above the points whose CoD arm was short of its CFE budget; returns how many were marked."""
    for xi, yi in zip(x[short], y[short], strict=True):
        ax.annotate(SHORT_MARK, (xi, yi), xytext=(0, 5), textcoords="offset points", ha="center", color=color)
    return int(short.sum())


def short_footnote(fig: plt.Figure, marked: int, extra: str = "") -> None:
    """The ‡ footnote under the figure (only when a point is marked)."""
    if marked:
        text = f"{SHORT_MARK} CoD arm short of its CFE budget: in ≥ 1 seed the student had fewer CFEs than asked."
        fig.text(0.01, -0.05, text + extra, ha="left", va="top", fontsize=8, color="#555555")

"""The marks and small cell formatters every report table shares: ‡ (short of the CFE budget), § (mostly a
fallback's CFEs), mean±std cells, signed gains, Markdown tables, the names of data modes and kinds."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from cod.method_registry import display_name

# † already means "stand-in dataset" in reports/paper_comparison.md; ‡ marks a CoD cell short of its CFE budget
SHORT_MARK = "‡"
FALLBACK_MARK = "§"  # an arm whose kept CFEs are mostly a fallback's (aggregate.MOSTLY_FALLBACK)


def cell(mean: float, std: float, n: int | None = None) -> str:
    """'mean±std' with one decimal ('–' for a missing mean, no ± when std is undefined)."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "–"
    text = f"{mean:.1f}"
    if std is not None and not (isinstance(std, float) and math.isnan(std)):
        text += f"±{std:.1f}"
    return text


def signed(value: float) -> str:
    """'+1.2' / '−0.4' with one decimal ('–' when undefined)."""
    return "–" if value is None or math.isnan(float(value)) else f"{float(value):+.1f}".replace("-", "−")


def number_cell(value: object, scale: float = 1.0, decimals: int = 1) -> str:
    """``value`` × ``scale`` with ``decimals`` decimals ('–' when missing or not a number)."""
    try:
        number = float(value) * scale  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(number) else f"{number:.{decimals}f}"


def gain_cells(r: Any) -> tuple[str, str, str]:
    """A paired gain row's display cells: "+mean ± std", "[low, high]" ('–' without an interval), "n/expected"."""
    std = "" if math.isnan(float(r.std)) else f" ± {float(r.std):.1f}"
    low, high = float(r.ci_low), float(r.ci_high)
    interval = "–" if math.isnan(low) or math.isnan(high) else f"[{signed(low)}, {signed(high)}]"
    return signed(r.mean) + std, interval, f"{int(r.n)}/{int(r.n_expected)}"


def to_markdown(table: pd.DataFrame) -> str:
    """A GitHub Markdown table (no extra dependency)."""
    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def mode_label(mode: str, kinds: dict[str, str] | None = None) -> str:
    """A data mode as an arm's name: clean, the cod arm's kind of counterfactual (semantic, llm, …), or cod-<kind>'s."""
    if mode == "clean":
        return "clean"
    return (kinds or {}).get(mode) or (mode.removeprefix("cod-") if mode.startswith("cod-") else "CoD")


def kind_label(mode: str, kind: str) -> str:
    """A kind as named in the ablation tables: the CoD arm's own kind carries '(cod)'."""
    return f"{kind} (cod)" if mode == "cod" else str(kind)


def short_cells(frame: pd.DataFrame) -> dict[tuple, float]:
    """(dataset, method, mode, k) → min_cfe_share of the rows whose CoD runs had fewer CFEs than asked (cfe_short)."""
    if "cfe_short" not in frame or frame.empty:
        return {}
    flagged = frame[frame["cfe_short"].eq(True)]
    mode = flagged["mode"] if "mode" in flagged else pd.Series("cod", index=flagged.index)
    return {
        (r.dataset, r.method, m, int(r.k)): float(r.min_cfe_share)
        for r, m in zip(flagged.itertuples(index=False), mode, strict=True)
    }


def short_note(short: dict[tuple, float]) -> str:
    """The ‡ footnote: what it means and the lowest CFE share of each marked cell ('' when none is short)."""
    if not short:
        return ""
    cells = ", ".join(
        f"{dataset} {display_name(method)}+CoD k={k}: {share:.0%}"
        for (dataset, method, _mode, k), share in sorted(short.items(), key=lambda item: str(item[0]))
    )
    return (
        f"{SHORT_MARK} CoD arm short of its CFE budget: in at least one seed the student trained on fewer "
        f"counterfactuals than the budget asked for (k·cfe_fraction); lowest share of the asked CFEs: {cells}."
    )

"""The paper comparison's section on the related explanation-guided distillation papers: their contrasts beside
our rationale gain (direction, not level)."""

from __future__ import annotations

import math
from importlib import resources

import pandas as pd

from cod.method_registry import display_name
from cod.report.aggregate import is_control
from cod.report.marks import gain_cells, signed, to_markdown


def related_results() -> pd.DataFrame:
    """The two related explanation-guided distillation papers' accuracies (related_results.csv)."""
    with resources.files("cod.report").joinpath("related_results.csv").open() as fh:
        table = pd.read_csv(fh, comment="#")
    table["base"] = table["base"].fillna("")
    return table


def related_markdown(related: pd.DataFrame, rationale_gains: pd.DataFrame, confidence: float = 0.95) -> str:
    """The paper comparison's section on the related papers: their contrasts beside this project's rationale gain,
    marked as different models and data (direction, not level)."""
    rows = []
    for r in related.itertuples(index=False):
        if r.base:
            diff = float(r.accuracy) - float(r.base_accuracy)
            theirs, direction = f"{r.accuracy:.1f} vs {r.base_accuracy:.1f} ({signed(diff)})", _direction(diff)
        else:
            theirs, direction = f"{r.accuracy:.1f}", "– (baseline not transcribed)"
        rows.append(
            {
                "paper": r.paper,
                "dataset": r.dataset,
                "student": r.student,
                "contrast": f"{r.method} vs {r.base}" if r.base else f"{r.contrast}: {r.method}",
                "accuracy": theirs,
                "direction": direction,
            }
        )
    level = f"{confidence:.0%} CI"
    ours = []
    base_settings = rationale_gains[
        (rationale_gains.get("variant", pd.Series("", index=rationale_gains.index)).fillna("") == "")
        & ~rationale_gains["base"].map(is_control)
    ]
    for r in base_settings.sort_values(["dataset", "method", "mode", "k"]).itertuples(index=False):
        gain, interval, n = gain_cells(r)
        low, high = float(r.ci_low), float(r.ci_high)
        direction = "–" if math.isnan(low) else ("up" if low > 0 else "down" if high < 0 else "no difference detected")
        ours.append(
            {
                "dataset": r.dataset,
                "contrast": f"{display_name(r.method)} vs {display_name(r.base)} ({r.mode} data)",
                "k": int(r.k),
                "gain": gain,
                level: interval,
                "n": n,
                "direction": direction,
            }
        )
    ours_text = (
        to_markdown(pd.DataFrame(ours))
        if ours
        else "No rationale method in this run's grid (`cod profile rationales` runs ce, kd, rkd and rce side by side)."
    )
    return "\n".join(
        [
            "## Explanation-guided distillation: the related papers beside ours",
            "",
            "R1 (Ballout et al. 2024) and R2 (Hendriks et al. 2025) distil with the teacher's reasons on full training "
            "sets, with T5 students and other teachers and data: their accuracies are not comparable in level with "
            "ours. What can be compared is the direction of a contrast: does adding the teacher's reasons help?",
            "",
            to_markdown(pd.DataFrame(rows)),
            "",
            f"Ours (few-shot, encoder student; rationale gain paired by seed, {level} Student-t interval):",
            "",
            ours_text,
            "",
        ]
    )


def _direction(diff: float) -> str:
    """ "up", "down" or "equal" for a difference of reported accuracies (no interval in the papers' numbers)."""
    return "up" if diff > 0 else "down" if diff < 0 else "equal"

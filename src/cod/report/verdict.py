"""reports/tables/verdict.md: the paired-gain verdict per cell in display form, with its notes on short CFE budgets,
fallback-made CFEs, exclusions and how the CoD sets' budgets were filled."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cod.method_registry import display_name
from cod.report.aggregate import MOSTLY_FALLBACK, fallback_shares
from cod.report.marks import FALLBACK_MARK, SHORT_MARK, mode_label, short_cells, short_note, signed, to_markdown
from cod.report.table1 import LEVELS_NOTE

VERDICT_LABELS = {
    "cod_better": "CoD better",
    "baseline_better": "{method} better",
    "no_difference": "no difference detected",
    "excluded": "excluded (CFE budget)",
    "insufficient": "insufficient",
}
DEFAULT_CONTRAST = "cod - clean"


def is_default_contrast(verdicts: pd.DataFrame) -> bool:
    """Whether a verdict frame decides CoD − clean only (the default contrast, shown as 'CoD gain')."""
    return "contrast" not in verdicts or set(verdicts["contrast"].dropna()) <= {DEFAULT_CONTRAST}


def verdict_label(verdict: str, method: str) -> str:
    """The display form of a machine verdict, the baseline named by method (e.g. baseline_better → 'KD better')."""
    return VERDICT_LABELS.get(verdict, verdict).format(method=display_name(method))


def true_kinds(kinds: dict[str, str], cfes: pd.DataFrame) -> dict[str, str]:
    """``kinds`` (CoD mode → kind) with each mode whose kept CFEs (over all its sets) are mostly a fallback's named
    as what they are: "llm → editor fallback (11/12)"."""
    out = dict(kinds)
    for r in fallback_shares(cfes, ("mode",)).itertuples(index=False):
        if r.mostly_fallback and r.mode in out:
            maker = str(r.fallback_generator).split(":")[0]  # editor:semantic → editor
            out[r.mode] = f"{out[r.mode]} → {maker} fallback ({r.fallback_cfes}/{r.kept})"
    return out


def fallback_cells(cfes: pd.DataFrame | None) -> set[tuple[str, int, str]]:
    """(dataset, k, mode) of the CoD sets whose kept CFEs are mostly a fallback's (pooled over their seeds)."""
    shares = fallback_shares(cfes if cfes is not None else pd.DataFrame())
    return {(r.dataset, int(r.k), r.mode) for r in shares.itertuples(index=False) if r.mostly_fallback}


def fallback_notes(verdicts: pd.DataFrame, cfes: pd.DataFrame | None) -> list[str]:
    """The verdict's footnotes on fallbacks: per arm (and base) of the verdict and dataset × k, how many of the kept
    CFEs a fallback made; then what the § mark of a mostly-fallback arm means ([] when no fallback made any)."""
    shares = fallback_shares(cfes if cfes is not None else pd.DataFrame())
    arms = set(verdicts["arm"]) | set(verdicts["base"]) if "arm" in verdicts else {"cod"}
    used = shares[shares["mode"].isin(arms) & (shares["fallback_cfes"] > 0)]
    if used.empty:
        return []
    kind = cfes.groupby("mode")["kind"].first() if cfes is not None and "kind" in cfes else pd.Series(dtype=str)
    cells = "; ".join(
        f"{kind.get(r.mode, r.mode)} arm (`{r.mode}`), {r.dataset} k={int(r.k)}: {r.fallback_cfes} of {r.kept} "
        f"({r.fallback_share:.0%}) by {r.fallback_generator}" + (f" {FALLBACK_MARK}" if r.mostly_fallback else "")
        for r in used.itertuples(index=False)
    )
    notes = [f"CFEs made by a fallback, not by the arm's own generator (kept CFEs, all seeds' sets): {cells}."]
    if used["mostly_fallback"].any():
        notes.append(
            f"{FALLBACK_MARK} an arm of the cell had more than {MOSTLY_FALLBACK:.0%} of its kept CFEs made by its "
            "fallback: the cell measures the fallback's counterfactuals, not its own generator's (its kind is shown "
            "as what it is, e.g. `llm → editor fallback (11/12)`)."
        )
    return notes


def verdict_table(
    verdicts: pd.DataFrame, kinds: dict[str, str] | None = None, fallback: set[tuple[str, int, str]] | None = None
) -> pd.DataFrame:
    """The verdict in display form: one row per (contrast ×) dataset × k × method, gain mean ± std, interval, n,
    half-width. The CoD − clean contrast alone reads as before ('CoD gain', 'CoD better' / 'KD better'); other
    contrasts get a contrast column and verdicts naming the better arm. A gain is marked ‡ when an arm was short of
    its CFE budget and § when an arm's (dataset, k, mode) is among ``fallback`` (mostly a fallback's CFEs).
    An excluded cell meets no target ('–')."""
    default = is_default_contrast(verdicts)
    rows = []
    for r in verdicts.itertuples(index=False):
        std = "" if math.isnan(float(r.std)) else f" ± {float(r.std):.1f}"
        half = float(r.half_width)
        gain = signed(r.mean) + std + (f" {SHORT_MARK}" if bool(r.cfe_short) else "")
        if {(r.dataset, int(r.k), r.arm), (r.dataset, int(r.k), r.base)} & (fallback or set()):
            gain += f" {FALLBACK_MARK}"
        arm, base = (mode_label(r.arm, kinds), mode_label(r.base, kinds)) if not default else ("", "")
        label = verdict_label(str(r.verdict), str(r.method))
        if not default and str(r.verdict) in ("cod_better", "baseline_better"):
            label = f"{arm if r.verdict == 'cod_better' else base} better"
        rows.append(
            {
                **({} if default else {"contrast": f"{arm} − {base}"}),
                "dataset": r.dataset,
                "k": int(r.k),
                "method": display_name(r.method),
                ("CoD gain" if default else "gain"): gain,
                "interval": "–" if math.isnan(half) else f"[{signed(r.ci_low)}, {signed(r.ci_high)}]",
                "n": f"{int(r.n)}/{int(r.n_expected)}",
                "half-width": "–" if math.isnan(half) else f"{half:.1f}",
                "target met": "–" if bool(r.excluded) else "yes" if bool(r.meets_target) else "no",
                "verdict": label,
            }
        )
    return pd.DataFrame(rows)


def budget_notes(cfes: pd.DataFrame) -> list[str]:
    """One line per dataset × k of the ``cod`` sets (cfe_quality rows): how their CFE budget was filled, i.e. how
    many originals the teacher rejected and reserves replaced, rows tried, and CFEs made of those asked for."""
    if cfes.empty or "mode" not in cfes or "replaced_originals" not in cfes:
        return []
    ok = cfes[(cfes["mode"] == "cod") & (cfes["status"] == "ok")]
    lines = []
    for (dataset, k), g in ok.groupby(["dataset", "k"], sort=True):
        n, made = int(g["originals"].sum()), int(g["valid_cfes"].sum())
        replaced, tried = int(g["replaced_originals"].sum()), int(g["originals_tried"].sum())
        fill = "on" if g.get("fill_budget", pd.Series([True])).astype(bool).all() else "off"
        lines.append(
            f"CFE budget of the CoD sets, {dataset} k={int(k)} ({len(g)} seeds; counterfactuals.fill_budget {fill}): "
            f"{made} of the {n} CFEs asked for were made; {replaced} originals whose CFE the teacher rejected were "
            f"replaced by the next row of their class from the clean set's other half; {tried} rows tried."
        )
    return lines


def imbalance_note(datasets: list[str]) -> str:
    """The verdict's note on its metric when some datasets are imbalanced."""
    return (
        f"Metric: the verdict decides on accuracy, also on {', '.join(datasets)}, whose test split is imbalanced "
        "(its largest class has more than teacher.imbalance_ratio times the rows of its smallest), where accuracy "
        "rewards predicting the majority class; table1_test.md shows the same students' balanced accuracy beside it."
    )


def write_verdict(
    verdicts: pd.DataFrame,
    out: Path,
    confidence: float = 0.95,
    target: float = 3.0,
    min_share: float = 0.8,
    cfes: pd.DataFrame | None = None,
    kinds: dict[str, str] | None = None,
    missing: list[str] | None = None,
    standing: pd.DataFrame | None = None,
    imbalanced: list[str] | None = None,
    caps: Sequence[str] = (),
) -> Path:
    """reports/tables/verdict.md: the paired-gain verdict per cell (per declared contrast), how it is derived, every
    exclusion, and how the CoD sets' CFE budgets were filled (``cfes``: the cfe_quality rows); ``missing``: declared
    contrasts this grid does not run; ``imbalanced``: datasets whose test split is imbalanced (a note on the metric);
    ``caps``: a line per capped evaluation split (aggregate.evaluation_caps)."""
    level = f"{confidence:.0%}"
    if is_default_contrast(verdicts):
        what = (
            "CoD gain = CoD − baseline test accuracy (points, at the best-validation epoch), paired by seed: "
            "mean ± sample std (ddof=1)"
        )
        better = "CoD better if the interval lies above 0, the baseline better if below"
    else:
        what = (
            "Gain = arm − base test accuracy (points, at the best-validation epoch) for each declared contrast "
            "(report.contrasts), paired by seed: mean ± sample std (ddof=1)"
        )
        better = "the arm better if the interval lies above 0, the base better if below"
    parts = [
        f"{what}; n = paired seeds / expected; {level} Student-t interval of the mean and its half-width. "
        f"Verdict: {better}, no difference detected if it contains 0 and its half-width is at most {target:g} "
        f"points, insufficient if it contains 0 but is wider (or n < 2); target met: half-width ≤ {target:g} "
        f"points. A cell whose CoD runs had on average < {min_share:.0%} of the CFEs their budget asked for is "
        "excluded.",
        "",
    ]
    if verdicts.empty:
        parts.append("No cell has both a CoD and a baseline run yet: no verdict.")
    else:
        default = is_default_contrast(verdicts)
        parts.append(to_markdown(verdict_table(verdicts, kinds, fallback_cells(cfes))))
        arm = verdicts["arm"] if "arm" in verdicts else pd.Series("cod", index=verdicts.index)
        notes = [short_note(short_cells(verdicts.assign(mode=arm))), *fallback_notes(verdicts, cfes)]
        excluded = verdicts[verdicts["excluded"].eq(True)]
        notes += [
            f"Excluded: {'' if default else f'{mode_label(r.arm, kinds)} − {mode_label(r.base, kinds)}, '}"
            f"{r.dataset} {display_name(r.method)} k={int(r.k)}: {r.reason}."
            for r in excluded.itertuples(index=False)
        ]
        notes += budget_notes(cfes if cfes is not None else pd.DataFrame())
        for note in notes:
            parts += ["", note] if note else []
    if imbalanced:
        parts += ["", imbalance_note(imbalanced)]
    for cap in caps:
        parts += ["", cap]
    if missing:
        parts += ["", f"Declared but not run in this grid (a mode missing from grid.data_modes): {', '.join(missing)}."]
    if standing is not None and len(standing):
        parts += ["", "Where the arms stand (test accuracy, %, mean ± sample std over seeds):", ""]
        parts += [to_markdown(standing), "", LEVELS_NOTE]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(parts) + "\n")
    return out

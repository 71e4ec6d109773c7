"""Tables in the paper's layout (Markdown + LaTeX) and the side-by-side comparison with the paper's numbers."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from cod.data import registry
from cod.method_registry import display_name, in_order
from cod.report.aggregate import MOSTLY_FALLBACK, fallback_shares, is_control

PAIR_OF_TABLE = {
    "1": "DeBERTa-v3-base → small",
    "2": "DeBERTa-v3-base → small (TED)",
    "5": "DeBERTa-v3-base → xsmall",
    "6": "Qwen2.5-1.5B → 0.5B",
}


def paper_results() -> pd.DataFrame:
    """The paper's Tables 1, 2, 5 and 6 as one long table (transcribed from the spec into paper_results.csv)."""
    with resources.files("cod.report").joinpath("paper_results.csv").open() as fh:
        table = pd.read_csv(fh, comment="#", dtype={"table": str})
    table["note"] = table["note"].fillna("")
    return table


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


def cell(mean: float, std: float, n: int | None = None) -> str:
    """'mean±std' with one decimal ('–' for a missing mean, no ± when std is undefined)."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "–"
    text = f"{mean:.1f}"
    if std is not None and not (isinstance(std, float) and math.isnan(std)):
        text += f"±{std:.1f}"
    return text


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


# † already means "stand-in dataset" in reports/paper_comparison.md; ‡ marks a CoD cell short of its CFE budget
SHORT_MARK = "‡"
FALLBACK_MARK = "§"  # an arm whose kept CFEs are mostly a fallback's (aggregate.MOSTLY_FALLBACK)
VERDICT_LABELS = {
    "cod_better": "CoD better",
    "baseline_better": "{method} better",
    "no_difference": "no difference detected",
    "excluded": "excluded (CFE budget)",
    "insufficient": "insufficient",
}
DEFAULT_CONTRAST = "cod - clean"


def mode_label(mode: str, kinds: dict[str, str] | None = None) -> str:
    """A data mode as an arm's name: clean, the cod arm's kind of counterfactual (semantic, llm, …), or cod-<kind>'s."""
    if mode == "clean":
        return "clean"
    return (kinds or {}).get(mode) or (mode.removeprefix("cod-") if mode.startswith("cod-") else "CoD")


def is_default_contrast(verdicts: pd.DataFrame) -> bool:
    """Whether a verdict frame decides CoD − clean only (the default contrast, shown as 'CoD gain')."""
    return "contrast" not in verdicts or set(verdicts["contrast"].dropna()) <= {DEFAULT_CONTRAST}


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


def verdict_label(verdict: str, method: str) -> str:
    """The display form of a machine verdict, the baseline named by method (e.g. baseline_better → 'KD better')."""
    return VERDICT_LABELS.get(verdict, verdict).format(method=display_name(method))


def signed(value: float) -> str:
    """'+1.2' / '−0.4' with one decimal ('–' when undefined)."""
    return "–" if value is None or math.isnan(float(value)) else f"{float(value):+.1f}".replace("-", "−")


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


# the CFE quality columns of reports/tables/cfe_kinds.md: metrics.json key → (header, scale, decimals)
CFE_KIND_QUALITY = {
    "flip_rate": ("flip rate (%)", 100.0, 1),
    "p_target_median": ("median p(target)", 1.0, 2),
    "word_edits_median": ("median word edits", 1.0, 1),
    "ppl_ratio_median": ("median perplexity ratio", 1.0, 2),
    "lexicon_edit_share": ("lexicon edit share (%)", 100.0, 1),
    "last_resort_share": ("last-resort swaps (% of CFEs)", 100.0, 1),
}


def _number(value: object, scale: float = 1.0, decimals: int = 1) -> str:
    """``value`` × ``scale`` with ``decimals`` decimals ('–' when missing or not a number)."""
    try:
        number = float(value) * scale  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(number) else f"{number:.{decimals}f}"


def kind_label(mode: str, kind: str) -> str:
    """A kind as named in the ablation tables: the CoD arm's own kind carries '(cod)'."""
    return f"{kind} (cod)" if mode == "cod" else str(kind)


def cfe_kind_gains_table(gains: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Display form of kind_gains: one row per dataset × method × k × kind, gain mean ± std, interval and n."""
    level = f"{confidence:.0%} CI"
    order = {mode: i for i, mode in enumerate(dict.fromkeys(gains["mode"]))}
    methods = {m: i for i, m in enumerate(in_order(gains["method"]))}
    rows = []
    short = gains["cfe_short"].eq(True) if "cfe_short" in gains else False
    ranked = gains.assign(_m=gains["method"].map(methods), _o=gains["mode"].map(order), short_mark=short)
    for r in ranked.sort_values(["dataset", "_m", "k", "_o"]).itertuples(index=False):
        gain, interval, n = gain_cells(r)
        rows.append(
            {
                "dataset": r.dataset,
                "method": display_name(r.method),
                "k": int(r.k),
                "kind": kind_label(str(r.mode), str(r.kind)),
                "gain over clean": gain + (f" {SHORT_MARK}" if r.short_mark else ""),
                level: interval,
                "n": n,
            }
        )
    return pd.DataFrame(rows, columns=["dataset", "method", "k", "kind", "gain over clean", level, "n"])


def gain_cells(r: Any) -> tuple[str, str, str]:
    """A paired gain row's display cells: "+mean ± std", "[low, high]" ('–' without an interval), "n/expected"."""
    std = "" if math.isnan(float(r.std)) else f" ± {float(r.std):.1f}"
    low, high = float(r.ci_low), float(r.ci_high)
    interval = "–" if math.isnan(low) or math.isnan(high) else f"[{signed(low)}, {signed(high)}]"
    return signed(r.mean) + std, interval, f"{int(r.n)}/{int(r.n_expected)}"


def rationale_gains_markdown(
    gains: pd.DataFrame,
    confidence: float = 0.95,
    quality: pd.DataFrame | None = None,
    examples: pd.DataFrame | None = None,
) -> str:
    """The text of reports/tables/rationale_gains.md: each rationale method's paired gain over the method it adds to
    (method_gains) and what its rationales pick (report.rationales.rationale_quality), or a note on how to run one."""
    if gains.empty:
        return (
            "No rationale method in this run's grid: add `rkd` to grid.methods beside `kd` (settings: distill.rkd), "
            "or `rce` beside `ce` (distill.rce), or run `cod profile rationales`, then reproduce the pipeline.\n"
        )
    level = f"{confidence:.0%} CI"
    rows = []
    gains = gains.assign(variant=gains["variant"].fillna("") if "variant" in gains else "")
    gains = gains.assign(control=gains["base"].map(is_control))
    for r in gains.sort_values(["dataset", "method", "control", "variant", "k", "mode"]).itertuples(index=False):
        gain, interval, n = gain_cells(r)
        base = f"{display_name(r.method)} with random words" if r.control else display_name(r.base)
        verdict = getattr(r, "verdict", None)
        rows.append(
            {
                "dataset": r.dataset,
                "method": f"{display_name(r.method)} − {base}",
                "variant": r.variant or "as configured",
                "data": r.mode,
                "k": int(r.k),
                "rationale gain": gain,
                level: interval,
                "n": n,
                **({"verdict": rationale_verdict(str(verdict), display_name(r.method), base)} if verdict else {}),
            }
        )
    return "\n".join(
        [
            "# Rationale gain",
            "",
            "Gain = test accuracy (points, at the best-validation epoch) of the rationale method − the same student "
            "without rationales, same data, k and seed (paired by seed): mean ± sample std (ddof=1); n = paired seeds "
            f"/ expected; {confidence:.0%} Student-t interval of the mean. Variant: the method's settings as "
            "configured, or one of its variants (distill.<method>.variants: e.g. another top_k, or `random`, the "
            'control whose rationale words are drawn at random). "− … with random words": the method as configured '
            "against its random-word variant, same seeds. Verdict: the project's rule on the interval (better if it "
            "excludes 0; no difference detected if it contains 0 and its half-width is at most the target; "
            "otherwise insufficient).",
            "",
            to_markdown(pd.DataFrame(rows)),
            "",
            *rationale_quality_section(quality),
            *(
                ["## Examples", "", "The teacher's rationale words in bold, as the student trained on them.", ""]
                + [to_markdown(examples), ""]
                if examples is not None and len(examples)
                else []
            ),
        ]
    )


def rationale_verdict(word: str, method: str, base: str) -> str:
    """A rationale gain's verdict (aggregate.verdict_of's word) in words: which student is better, or neither."""
    return {"cod_better": f"{method} better", "baseline_better": f"{base} better"}.get(word, VERDICT_LABELS[word])


def rationale_quality_section(quality: pd.DataFrame | None) -> list[str]:
    """Lines of the rationale quality table (percentages; '–' where a measure does not apply)."""
    if quality is None or quality.empty:
        return []

    def pct(v: float) -> str:
        return "–" if pd.isna(v) else f"{100 * float(v):.0f} %"

    rows = [
        {
            "dataset": r.dataset,
            "method": display_name(r.method),
            "data": r.mode,
            "k": int(r.k),
            "rows (runs)": f"{int(r.rows)} ({int(r.runs)})",
            "words": f"{float(r.words_per_rationale):.1f}",
            "polarity words": pct(r.lexicon_share),
            "from the hypothesis": pct(r.hypothesis_share),
            "CFE's word in rationale": pct(r.changed_word_in_rationale),
            "… in random k words": pct(r.changed_word_in_random_k),
        }
        for r in quality.itertuples(index=False)
    ]
    return [
        "## What the rationales pick",
        "",
        "Over every rationale the runs trained on: words per rationale, share of them that are VADER polarity words, "
        "share from the hypothesis (sentence pairs); for the originals of CoD sets with a kept CFE, how often a word "
        "the CFE rewrote is in the teacher's rationale vs the exact chance for as many random words of the row.",
        "",
        to_markdown(pd.DataFrame(rows)),
        "",
    ]


FALLBACK_HEADER = "made by a fallback"


def fallback_cell(shares: pd.DataFrame, dataset: str, k: int, mode: str) -> str:
    """'11/12 (92 %)': the kept CFEs of a dataset × k × mode a fallback made, of all kept ('–' if not recorded)."""
    r = shares[(shares["dataset"] == dataset) & (shares["k"] == k) & (shares["mode"] == mode)]
    if r.empty or not int(r["kept"].iloc[0]):
        return "–"
    return f"{int(r['fallback_cfes'].iloc[0])}/{int(r['kept'].iloc[0])} ({float(r['fallback_share'].iloc[0]):.0%})"


def cfe_kind_quality_table(cfes: pd.DataFrame, kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """Per dataset × k × kind: the median over seeds of each CFE quality metric of the ok sets ('–' if absent), and
    how many of the kept CFEs a fallback made (pooled over seeds). ``kinds``: CoD mode → the kind to show."""
    headers = [header for header, _, _ in CFE_KIND_QUALITY.values()]
    columns = ["dataset", "k", "kind", "sets", *headers, FALLBACK_HEADER]
    if cfes.empty:
        return pd.DataFrame(columns=columns)
    shares = fallback_shares(cfes)
    modes = cfes["mode"].astype(str) if "mode" in cfes else pd.Series("cod", index=cfes.index)
    kind = cfes["kind"].fillna(modes) if "kind" in cfes else modes
    data = cfes.assign(mode=modes, kind=[(kinds or {}).get(m, kd) for m, kd in zip(modes, kind, strict=True)])
    order = {mode: i for i, mode in enumerate(dict.fromkeys(data["mode"]))}
    rows = []
    for (dataset, k, _, mode), group in data.assign(_o=data["mode"].map(order)).groupby(
        ["dataset", "k", "_o", "mode"], sort=True
    ):
        ok = group[group["status"] == "ok"]
        row = {
            "dataset": dataset,
            "k": int(k),
            "kind": kind_label(mode, str(group["kind"].iloc[0])),
            "sets": f"{len(ok)}/{len(group)}",
        }
        for column, (header, scale, decimals) in CFE_KIND_QUALITY.items():
            values = pd.to_numeric(ok[column], errors="coerce") if column in ok else pd.Series(dtype=float)
            row[header] = _number(values.median(), scale, decimals)
        row[FALLBACK_HEADER] = fallback_cell(shares, dataset, k, mode)
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def cfe_kinds_markdown(gains: pd.DataFrame, cfes: pd.DataFrame, kinds: dict[str, str], confidence: float = 0.95) -> str:
    """The text of reports/tables/cfe_kinds.md: each CoD kind's paired gain over clean and its CFE quality.

    ``kinds`` maps each CoD data mode of the grid to its kind (grid order); with one CoD mode the ablation is off
    and the text is a one-line note on how to run it.
    """
    if len(kinds) < 2:
        named = ", ".join(f"`{mode}` ({kind})" for mode, kind in kinds.items()) or "none"
        return (
            f"Counterfactual-kinds ablation off: the grid has {len(kinds) or 'no'} CoD data mode ({named}); the "
            "`mechanism` study runs it (`cod study run mechanism`: grid.data_modes with `cod-<kind>` modes).\n"
        )
    level = f"{confidence:.0%}"
    parts = [
        "# Counterfactual kinds: gain over clean and CFE quality",
        "",
        f"Kinds compared: {', '.join(f'`{mode}` = {kind}' for mode, kind in kinds.items())} (`cod` is the CoD arm "
        "of the verdict; the others are ablation arms, same budget k and seeds).",
        "",
        "## Gain over clean",
        "",
        "Gain = test accuracy (points, at the best-validation epoch) of the kind's CoD runs − the same method on "
        "clean data, paired by seed: mean ± sample std (ddof=1); n = paired seeds / expected; "
        f"{level} Student-t interval of the mean.",
        "",
    ]
    shown = [kinds.get(mode, kind) for mode, kind in zip(gains["mode"], gains["kind"], strict=True)]
    table = cfe_kind_gains_table(gains.assign(kind=shown), confidence)
    parts.append(to_markdown(table) if len(table) else "No kind has both CoD and clean runs yet: no gain.")
    if len(table) and "cfe_short" in gains and gains["cfe_short"].eq(True).any():
        parts += [
            "",
            f"{SHORT_MARK} in at least one seed the student trained on fewer counterfactuals than its budget asked "
            "for.",
        ]
    parts += [
        "",
        "## Counterfactual quality",
        "",
        "Per CoD set (dataset × k × seed × kind) the counterfactuals stage's metrics, median over seeds of the sets "
        "written (`sets` = written / expected): flip rate = share of originals with a teacher-verified CFE; "
        "p(target) = teacher's probability of the new class (median over kept CFEs); word edits (median over kept "
        "CFEs); perplexity ratio = LM perplexity of the CFE / of the original (median); lexicon edit share = share "
        "of edits on polarity-lexicon words or negations; made by a fallback = kept CFEs the kind's fallback made "
        "(an LLM's offline editor), of all kept, over the seeds. '–' = not recorded or no valid CFE.",
        "",
    ]
    quality = cfe_kind_quality_table(cfes, kinds)
    parts.append(to_markdown(quality) if len(quality) else "No CoD set in the grid.")
    return "\n".join(parts) + "\n"


def _better_mask(summary: pd.DataFrame) -> set[tuple[str, str, str, int]]:
    """(dataset, method, mode, k) cells whose mean beats the other data mode of the same method (bold in LaTeX)."""
    best = set()
    wide = summary.pivot_table(index=["dataset", "method", "k"], columns="mode", values="mean")
    for (dataset, method, k), row in wide.iterrows():
        if {"clean", "cod"} <= set(row.index) and not row.isna().any() and row["cod"] != row["clean"]:
            best.add((dataset, method, "cod" if row["cod"] > row["clean"] else "clean", k))
    return best


def to_markdown(table: pd.DataFrame) -> str:
    """A GitHub Markdown table (no extra dependency)."""
    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *body])


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


def stand_in(dataset: str) -> str | None:
    """The embedded dataset that stands in for a paper dataset offline (rt_sentences for sst2), if any."""
    proxies = {info.paper_proxy: name for name, info in registry.BUILTIN.items() if info.paper_proxy}
    return proxies.get(dataset)


EMBEDDED_PREFIX = "embedded:"  # = cod.models.load.EMBEDDED_PREFIX (not imported here: that module loads torch)
# The paper's teacher → student pairs (model names without organisation, lower case) → `pair` of paper_results.csv.
PAPER_PAIRS: dict[tuple[str, str], str] = {
    ("deberta-v3-base", "deberta-v3-small"): "deberta-v3-base->small",
    ("deberta-v3-base", "deberta-v3-xsmall"): "deberta-v3-base->xsmall",
    ("qwen2.5-1.5b", "qwen2.5-0.5b"): "qwen2.5-1.5b->0.5b",
}
CELL_KEYS = ["dataset", "method", "mode", "k"]
STAND_IN_MARK = "†"
AMBIGUOUS = "ambiguous_order"  # note token of the paper cells whose row the spec could not resolve ('/')
AMBIGUOUS_MARK = "⇅"  # ‡ is taken (a CoD cell short of its CFE budget)
DIRECTION_TITLE = "Same dataset/method/mode/k, different models: compare direction (CoD gain sign), not level"
NOT_RECORDED = "not recorded"


def paper_extra() -> pd.DataFrame:
    """The paper's Table 4 (teacher accuracy) and Table 8 (wall time) numbers, transcribed into paper_extra.csv."""
    with resources.files("cod.report").joinpath("paper_extra.csv").open() as fh:
        table = pd.read_csv(fh, comment="#", dtype={"table": str, "method": str, "mode": str, "k": "Int64"})
    table["note"] = table["note"].fillna("")
    return table


def model_name(model: str) -> str:
    """A model id without loader prefix, organisation or folder: 'microsoft/deberta-v3-base' → 'deberta-v3-base'."""
    name = model.removeprefix(EMBEDDED_PREFIX).replace("\\", "/").rstrip("/")
    return name.rsplit("/", 1)[-1]


def pair_key(teacher: str, student: str, student_layers: Sequence[int] | None = None) -> str:
    """The paper's key of a teacher → student pair (paper_results.csv `pair`), else our own, e.g. 'a->b[0,2,4]'."""
    t, s = model_name(teacher), model_name(student)
    if student_layers is None and (t.lower(), s.lower()) in PAPER_PAIRS:
        return PAPER_PAIRS[(t.lower(), s.lower())]
    layers = "" if student_layers is None else "[" + ",".join(str(int(i)) for i in student_layers) + "]"
    return f"{t}->{s}{layers}"


def paper_dataset(dataset: str) -> str:
    """The paper dataset one of ours is compared with: itself, or the one an embedded stand-in replaces."""
    info = registry.BUILTIN.get(dataset)
    return info.paper_proxy if info is not None and info.paper_proxy else dataset


def paper_gains(paper: pd.DataFrame, datasets: list[str], table: str = "1") -> pd.DataFrame:
    """The paper's CoD − clean gain (its mean over seeds) per method and k, for each of our datasets: the row of the
    paper dataset it is or stands in for, from Table ``table``'s first teacher → student pair that has it."""
    columns = ["dataset", "paper_dataset", "pair", "method", "k", "gain"]
    rows = []
    for dataset in datasets:
        target = paper_dataset(dataset)
        cells = paper[(paper["table"] == table) & (paper["dataset"] == target)]
        if cells.empty:
            continue
        cells = cells[cells["pair"] == cells["pair"].iloc[0]]
        wide = cells.pivot_table(index=["method", "k"], columns="mode", values="mean")
        if not {"clean", "cod"} <= set(wide.columns):
            continue
        for (method, k), gain in (wide["cod"] - wide["clean"]).dropna().items():
            rows.append([dataset, target, cells["pair"].iloc[0], method, int(k), float(gain)])
    return pd.DataFrame(rows, columns=columns)


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


def _pct(value: object) -> str:
    """An accuracy in % with one decimal ('–' when missing)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(number) else f"{number:.1f}"


def paper_table4(extra: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 4 in its layout: one row per teacher model, one column per dataset."""
    t4 = extra[extra["table"] == "4"]
    datasets = list(dict.fromkeys(t4["dataset"]))
    rows = []
    for model, group in t4.groupby("model", sort=False):
        values = group.set_index("dataset")["value"]
        rows.append({"teacher": model, **{d: _pct(values.get(d, math.nan)) for d in datasets}})
    return pd.DataFrame(rows, columns=["teacher", *datasets])


def pair_cell(row: Any, key: str, decimals: int = 1) -> str:
    """A teacher's validation and test ``key`` as 'validation / test' ('82.8 / 80.1'; '–' for a missing one)."""
    return " / ".join(
        _number(getattr(row, f"{split}_{key}", math.nan), 1.0, decimals) for split in ("validation", "test")
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
            "ours_val": _pct(r.validation_accuracy),
            "ours_test": _pct(r.test_accuracy),
            "bal. acc. val / test": pair_cell(r, "balanced_accuracy"),
            "MCC val / test": pair_cell(r, "mcc", decimals=2),
            "status": r.status,
            **{f"paper {m}": _pct(values.get((m, theirs), math.nan)) for m in models},
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

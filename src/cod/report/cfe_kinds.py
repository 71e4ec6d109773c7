"""reports/tables/cfe_kinds.md: each kind of counterfactual's paired gain over clean and its CFE quality."""

from __future__ import annotations

import pandas as pd

from cod.method_registry import display_name, in_order
from cod.report.aggregate import fallback_shares
from cod.report.marks import SHORT_MARK, gain_cells, kind_label, number_cell, to_markdown

# the CFE quality columns of reports/tables/cfe_kinds.md: metrics.json key → (header, scale, decimals)
CFE_KIND_QUALITY = {
    "flip_rate": ("flip rate (%)", 100.0, 1),
    "p_target_median": ("median p(target)", 1.0, 2),
    "word_edits_median": ("median word edits", 1.0, 1),
    "ppl_ratio_median": ("median perplexity ratio", 1.0, 2),
    "lexicon_edit_share": ("lexicon edit share (%)", 100.0, 1),
    "last_resort_share": ("last-resort swaps (% of CFEs)", 100.0, 1),
}


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
            row[header] = number_cell(values.median(), scale, decimals)
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

"""Paired gains: one arm − another per dataset × method × k (or one method − the method it adds to), paired by
seed, with the interval of the mean and the CFE budget of the paired runs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cod.method_registry import added_to
from cod.report.aggregate import VALUES, cfe_budget, cod_modes, is_cod_mode, verdict_of
from cod.stats import describe

GAIN_STATS = ["mean", "std", "n", "n_expected", "n_missing", "ci_low", "ci_high"]
GAIN_BUDGET = ["cfe_short", "min_cfe_share", "mean_cfe_share"]


def contrast_gain(
    runs: pd.DataFrame, value: str = "test", confidence: float = 0.95, arm: str = "cod", base: str = "clean"
) -> pd.DataFrame:
    """Data mode ``arm`` − data mode ``base`` per dataset × method × k, paired by seed, with the CFE budget of the
    paired runs (the lower mean share of the two sides when both train on counterfactuals)."""
    column = VALUES[value]
    ok = runs[runs["status"] == "ok"]
    cell = ["dataset", "method", "k"]
    wide = ok.pivot_table(index=[*cell, "seed"], columns="mode", values=column)
    if not {base, arm} <= set(wide.columns):
        return pd.DataFrame(columns=[*cell, "value", *GAIN_STATS, *GAIN_BUDGET])
    diff = (wide[arm] - wide[base]).rename("gain").dropna().reset_index()
    index = pd.MultiIndex.from_frame(diff[[*cell, "seed"]])
    sides = []
    for mode in (arm, base):
        if is_cod_mode(mode):
            side = ok[ok["mode"] == mode].set_index([*cell, "seed"])
            shares = side["cfe_share"] if "cfe_share" in side else pd.Series(np.nan, index=side.index)
            sides.append(shares.reindex(index).to_numpy())
    expected = runs.groupby(cell)["seed"].nunique()
    rows = []
    for (dataset, method, k), group in diff.groupby(cell, sort=True):
        stats = describe(group["gain"], int(expected.loc[(dataset, method, k)]), confidence)
        budgets = [cfe_budget(pd.Series(side[group.index])) for side in sides]
        budget = min(budgets, key=lambda b: b["mean_cfe_share"] if not math.isnan(b["mean_cfe_share"]) else 2.0)
        budget = {**budget, "cfe_short": any(b["cfe_short"] for b in budgets)} if budgets else cfe_budget(pd.Series())
        rows.append({"dataset": dataset, "method": method, "k": k, "value": value, **stats, **budget})
    return pd.DataFrame(rows)


def cod_gain(runs: pd.DataFrame, value: str = "test", confidence: float = 0.95, mode: str = "cod") -> pd.DataFrame:
    """CoD mode ``mode`` − clean per dataset × method × k, paired by seed, with the CFE budget of its paired runs."""
    return contrast_gain(runs, value, confidence, mode, "clean")


def contrast_gains(
    runs: pd.DataFrame, contrasts: list[tuple[str, str]], value: str = "test", confidence: float = 0.95
) -> pd.DataFrame:
    """Every declared contrast's paired gain (contrast_gain), one block per contrast with its ``contrast`` ("arm -
    base"), ``arm`` and ``base`` columns; a contrast whose modes the runs lack gives no rows."""
    columns = ["contrast", "arm", "base", "dataset", "method", "k", "value", *GAIN_STATS, *GAIN_BUDGET]
    parts = [
        contrast_gain(runs, value, confidence, arm, base).assign(contrast=f"{arm} - {base}", arm=arm, base=base)
        for arm, base in contrasts
    ]
    parts = [p[columns] for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def method_gains(
    runs: pd.DataFrame, pairs: dict[str, str], value: str = "test", confidence: float = 0.95
) -> pd.DataFrame:
    """Each method's gain over the method it adds to (``pairs``: rkd → kd, the rationale gain) per dataset × data
    mode × k, paired by seed; a method or base missing from ``runs`` gives no rows."""
    column = VALUES[value]
    cell = ["dataset", "mode", "k"]
    columns = ["method", "base", *cell, "value", *GAIN_STATS]
    ok = runs[runs["status"] == "ok"]
    wide = ok.pivot_table(index=[*cell, "seed"], columns="method", values=column)
    rows = []
    for method, base in pairs.items():
        if not {method, base} <= set(wide.columns):
            continue
        diff = (wide[method] - wide[base]).rename("gain").dropna().reset_index()
        expected = runs[runs["method"] == method].groupby(cell)["seed"].nunique()
        for key, group in diff.groupby(cell, sort=True):
            stats = describe(group["gain"], int(expected.loc[key]), confidence)
            rows.append({"method": method, "base": base, **dict(zip(cell, key, strict=True)), "value": value, **stats})
    return pd.DataFrame(rows, columns=columns)


def kind_gains(
    runs: pd.DataFrame, kinds: dict[str, str], value: str = "test", confidence: float = 0.95
) -> pd.DataFrame:
    """Every CoD mode's gain over clean (cod_gain, paired by seed), one block per mode with its mode and kind.

    ``kinds`` maps a CoD data mode to its kind of counterfactual (Params.cod_kind); a mode it lacks is named
    by its suffix (``cod-random`` → random). Modes come in the order of ``runs`` (the grid's data_modes).
    """
    columns = ["mode", "kind", "dataset", "method", "k", "value", *GAIN_STATS, *GAIN_BUDGET]
    parts = []
    for mode in cod_modes(runs["mode"]):
        gains = cod_gain(runs, value, confidence, mode)
        if len(gains):
            kind = kinds.get(mode, mode.removeprefix("cod-"))
            parts.append(gains.assign(mode=mode, kind=kind)[columns])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def rationale_gains(
    runs: pd.DataFrame,
    variant_runs: pd.DataFrame,
    value: str = "test",
    confidence: float = 0.95,
    controls: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Each rationale method's gain over the method it adds to (method_gains), its variants' too (a ``variant``
    column: empty for the method's own settings), and over its random-word control (``controls``: rkd →
    ``rkd:random``, the variant whose rationale words are drawn at random; such rows have that variant as ``base``)."""
    pairs = dict(added_to())
    for name in variant_runs["method"].unique() if len(variant_runs) else []:
        base = pairs.get(str(name).split(":")[0])
        if base is not None:
            pairs[str(name)] = base
    both = pd.concat([runs, variant_runs], ignore_index=True) if len(variant_runs) else runs
    gains = method_gains(both, pairs, value, confidence)
    against_control = method_gains(both, controls or {}, value, confidence)
    if len(against_control):
        gains = pd.concat([gains, against_control], ignore_index=True) if len(gains) else against_control
    if gains.empty:
        return gains.assign(variant=pd.Series(dtype=str))
    split = gains["method"].astype(str).str.partition(":")
    return gains.assign(method=split[0], variant=split[2])


def with_verdicts(gains: pd.DataFrame, target_half_width: float = 3.0) -> pd.DataFrame:
    """Method gains (rationale_gains) with each interval's half-width and its one-word verdict (verdict_of: the
    method better, the base better, no difference detected, insufficient; the CFE-budget exclusion is the verdict
    table's, where the CoD arm is compared with clean)."""
    half = (gains["ci_high"] - gains["ci_low"]) / 2
    words = [
        verdict_of(float(r.ci_low), float(r.ci_high), int(r.n), False, float(h), target_half_width)
        for r, h in zip(gains.itertuples(index=False), half, strict=True)
    ]
    return gains.assign(half_width=half, verdict=pd.Series(words, index=gains.index, dtype=object))

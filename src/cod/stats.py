"""Summary statistics of a metric over seeds: mean, sample std, counts and the Student-t interval."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Two-sided Student-t confidence interval of the mean (NaN when n < 2)."""
    from scipy import stats

    n = len(values)
    if n < 2:
        return math.nan, math.nan
    half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / math.sqrt(n)
    return float(values.mean() - half), float(values.mean() + half)


def describe(values: pd.Series, expected: int, confidence: float = 0.95) -> dict[str, float | int]:
    """mean, sample std (ddof=1), n, n_expected, n_missing and the t-interval (ci_low, ci_high) of the finite values."""
    finite = values.dropna().to_numpy(dtype=float)
    n = len(finite)
    low, high = t_interval(finite, confidence)
    return {
        "mean": float(finite.mean()) if n else math.nan,
        "std": float(finite.std(ddof=1)) if n > 1 else math.nan,
        "n": n,
        "n_expected": expected,
        "n_missing": expected - n,
        "ci_low": low,
        "ci_high": high,
    }


def n_for_half_width(sd: float, half_width: float, level: float = 0.95, n_max: int = 10_000) -> int:
    """The smallest n (≥ 2) whose Student-t interval of a mean has half-width ≤ ``half_width`` when the sample std is
    ``sd``: the power rule a study's protocol uses to set its number of seeds."""
    from scipy import stats

    from cod.errors import ConfigError

    if sd < 0 or half_width <= 0:
        raise ConfigError(f"need sd >= 0 and half_width > 0, got sd={sd}, half_width={half_width}")
    for n in range(2, n_max + 1):
        if stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n) <= half_width:
            return n
    raise ConfigError(f"no n <= {n_max} reaches half-width {half_width} at sd {sd}")

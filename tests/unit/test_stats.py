"""Summary statistics over seeds: sample std (ddof=1), counts of missing values and the Student-t interval."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import t as student_t

from cod import stats


def test_describe_uses_sample_std_and_a_student_t_interval():
    values = pd.Series([60.0, 64.0, 71.0])
    out = stats.describe(values, expected=3)
    assert out["mean"] == pytest.approx(65.0)
    assert out["std"] == pytest.approx(np.std([60, 64, 71], ddof=1))  # 5.5678, not the ddof=0 4.546
    half = student_t.ppf(0.975, 2) * out["std"] / math.sqrt(3)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((65 - half, 65 + half))
    assert (out["n"], out["n_expected"], out["n_missing"]) == (3, 3, 0)


def test_describe_of_one_value_has_no_std_or_interval():
    out = stats.describe(pd.Series([70.0, np.nan]), expected=2)
    assert out["mean"] == 70.0 and math.isnan(out["std"]) and math.isnan(out["ci_low"])
    assert (out["n"], out["n_missing"]) == (1, 1)


def test_the_power_rule_gives_the_smallest_n_that_reaches_the_half_width():
    from scipy import stats as st

    from cod.stats import n_for_half_width

    n = n_for_half_width(4.2, 3.0)
    assert n == 11  # the default's paired-gain spread at k = 8
    assert st.t.ppf(0.975, n - 1) * 4.2 / n**0.5 <= 3.0 < st.t.ppf(0.975, n - 2) * 4.2 / (n - 1) ** 0.5
    assert n_for_half_width(0.0, 1.0) == 2 and n_for_half_width(6.4, 3.0) == 20

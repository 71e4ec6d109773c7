"""The stated verdict per dataset × k × method, and the ‡ marking of CoD cells short of their CFE budget."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cod.report import aggregate, cfe_kinds, paired, table1, verdict
from cod.stats import describe
from tests.reliability_cases import cases, ids


def gains(rows: list[tuple]) -> pd.DataFrame:
    """(dataset, method, k, per-seed gains, mean_cfe_share) → the cod_gain layout."""
    out = []
    for dataset, method, k, values, share in rows:
        stats_ = describe(pd.Series(values, dtype=float), len(values))
        budget = {"cfe_short": share < 1, "min_cfe_share": share, "mean_cfe_share": share}
        out.append({"dataset": dataset, "method": method, "k": k, "value": "test", **stats_, **budget})
    return pd.DataFrame(out)


@pytest.mark.parametrize(
    ("low", "high", "n", "excluded", "expected"),
    [
        (0.5, 3.0, 3, False, "cod_better"),
        (-3.0, -0.1, 3, False, "baseline_better"),
        (-1.0, 2.0, 3, False, "no_difference"),
        (0.0, 2.0, 3, False, "no_difference"),  # touching 0 is not a detected difference
        (0.5, 3.0, 3, True, "excluded"),  # the CFE-budget rule wins over the interval
        (math.nan, math.nan, 1, False, "insufficient"),
        (-4.0, 4.5, 3, False, "insufficient"),  # contains 0 but half-width 4.25 > 3: cannot resolve ±3 points
        (1.0, 12.0, 3, False, "cod_better"),  # wide, but it excludes 0: a detected difference stands
    ],
)
def test_verdict_of_the_interval(low, high, n, excluded, expected):
    assert aggregate.verdict_of(low, high, n, excluded, (high - low) / 2, 3.0) == expected
    assert expected in aggregate.VERDICTS


def test_verdict_table_derives_every_column_from_the_paired_gain():
    table = gains(
        [
            ("d", "kd", 8, [2.0, 3.0, 4.0], 1.0),
            ("d", "lwd", 8, [-4.0, -5.0, -6.0], 1.0),
            ("d", "kd", 16, [-5.0, 9.0, 1.0], 1.0),
            ("d", "lwd", 16, [5.0, 6.0, 7.0], 0.5),
            ("e", "kd", 8, [1.0], 1.0),
        ]
    )
    out = aggregate.verdict(table, min_cfe_share=0.8, target_half_width=3.0).set_index(["dataset", "k", "method"])
    assert list(out.index) == [("d", 8, "kd"), ("d", 8, "lwd"), ("d", 16, "kd"), ("d", 16, "lwd"), ("e", 8, "kd")]
    row = out.loc[("d", 8, "kd")]
    half = stats.t.ppf(0.975, 2) * np.std([2.0, 3.0, 4.0], ddof=1) / math.sqrt(3)
    assert row["half_width"] == pytest.approx(half) and row["ci_low"] == pytest.approx(3.0 - half)
    assert row["verdict"] == "cod_better" and bool(row["meets_target"])  # 2.48 ≤ 3.0
    assert out.loc[("d", 8, "lwd"), "verdict"] == "baseline_better"
    wide = out.loc[("d", 16, "kd")]
    assert wide["verdict"] == "insufficient" and not bool(wide["meets_target"])
    assert "exceeds the target 3" in wide["reason"]
    excluded = out.loc[("d", 16, "lwd")]
    assert excluded["verdict"] == "excluded" and bool(excluded["excluded"])
    assert "50%" in excluded["reason"] and excluded["mean"] == pytest.approx(6.0)  # the numbers stay reported
    single = out.loc[("e", 8, "kd")]
    assert single["verdict"] == "insufficient" and math.isnan(single["half_width"]) and not single["meets_target"]


def test_an_unknown_cfe_share_does_not_exclude():
    table = gains([("d", "kd", 8, [2.0, 3.0, 4.0], math.nan)])
    assert aggregate.verdict(table).iloc[0]["verdict"] == "cod_better"


def test_headline_keeps_its_keys_and_adds_the_verdict_per_cell():
    table = gains([("d", "kd", 8, [2.0, 3.0, 4.0], 1.0), ("d", "lwd", 8, [1.0], 1.0)])
    verdicts = aggregate.verdict(table)
    runs = pd.DataFrame({"status": ["ok"] * 4})
    summary = pd.DataFrame(
        [("d", "kd", "clean", 8, 60.0), ("d", "kd", "cod", 8, 63.0)], columns=["dataset", "method", "mode", "k", "mean"]
    )
    out = aggregate.headline(summary, table, runs, verdicts)
    cell = out["d"]["k8"]
    assert cell["kd_clean"] == 60.0 and cell["kd_cod_gain"] == 3.0
    assert cell["kd_gain"]["verdict"] == "cod_better" and cell["kd_gain"]["n"] == 3
    assert set(cell["kd_gain"]) == {"mean", "ci_low", "ci_high", "half_width", "n", "meets_target", "verdict"}
    assert set(cell["lwd_gain"]) == {"mean", "n", "meets_target", "verdict"}  # NaN numbers are left out

    def scalars(node):
        if isinstance(node, dict):
            return [v for child in node.values() for v in scalars(child)]
        return [node]

    new = [v for key in ("kd_gain", "lwd_gain") for v in scalars(cell[key])]
    assert all(isinstance(v, int | float | str) for v in new)  # `dvc metrics show`: numbers and strings only
    json.dumps(out, allow_nan=False)
    assert aggregate.verdict_counts(verdicts) == {
        "cells": 2,
        "cod_better": 1,
        "no_difference": 0,
        "baseline_better": 0,
        "excluded": 0,
        "insufficient": 1,
        "meets_target": 1,
    }


def test_write_verdict_names_the_baseline_and_lists_exclusions(tmp_path):
    table = gains([("d", "kd", 8, [-4.0, -5.0, -6.0], 0.9), ("d", "lwd", 8, [5.0, 6.0, 7.0], 0.25)])
    out = verdict.write_verdict(aggregate.verdict(table), tmp_path / "verdict.md", 0.95, 3.0, 0.8)
    text = out.read_text()
    assert "| d | 8 | KD | −5.0 ± 1.0 ‡ | [−7.5, −2.5] | 3/3 | 2.5 | yes | KD better |" in text
    assert "excluded (CFE budget)" in text and "Excluded: d LWD k=8" in text
    assert "‡ CoD arm short of its CFE budget" in text and "d KD+CoD k=8: 90%" in text
    assert verdict.verdict_label("baseline_better", "lwd") == "LWD better"
    empty = verdict.write_verdict(aggregate.verdict(table.iloc[:0]), tmp_path / "empty.md").read_text()
    assert "no verdict" in empty


def test_write_verdict_says_how_the_cfe_budget_was_filled(tmp_path):
    table = gains([("d", "kd", 8, [1.0, 2.0], 1.0)])
    sets = [(0, 4, 4, 6, 2, "cod"), (1, 4, 3, 8, 1, "cod"), (0, 4, 4, 4, 0, "cod-random")]
    cfes = pd.DataFrame(
        [
            {"dataset": "d", "k": 8, "seed": s, "mode": m, "status": "ok", "originals": n, "valid_cfes": v}
            | {"originals_tried": t, "replaced_originals": r, "fill_budget": True}
            for s, n, v, t, r, m in sets
        ]
    )
    text = verdict.write_verdict(aggregate.verdict(table), tmp_path / "v.md", cfes=cfes).read_text()
    assert (
        "CFE budget of the CoD sets, d k=8 (2 seeds; counterfactuals.fill_budget on): 7 of the 8 CFEs asked for were "
        "made; 3 originals whose CFE the teacher rejected were replaced" in text
    )
    assert "14 rows tried" in text  # the ablation's cod-random sets are not the verdict's
    assert "CFE budget of" not in verdict.write_verdict(aggregate.verdict(table), tmp_path / "w.md").read_text()


def test_the_samples_say_how_many_rows_tried_were_reserves():
    from cod.report.samples import sample_markdown

    roles = ["original", "replaced", "replacement", "rejected reserve", "original"]
    records = pd.DataFrame(
        {
            "seed": 0,
            "mode": "cod",
            "idx": range(5),
            "original": "a good film",
            "cfe": "a bad film",
            "valid": [True, False, True, False, False],
            "role": roles,
            "p_new_class": 0.9,
            "ppl_ratio": 1.0,
            "edits": [[{"slot": 1, "op": "antonym", "old": "good", "new": "bad"}]] * 5,
        }
    )
    text = sample_markdown("d", records, {"cod": "semantic"})
    assert "## cod: semantic (2 kept of 5 rows tried, 2 of them reserves, which replaced 1 rejected originals)" in text
    assert "rows tried)" in sample_markdown("d", records.drop(columns="role"), {"cod": "semantic"})
    # the rejected rows, each with why: no edit found, edited without a flip, flipped below min_confidence
    why = records.assign(
        cfe=["a bad film", "a good film", "a bad film", "a dull film", "a bad film"],
        flipped=[True, False, True, False, True],
        p_target_original=0.1,
        p_target_cfe=[0.9, 0.1, 0.9, 0.3, 0.6],
        original=["a good film"] * 4 + [" ".join(["word"] * 50)],
    )
    text = sample_markdown("d", why, {"cod": "semantic"})
    assert "Rejected (3 rows): " in text
    for reason in (
        "no edit found: ",
        "edited, but the teacher kept its class: 1",
        "below counterfactuals.min_confidence: 1",
    ):
        assert reason in text
    assert "| 0 | a good film | 0.10 → 0.10 | 1 | unchanged |" in text
    assert "| 0 | a good film | 0.10 → 0.30 | 1 | not flipped |" in text
    assert " ".join(["word"] * 40) + " … | 0.10 → 0.60 | 1 | below min_confidence |" in text


def short_summary() -> pd.DataFrame:
    rows = [
        ("rt_sentences", k, seed, "kd", mode, "ok", 60.0, 60.0 + seed + (3 if mode == "cod" else 0))
        for mode in ("clean", "cod")
        for k in (8, 16)
        for seed in range(3)
    ]
    runs = pd.DataFrame(rows, columns=[*aggregate.RUN_KEYS, "status", "best_val_accuracy", "test_accuracy"])
    runs["train_cfe_rows"] = np.where((runs["k"] == 8) & (runs["seed"] == 0), 2, runs["k"] // 2)
    return aggregate.summarise(aggregate.add_cfe_budget(runs), "test")


def test_table1_marks_short_cod_cells_with_a_double_dagger(tmp_path):
    summary = short_summary()
    table = table1.table1(summary).set_index("method")
    assert table.loc["+CoD", "8"] == "64.0±1.0 ‡" and table.loc["+CoD", "16"] == "64.0±1.0"
    assert "‡" not in table.loc["KD", "8"]
    md, tex = table1.write_table1(summary, tmp_path, "test", "n = 3 seeds")
    assert "‡ CoD arm short of its CFE budget" in md.read_text() and "rt_sentences KD+CoD k=8: 50%" in md.read_text()
    latex = tex.read_text()
    assert r"\textbf{64.0$\pm$1.0}$^{\ddagger}$" in latex and r"50\%" in latex
    assert "†" not in md.read_text()  # † is the paper comparison's stand-in mark
    clean = table1.write_table1(summary.assign(cfe_short=False), tmp_path / "clean", "test", "n = 3 seeds")
    assert "‡" not in clean[0].read_text() and "ddagger" not in clean[1].read_text()


def runs_frame(modes: dict[str, list[float]], k: int = 8) -> pd.DataFrame:
    """Tidy runs of one dataset × method × k: each mode's test accuracy per seed (seed = position)."""
    rows = [
        {"dataset": "d", "method": "kd", "k": k, "seed": seed, "mode": mode, "status": "ok", "test_accuracy": value}
        | {"best_val_accuracy": value, "cfe_share": 1.0 if mode != "clean" else math.nan}
        for mode, values in modes.items()
        for seed, value in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_contrasts_pair_any_two_modes_by_seed_and_name_the_better_arm(tmp_path):
    runs = runs_frame({"clean": [50.0, 52.0, 54.0], "cod": [56.0, 57.0, 61.0], "cod-random": [50.0, 52.0, 55.0]})
    gains = paired.contrast_gains(runs, [("cod", "clean"), ("cod", "cod-random"), ("cod-copy", "clean")])
    assert list(gains["contrast"].unique()) == ["cod - clean", "cod - cod-random"]  # cod-copy was not run
    semantic_random = gains[gains["contrast"] == "cod - cod-random"].iloc[0]
    assert semantic_random["mean"] == pytest.approx(np.mean([6.0, 5.0, 6.0]))
    assert semantic_random["std"] == pytest.approx(np.std([6.0, 5.0, 6.0], ddof=1))
    verdicts = aggregate.verdict(gains)
    assert list(verdicts["contrast"]) == ["cod - clean", "cod - cod-random"]  # the declared order
    kinds = {"cod": "semantic", "cod-random": "random"}
    text = verdict.write_verdict(verdicts, tmp_path / "v.md", kinds=kinds, missing=["cod-copy - clean"]).read_text()
    assert "| contrast | dataset | k | method | gain |" in text
    assert "| semantic − random | d | 8 | KD | +5.7 ± 0.6 |" in text and "semantic better" in text
    assert "Declared but not run in this grid (a mode missing from grid.data_modes): cod-copy - clean." in text


def test_the_default_contrast_reads_as_before(tmp_path):
    runs = runs_frame({"clean": [50.0, 52.0, 54.0], "cod": [56.0, 57.0, 61.0]})
    by_contrast = aggregate.verdict(paired.contrast_gains(runs, [("cod", "clean")]))
    plain = aggregate.verdict(paired.cod_gain(runs))
    columns = ["mean", "std", "n", "ci_low", "ci_high", "verdict"]
    pd.testing.assert_frame_equal(by_contrast[columns], plain[columns])
    text = verdict.write_verdict(by_contrast, tmp_path / "v.md").read_text()
    assert "| dataset | k | method | CoD gain |" in text and "contrast" not in text.split("\n\n")[1]


def test_the_verdict_names_its_metric_when_a_dataset_is_imbalanced(tmp_path):
    table = gains([("d", "kd", 8, [1.0, 2.0], 1.0)])
    text = verdict.write_verdict(aggregate.verdict(table), tmp_path / "v.md", imbalanced=["d"]).read_text()
    assert "Metric: the verdict decides on accuracy, also on d, whose test split is imbalanced" in text
    assert "balanced accuracy beside it" in text
    assert "Metric:" not in verdict.write_verdict(aggregate.verdict(table), tmp_path / "w.md").read_text()


def fallback_cfes(made: list[tuple[int, int, int]], mode: str = "cod", kind: str = "llm") -> pd.DataFrame:
    """cfe_quality rows of one dataset × k × mode: (seed, CFEs kept, of them made by the fallback editor)."""
    return pd.DataFrame(
        [
            {"dataset": "d", "k": 8, "seed": s, "mode": mode, "kind": kind, "status": "ok", "cfe_rows": n}
            | {"generator": kind, "fallback_cfes": f, "fallback_generator": "editor:semantic" if f else None}
            for s, n, f in made
        ]
    )


def test_a_mostly_fallback_arm_is_flagged_and_named_as_what_it_is(tmp_path):
    [case] = cases("tests/report/test_verdict.py::test_a_mostly_fallback_arm_is_flagged_and_named_as_what_it_is")
    table = gains([("d", "kd", 8, [1.0, -1.0, 0.5], 1.0)])
    cfes = fallback_cfes([(0, 4, 4), (1, 4, 4), (2, 4, 3)])  # 11 of the 12 kept CFEs are the editor's
    kinds = verdict.true_kinds({"cod": "llm"}, cfes)
    assert kinds == {"cod": "llm → editor fallback (11/12)"}
    text = verdict.write_verdict(aggregate.verdict(table), tmp_path / "v.md", cfes=cfes, kinds=kinds).read_text()
    assert all(piece in text + kinds["cod"] for piece in case["expect"])
    assert "| d | 8 | KD | +0.2 ± 1.0 § |" in text
    assert (
        "CFEs made by a fallback, not by the arm's own generator (kept CFEs, all seeds' sets): llm arm (`cod`), d k=8: "
        "11 of 12 (92%) by editor:semantic §." in text
    )
    assert "§ an arm of the cell had more than 50% of its kept CFEs made by its fallback" in text
    quality = cfe_kinds.cfe_kind_quality_table(cfes, kinds)
    assert quality.loc[0, "kind"] == "llm → editor fallback (11/12) (cod)"
    assert quality.loc[0, "made by a fallback"] == "11/12 (92%)"
    # half or less: the share is still stated, without the mark; none at all: no footnote
    some = fallback_cfes([(0, 4, 2), (1, 4, 0)])
    text = verdict.write_verdict(aggregate.verdict(table), tmp_path / "w.md", cfes=some).read_text()
    assert "d k=8: 2 of 8 (25%) by editor:semantic." in text and "§" not in text
    assert verdict.true_kinds({"cod": "llm"}, some) == {"cod": "llm"}
    none = fallback_cfes([(0, 4, 0)], kind="semantic")
    assert "fallback" not in verdict.write_verdict(aggregate.verdict(table), tmp_path / "x.md", cfes=none).read_text()


def test_the_samples_name_the_fallback_maker():
    from cod.report.samples import sample_markdown

    records = pd.DataFrame(
        {
            "seed": 0,
            "mode": "cod",
            "idx": range(3),
            "original": "a good film",
            "cfe": "a bad film",
            "valid": True,
            "p_new_class": 0.9,
            "ppl_ratio": 1.0,
            "edits": [[{"slot": 1, "op": "antonym", "old": "good", "new": "bad"}]] * 3,
            "generator": ["llm", "editor:semantic", "editor:semantic"],
            "primary": "llm",
        }
    )
    text = sample_markdown("d", records, {"cod": "llm → editor fallback (2/3)"})
    assert "## cod: llm → editor fallback (2/3) (3 kept; 2 of them made by the fallback editor:semantic of 3" in text
    assert text.count("| antonym (by the fallback editor:semantic) |") == 2 and text.count("| antonym |") == 1
    assert "(by the fallback editor:semantic)`." in text  # the legend
    plain = sample_markdown("d", records.assign(generator="llm"), {"cod": "llm"})
    assert "fallback" not in plain


@pytest.mark.parametrize(
    "case", cases("tests/report/test_verdict.py::test_an_excluded_cell_does_not_say_the_target_is_met"), ids=ids
)
def test_an_excluded_cell_does_not_say_the_target_is_met(tmp_path, case):
    table = gains([("d", "lwd", 8, [5.0, 6.0, 7.0], 0.25)])  # half-width 2.5 ≤ 3, but a quarter of its CFEs
    verdicts = aggregate.verdict(table, min_cfe_share=0.8, target_half_width=3.0)
    assert bool(verdicts.iloc[0]["meets_target"]) and bool(verdicts.iloc[0]["excluded"])  # the numbers stay
    row = verdict.verdict_table(verdicts).iloc[0]
    assert row["target met"] == "–" and row["verdict"] == "excluded (CFE budget)"
    text = verdict.write_verdict(verdicts, tmp_path / "verdict.md").read_text()
    assert case["expect"][0] in text and "| yes |" not in text

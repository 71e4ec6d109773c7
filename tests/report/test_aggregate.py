"""Aggregation statistics on hand-made tables: ddof=1, n, t-interval, missing and failed runs reported."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cod import config, paths
from cod.report import aggregate, paired
from tests.conftest import write_params


def write_grid(repo, **grid) -> None:
    """write_params of a small grid; a tune section, if params.yaml has one, asks for no sensitivity runs."""
    tune = "tune" in yaml.safe_load((repo / "params.yaml").read_text())
    extra = {"tune": {"sensitivity_seeds": 0, "sensitivity_k": []}} if tune else {}
    write_params(repo, grid=grid, **extra)


def runs_table(rows: list[tuple]) -> pd.DataFrame:
    """(dataset, k, seed, method, mode, status, val, test) rows in the tidy layout of collect_runs."""
    frame = pd.DataFrame(rows, columns=[*aggregate.RUN_KEYS, "status", "best_val_accuracy", "test_accuracy"])
    frame["run_dir"], frame["error"] = "x", ""
    return frame


def test_summarise_counts_failed_and_missing_runs_without_dropping_the_cell():
    runs = runs_table(
        [
            ("d", 8, 0, "kd", "clean", "ok", 60.0, 58.0),
            ("d", 8, 1, "kd", "clean", "ok", 64.0, 62.0),
            ("d", 8, 2, "kd", "clean", "failed", np.nan, np.nan),
            ("d", 8, 0, "kd", "cod", "missing", np.nan, np.nan),
            ("d", 8, 1, "kd", "cod", "missing", np.nan, np.nan),
            ("d", 8, 2, "kd", "cod", "missing", np.nan, np.nan),
        ]
    )
    summary = aggregate.summarise(runs, "test").set_index("mode")
    assert summary.loc["clean", "mean"] == pytest.approx(60.0)
    assert summary.loc["clean", "std"] == pytest.approx(math.sqrt(8))
    assert (summary.loc["clean", "n"], summary.loc["clean", "n_missing"]) == (2, 1)
    assert summary.loc["cod", "n"] == 0 and math.isnan(summary.loc["cod", "mean"])
    problems = aggregate.problems(runs)
    assert len(problems) == 4 and set(problems["status"]) == {"failed", "missing"}
    val = aggregate.summarise(runs, "val").set_index("mode")
    assert val.loc["clean", "mean"] == pytest.approx(62.0)


def test_cod_gain_is_paired_by_seed():
    runs = runs_table(
        [
            ("d", 8, 0, "kd", "clean", "ok", 0, 50.0),
            ("d", 8, 1, "kd", "clean", "ok", 0, 70.0),
            ("d", 8, 0, "kd", "cod", "ok", 0, 54.0),
            ("d", 8, 1, "kd", "cod", "ok", 0, 72.0),
        ]
    )
    gain = paired.cod_gain(runs, "test").iloc[0]
    assert gain["mean"] == pytest.approx(3.0)
    assert gain["std"] == pytest.approx(np.std([4.0, 2.0], ddof=1))  # paired: far below the unpaired spread
    assert gain["n"] == 2


def test_collect_runs_reads_every_expected_run_and_labels_the_bad_ones(repo):
    write_grid(repo, datasets=["rt_sentences"], k=[8], seeds=[0, 1, 2], methods=["kd"], data_modes=["clean"])
    grid = config.load_params().grid
    good = {"best_val_accuracy": 0.6, "test_accuracy": 0.55, "val_mcc": 0.2}
    for seed, content in ((0, json.dumps(good)), (1, json.dumps({**good, "test_accuracy": float("nan")}))):
        run = paths.run_dir("rt_sentences", 8, seed, "kd", "clean")
        run.mkdir(parents=True)
        (run / "metrics.json").write_text(content)
    runs = aggregate.collect_runs(grid).set_index("seed")
    assert list(runs["status"]) == ["ok", "failed", "missing"]
    assert runs.loc[0, "test_accuracy"] == pytest.approx(55.0)  # percent
    assert "not finite" in runs.loc[1, "error"]
    headline = aggregate.headline(aggregate.summarise(runs.reset_index()), paired.cod_gain(runs.reset_index()), runs)
    assert headline["runs_ok"] == 1 and headline["runs_expected"] == 3
    assert headline["rt_sentences"]["k8"]["kd_clean"] == 55.0


def test_cfe_budget_asks_for_k_times_cfe_fraction_and_shares_only_cod_runs():
    assert [aggregate.cfe_asked(k) for k in (8, 16, 512)] == [4, 8, 256]
    assert aggregate.cfe_asked(8, 0.25) == 2  # k - round(k * (1 - 0.25)) = 8 - 6
    runs = runs_table([("d", 8, 0, "kd", "clean", "ok", 0, 50.0), ("d", 8, 0, "kd", "cod", "ok", 0, 52.0)])
    runs["train_cfe_rows"] = [0, 3]
    out = aggregate.add_cfe_budget(runs).set_index("mode")
    assert out.loc["cod", "cfe_asked"] == 4 and out.loc["cod", "cfe_share"] == pytest.approx(0.75)
    assert out.loc["clean", "cfe_asked"] == 0 and math.isnan(out.loc["clean", "cfe_share"])


def short_runs() -> pd.DataFrame:
    """Two seeds, k=8 (4 CFEs asked): the CoD run of seed 0 had 1 CFE (25 %), seed 1 all 4."""
    runs = runs_table(
        [
            ("d", 8, 0, "kd", "clean", "ok", 0, 50.0),
            ("d", 8, 1, "kd", "clean", "ok", 0, 70.0),
            ("d", 8, 0, "kd", "cod", "ok", 0, 54.0),
            ("d", 8, 1, "kd", "cod", "ok", 0, 72.0),
        ]
    )
    runs["train_cfe_rows"] = [0, 0, 1, 4]
    return aggregate.add_cfe_budget(runs)


def test_summary_and_gain_flag_a_cod_arm_short_of_its_cfe_budget():
    runs = short_runs()
    summary = aggregate.summarise(runs, "test").set_index("mode")
    assert bool(summary.loc["cod", "cfe_short"]) and summary.loc["cod", "min_cfe_share"] == pytest.approx(0.25)
    assert not bool(summary.loc["clean", "cfe_short"]) and math.isnan(summary.loc["clean", "min_cfe_share"])
    gain = paired.cod_gain(runs, "test").iloc[0]
    assert bool(gain["cfe_short"]) and gain["min_cfe_share"] == pytest.approx(0.25)
    assert gain["mean_cfe_share"] == pytest.approx(0.625)  # (0.25 + 1.0) / 2, over the paired seeds


def test_problems_list_short_runs_and_excluded_cells_with_a_reason():
    runs = short_runs()
    verdicts = aggregate.verdict(paired.cod_gain(runs, "test"), min_cfe_share=0.8)
    table = aggregate.problems(runs, verdicts)
    assert list(table["kind"]) == ["cfe_short", "cfe_budget"]
    assert "1 of the 4 CFEs" in table.loc[0, "reason"] and table.loc[0, "seed"] == 0
    assert table.loc[1, "status"] == "excluded" and pd.isna(table.loc[1, "seed"])
    assert "62%" in table.loc[1, "reason"] and "min_cfe_share" in table.loc[1, "reason"]
    full = aggregate.add_cfe_budget(runs.assign(train_cfe_rows=[0, 0, 4, 4]))
    none = aggregate.problems(full)  # nothing to report still has the columns
    assert none.empty and list(none) == ["kind", *aggregate.RUN_KEYS, "status", "run_dir", "error", "reason"]


def test_collect_runs_carries_the_cfe_budget_and_the_run_cost(repo):
    write_grid(repo, datasets=["rt_sentences"], k=[8], seeds=[0], methods=["kd"], data_modes=["clean", "cod"])
    grid = config.load_params().grid
    for mode, cfe_rows in (("clean", 0), ("cod", 2)):
        run = paths.run_dir("rt_sentences", 8, 0, "kd", mode)
        run.mkdir(parents=True)
        metrics = {"best_val_accuracy": 0.6, "test_accuracy": 0.5, "train_cfe_rows": cfe_rows}
        (run / "metrics.json").write_text(json.dumps(metrics))
        timings = paths.timings_file(run)  # the seconds live outside the run's (hashed) folder
        timings.parent.mkdir(parents=True, exist_ok=True)
        timings.write_text(json.dumps({"wall_seconds": 12.5}))
    runs = aggregate.collect_runs(grid, cfe_fraction=0.5).set_index("mode")
    assert runs.loc["cod", "cfe_asked"] == 4 and runs.loc["cod", "cfe_share"] == pytest.approx(0.5)
    assert runs.loc["cod", "wall_seconds"] == 12.5 and math.isnan(runs.loc["cod", "cpu_seconds"])


def write_zero_valid_cfe_repo(repo) -> None:
    """A grid of one dataset whose CoD sets have no valid CFE: runs trained on 0 CFEs, every record invalid."""
    write_grid(repo, datasets=["rt_sentences"], k=[8], seeds=[0, 1], methods=["kd"], data_modes=["clean", "cod"])
    meta = paths.prepared_meta("rt_sentences")
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"label_names": ["negative", "positive"]}))
    for seed in (0, 1):
        quality = {"originals": 4, "valid_cfes": 0, "originals_without_valid_cfe": 4, "flip_rate": 0.0}
        quality |= {"word_edits_median": None, "delta_p_mean": -0.01}
        file = paths.cfe_metrics("rt_sentences", 8, seed)
        file.parent.mkdir(parents=True)
        file.write_text(json.dumps(quality))
        records = paths.cfe_records("rt_sentences", 8, seed)
        record = {"idx": 1, "original": "a fine film", "cfe": "a fine film", "valid": False, "teacher_original": 1}
        record |= {"teacher_cfe": 1, "delta_p": 0.0, "word_edits": 0}
        records.write_text("\n".join(json.dumps({**record, "idx": i}) for i in range(4)) + "\n")
        for mode in ("clean", "cod"):
            run = paths.run_dir("rt_sentences", 8, seed, "kd", mode)
            run.mkdir(parents=True)
            metrics = {
                "best_val_accuracy": 0.6,
                "test_accuracy": 0.55 + 0.01 * seed,
                "train_rows": 8 if mode == "clean" else 4,
            }
            (run / "metrics.json").write_text(json.dumps({**metrics, "train_cfe_rows": 0}))


def test_zero_valid_cfes_do_not_crash_the_report_stages(repo):
    from cod.report import stage

    write_zero_valid_cfe_repo(repo)
    grid = config.load_params().grid
    assert aggregate.cfe_examples(grid, 6, {"rt_sentences": ["negative", "positive"]}).empty
    agg = stage.run_aggregate(config.load_params())
    verdict = agg["verdict"].iloc[0]
    assert verdict["verdict"] == "excluded" and verdict["mean_cfe_share"] == 0.0
    assert "cfe_budget" in set(agg["problems"]["kind"])
    assert "excluded (CFE budget)" in (paths.tables_dir() / "verdict.md").read_text()
    assert "‡" in (paths.tables_dir() / "table1_test.md").read_text()
    metrics = json.loads((paths.reports_dir() / "metrics.json").read_text())
    assert metrics["rt_sentences"]["k8"]["kd_gain"]["verdict"] == "excluded"
    assert metrics["verdict_summary"]["excluded"] == 1
    from cod.report import figures

    files = figures.run_figures(stage.load_aggregated(), config.load_params().report)
    assert {"cfe_examples.png", "cfe_quality.png", "cod_gain.png"} <= {f.name for f in files}


def kinds_runs() -> pd.DataFrame:
    """Two seeds, k=8: clean, cod (+4, +2 over clean) and cod-random (−1, −3); rows shuffled so pairing matters."""
    runs = runs_table(
        [
            ("d", 8, 1, "kd", "cod-random", "ok", 0, 67.0),
            ("d", 8, 0, "kd", "clean", "ok", 0, 50.0),
            ("d", 8, 1, "kd", "clean", "ok", 0, 70.0),
            ("d", 8, 0, "kd", "cod", "ok", 0, 54.0),
            ("d", 8, 1, "kd", "cod", "ok", 0, 72.0),
            ("d", 8, 0, "kd", "cod-random", "ok", 0, 49.0),
        ]
    )
    runs["train_cfe_rows"] = [2, 0, 0, 4, 4, 4]
    return aggregate.add_cfe_budget(runs)


def test_cod_gain_default_is_the_cod_arm_whatever_other_cod_modes_exist():
    runs = kinds_runs()
    only_cod = runs[runs["mode"] != "cod-random"].reset_index(drop=True)
    default = paired.cod_gain(runs, "test")
    pd.testing.assert_frame_equal(default, paired.cod_gain(only_cod, "test"))
    pd.testing.assert_frame_equal(default, paired.cod_gain(runs, "test", mode="cod"))
    stats = ["mean", "std", "n", "n_expected", "n_missing", "ci_low", "ci_high"]
    budget = ["cfe_short", "min_cfe_share", "mean_cfe_share"]
    assert list(default) == ["dataset", "method", "k", "value", *stats, *budget]
    assert default.loc[0, "mean"] == pytest.approx(3.0) and not default.loc[0, "cfe_short"]
    empty = paired.cod_gain(only_cod, "test", mode="cod-random")
    assert empty.empty and list(empty) == list(default)


def test_kind_gains_pairs_each_cod_mode_with_clean_by_seed():
    runs = kinds_runs()
    gains = paired.kind_gains(runs, {"cod": "semantic"}, "test").set_index("mode")
    assert list(gains.index) == ["cod-random", "cod"]  # the order the modes come in
    assert list(gains.columns[:5]) == ["kind", "dataset", "method", "k", "value"]
    assert gains.loc["cod", "kind"] == "semantic" and gains.loc["cod-random", "kind"] == "random"
    random = gains.loc["cod-random"]
    assert random["mean"] == pytest.approx(-2.0)  # seed 0: 49 − 50, seed 1: 67 − 70
    assert random["std"] == pytest.approx(np.std([-1.0, -3.0], ddof=1)) and random["n"] == 2
    assert random["cfe_short"] and random["mean_cfe_share"] == pytest.approx(0.75)  # (4/4 + 2/4) / 2
    assert gains.loc["cod", "mean"] == pytest.approx(3.0)
    pd.testing.assert_series_equal(
        gains.loc["cod"].drop(["kind"]).rename(None),
        paired.cod_gain(runs, "test").iloc[0].reindex(gains.columns.drop("kind")).rename(None),
        check_dtype=False,
    )
    none = paired.kind_gains(runs[runs["mode"] == "clean"], {}, "test")
    assert none.empty and list(none)[:2] == ["mode", "kind"]


def test_add_cfe_budget_counts_every_cod_mode_as_cod():
    out = kinds_runs().set_index(["mode", "seed"])
    assert out.loc[("cod-random", 1), "cfe_asked"] == 4
    assert out.loc[("cod-random", 1), "cfe_share"] == pytest.approx(0.5)
    assert out.loc[("clean", 0), "cfe_asked"] == 0 and math.isnan(out.loc[("clean", 0), "cfe_share"])
    assert not aggregate.is_cod_mode("clean") and not aggregate.is_cod_mode("codex")
    assert aggregate.cod_modes(["clean", "cod-adversarial", "cod", "cod"]) == ["cod-adversarial", "cod"]


def write_kinds_repo(repo) -> None:
    """One dataset, k=8, two seeds, data modes clean, cod and cod-adversarial: runs and both CoD modes' CFE metrics."""
    write_grid(
        repo,
        datasets=["rt_sentences"],
        k=[8],
        seeds=[0, 1],
        methods=["kd"],
        data_modes=["clean", "cod", "cod-adversarial"],
    )
    for seed in (0, 1):
        for mode, flip in (("cod", 0.9), ("cod-adversarial", 0.5 + 0.1 * seed)):
            file = paths.cfe_metrics("rt_sentences", 8, seed, mode)
            file.parent.mkdir(parents=True, exist_ok=True)
            quality = {"kind": mode.removeprefix("cod-") if mode != "cod" else "semantic", "mode": mode}
            quality |= {"flip_rate": flip, "p_target_median": 0.8, "word_edits_median": 1.0 + seed}
            quality |= {"ppl_ratio_median": 1.5, "lexicon_edit_share": 0.25, "originals": 4, "valid_cfes": 4}
            file.write_text(json.dumps(quality))
        for mode, acc in (("clean", 0.50), ("cod", 0.53), ("cod-adversarial", 0.49)):
            run = paths.run_dir("rt_sentences", 8, seed, "kd", mode)
            run.mkdir(parents=True)
            metrics = {"best_val_accuracy": 0.6, "test_accuracy": acc + 0.01 * seed * (mode == "cod")}
            (run / "metrics.json").write_text(json.dumps({**metrics, "train_cfe_rows": 0 if mode == "clean" else 4}))


def test_cfe_quality_reads_each_cod_modes_sets(repo):
    write_kinds_repo(repo)
    params = config.load_params()
    cfes = aggregate.cfe_quality(params.grid, {"cod": "semantic", "cod-adversarial": "adversarial"})
    assert list(cfes.columns[:6]) == ["dataset", "k", "seed", "mode", "kind", "status"]
    assert list(cfes["mode"]) == ["cod", "cod-adversarial"] * 2 and (cfes["status"] == "ok").all()
    adversarial = cfes[cfes["mode"] == "cod-adversarial"]
    assert list(adversarial["flip_rate"]) == [0.5, 0.6] and set(adversarial["kind"]) == {"adversarial"}
    clean_only = params.grid.model_copy(update={"data_modes": ["clean"]})
    assert list(aggregate.cfe_quality(clean_only).columns) == aggregate.CFE_QUALITY_KEYS


def test_the_report_stages_with_two_cod_kinds(repo):
    from cod.report import figures, stage

    write_kinds_repo(repo)
    params = config.load_params()
    agg = stage.run_aggregate(params)
    gains = agg["kind_gains"].set_index("mode")
    assert gains.loc["cod", "mean"] == pytest.approx(3.5) and gains.loc["cod-adversarial", "mean"] == pytest.approx(
        -1.0
    )
    assert len(agg["verdict"]) == 1 and agg["verdict"].loc[0, "mean"] == pytest.approx(3.5)  # the cod arm only
    text = (paths.tables_dir() / "cfe_kinds.md").read_text()
    # gains 3 and 4 points: mean 3.5, std √0.5 = 0.71, t(0.975, 1) = 12.706 → half-width 12.706 · 0.71 / √2 = 6.35
    assert "| rt_sentences | KD | 8 | semantic (cod) | +3.5 ± 0.7 | [−2.9, +9.9] | 2/2 |" in text
    assert "| rt_sentences | 8 | adversarial | 2/2 | 55.0 | 0.80 | 1.5 | 1.50 | 25.0 |" in text
    assert "kind `semantic`" in stage.setting(params) and "ablation kinds: adversarial" in stage.setting(params)
    comparison = (paths.reports_dir() / "paper_comparison.md").read_text()
    assert comparison.count("cod-adversarial") == 1  # in the compute table only, never beside a paper cell
    files = figures.run_figures(stage.load_aggregated(), params.report)
    assert {"cfe_kinds.png", "cfe_kinds.pdf", "cfe_quality.png"} <= {f.name for f in files}


def test_rationale_gain_pairs_a_method_with_the_one_it_adds_to_by_seed():
    from cod.method_registry import added_to
    from cod.report import rationale_gains, related_papers

    runs = runs_table(
        [
            ("d", 8, 0, "kd", "clean", "ok", 0, 50.0),
            ("d", 8, 1, "kd", "clean", "ok", 0, 70.0),
            ("d", 8, 2, "kd", "clean", "ok", 0, 60.0),
            ("d", 8, 0, "rkd", "clean", "ok", 0, 53.0),
            ("d", 8, 1, "rkd", "clean", "ok", 0, 71.0),
            ("d", 8, 2, "rkd", "clean", "failed", np.nan, np.nan),  # counted as expected, not dropped silently
            ("d", 8, 0, "kd", "cod", "ok", 0, 55.0),
            ("d", 8, 0, "rkd", "cod", "ok", 0, 54.0),
        ]
    )
    assert added_to() == {"rkd": "kd", "rce": "ce", "rlwd": "lwd"}
    variants = runs_table(  # rkd's variants, collected as "<method>:<variant>" (collect_variant_runs)
        [
            ("d", 8, 0, "rkd:random", "clean", "ok", 0, 49.0),
            ("d", 8, 1, "rkd:random", "clean", "ok", 0, 69.0),
            ("d", 8, 2, "rkd:random", "clean", "missing", np.nan, np.nan),
        ]
    )
    both = paired.rationale_gains(runs, variants, "test")
    assert set(both["variant"]) == {"", "random"} and set(both["method"]) == {"rkd"}
    rand = both[both["variant"] == "random"].iloc[0]
    assert (rand["mean"], rand["n"], rand["n_expected"], rand["base"]) == (pytest.approx(-1.0), 2, 3, "kd")
    gains = both[both["variant"] == ""].set_index("mode")
    assert gains.loc["clean", "mean"] == pytest.approx(2.0) and gains.loc["clean", "std"] == pytest.approx(math.sqrt(2))
    assert (gains.loc["clean", "n"], gains.loc["clean", "n_expected"]) == (2, 3)
    assert gains.loc["cod", "mean"] == pytest.approx(-1.0) and gains.loc["cod", "n"] == 1
    assert paired.rationale_gains(runs, variants.iloc[:0], "test").equals(both[both["variant"] == ""])
    text = rationale_gains.rationale_gains_markdown(both)
    assert "| d | RKD − KD | as configured | clean | 8 | +2.0 ± 1.4 |" in text and "2/3" in text
    assert "| d | RKD − KD | random | clean | 8 | −1.0 ± 0.0 | [−1.0, −1.0] | 2/3 |" in text
    assert "random" not in related_papers.related_markdown(related_papers.related_results(), both).split("## ")[-1]
    assert paired.method_gains(runs[runs["method"] == "kd"], added_to()).empty
    related = related_papers.related_results()
    assert set(related["paper"]) == {"R1", "R2"} and len(related) == 8
    side = related_papers.related_markdown(related, gains.reset_index())
    assert "| R2 | CommonsenseQA | T5-base (220M) | MT vs CF | 64.4 vs 51.7 (+12.7) | up |" in side
    assert "| R1 | e-SNLI |" in side and "baseline not transcribed" in side
    assert "| d | RKD vs KD (clean data) | 8 | +2.0 ± 1.4 |" in side and "direction, not level" not in side
    assert "not comparable in level" in side
    assert "No rationale method" in rationale_gains.rationale_gains_markdown(
        paired.method_gains(runs.iloc[:0], added_to())
    )


def test_label_plus_rationale_pairs_with_label_only_by_seed_its_variants_too():
    """R1's contrasts from one frame: rce − ce and rkd − kd paired by seed through the registry's baselines, and each
    method's random-word variant against the same baseline (rkd − random is the difference of those two rows)."""
    from cod.report import rationale_gains, related_papers

    tests = {  # test accuracy of seeds 0 and 1
        "ce": (50.0, 60.0),
        "kd": (60.0, 64.0),
        "rce": (54.0, 62.0),
        "rkd": (61.0, 67.0),
        "rce:random": (51.0, 60.0),
        "rkd:random": (59.0, 63.0),
    }
    rows = [("d", 8, seed, m, "clean", "ok", 0, t[seed]) for m, t in tests.items() for seed in (0, 1)]
    runs, variants = runs_table([r for r in rows if ":" not in r[3]]), runs_table([r for r in rows if ":" in r[3]])
    gains = paired.rationale_gains(runs, variants, "test").set_index(["method", "variant"])
    assert sorted(gains.index) == [("rce", ""), ("rce", "random"), ("rkd", ""), ("rkd", "random")]
    assert (gains.loc[("rce", ""), "base"], gains.loc[("rce", "random"), "base"]) == ("ce", "ce")
    assert gains.loc[("rce", ""), "mean"] == pytest.approx(3.0) and gains.loc[("rce", ""), "n"] == 2  # (4 + 2) / 2
    assert gains.loc[("rce", "random"), "mean"] == pytest.approx(0.5)  # (1 + 0) / 2
    assert gains.loc[("rkd", ""), "mean"] == pytest.approx(2.0) and gains.loc[("rkd", "random"), "base"] == "kd"
    text = rationale_gains.rationale_gains_markdown(gains.reset_index())
    assert "| d | Label + rationale − Label only | as configured | clean | 8 | +3.0 ± 1.4 |" in text
    assert "| d | Label + rationale − Label only | random | clean | 8 | +0.5 ± 0.7 |" in text
    assert "| d | RKD − KD | random | clean | 8 | −1.0 ± 0.0 |" in text
    side = related_papers.related_markdown(related_papers.related_results(), gains.reset_index())
    assert "| d | Label + rationale vs Label only (clean data) | 8 | +3.0 ± 1.4 |" in side


def test_rationale_quality_reads_the_runs_rationales_and_the_cfes(repo):
    from cod.report import rationales as R

    write_grid(repo, datasets=["rt_sentences"], k=[4], seeds=[0], methods=["kd", "rkd"], data_modes=["clean", "cod"])
    grid = config.load_params().grid

    def jsonl(path, rows):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))

    jsonl(
        paths.train_set("rt_sentences", 4, 0, "cod"),
        [
            {"idx": 1, "text": "it is good fun", "label": 1, "is_cfe": False},
            {"idx": 2, "text": "a dull plot", "label": 0, "is_cfe": False},
            {"idx": 1, "text": "it is bad fun", "label": 0, "is_cfe": True},
        ],
    )
    jsonl(
        paths.cfe_records("rt_sentences", 4, 0),
        [
            {"idx": 1, "valid": True, "edits": [{"slot": 2, "old": "good", "new": "bad"}]},
            {"idx": 2, "valid": False, "edits": [{"slot": 1, "old": "dull", "new": "fine"}]},
        ],
    )

    def word(index, text, start, field="text"):
        return {"field": field, "index": index, "start": start, "end": start + len(text), "word": text, "score": 1.0}

    jsonl(
        paths.run_rationales(paths.run_dir("rt_sentences", 4, 0, "rkd", "cod")),
        [
            {"idx": 1, "is_cfe": False, "rationale": [word(2, "good", 6), word(0, "it", 0)]},
            {"idx": 2, "is_cfe": False, "rationale": [word(1, "dull", 2)]},
            {"idx": 1, "is_cfe": True, "rationale": [word(2, "bad", 6)]},
        ],
    )
    quality = R.rationale_quality(grid)
    assert len(quality) == 1  # the clean rkd run wrote nothing: no row, and kd is no rationale method
    row = quality.iloc[0]
    assert (row["method"], row["mode"], row["runs"], row["rows"]) == ("rkd", "cod", 1, 3)
    assert row["words_per_rationale"] == pytest.approx(4 / 3) and row["lexicon_share"] == pytest.approx(0.75)
    assert math.isnan(row["hypothesis_share"]) and row["cfe_originals"] == 1  # idx 2 has no kept CFE
    assert row["changed_word_in_rationale"] == 1.0
    assert row["changed_word_in_random_k"] == pytest.approx(0.5)  # 2 of 4 words at random hit the 1 changed word
    assert R.chance_of_hit(10, 3, 2) == pytest.approx(1 - 56 / 120) and R.chance_of_hit(3, 5, 1) == 1.0
    shown = R.examples(grid, 5)["text (rationale in bold)"].tolist()
    assert shown == ["**it** is **good** fun", "a **dull** plot", "it is **bad** fun"]
    assert R.marked("a|b c", [(2, 3)]) == "a\\|**b** c"  # table-safe


def test_imbalanced_datasets_follow_the_test_splits_class_counts(repo):
    from cod.data.corpus import Corpus, save

    def rows(n_pos: int, n_neg: int) -> pd.DataFrame:
        return pd.DataFrame({"text": [f"row {i}" for i in range(n_pos + n_neg)], "label": [1] * n_pos + [0] * n_neg})

    for name, (pos, neg) in {"even": (20, 20), "skewed": (31, 20), "edge": (30, 20)}.items():
        save(Corpus(name, ["negative", "positive"], {"train": rows(40, 40), "validation": rows(5, 5),
                                                      "test": rows(pos, neg)}, {"kind": "test"}))  # fmt: skip
    # imbalanced = the test split's largest class has more than 1.5 times the rows of its smallest; unknown: left out
    assert aggregate.imbalanced_datasets(["even", "skewed", "edge", "absent"], 1.5) == ["skewed"]
    runs = runs_table([("skewed", 8, 0, "kd", "clean", "ok", 60.0, 58.0)]).assign(test_balanced_accuracy=51.0)
    assert aggregate.summarise(runs, "test", balanced=True)["mean"].tolist() == [51.0]


def test_rationales_against_their_random_word_control_paired_by_seed_with_a_verdict():
    """rkd − rkd:random is its own paired contrast (not the difference of two rows' means): a row whose base is the
    variant, named "with random words" in the table, with a verdict word, and kept out of the related papers' side."""
    from cod.report import rationale_gains, related_papers

    tests = {"kd": (60.0, 64.0, 62.0), "rkd": (62.0, 66.0, 64.0), "rkd:random": (59.0, 63.0, 64.5)}
    rows = [("d", 8, seed, m, "clean", "ok", 0, t[seed]) for m, t in tests.items() for seed in (0, 1, 2)]
    runs, variants = runs_table([r for r in rows if ":" not in r[3]]), runs_table([r for r in rows if ":" in r[3]])
    gains = paired.with_verdicts(
        paired.rationale_gains(runs, variants, "test", controls={"rkd": "rkd:random"}), target_half_width=3.0
    )
    control = gains[gains["base"] == "rkd:random"]
    assert len(control) == 1 and control["method"].iloc[0] == "rkd" and control["variant"].iloc[0] == ""
    assert control["mean"].iloc[0] == pytest.approx((3.0 + 3.0 - 0.5) / 3) and control["n"].iloc[0] == 3
    assert control["verdict"].iloc[0] == "insufficient"  # [−3.2, +6.9]: contains 0, half-width 5.0 > 3
    wide = gains.set_index(["base", "variant"])
    assert wide.loc[("kd", ""), "verdict"] == "cod_better"  # +2 on every seed: the interval [+2, +2] excludes 0
    text = rationale_gains.rationale_gains_markdown(gains)
    assert "| d | RKD − RKD with random words | as configured | clean | 8 | +1.8 ± 2.0 |" in text
    assert "| RKD better |" in text and "| insufficient |" in text
    side = related_papers.related_markdown(related_papers.related_results(), gains)
    assert "random" not in side.split("## ")[-1]
    assert paired.rationale_gains(runs, variants, "test", controls={"rce": "rce:random"}).equals(
        paired.rationale_gains(runs, variants, "test")
    )


def test_the_random_word_controls_are_read_from_each_methods_variants():
    """The rationales profile's rkd and rce each have a random-word variant; the default grid (kd) has none."""
    from cod.report.stage import random_word_controls

    profile = config.load_params(Path("profiles/rationales.yaml"))
    assert random_word_controls(profile) == {"rkd": "rkd:random", "rce": "rce:random"}
    assert random_word_controls(config.load_params()) == {}


def test_a_capped_evaluation_split_is_printed_under_the_tables(repo, tmp_path):
    """data.max_eval_rows: the prepare stage's note reaches Table 1 and the verdict (never a hidden cap)."""
    from cod.data.corpus import Corpus, cap_eval_rows, save
    from cod.report import table1, verdict

    def rows(n: int) -> pd.DataFrame:
        return pd.DataFrame({"text": [f"row {i}" for i in range(2 * n)], "label": [0] * n + [1] * n})

    save(cap_eval_rows(Corpus("big", ["no", "yes"], {"train": rows(40), "validation": rows(60),
                                                      "test": rows(80)}, {"kind": "test"}), 40, seed=0))  # fmt: skip
    save(Corpus("small", ["no", "yes"], {"train": rows(40), "validation": rows(5), "test": rows(5)}, {"kind": "test"}))
    caps = aggregate.evaluation_caps(["big", "small"])
    assert caps == [
        "big: evaluated on a sample — data.max_eval_rows=40: evaluation splits sampled per class "
        "(validation 120 -> 40, test 160 -> 40 rows)."
    ]
    runs = runs_table([("big", 8, s, "kd", m, "ok", 60.0 + s, 58.0 + s + (m == "cod")) for s in (0, 1)
                       for m in ("clean", "cod")])  # fmt: skip
    md, _ = table1.write_table1(aggregate.summarise(runs, "test"), tmp_path, "test", "n = 2 seeds", caps=caps)
    assert caps[0] in md.read_text()
    verdicts = aggregate.verdict(paired.cod_gain(runs, "test"))
    assert caps[0] in verdict.write_verdict(verdicts, tmp_path / "verdict.md", caps=caps).read_text()

"""The transcribed paper tables, the Table 1 layout and the paper comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cod.report import aggregate, cfe_kinds, marks, paired, paper_comparison, paper_numbers, table1


@pytest.fixture(scope="module")
def paper() -> pd.DataFrame:
    return paper_numbers.paper_results()


def test_paper_tables_have_every_cell(paper):
    counts = paper.groupby("table").size().to_dict()
    # Table 1: 6 datasets x 4 rows x 6 k; Table 2: 5 datasets x 2; Tables 5 and 6: 6 datasets x 2 methods x 2
    assert counts == {"1": 144, "2": 60, "5": 144, "6": 144}
    assert not paper.duplicated(["table", "dataset", "method", "mode", "k"]).any()
    assert set(paper["k"]) == {8, 16, 32, 64, 128, 512}
    assert paper["mean"].between(50, 100).all()


@pytest.mark.parametrize(
    ("table", "dataset", "method", "mode", "k", "mean", "std"),
    [
        ("1", "amazon", "kd", "clean", 8, 67.1, 4.6),
        ("1", "amazon", "kd", "cod", 8, 75.8, 2.7),
        ("1", "imdb", "lwd", "cod", 8, 86.1, 1.7),
        ("1", "sst2", "lwd", "cod", 512, 88.0, 2.0),
        ("2", "imdb", "ted", "cod", 8, 82.7, np.nan),
        ("5", "sentiment140", "lwd", "clean", 512, 79.9, np.nan),
        ("6", "sst2", "lwd", "cod", 128, 79.2, np.nan),
    ],
)
def test_paper_cells(paper, table, dataset, method, mode, k, mean, std):
    row = paper.set_index(["table", "dataset", "method", "mode", "k"]).loc[(table, dataset, method, mode, k)]
    assert row["mean"] == mean
    assert (np.isnan(std) and np.isnan(row["std"])) or row["std"] == std


def test_reconstructed_cells_carry_a_note(paper):
    yelp = paper[(paper["table"] == "1") & (paper["dataset"] == "yelp")]
    assert yelp["note"].str.contains("reconstructed").all()
    assert "87.8/87.4" in yelp.set_index(["method", "mode", "k"]).loc[("kd", "clean", 64), "note"]


def summary_fixture() -> pd.DataFrame:
    rows = []
    for mode, base in (("clean", 60.0), ("cod", 63.0)):
        for k in (8, 16):
            for seed in range(3):
                rows.append(("rt_sentences", k, seed, "kd", mode, "ok", base + seed + k / 8, base + seed))
    runs = pd.DataFrame(rows, columns=[*aggregate.RUN_KEYS, "status", "best_val_accuracy", "test_accuracy"])
    return runs


def test_table1_layout_and_latex_bold():
    summary = aggregate.summarise(summary_fixture(), "test")
    table = table1.table1(summary)
    assert list(table.columns) == ["dataset", "method", "8", "16"]
    assert list(table["method"]) == ["KD", "+CoD"]
    assert table.iloc[0]["8"] == "61.0±1.0"
    latex = table1.to_latex(summary, "caption")
    assert r"\textbf{64.0$\pm$1.0}" in latex and r"\textbf{61.0" not in latex
    assert marks.to_markdown(table).splitlines()[1] == "|---|---|---|---|"


def test_comparison_places_ours_beside_the_stand_in_dataset(paper):
    runs = summary_fixture()
    val, test = aggregate.summarise(runs, "val"), aggregate.summarise(runs, "test")
    # our pair is given now: the paper's Table 1 pair, so ours sit beside Table 1 and never beside Table 5 (xsmall)
    table = paper_comparison.comparison(paper, val, test, ["1", "5"], "deberta-v3-base->small")
    assert len(table) == 288  # every paper cell of both tables, matched or not
    hit = table[
        (table["table"] == "1")
        & (table["dataset"] == "sst2")
        & (table["method"] == "kd")
        & (table["mode"] == "cod")
        & (table["k"] == 8)
    ].iloc[0]
    assert hit["paper"] == "71.9±6.3" and hit["ours_dataset"] == "rt_sentences †"
    assert hit["ours_val"] == "65.0±1.0" and hit["ours_test"] == "64.0±1.0" and hit["n"] == "3/3"
    assert hit["delta_val"] == "-6.9"
    assert (table[table["dataset"] == "amazon"]["ours_val"] == "").all()
    assert (table.loc[table["table"] == "5", "ours_val"] == "").all()


# --- model pairs, direction section, ambiguity, std, Tables 4 and 8 ------------------------------------------------

MINILM_PAIR = "all-MiniLM-L6-v2->all-MiniLM-L6-v2[0,2,4]"


@pytest.mark.parametrize(
    ("teacher", "student", "layers", "key"),
    [
        ("microsoft/deberta-v3-base", "microsoft/deberta-v3-small", None, "deberta-v3-base->small"),
        ("microsoft/deberta-v3-base", "microsoft/deberta-v3-xsmall", None, "deberta-v3-base->xsmall"),
        ("Qwen/Qwen2.5-1.5B", "Qwen/Qwen2.5-0.5B", None, "qwen2.5-1.5b->0.5b"),
        ("/models/deberta-v3-base/", "microsoft/deberta-v3-small", None, "deberta-v3-base->small"),
        ("embedded:all-MiniLM-L6-v2", "embedded:all-MiniLM-L6-v2", [0, 2, 4], MINILM_PAIR),
        # a layer cut of the paper's student is not the paper's student
        (
            "microsoft/deberta-v3-base",
            "microsoft/deberta-v3-small",
            [0, 1, 2],
            "deberta-v3-base->deberta-v3-small[0,1,2]",
        ),
        ("Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-0.5B", None, "Qwen2.5-7B->Qwen2.5-0.5B"),
    ],
)
def test_pair_key_normalises_to_the_papers_pairs(teacher, student, layers, key):
    assert paper_numbers.pair_key(teacher, student, layers) == key


def test_every_pair_of_the_paper_csv_is_a_known_pair(paper):
    assert set(paper["pair"]) == set(paper_numbers.PAPER_PAIRS.values())
    assert paper.groupby("table")["pair"].nunique().eq(1).all()


def _ours() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Best-val and test summaries of the hand-made runs (rt_sentences, KD, clean/CoD, k 8 and 16, 3 seeds)."""
    runs = summary_fixture()
    return aggregate.summarise(runs, "val"), aggregate.summarise(runs, "test")


def test_comparison_refuses_a_different_model_pair(paper):
    val, test = _ours()
    for pair in (MINILM_PAIR, "qwen2.5-1.5b->0.5b-typo", "deberta-v3-base->deberta-v3-small[0,1,2]"):
        table = paper_comparison.comparison(paper, val, test, ["1", "2", "5", "6"], pair)
        assert len(table) == 492
        assert (table[["ours_dataset", "ours_val", "ours_test", "n", "delta_val"]] == "").all().all()
    # the xsmall pair: ours only beside Table 5, none beside Table 1 or 6 (Qwen), delta against Table 5's number
    table = paper_comparison.comparison(paper, val, test, ["1", "5", "6"], "deberta-v3-base->xsmall")
    hits = table[table["ours_val"] != ""]
    assert set(hits["table"]) == {"5"} and set(hits["pair"]) == {"deberta-v3-base->xsmall"}
    cod8 = hits[(hits["mode"] == "cod") & (hits["k"] == 8)].iloc[0]
    assert cod8["paper"] == "68.5" and cod8["delta_val"] == "-3.5"  # 65.0 - 68.5 (Table 5 SST2 KD+CoD, k=8)


def test_placed_counts_distinct_cells_and_runs(paper):
    val, test = _ours()
    table = paper_comparison.comparison(paper, val, test, ["1", "2", "5", "6"], "deberta-v3-base->small")
    cells = paper_comparison.placed(table)
    assert len(cells) == 4 and int(cells["runs"].sum()) == 12
    assert set(cells["dataset"]) == {"rt_sentences"}
    md = paper_comparison.comparison_markdown(table, "setting", "deberta-v3-base->small", ours=val, cpu="2-core CPU")
    assert "4 of our 4 cells (12 of our 12 runs) sit beside 4 paper cells (Table 1)" in md
    assert paper_comparison.DIRECTION_TITLE not in md  # every cell of ours has a same-pair home


def test_no_matching_pair_lists_each_cell_once_against_table_1_by_direction(paper):
    val, test = _ours()
    table = paper_comparison.comparison(paper, val, test, ["1", "2", "5", "6"], MINILM_PAIR)
    unplaced = paper_comparison.direction(paper, val, test, skip=paper_comparison.placed(table))
    assert len(unplaced) == len(val) == 4
    assert not unplaced.duplicated(["dataset", "method", "mode", "k"]).any()
    assert set(unplaced["paper_pair"]) == {"deberta-v3-base->small"}  # Table 1 only
    assert set(unplaced["dataset"]) == {"rt_sentences †"}
    cod8 = unplaced[(unplaced["mode"] == "cod") & (unplaced["k"] == 8)].iloc[0]
    # ours: CoD 65.0 vs clean 62.0 (+3.0); paper SST2 KD k=8: 71.9 vs 61.7 (+10.2)
    assert (cod8["paper"], cod8["ours_gain_val"], cod8["paper_gain"], cod8["same_sign"]) == (
        "71.9±6.3",
        "+3.0",
        "+10.2",
        "yes",
    )
    assert (unplaced.loc[unplaced["mode"] == "clean", "paper_gain"] == "").all()
    md = paper_comparison.comparison_markdown(
        table, "setting", MINILM_PAIR, ours=val, unplaced=unplaced, cpu="2-core CPU"
    )
    assert f"Our pair `{MINILM_PAIR}` is none of the paper's model pairs" in md
    assert f"## {paper_comparison.DIRECTION_TITLE}" in md
    assert "compare direction (CoD gain sign), not level" in md
    direction = md.split(f"## {paper_comparison.DIRECTION_TITLE}")[1].split("\n## ")[0]
    assert direction.count("| rt_sentences † |") == 4
    assert md.count("| rt_sentences † |") == 4  # nowhere else: no number of ours beside another pair's cell


def test_same_sign():
    assert paper_comparison.same_sign(2.0, 0.5) == "yes"
    assert paper_comparison.same_sign(-2.0, 0.5) == "no"
    assert paper_comparison.same_sign(2.0, 0.04) == "tie"
    assert paper_comparison.same_sign(float("nan"), 1.0) == ""


def test_ambiguous_cells_are_exactly_the_specs_slash_cells(paper):
    ambiguous = paper[paper["note"].str.contains(paper_comparison.AMBIGUOUS)]
    assert set(ambiguous[["dataset", "method", "mode", "k"]].itertuples(index=False, name=None)) == {
        ("yelp", "kd", "clean", 64),
        ("yelp", "kd", "cod", 64),
        ("sentiment140", "kd", "cod", 512),
        ("sentiment140", "lwd", "clean", 512),
    }
    assert set(ambiguous["table"]) == {"1"}
    val, test = _ours()
    table = paper_comparison.comparison(paper, val, test, ["1"], MINILM_PAIR)
    marked = table[table["paper"].str.endswith(paper_comparison.AMBIGUOUS_MARK)]
    assert len(marked) == 4 and marked["note"].str.contains(paper_comparison.AMBIGUOUS).all()
    md = paper_comparison.comparison_markdown(table, "setting", MINILM_PAIR, ours=val, cpu="2-core CPU")
    assert f"| 87.8 {paper_comparison.AMBIGUOUS_MARK} |" in md and paper_comparison.AMBIGUOUS in md


def test_paper_std_only_where_the_spec_gives_it(paper):
    assert paper.loc[paper["table"].isin(["2", "5", "6"]), "std"].isna().all()
    one = paper[paper["table"] == "1"]
    reconstructed = one["dataset"].isin(["yelp", "sentiment140"])
    assert one.loc[reconstructed, "std"].isna().all() and one.loc[~reconstructed, "std"].notna().all()


def test_paper_extra_tables_4_and_8():
    extra = paper_numbers.paper_extra()
    t4 = paper_comparison.paper_table4(extra).set_index("teacher")
    assert t4.loc["deberta-v3-base", "sst2"] == "95.8" and t4.loc["qwen2.5-1.5b", "cola"] == "83.0"
    assert t4.shape == (2, 6)
    t8 = paper_comparison.paper_table8(extra)
    assert list(t8["wall_s"]) == ["478", "705", "485", "815"] and set(t8["mode"]) == {"cod"}


def test_teachers_sit_beside_table_4():
    teachers = pd.DataFrame(
        {
            "dataset": ["rt_sentences", "sst2", "cola"],
            "model": ["embedded:all-MiniLM-L6-v2", "microsoft/deberta-v3-base", np.nan],
            "validation_accuracy": [82.75, 95.0, np.nan],
            "test_accuracy": [80.1, 94.0, np.nan],
            "status": ["ok", "ok", "missing"],
        }
    )
    table = paper_comparison.teacher_comparison(teachers, paper_numbers.paper_extra())
    mini, deberta, missing = (table.iloc[i] for i in range(3))
    assert mini["dataset"] == "rt_sentences †" and mini["ours_val"] == "82.8" and mini["ours_test"] == "80.1"
    assert mini["paper deberta-v3-base"] == "95.8" and mini["paper qwen2.5-1.5b"] == "93.7"
    assert mini["paper's model"].startswith("no")
    assert deberta["paper's model"] == "deberta-v3-base" and deberta["dataset"] == "sst2"
    assert (missing["model"], missing["ours_val"], missing["status"]) == ("–", "–", "missing")
    assert missing["paper's model"] == "–"  # unknown, not "different"


def test_compute_uses_wall_and_cpu_seconds_when_recorded():
    runs = summary_fixture()
    usage = paper_comparison.compute(runs)
    assert len(usage) == 4 and (usage[["wall_s", "cpu_s"]] == paper_comparison.NOT_RECORDED).all().all()
    runs["wall_seconds"] = [10.0, 12.0, 14.0] * 4
    runs["cpu_seconds"] = [20.0, np.nan, np.nan] * 4
    runs.loc[0, "status"] = "failed"  # failed runs do not count
    usage = paper_comparison.compute(runs).set_index(["mode", "k"])
    assert usage.loc[("clean", 8), "runs"] == 2 and usage.loc[("clean", 8), "wall_s"] == "13.0±1.4"
    assert usage.loc[("clean", 8), "cpu_s"] == paper_comparison.NOT_RECORDED
    assert usage.loc[("clean", 16), "wall_s"] == "12.0±2.0" and usage.loc[("clean", 16), "cpu_s"] == "20.0 (n=1)"
    val, test = _ours()
    table = paper_comparison.comparison(paper_numbers.paper_results(), val, test, ["1"], MINILM_PAIR)
    md = paper_comparison.comparison_markdown(
        table, "setting", MINILM_PAIR, ours=val, runs=summary_fixture(), cpu="2-core CPU"
    )
    assert "## Table 8: compute" in md and "2-core CPU" in md and paper_comparison.NOT_RECORDED in md
    assert "| 478 |" in md  # the paper's k=8 KD+CoD wall time


def test_comparison_markdown_has_the_report_sections():
    val, test = _ours()
    table = paper_comparison.comparison(paper_numbers.paper_results(), val, test, ["1"], MINILM_PAIR)
    text = paper_comparison.comparison_markdown(table, "setting", MINILM_PAIR, cpu="x")
    assert text.startswith("# Our runs beside the paper's numbers") and "## Table 4: teacher accuracy" in text


def kinds_fixture() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs of clean, cod and cod-random (3 seeds, k=8) and their CoD sets' quality (cod-random seed 2 missing)."""
    tests = {"clean": [60.0, 70.0, 80.0], "cod": [64.0, 72.0, 83.0], "cod-random": [59.0, 71.0, 80.0]}
    rows = [
        ("rt_sentences", 8, seed, "kd", mode, "ok", 0.0, acc)
        for mode, accs in tests.items()
        for seed, acc in enumerate(accs)
    ]
    runs = pd.DataFrame(rows, columns=[*aggregate.RUN_KEYS, "status", "best_val_accuracy", "test_accuracy"])
    runs["train_cfe_rows"] = [0, 0, 0, 4, 4, 4, 4, 4, 3]  # cod-random, seed 2: 3 of the 4 CFEs asked for
    columns = ["dataset", "k", "seed", "mode", "kind", "status", "flip_rate", "p_target_median"]
    columns += ["word_edits_median", "ppl_ratio_median", "lexicon_edit_share"]
    cfes = pd.DataFrame(
        [
            ("rt_sentences", 8, 0, "cod", "semantic", "ok", 0.9, 0.7, 1.0, 1.1, 0.5),
            ("rt_sentences", 8, 1, "cod", "semantic", "ok", 0.8, 0.9, 2.0, 1.3, 0.25),
            ("rt_sentences", 8, 2, "cod", "semantic", "ok", 1.0, 0.8, 4.0, 1.2, 0.75),
            ("rt_sentences", 8, 0, "cod-random", "random", "ok", 0.5, np.nan, 3.0, 2.0, 0.0),
            ("rt_sentences", 8, 1, "cod-random", "random", "ok", 0.25, np.nan, 5.0, 3.0, 0.1),
            ("rt_sentences", 8, 2, "cod-random", "random", "missing", np.nan, np.nan, np.nan, np.nan, np.nan),
        ],
        columns=columns,
    )
    return aggregate.add_cfe_budget(runs), cfes


def test_cfe_kinds_markdown_gain_and_quality_per_kind():
    runs, cfes = kinds_fixture()
    kinds = {"cod": "semantic", "cod-random": "random"}
    text = cfe_kinds.cfe_kinds_markdown(paired.kind_gains(runs, kinds), cfes, kinds, 0.95)
    # cod: gains 4, 2, 3 → mean 3, std 1, t(0.975, 2) = 4.3027 → half-width 4.3027 / √3 = 2.48 → [0.5, 5.5]
    assert "| rt_sentences | KD | 8 | semantic (cod) | +3.0 ± 1.0 | [+0.5, +5.5] | 3/3 |" in text
    # random: gains −1, 1, 0 → mean 0, std 1, same half-width; seed 2 trained on 3 of 4 CFEs → ‡
    assert "| rt_sentences | KD | 8 | random | +0.0 ± 1.0 ‡ | [−2.5, +2.5] | 3/3 |" in text
    assert "| dataset | method | k | kind | gain over clean | 95% CI | n |" in text
    # quality: medians over the ok sets; p(target) not recorded for random → '–'
    assert "| rt_sentences | 8 | semantic (cod) | 3/3 | 90.0 | 0.80 | 2.0 | 1.20 | 50.0 |" in text
    assert "| rt_sentences | 8 | random | 2/3 | 37.5 | – | 4.0 | 2.50 | 5.0 |" in text
    assert text.index("semantic (cod) | +3.0") < text.index("random | +0.0")  # grid order: the cod arm first
    assert "‡ in at least one seed" in text


def test_cfe_kinds_markdown_is_a_note_with_one_cod_mode():
    runs, cfes = kinds_fixture()
    text = cfe_kinds.cfe_kinds_markdown(paired.kind_gains(runs, {}), cfes, {"cod": "semantic"})
    assert text.count("\n") == 1 and "ablation off" in text and "`cod study run mechanism`" in text
    assert "`cod` (semantic)" in text


def test_table1_shows_balanced_accuracy_only_for_the_imbalanced_datasets(tmp_path):
    runs = summary_fixture()
    runs["test_balanced_accuracy"] = runs["test_accuracy"] - 10.0
    other = runs.assign(dataset="balanced_set")
    both = pd.concat([runs, other], ignore_index=True)
    summary = aggregate.summarise(both, "test")
    balanced = aggregate.summarise(both[both["dataset"] == "rt_sentences"], "test", balanced=True)
    table = table1.table1(summary, balanced=balanced)
    rows = table.set_index(["dataset", "method"])
    assert rows.loc[("rt_sentences", "KD (bal. acc.)"), "8"] == "51.0±1.0"  # accuracy 61.0 − 10 points
    assert rows.loc[("rt_sentences", "+CoD (bal. acc.)"), "16"] == "54.0±1.0"
    assert not any("bal. acc." in m for m in table[table["dataset"] == "balanced_set"]["method"])
    md, _ = table1.write_table1(summary, tmp_path, "test", "n = 3 seeds", balanced=balanced)
    assert table1.BALANCED_NOTE in md.read_text()
    plain, _ = table1.write_table1(summary, tmp_path, "test", "n = 3 seeds", balanced=balanced.iloc[:0])
    assert "bal. acc." not in plain.read_text()  # no imbalanced dataset: the table reads as before


def test_teacher_table_shows_balanced_accuracy_and_mcc_beside_accuracy():
    teachers = pd.DataFrame(
        {
            "dataset": ["mine"],
            "model": ["embedded:all-MiniLM-L6-v2"],
            "validation_accuracy": [85.0],
            "test_accuracy": [84.0],
            "validation_balanced_accuracy": [50.0],
            "test_balanced_accuracy": [50.0],
            "validation_mcc": [0.0],
            "test_mcc": [np.nan],
            "status": ["ok"],
        }
    )
    row = paper_comparison.teacher_comparison(teachers, paper_numbers.paper_extra()).iloc[0]
    assert (row["ours_val"], row["bal. acc. val / test"], row["MCC val / test"]) == ("85.0", "50.0 / 50.0", "0.00 / –")

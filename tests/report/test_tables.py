"""The transcribed paper tables, the Table 1 layout and the paper comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cod.report import aggregate, tables


@pytest.fixture(scope="module")
def paper() -> pd.DataFrame:
    return tables.paper_results()


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
    table = tables.table1(summary)
    assert list(table.columns) == ["dataset", "method", "8", "16"]
    assert list(table["method"]) == ["KD", "+CoD"]
    assert table.iloc[0]["8"] == "61.0±1.0"
    latex = tables.to_latex(summary, "caption")
    assert r"\textbf{64.0$\pm$1.0}" in latex and r"\textbf{61.0" not in latex
    assert tables.to_markdown(table).splitlines()[1] == "|---|---|---|---|"


def test_comparison_places_ours_beside_the_stand_in_dataset(paper):
    runs = summary_fixture()
    val, test = aggregate.summarise(runs, "val"), aggregate.summarise(runs, "test")
    table = tables.comparison(paper, val, test, ["1", "5"])
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

"""The exploration notebook's loaders: DataFrames of runs, per-seed paired gains, validation curves and CFEs with their
word diff; what they are missing names the `dvc repro` target that makes it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cod import explore, paths
from cod.errors import DataError
from tests import tiny


@pytest.mark.parametrize(
    ("view", "target"),
    [
        (lambda: explore.few_shot("rt_sentences", 8, 0), "subset@rt_sentences"),
        (lambda: explore.cfes("rt_sentences", 8, 0), "counterfactuals@rt_sentences"),
        (lambda: explore.counterfactual_edits("rt_sentences", 8, 0), "counterfactuals@rt_sentences"),
        (lambda: explore.validation_curve("rt_sentences", 8, 0, "kd", "cod"), "distill@rt_sentences-kd-0"),
        (lambda: explore.validation_curves("rt_sentences", 8, 0, ["kd"], ["cod"]), "distill@rt_sentences-kd-0"),
        (lambda: explore.runs("rt_sentences"), "aggregate"),
    ],
)
def test_missing_inputs_name_the_stage_to_run(repo, view, target):
    with pytest.raises(DataError, match=f"run `dvc repro {target}`"):
        view()


def test_available_gives_the_value_or_none_after_one_line(repo, capsys):
    assert explore.available(lambda a, b: a + b, 1, 2) == 3 and capsys.readouterr().out == ""
    assert explore.available(explore.runs, "rt_sentences") is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("not available yet: ") and "dvc repro aggregate" in out


def run_rows(rows: list[tuple]) -> pd.DataFrame:
    """A runs table as the aggregate stage writes it: (method, k, seed, mode, test, val) per run, accuracies in %."""
    frame = pd.DataFrame(rows, columns=["method", "k", "seed", "mode", "test_accuracy", "best_val_accuracy"])
    return frame.assign(dataset="rt_sentences", status="ok")


def test_paired_gains_are_per_seed_and_only_where_both_modes_ran():
    runs = run_rows(
        [
            ("kd", 8, 0, "clean", 60.0, 62.0),
            ("kd", 8, 0, "cod", 65.0, 61.0),
            ("kd", 8, 1, "clean", 70.0, 70.0),
            ("kd", 8, 1, "cod", 68.5, 71.0),
            ("kd", 8, 2, "clean", 55.0, 50.0),  # seed 2 has no CoD run: no pair
            ("lwd", 16, 0, "clean", 50.0, 50.0),
            ("lwd", 16, 0, "cod", 52.0, 49.0),
        ]
    )
    gains = explore.paired_gains(runs)
    assert gains[["method", "k", "seed"]].values.tolist() == [["kd", 8, 0], ["kd", 8, 1], ["lwd", 16, 0]]
    assert gains["gain"].tolist() == [5.0, -1.5, 2.0] and gains["clean"].tolist() == [60.0, 70.0, 50.0]
    assert explore.paired_gains(runs, value="val")["gain"].tolist() == [-1.0, 1.0, -1.0]
    assert explore.paired_gains(runs[runs["mode"] == "clean"]).empty


def test_runs_are_the_finished_runs_of_the_dataset(repo):
    table = run_rows([("kd", 8, 0, "clean", 60.0, 62.0), ("kd", 8, 0, "cod", np.nan, np.nan)])
    table.loc[1, "status"] = "missing"
    other = run_rows([("kd", 8, 0, "clean", 50.0, 50.0)]).assign(dataset="sst2")
    paths.aggregate_dir().mkdir(parents=True)
    pd.concat([table, other]).to_csv(paths.aggregate_dir() / "runs.csv", index=False)
    assert explore.runs("rt_sentences")[["mode", "test_accuracy"]].values.tolist() == [["clean", 60.0]]
    assert len(explore.runs()) == 2
    with pytest.raises(DataError, match="no finished run of snli yet"):
        explore.runs("snli")


def write_curve(method: str, mode: str, accuracies: list[float]) -> None:
    """A run's validation curve as dvclive writes it (step, accuracy as a fraction)."""
    folder = paths.run_dir("rt_sentences", 8, 0, method, mode) / "plots" / "metrics" / "val"
    folder.mkdir(parents=True)
    steps = [2 * i + 1 for i in range(len(accuracies))]  # evaluated every second epoch
    pd.DataFrame({"step": steps, "accuracy": accuracies}).to_csv(folder / "accuracy.tsv", sep="\t", index=False)


def test_validation_curves_stack_the_runs_that_exist_in_percent_by_epoch(repo):
    write_curve("kd", "clean", [0.5, 0.75])
    write_curve("kd", "cod", [0.625])
    curves = explore.validation_curves("rt_sentences", 8, 0, ["kd", "lwd"], ["clean", "cod"])  # lwd: not run
    assert curves[["method", "mode", "epoch", "val_accuracy"]].values.tolist() == [
        ["kd", "clean", 2, 50.0],
        ["kd", "clean", 4, 75.0],
        ["kd", "cod", 2, 62.5],
    ]


def test_cfes_name_the_teachers_labels_and_the_diff_marks_the_edited_words(repo):
    tiny.prepare()
    records = [
        {"original": "the plot was good", "cfe": "the plot was awful", "teacher_original": 1, "teacher_cfe": 0},
        {"original": "a very dull movie", "cfe": "a <dull> movie", "teacher_original": 0, "teacher_cfe": 0},
    ]
    file = paths.cfe_records("rt_sentences", 8, 0)
    file.parent.mkdir(parents=True)
    pd.DataFrame(records).assign(valid=[True, False], delta_p=[0.61, 0.02]).to_json(file, orient="records", lines=True)
    cfes = explore.cfes("rt_sentences", 8, 0)
    assert cfes[["original_label", "cfe_label"]].values.tolist() == [["positive", "negative"], ["negative", "negative"]]
    shown = explore.highlighted(cfes)
    assert shown["labels"].tolist() == ["positive → negative", "negative → negative"]
    assert shown["cfe"][0] == 'the plot was <s style="color:#999999">good</s> <b style="color:#C44E52">awful</b>'
    assert shown["cfe"][1] == 'a <s style="color:#999999">very</s> <s style="color:#999999">dull</s> ' + (
        '<b style="color:#C44E52">&lt;dull&gt;</b> movie'
    )  # words are escaped: a CFE's text never becomes markup
    assert json.loads(shown.to_json())["delta_p"] == {"0": 0.61, "1": 0.02}

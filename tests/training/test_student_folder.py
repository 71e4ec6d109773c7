"""A distilled student kept as a Hugging Face folder (distill.save_student, `cod student`): transformers.pipeline
loads it and it predicts the labels the run's evaluation predicted on the test rows (tiny BERTs, seconds each)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from cod import cli, config, paths
from cod.data.corpus import load_meta, load_split
from cod.models.load import load_tokenizer
from cod.training import distill as D
from cod.training.batching import eval_batches
from cod.training.evaluate import predict_logits
from cod.training.record import RUN_RECORD, record
from tests.conftest import write_params
from tests.training.conftest import write_cod_set

CELL = {"dataset": "rt_sentences", "k": 8, "seed": 0, "method": "kd", "mode": "clean"}


def pipeline_labels(folder) -> np.ndarray:
    """The label ids ``transformers.pipeline`` gives the test rows from the folder alone (its label names mapped back
    through the dataset's)."""
    from transformers import pipeline

    classify = pipeline("text-classification", model=str(folder), device="cpu")
    names = load_meta("rt_sentences")["label_names"]
    out = classify(load_split("rt_sentences", "test")["text"].tolist(), truncation=True)
    return np.array([names.index(o["label"]) for o in out])


def evaluation_labels(student: torch.nn.Module, cfg: config.DistillConfig) -> np.ndarray:
    """The test labels the run's evaluation predicts: distill's evaluate, on the split as distill tokenises it."""
    test = {"test": load_split("rt_sentences", "test")}
    batches = eval_batches(load_tokenizer(cfg.student), test, cfg.max_length, cfg.eval_batch_size)["test"]
    return predict_logits(student, *batches, torch.device("cpu"), cfg.eval_precision).argmax(-1)


def test_the_stage_keeps_the_best_validation_student_as_a_folder_pipeline_loads(bert_run):
    cfg = bert_run.distill.model_copy(update={"save_student": True, "eval_precision": "fp32"})
    run = paths.run_dir(**CELL)
    result = record(run, CELL, cfg)
    folder = paths.run_student(run)
    assert folder.parent == run  # inside the run's folder: the distill stage's existing DVC output
    assert {"config.json", "model.safetensors", "tokenizer_config.json"} <= {p.name for p in folder.iterdir()}
    saved = json.loads((folder / "config.json").read_text())
    assert saved["id2label"] == {"0": "negative", "1": "positive"}
    assert saved["label2id"] == {"negative": 0, "positive": 1}
    from safetensors.torch import load_file

    weights, best = load_file(folder / "model.safetensors"), result.fit.best_state
    assert weights and all(torch.equal(weights[key], best[key]) for key in weights)  # the best-validation epoch's
    labels = pipeline_labels(folder)
    assert np.array_equal(labels, evaluation_labels(result.student, cfg))
    truth = load_split("rt_sentences", "test")["label"].to_numpy()
    assert (labels == truth).mean() == pytest.approx(json.loads((run / "metrics.json").read_text())["test_accuracy"])


def test_off_the_run_folder_keeps_no_student_and_records_no_new_param(bert_run):
    assert bert_run.distill.save_student is False  # the default params.yaml
    run = paths.run_dir(**CELL)
    record(run, CELL, bert_run.distill.model_copy(update={"save_student": True}))  # an earlier run kept one
    record(run, CELL, bert_run.distill)
    assert not paths.run_student(run).exists()
    assert "save_student" not in (run / "params.yaml").read_text()  # the run's recorded params are as before


def test_cod_student_writes_the_folder_of_one_cell_and_nothing_under_results(repo, bert_run, tmp_path, capsys):
    write_params(repo, distill={"eval_precision": "fp32"})
    write_cod_set()
    out = tmp_path / "student"
    args = ["--dataset", "rt_sentences", "--k", "8", "--seed", "0", "--mode", "cod", "--method", "kd"]
    assert cli.main(["student", *args, "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {out}"
    summary = json.loads((out / RUN_RECORD).read_text())
    assert (summary["mode"], summary["train_cfe_rows"]) == ("cod", 4)
    labels = pipeline_labels(out)
    truth = load_split("rt_sentences", "test")["label"].to_numpy()
    assert (labels == truth).mean() == pytest.approx(summary["test_accuracy"])
    again = D.distill("rt_sentences", 8, 0, "kd", "cod", config.load("distill"))  # the same run, deterministic
    assert np.array_equal(labels, evaluation_labels(again.student, config.load("distill")))
    assert not (repo / "results").exists()


def test_cod_student_says_in_one_line_which_stage_to_run_first(bert_run, tmp_path, capsys):
    args = ["--dataset", "rt_sentences", "--k", "8", "--seed", "0", "--mode", "cod", "--method", "kd"]
    assert cli.main(["student", *args, "--out", str(tmp_path / "student")]) != 0  # no CoD set in this workspace
    err = capsys.readouterr().err  # checked before any model loads: nothing else on stderr
    assert err.count("\n") == 1 and err.startswith("error: training set ")
    assert err.strip().endswith("run `dvc repro counterfactuals@rt_sentences` first")
    assert not (tmp_path / "student").exists()

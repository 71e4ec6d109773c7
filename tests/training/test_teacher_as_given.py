"""teacher.epochs 0: an already fine-tuned classifier is used as it is (no update), evaluated and its logits cached as
usual; the degenerate-teacher check still applies (tiny BERTs)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from safetensors.torch import load_file

from cod import config, paths
from cod.errors import ConfigError
from cod.training import teacher_stage
from cod.training.degenerate import DegenerateTeacher
from tests import tiny
from tests.conftest import write_params


def test_epochs_0_keeps_the_given_teachers_weights_bit_for_bit_and_writes_its_outputs(repo, bert_run, tmp_path):
    given = tmp_path / "given"  # the session's fine-tuned tiny teacher, as a folder of its own
    shutil.copytree(paths.teacher_dir("rt_sentences") / "model", given)
    trained = {s: np.load(paths.teacher_predictions("rt_sentences", s)) for s in ("validation", "test")}
    shutil.rmtree(paths.teacher_dir("rt_sentences"))
    write_params(repo, teacher={"model": str(given), "epochs": 0})
    result = teacher_stage.run("rt_sentences", config.load("teacher"))
    assert result.fit.history == []
    saved = paths.teacher_dir("rt_sentences") / "model" / "model.safetensors"
    before, after = load_file(given / "model.safetensors"), load_file(saved)
    assert before.keys() == after.keys() and all(before[k].equal(after[k]) for k in before)
    for split in ("validation", "test"):  # the same model's logits as when it was trained, written as usual
        assert np.array_equal(np.load(paths.teacher_predictions("rt_sentences", split)), trained[split])
    metrics = json.loads((paths.teacher_dir("rt_sentences") / "metrics.json").read_text())
    assert (metrics["train_rows"], metrics["epochs_run"], metrics["best_epoch"]) == (0, 0, 0)
    assert metrics["selected_by"].startswith("none: used as given") and metrics["validation_accuracy"] > 0.6


def test_epochs_0_on_an_untrained_classifier_stops_at_the_degenerate_check_writing_nothing(repo, tmp_path):
    tiny.prepare()
    write_params(repo, teacher={"model": tiny.save_bert(tmp_path / "random", layers=2), "epochs": 0})
    with pytest.raises(DegenerateTeacher, match=r"used as it is \(teacher.epochs: 0\).*\['negative', 'positive'\]"):
        teacher_stage.run("rt_sentences", config.load("teacher"))
    assert not paths.teacher_dir("rt_sentences").exists()


def test_epochs_0_needs_a_sequence_classifier_with_the_datasets_labels(repo, tmp_path):
    tiny.prepare()
    write_params(repo, teacher={"model": tiny.save_causal_lm(tmp_path / "lm"), "epochs": 0})
    with pytest.raises(ConfigError, match=r"teacher.epochs is 0 .* not a sequence classifier with 2 labels"):
        teacher_stage.run("rt_sentences", config.load("teacher"))
    write_params(repo, teacher={"epochs": -1})
    with pytest.raises(ConfigError, match="teacher.epochs"):
        config.load("teacher")

"""The teacher on small and imbalanced data: class-weighted loss, a minimum of updates, balanced accuracy recorded,
and a teacher no better than chance stopping its stage before anything is written (tiny BERTs, seconds each)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import balanced_accuracy_score

from cod import config, paths
from cod.data.balance import balanced_weights, class_ratio, is_imbalanced, loss_weights
from cod.data.corpus import Corpus, save
from cod.models.load import load_classifier
from cod.training import teacher_stage
from cod.training.degenerate import DegenerateTeacher
from cod.training.evaluate import balanced_accuracy
from cod.training.loop import FitResult
from cod.training.teacher import CrossEntropyStep, TeacherResult, split_metrics, train_teacher
from tests import tiny
from tests.conftest import project_section, write_params
from tests.reliability_cases import cases, ids

THIS = "tests/training/test_teacher.py"
NAMES = ["negative", "positive"]


def imbalanced(n: int, seed: int, share: float = 0.85) -> pd.DataFrame:
    """``n`` toy reviews (tiny.sentences), ``share`` of them positive, shuffled."""
    rows = tiny.sentences(4 * n, seed)
    positive = rows[rows["label"] == 1].head(round(n * share))
    negative = rows[rows["label"] == 0].head(n - len(positive))
    return pd.concat([positive, negative]).sample(frac=1.0, random_state=seed).reset_index(drop=True)


def prepare_imbalanced() -> dict[str, pd.DataFrame]:
    """An 85 / 15 % prepared dataset under COD_ROOT (as rt_sentences): 60 training rows, 20 validation, 20 test."""
    splits = {"train": imbalanced(60, 0), "validation": imbalanced(20, 1), "test": imbalanced(20, 2)}
    save(Corpus("rt_sentences", NAMES, splits, {"kind": "test"}))
    return splits


def teacher_cfg(repo, **changes) -> config.TeacherConfig:
    """The project's teacher settings with ``changes``, written to the repo's params.yaml and loaded back."""
    write_params(repo, teacher=changes)
    return config.load("teacher")


# --- the pieces: balanced accuracy, the imbalance rule, class weights, the weighted loss --------------------------


def test_balanced_accuracy_is_sklearns_and_chance_for_a_constant_prediction():
    rng = np.random.default_rng(0)
    labels, pred = rng.integers(0, 3, 50), rng.integers(0, 3, 50)
    assert balanced_accuracy(labels, pred) == pytest.approx(balanced_accuracy_score(labels, pred))
    labels = np.array([1] * 17 + [0] * 3)
    assert balanced_accuracy(labels, np.ones(20, dtype=int)) == 0.5  # accuracy 85 %, chance in balanced accuracy


def test_the_imbalance_rule_and_balanced_weights():
    assert class_ratio([1400, 1400]) == 1.0 and class_ratio([60, 40]) == 1.5 and math.isinf(class_ratio([5, 0]))
    assert not is_imbalanced([60, 40], 1.5) and is_imbalanced([61, 40], 1.5)  # strictly more than the ratio
    assert balanced_weights([3, 1]).tolist() == pytest.approx([2 / 3, 2.0])  # n / (C * n_c)
    assert balanced_weights([1400, 1400]).tolist() == [1.0, 1.0]
    assert loss_weights([1400, 1400], "auto", 1.5) is None  # the default data: plain cross-entropy, as before
    assert loss_weights([85, 15], "none", 1.5) is None
    assert loss_weights([85, 15], "auto", 1.5).tolist() == pytest.approx([100 / 170, 100 / 30])
    assert loss_weights([1400, 1400], "balanced", 1.5).tolist() == [1.0, 1.0]


class FixedLogits(torch.nn.Module):
    """A stand-in classifier whose logits are given."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = logits

    def forward(self, **_: torch.Tensor):
        return type("Out", (), {"logits": self.logits})()


def test_class_weights_change_the_loss_as_specified_on_a_hand_made_batch():
    # three negatives and one positive, every row's logits (ln 3, 0): p(negative) = 3/4
    logits = torch.tensor([[math.log(3.0), 0.0]] * 4)
    batch = {"input_ids": torch.zeros(4, 2, dtype=torch.long), "labels": torch.tensor([0, 0, 0, 1])}
    plain, _ = CrossEntropyStep(FixedLogits(logits))(batch)
    # the mean of CE: 3 rows of ln(4/3) and one of ln 4
    assert plain.item() == pytest.approx((3 * math.log(4 / 3) + math.log(4)) / 4, rel=1e-6)
    weights = torch.tensor(balanced_weights([3, 1]), dtype=torch.float32)  # 2/3 and 2
    weighted, parts = CrossEntropyStep(FixedLogits(logits), weights)(batch)
    # sum w_y CE / sum w_y = (3 * 2/3 * ln(4/3) + 2 * ln 4) / (3 * 2/3 + 2) = ln(16/3) / 2: each class weighs half
    assert weighted.item() == pytest.approx(math.log(16 / 3) / 2, rel=1e-6) and parts["ce"] == weighted.item()


# --- training: the minimum of updates, the records ------------------------------------------------------------------


def test_min_steps_extends_training_and_early_stopping_waits_for_it(repo, tmp_path):
    splits = prepare_imbalanced()
    spec = tiny.save_bert(tmp_path / "teacher", layers=2)
    # 60 rows at batch 8 = 8 updates an epoch: 1 epoch asked, 17 updates = 3 epochs; patience 1 may not stop earlier
    cfg = teacher_cfg(repo, model=spec, batch_size=8, lr=1e-3, epochs=1, patience=1, min_steps=17)
    result = train_teacher(splits, NAMES, cfg)
    assert result.metrics["epochs_run"] == 3 and len(result.fit.history) == 3
    for split in ("validation", "test"):  # balanced accuracy recorded beside accuracy and MCC
        assert 0.0 <= result.metrics[f"{split}_balanced_accuracy"] <= 1.0 and f"{split}_mcc" in result.metrics
    assert result.metrics["class_weights"] == pytest.approx({"negative": 60 / 18, "positive": 60 / 102})
    assert result.metrics["selected_by"] == "validation balanced_accuracy"
    assert "val_balanced_accuracy" in result.fit.history[0]


# --- the stage: a teacher no better than chance stops it, writing nothing --------------------------------------------


def test_a_three_class_teacher_above_the_balanced_floor_but_with_a_low_mcc_stops():
    """65 / 10 / 25 % validation rows; the teacher mostly says the majority class: balanced accuracy 38.8 % clears
    1/3 + 0.05, MCC 0.17 does not clear teacher.min_mcc (0.2): the rule stops it on MCC alone."""
    from sklearn.metrics import matthews_corrcoef

    from cod.training.degenerate import degenerate_message

    labels = np.array([0] * 65 + [1] * 10 + [2] * 25)
    pred = np.array([0] * 60 + [2] * 5 + [0] * 10 + [2] * 6 + [0] * 19)
    metrics = {
        "validation_accuracy": float((labels == pred).mean()),
        "validation_balanced_accuracy": balanced_accuracy(labels, pred),
        "validation_mcc": float(matthews_corrcoef(labels, pred)),
    }
    assert metrics["validation_balanced_accuracy"] > 1 / 3 + 0.05 and 0 < metrics["validation_mcc"] < 0.2
    logits = np.eye(3, dtype=np.float32)[pred]
    cfg = config.TeacherConfig(**project_section("teacher"))
    message = degenerate_message(metrics, logits, ["a", "b", "c"], cfg, "three")
    assert message is not None and "MCC 0.17 (needs >= 0.2: teacher.min_mcc; chance 0)" in message
    assert "predicted classes: a 89 of 100 (89%), c 11 (11%), b 0 (0%)" in message
    assert degenerate_message(metrics, logits, ["a", "b", "c"], cfg.model_copy(update={"min_mcc": 0.1}), "x") is None


def constant_result(splits: dict[str, pd.DataFrame], spec: str, cfg: config.TeacherConfig) -> TeacherResult:
    """A teacher that predicts 'positive' for every row (its logits), wrapped around a tiny BERT to save."""
    model, tokenizer = load_classifier(spec, 2, label_names=NAMES)
    logits = {s: np.tile(np.array([[0.0, 2.0]], dtype=np.float32), (len(splits[s]), 1)) for s in ("validation", "test")}
    metrics = {"model": cfg.model, "train_rows": len(splits["train"]), "best_epoch": 1, **split_metrics(logits, splits)}
    metrics |= {"epochs_run": 1, "selected_by": "validation accuracy", "class_weights": None}
    fit = FitResult(best_epoch=1, best_metrics={}, history=[{"epoch": 1.0, "train_loss": 0.4, "val_accuracy": 0.85}])
    return TeacherResult(model, tokenizer, metrics, logits, fit)


@pytest.mark.parametrize("case", cases(f"{THIS}::test_a_constant_teacher_stops_the_stage_and_writes_nothing"), ids=ids)
def test_a_constant_teacher_stops_the_stage_and_writes_nothing(repo, tmp_path, monkeypatch, case):
    splits = prepare_imbalanced()
    spec = tiny.save_bert(tmp_path / "teacher", layers=2)
    cfg = teacher_cfg(repo, model=spec, **case["setup"])
    monkeypatch.setattr(teacher_stage, "train_teacher", lambda *_, **__: constant_result(splits, spec, cfg))
    out = paths.teacher_dir("rt_sentences")
    if not cfg.allow_degenerate:
        with pytest.raises(DegenerateTeacher) as info:
            teacher_stage.run("rt_sentences", cfg)
        message = str(info.value)
        assert "\n" not in message and info.value.exit_code == 1
        for piece in case["expect"]:
            assert piece in message, (piece, message)
        assert not out.exists()  # no model, logits, metrics or dvclive record: DVC has nothing to cache
        return
    with pytest.warns(UserWarning) as caught:
        result = teacher_stage.run("rt_sentences", cfg)
    message = str(caught[0].message)
    for piece in case["expect"]:
        assert piece in message, (piece, message)
    assert json.loads((out / "metrics.json").read_text())["validation_balanced_accuracy"] == 0.5
    assert (out / "model" / "config.json").is_file() and (out / "live" / "metrics.json").is_file()
    assert result.metrics["validation_mcc"] == 0.0


@pytest.mark.parametrize("case", cases(f"{THIS}::test_small_imbalanced_data_train_a_real_teacher"), ids=ids)
def test_small_imbalanced_data_train_a_real_teacher(repo, tmp_path, case):
    prepare_imbalanced()
    spec = tiny.save_bert(tmp_path / "teacher", layers=2)
    # 60 rows (51 / 9) at batch 8: 8 updates an epoch
    cfg = teacher_cfg(repo, model=spec, batch_size=8, lr=1e-2, epochs=1, patience=1, **case["setup"])
    out = paths.teacher_dir("rt_sentences")
    if case["expect"]:
        with pytest.raises(DegenerateTeacher) as info:
            teacher_stage.run("rt_sentences", cfg)
        for piece in case["expect"]:
            assert piece in str(info.value), (piece, str(info.value))
        assert not out.exists()
        return
    result = teacher_stage.run("rt_sentences", cfg)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["validation_balanced_accuracy"] >= 0.55 and metrics["validation_mcc"] > 0.2
    assert metrics["class_weights"] is not None and metrics["epochs_run"] == 5  # 40 updates = 5 epochs of 8
    assert result.metrics == metrics

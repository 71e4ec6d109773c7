"""Teacher training and distillation on tiny models: cache, TED, decoders, determinism, clear failures."""

from __future__ import annotations

import copy
import json

import pytest
import torch
import yaml

from cod import config, paths
from cod.errors import ConfigError, DataError
from cod.models.teacher import load_teacher
from cod.training import distill as D
from cod.training import targets as T
from cod.training.batching import make_batches, model_inputs
from cod.training.methods import ted as TED
from tests import tiny
from tests.training.conftest import setup_run, write_cod_set


def lwd_with(cfg: config.DistillConfig, **changes) -> config.DistillConfig:
    """``cfg`` with some of its ``distill.lwd`` settings changed."""
    return cfg.model_copy(update={"lwd": cfg.lwd.model_copy(update=changes)})


def test_teacher_stage_records_validation_and_test_and_saves(bert_run):
    metrics = yaml.safe_load(paths.teacher_dir("rt_sentences").joinpath("metrics.json").read_text())
    assert {"validation_accuracy", "test_accuracy", "best_epoch", "validation_mcc"} <= set(metrics)
    assert metrics["validation_accuracy"] > 0.6  # the toy task is separable
    assert paths.teacher_predictions("rt_sentences", "test").is_file()


@pytest.mark.parametrize("method", ["kd", "lwd", "ted"])
def test_distill_methods_report_best_val_test_and_agreement(bert_run, method):
    result = D.distill("rt_sentences", 8, 0, method, "clean", bert_run.distill)
    s = result.summary
    assert {"best_val_accuracy", "test_accuracy", "val_agreement", "test_agreement", "test_mcc"} <= set(s)
    assert 0 <= s["test_accuracy"] <= 1 and s["best_epoch"] >= 1
    assert s["matched_layers"] == ([] if method == "kd" else [[1, 2], [2, 4]])
    assert "train_mse" in result.fit.history[0] if method != "kd" else "train_mse" not in result.fit.history[0]


def test_same_seed_same_metrics(bert_run):
    a = D.distill("rt_sentences", 8, 0, "lwd", "clean", bert_run.distill)
    b = D.distill("rt_sentences", 8, 0, "lwd", "clean", bert_run.distill)
    assert a.summary == b.summary and not set(D.TIMINGS) & set(a.summary)  # results only, no clock readings
    assert set(a.timings) == set(D.TIMINGS)


def test_a_recorded_run_is_byte_identical_when_re_run(bert_run):
    """The run folder (a DVC output) holds results only; its timings go to paths.timings_file, outside it."""
    from cod.training.record import record

    cell = {"dataset": "rt_sentences", "k": 8, "seed": 0, "method": "kd", "mode": "clean"}
    run = paths.run_dir("rt_sentences", 8, 0, "kd", "clean")
    cfg = bert_run.distill
    record(run, cell, cfg)
    first = {p.relative_to(run): p.read_bytes() for p in sorted(run.rglob("*")) if p.is_file()}
    record(run, cell, cfg)
    again = {p.relative_to(run): p.read_bytes() for p in sorted(run.rglob("*")) if p.is_file()}
    assert first == again and "metrics.json" in {p.name for p in first}
    assert "wall_seconds" in json.loads(paths.timings_file(run).read_text())


def test_teacher_cache_equals_a_fresh_forward(bert_run):
    teacher, tok, _ = load_teacher("rt_sentences")
    frame = D.training_frame("rt_sentences", 8, 0, "clean")
    batches, _ = make_batches(tok, frame, max_length=32, batch_size=3)
    T.cache_outputs(teacher, batches, [2, 4], "teacher", torch.device("cpu"), T.TEACHER_LOGITS)
    with torch.no_grad():
        for batch in batches:
            fresh = teacher(**model_inputs(batch), output_hidden_states=True)
            assert torch.equal(batch[T.TEACHER_LOGITS], fresh.logits)
            assert torch.equal(batch[T.hidden_key("teacher", 0)], fresh.hidden_states[2])
            assert torch.equal(batch[T.hidden_key("teacher", 1)], fresh.hidden_states[4])


def test_ted_stage1_trains_only_filters_and_heads(bert_run):
    from cod.training.layers import FilterHeads, projections

    frame = D.training_frame("rt_sentences", 8, 0, "clean")
    teacher, tok, _ = load_teacher("rt_sentences")
    batches, _ = make_batches(tok, frame, max_length=32, batch_size=4, labels=frame["label"].to_numpy())
    T.cache_outputs(teacher, batches, [2, 4], "teacher", torch.device("cpu"))
    before = copy.deepcopy(teacher.state_dict())
    filters = projections(2, 32, 32)
    learner = TED.FilterLearner(filters, FilterHeads(2, 32, 2, last_token=False), "teacher")
    names = {n for n, _ in learner.named_parameters()}
    assert names and all(n.startswith(("filters.", "heads.")) for n in names)  # no backbone parameter
    cached = [b[T.hidden_key("teacher", 0)].clone() for b in batches]
    w0 = filters[0].net.weight.detach().clone()
    filters = TED.learn_filters(batches, "teacher", 32, 32, 2, 2, False, bert_run.distill.ted, 0, None)
    assert all(torch.equal(teacher.state_dict()[k], v) for k, v in before.items())
    assert all(torch.equal(b[T.hidden_key("teacher", 0)], c) for b, c in zip(batches, cached, strict=True))
    assert filters[0].net.weight.shape == w0.shape


def test_padding_mask_option_changes_the_mse(bert_run):
    masked = D.distill(
        "rt_sentences", 8, 0, "lwd", "clean", lwd_with(bert_run.distill, mse_mask_padding=True)
    ).fit.history[0]["train_mse"]
    paper = D.distill("rt_sentences", 8, 0, "lwd", "clean", bert_run.distill).fit.history[0]["train_mse"]
    assert masked != pytest.approx(paper)


def test_decoder_trains_as_teacher_and_student(repo, tmp_path):
    teacher = tiny.save_qwen2(tmp_path / "qt", layers=2)
    params = setup_run(repo, teacher, teacher)
    cfg = params.distill.model_copy(update={"student_layers": [0]})
    s = D.distill("rt_sentences", 8, 0, "lwd", "clean", cfg).summary
    assert s["matched_layers"] == [[1, 2]] and 0 <= s["test_accuracy"] <= 1
    assert TED.is_decoder(load_teacher("rt_sentences")[0])


def test_cod_mode_labels_cfes_with_teacher_or_flip_and_keeps_pairs(bert_run):
    write_cod_set()
    frame = D.training_frame("rt_sentences", 8, 0, "cod")
    teacher_pred = [0] * 8
    flip = T.cfe_labels(frame, __import__("numpy").array(teacher_pred), "flip", 2)
    assert list(flip[4:]) == list(1 - frame["label"].to_numpy()[:4])
    by_teacher = T.cfe_labels(frame, __import__("numpy").array(teacher_pred), "teacher", 2)
    assert list(by_teacher[4:]) == [0] * 4 and list(by_teacher[:4]) == list(frame["label"][:4])
    s = D.distill("rt_sentences", 8, 0, "kd", "cod", bert_run.distill.model_copy(update={"sym_lambda": 1.0}))
    assert s.summary["train_cfe_rows"] == 4 and "train_pair_gap" in s.fit.history[0]


def test_clear_failures(bert_run, repo, tmp_path):
    raw = yaml.safe_load((repo / "params.yaml").read_text())
    raw["distill"]["kl_alpha"] = -1
    with pytest.raises(ConfigError, match=r"distill.kl_alpha: Input should be greater than or equal to 0"):
        config.load_params(raw=raw)
    with pytest.raises(ConfigError, match="impossible layer map"):
        D.distill("rt_sentences", 8, 0, "lwd", "clean", lwd_with(bert_run.distill, student_interval=3))
    other = tiny.save_bert(tmp_path / "other", layers=2, extra_vocab=["zzz"])
    with pytest.raises(ConfigError, match="do not share a tokenizer"):
        D.distill("rt_sentences", 8, 0, "kd", "clean", bert_run.distill.model_copy(update={"student": other}))
    paths.train_set("rt_sentences", 8, 0, "clean").write_text("")
    with pytest.raises(DataError, match="is empty"):
        D.distill("rt_sentences", 8, 0, "kd", "clean", bert_run.distill)
    with pytest.raises(DataError, match=r"run `dvc repro counterfactuals@rt_sentences` first"):
        D.training_frame("rt_sentences", 16, 0, "cod")


def test_random_soft_labels_ablation_replaces_the_teacher_targets(bert_run):
    frame = D.training_frame("rt_sentences", 8, 0, "clean")
    teacher, tok, _ = load_teacher("rt_sentences")
    batches, _ = make_batches(tok, frame, max_length=32, batch_size=3)
    T.cache_outputs(teacher, batches, [], "teacher", torch.device("cpu"), T.TEACHER_LOGITS)
    original = [b[T.TEACHER_LOGITS].clone() for b in batches]
    again = copy.deepcopy(batches)
    T.randomise_soft_labels(batches, seed=3)
    T.randomise_soft_labels(again, seed=3)
    for batch, before, twin in zip(batches, original, again, strict=True):
        probs = batch[T.TEACHER_LOGITS].exp()
        assert torch.allclose(probs.sum(-1), torch.ones(len(probs)))  # valid distributions
        assert not torch.allclose(batch[T.TEACHER_LOGITS], before)
        assert torch.equal(batch[T.TEACHER_LOGITS], twin[T.TEACHER_LOGITS])  # seeded
    cfg = bert_run.distill.model_copy(update={"soft_labels": "random"})
    ablated = D.distill("rt_sentences", 8, 0, "kd", "clean", cfg).summary
    assert ablated != D.distill("rt_sentences", 8, 0, "kd", "clean", bert_run.distill).summary

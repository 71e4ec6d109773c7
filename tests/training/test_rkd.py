"""Rationale distillation (rkd): token targets from character spans, the rationale loss, and λ = 0 being KD exactly."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch

from cod.rationales.targets import attach_token_targets, token_targets
from cod.training import distill as D
from cod.training.losses import rationale_loss
from cod.training.targets import IGNORE, RATIONALE_MASK
from tests import tiny
from tests.training.conftest import same_student


def test_rationale_loss_on_hand_made_tensors():
    logits = torch.tensor([[0.0, 2.0, -1.0], [5.0, 0.5, 0.0]])
    targets = torch.tensor([[IGNORE, 1, 0], [IGNORE, 0, IGNORE]])
    expected = (math.log1p(math.exp(-2.0)) + math.log1p(math.exp(-1.0)) + math.log1p(math.exp(0.5))) / 3
    assert rationale_loss(logits, targets).item() == pytest.approx(expected, rel=1e-6)
    none = rationale_loss(logits.requires_grad_(), torch.full((2, 3), IGNORE))
    assert none.item() == 0.0 and none.requires_grad  # a batch without targets adds nothing but still backprops


def test_token_targets_follow_character_spans(tmp_path):
    tok = tiny.tokenizer(tmp_path / "tok", extra=["##s"])
    frame = pd.DataFrame({"text": ["the movie was good", "a  plots"], "text_pair": ["very bad", "dull"]})
    rationales = [
        [{"field": "text", "start": 14, "end": 18}, {"field": "text_pair", "start": 5, "end": 8}],
        [{"field": "text", "start": 3, "end": 8}],  # "plots" = plot ##s: both pieces are rationale tokens
    ]
    got = token_targets(tok, frame, rationales, max_length=32)
    # [CLS] the movie was good [SEP] very bad [SEP]
    assert got[0] == [IGNORE, 0, 0, 0, 1, IGNORE, 0, 1, IGNORE]
    # [CLS] a plot ##s [SEP] dull [SEP]: the same word in the other field is not a rationale
    assert got[1] == [IGNORE, 0, 1, 1, IGNORE, 0, IGNORE]
    truncated = token_targets(tok, frame, rationales, max_length=5)
    assert [len(t) for t in truncated] == [5, 5]


@pytest.mark.parametrize("side", ["right", "left"])
def test_token_targets_are_padded_like_the_input_ids(side):
    batches = [{"input_ids": torch.zeros(2, 4, dtype=torch.long)}]
    attach_token_targets(batches, [[1, 0]], [[IGNORE, 1, IGNORE], [IGNORE, 0, 1, IGNORE]], side)
    short = [IGNORE, IGNORE, 1, IGNORE] if side == "left" else [IGNORE, 1, IGNORE, IGNORE]
    assert batches[0][RATIONALE_MASK].tolist() == [[IGNORE, 0, 1, IGNORE], short]


def test_rkd_with_lambda_zero_is_kd_bit_for_bit(bert_run):
    kd = D.distill("rt_sentences", 8, 0, "kd", "clean", bert_run.distill)
    cfg = bert_run.distill.model_copy(update={"rkd": bert_run.distill.rkd.model_copy(update={"rationale_lambda": 0.0})})
    rkd = D.distill("rt_sentences", 8, 0, "rkd", "clean", cfg)
    a, b = kd.student.state_dict(), rkd.student.state_dict()
    assert a.keys() == b.keys()  # the token head is not part of the student: it is dropped at test time
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [r["train_loss"] for r in kd.fit.history] == [r["train_loss"] for r in rkd.fit.history]
    assert {k: v for k, v in rkd.summary.items()} == kd.summary
    assert "train_rationale" in rkd.fit.history[0] and len(rkd.rationales) == 8
    texts = D.training_frame("rt_sentences", 8, 0, "clean")["text"]
    sizes = [len(r) for r in rkd.rationales["rationale"]]
    assert sizes == [min(bert_run.distill.rkd.top_k, len(t.split())) for t in texts]  # short rows: every word


def with_section(cfg, method: str, **changes):
    """``cfg`` with some keys of its section ``distill.<method>`` changed."""
    return cfg.model_copy(update={method: getattr(cfg, method).model_copy(update=changes)})


def test_rce_with_lambda_zero_is_ce_bit_for_bit(bert_run):
    ce = D.distill("rt_sentences", 8, 0, "ce", "clean", bert_run.distill)
    rce = D.distill("rt_sentences", 8, 0, "rce", "clean", with_section(bert_run.distill, "rce", rationale_lambda=0.0))
    assert same_student(rce, ce) and "train_kd" not in rce.fit.history[0]
    assert "train_rationale" in rce.fit.history[0] and len(rce.rationales) == 8


def test_rce_is_rkd_with_kl_alpha_zero_bit_for_bit(bert_run):
    cfg = with_section(with_section(bert_run.distill, "rkd", rationale_lambda=5.0), "rce", rationale_lambda=5.0)
    rkd = D.distill("rt_sentences", 8, 0, "rkd", "clean", cfg.model_copy(update={"kl_alpha": 0.0}))
    rce = D.distill("rt_sentences", 8, 0, "rce", "clean", cfg)
    assert same_student(rce, rkd) and rce.rationales.equals(rkd.rationales)
    assert [r["train_rationale"] for r in rce.fit.history] == [r["train_rationale"] for r in rkd.fit.history]
    ce = D.distill("rt_sentences", 8, 0, "ce", "clean", bert_run.distill)
    assert not same_student(rce, ce)  # the rationale term is on: rce is not ce


def test_rkd_learns_the_rationales_and_changes_the_student(bert_run):
    cfg = bert_run.distill.model_copy(update={"rkd": bert_run.distill.rkd.model_copy(update={"rationale_lambda": 5.0})})
    rkd = D.distill("rt_sentences", 8, 0, "rkd", "clean", cfg)
    kd = D.distill("rt_sentences", 8, 0, "kd", "clean", bert_run.distill)
    losses = [r["train_rationale"] for r in rkd.fit.history]
    assert losses[-1] < losses[0]
    assert not all(torch.equal(v, kd.student.state_dict()[k]) for k, v in rkd.student.state_dict().items())
    texts = D.training_frame("rt_sentences", 8, 0, "clean")["text"].tolist()
    for text, rationale in zip(texts, rkd.rationales["rationale"], strict=True):
        assert all(text[w["start"] : w["end"]] == w["word"] for w in rationale)


def test_random_rationales_are_the_control(bert_run):
    cfg = bert_run.distill.model_copy(update={"rkd": bert_run.distill.rkd.model_copy(update={"attribution": "random"})})
    one = D.distill("rt_sentences", 8, 0, "rkd", "clean", cfg).rationales["rationale"].tolist()
    two = D.distill("rt_sentences", 8, 0, "rkd", "clean", cfg).rationales["rationale"].tolist()
    assert one == two and all(w["score"] is None for r in one for w in r)  # seeded, and no teacher score


def test_random_soft_labels_leave_the_rationales_the_teachers(bert_run):
    """The soft-label ablation replaces the KL term's targets only: rationales are drawn toward the teacher's own
    prediction, as without it (and as for rce, which has no KL term to randomise)."""
    own = D.distill("rt_sentences", 8, 0, "rkd", "clean", bert_run.distill, smoke=True).rationales
    cfg = bert_run.distill.model_copy(update={"soft_labels": "random"})
    assert D.distill("rt_sentences", 8, 0, "rkd", "clean", cfg, smoke=True).rationales.equals(own)


def test_rlwd_with_lambda_zero_is_lwd_bit_for_bit(bert_run):
    lwd_settings = bert_run.distill.lwd.model_dump()
    zero = bert_run.distill.rlwd.model_copy(update={**lwd_settings, "rationale_lambda": 0.0})
    lwd = D.distill("rt_sentences", 8, 0, "lwd", "clean", bert_run.distill)
    rlwd = D.distill("rt_sentences", 8, 0, "rlwd", "clean", bert_run.distill.model_copy(update={"rlwd": zero}))
    assert lwd.summary["matched_layers"] and rlwd.summary == lwd.summary
    a, b = lwd.student.state_dict(), rlwd.student.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert [r["train_loss"] for r in lwd.fit.history] == [r["train_loss"] for r in rlwd.fit.history]
    assert "train_rationale" in rlwd.fit.history[0] and len(rlwd.rationales) == 8  # learning it: rkd's tests


def test_variants_run_beside_the_cells_with_their_changes(bert_run):  # top_k reaching the rationales: test_rkd_*
    from cod import paths
    from cod.training import record

    rkd = bert_run.distill.rkd.model_copy(
        update={"variants": {"top_k=1": {"top_k": 1}, "random": {"attribution": "random"}}}
    )
    params = bert_run.model_copy(update={"distill": bert_run.distill.model_copy(update={"rkd": rkd})})
    cells = params.variant_cells("rkd")
    assert [c[0] for c in cells] == ["top_k=1"] * (len(cells) // 2) + ["random"] * (len(cells) // 2)
    assert params.variant_cells("kd") == []
    one = record.with_variant(params.distill, "rkd", "top_k=1")
    assert one.rkd.top_k == 1 and one.rkd.variants == {} and one.rkd.attribution == rkd.attribution
    folder = paths.variant_run_dir("rt_sentences", 0, "top_k=1", 8, "rkd", "clean")
    assert folder.parent.parent.parent == paths.runs_seed_dir("rt_sentences", "rkd", 0) / "variants"

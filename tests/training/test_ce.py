"""The label-only student (ce): KD without the KL term bit for bit, and no teacher pass unless its labels need one."""

from __future__ import annotations

import pandas as pd
import pytest

from cod import config
from cod.training import distill as D
from cod.training import methods
from tests.conftest import REPO
from tests.training.conftest import same_student, write_cod_set


@pytest.mark.parametrize("mode", ["clean", "cod"])
def test_ce_is_kd_with_kl_alpha_zero_bit_for_bit(bert_run, monkeypatch, mode):
    if mode == "cod":
        write_cod_set()
    passes: list[int] = []  # the frozen teacher's passes over the training batches
    cache = D.cache_outputs
    monkeypatch.setattr(D, "cache_outputs", lambda *args, **kwargs: passes.append(1) or cache(*args, **kwargs))
    kd = D.distill("rt_sentences", 8, 0, "kd", mode, bert_run.distill.model_copy(update={"kl_alpha": 0.0}))
    by_kd = len(passes)
    ce = D.distill("rt_sentences", 8, 0, "ce", mode, bert_run.distill)
    parts = {k for k in ce.fit.history[0] if k.startswith("train_")}
    assert same_student(ce, kd) and parts == {"train_ce", "train_loss"}
    # clean: no teacher pass for ce; cod: one, as its CFE rows are labelled by the teacher (distill.cfe_label)
    assert by_kd == 1 and len(passes) - by_kd == (0 if mode == "clean" else 1)
    if mode == "cod":
        assert ce.summary["train_cfe_rows"] == 4


def test_a_run_caches_the_teachers_logits_only_where_something_reads_them():
    cfg = config.load_params(REPO / "params.yaml").distill
    clean = pd.DataFrame({"idx": [0, 1], "label": [0, 1], "is_cfe": [False, False], "pair_id": [0, 1]})
    cod = pd.DataFrame({"idx": [0, 0], "label": [0, 1], "is_cfe": [False, True], "pair_id": [0, 0]})
    fixed = cod.assign(fixed_label=[False, True])  # the copy and lexicon controls keep their file labels
    flip = cfg.model_copy(update={"cfe_label": "flip"})
    gold = cfg.model_copy(update={"rce": cfg.rce.model_copy(update={"target": "gold"})})

    def needs(method: str, frame: pd.DataFrame, settings: config.DistillConfig = cfg) -> bool:
        return D.needs_teacher_logits(methods.build(method, settings), frame, settings)

    assert [needs(m, clean) for m in ("kd", "lwd", "ted", "rkd", "rlwd")] == [True] * 5
    assert not needs("ce", clean) and needs("ce", cod) and not needs("ce", cod, flip) and not needs("ce", fixed)
    # rce: its rationales are toward the teacher's prediction (distill.rce.target: teacher), or the row's label
    assert needs("rce", clean) and not needs("rce", clean, gold) and needs("rce", cod, gold)
    assert methods.build("ce", cfg).kl_alpha == 0.0 and methods.build("rce", cfg).kl_alpha == 0.0
    assert methods.build("kd", cfg).kl_alpha == cfg.kl_alpha == methods.build("rkd", cfg).kl_alpha

"""Loss numerics against hand computation on tiny tensors."""

from __future__ import annotations

import math

import pytest
import torch

from cod.training.losses import kd_loss, layer_mse, objective, pair_gap


def softmax(xs):
    e = [math.exp(x) for x in xs]
    return [v / sum(e) for v in e]


def test_kd_loss_by_hand_kl_direction_and_t_squared():
    s, t, temp = [2.0, 0.0], [0.0, 1.0], 2.0
    p_t = softmax([x / temp for x in t])
    p_s = softmax([x / temp for x in s])
    kl_t_s = sum(pt * (math.log(pt) - math.log(ps)) for pt, ps in zip(p_t, p_s, strict=True))
    got = kd_loss(torch.tensor([s]), torch.tensor([t]), temp).item()
    assert got == pytest.approx(kl_t_s * temp**2, rel=1e-6)  # KL(teacher || student) * T^2
    kl_s_t = sum(ps * (math.log(ps) - math.log(pt)) for pt, ps in zip(p_t, p_s, strict=True))
    assert abs(got - kl_s_t * temp**2) > 1e-3  # the other direction differs
    assert kd_loss(torch.tensor([s]), torch.tensor([t]), 1.0).item() == pytest.approx(
        sum(pt * (math.log(pt) - math.log(ps)) for pt, ps in zip(softmax(t), softmax(s), strict=True)),
        rel=1e-6,
    )


def test_kd_loss_is_batch_mean_and_zero_for_equal_logits():
    s = torch.tensor([[2.0, 0.0], [0.5, 0.5]])
    t = torch.tensor([[0.0, 1.0], [0.5, 0.5]])
    assert kd_loss(s, t, 2.0).item() == pytest.approx(kd_loss(s[:1], t[:1], 2.0).item() / 2, rel=1e-6)
    assert kd_loss(t, t, 2.0).item() == pytest.approx(0.0, abs=1e-7)


def test_layer_mse_with_and_without_padding():
    hs = torch.zeros(1, 3, 2)
    ht = torch.tensor([[[1.0, 1.0], [3.0, 3.0], [100.0, 100.0]]])  # last position is padding
    mask = torch.tensor([[1, 1, 0]])
    assert layer_mse([hs], [ht]).item() == pytest.approx((1 + 1 + 9 + 9 + 1e4 + 1e4) / 6)
    assert layer_mse([hs], [ht], mask).item() == pytest.approx((1 + 1 + 9 + 9) / 4)
    two = layer_mse([hs, hs], [ht, torch.zeros_like(ht)], mask).item()
    assert two == pytest.approx(((1 + 1 + 9 + 9) / 4 + 0) / 2)
    with pytest.raises(ValueError):
        layer_mse([hs], [])


def test_pair_gap_by_hand():
    ce = torch.tensor([1.0, 3.0, 0.5, 2.0, 7.0])
    pair = torch.tensor([10, 10, 20, 20, 30])
    cfe = torch.tensor([False, True, False, True, False])
    assert pair_gap(ce, pair, cfe).item() == pytest.approx((2.0 + 1.5) / 2)
    assert pair_gap(ce, pair, torch.zeros(5, dtype=torch.bool)).item() == 0.0


def test_objective_adds_weighted_terms():
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    labels = torch.tensor([0, 0])
    teacher = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    mse = torch.tensor(0.25)
    total, parts = objective(
        logits, labels, teacher_logits=teacher, kl_alpha=20.0, temperature=2.0, mse=mse, mse_alpha=4.0
    )
    ce = torch.nn.functional.cross_entropy(logits, labels).item()
    kd = kd_loss(logits, teacher, 2.0).item()
    assert parts["ce"] == pytest.approx(ce) and parts["kd"] == pytest.approx(kd) and parts["mse"] == 0.25
    assert total.item() == pytest.approx(ce + 20 * kd + 4 * 0.25, rel=1e-6)
    total0, parts0 = objective(logits, labels, teacher_logits=teacher, kl_alpha=0.0, temperature=2.0)
    assert total0.item() == pytest.approx(ce) and "kd" not in parts0

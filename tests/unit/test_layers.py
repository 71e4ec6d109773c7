"""Layer maps between student and teacher, projections, pooling, batching."""

from __future__ import annotations

import pytest
import torch

from cod.errors import ConfigError
from cod.training.batching import length_batches
from cod.training.layers import layer_map, pool, projections


def test_deberta_base_to_small_12_to_6_with_tfi_2():
    assert layer_map(6, 12, 1, 2) == [(1, 2), (2, 4), (3, 6), (4, 8), (5, 10), (6, 12)]


def test_12_to_12_with_width_change_gets_projections():
    pairs = layer_map(12, 12, 1, 1)
    assert pairs == [(i, i) for i in range(1, 13)]
    proj = projections(len(pairs), 384, 768)
    out = proj[0](torch.zeros(2, 5, 384))
    assert out.shape == (2, 5, 768) and len(proj) == 12
    assert all(p.requires_grad for p in proj.parameters())


def test_qwen_28_to_24_with_fi_6_tfi_7():
    assert layer_map(24, 28, 6, 7) == [(6, 7), (12, 14), (18, 21), (24, 28)]


@pytest.mark.parametrize(("ns", "nt", "fi", "tfi"), [(12, 12, 6, 1), (6, 12, 1, 1), (3, 6, 4, 1), (6, 6, 0, 1)])
def test_impossible_maps_are_refused_naming_the_keys(ns, nt, fi, tfi):
    with pytest.raises(ConfigError, match="distill.lwd.student_interval"):
        layer_map(ns, nt, fi, tfi)


def test_refusal_suggests_a_working_teacher_interval():
    with pytest.raises(ConfigError, match=r"teacher_interval in \[6\] works"):
        layer_map(12, 12, 6, 1)


def test_pool_first_and_last_token_with_either_padding_side():
    h = torch.arange(2 * 4 * 1, dtype=torch.float).reshape(2, 4, 1)
    right = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]])
    left = torch.tensor([[0, 0, 1, 1], [1, 1, 1, 1]])
    assert pool(h, right, last_token=False).flatten().tolist() == [0.0, 4.0]
    assert pool(h, right, last_token=True).flatten().tolist() == [1.0, 7.0]
    assert pool(h, left, last_token=True).flatten().tolist() == [3.0, 7.0]


def test_length_batches_sort_by_length_and_keep_groups_together():
    lengths = [5, 1, 9, 3, 7, 2, 8, 4]
    batches = length_batches(lengths, 3, seed=0)
    assert sorted(r for b in batches for r in b) == list(range(8))
    assert all(len(b) <= 3 for b in batches)
    flat = [lengths[r] for b in batches for r in b]
    assert flat == sorted(flat)
    groups = [0, 0, 1, 1, 2, 2, 3, 3]
    paired = length_batches(lengths, 4, groups, seed=0)
    for g in set(groups):
        holders = [i for i, b in enumerate(paired) for r in b if groups[r] == g]
        assert len(set(holders)) == 1
    assert length_batches(lengths, 4, groups, seed=0) == paired
    with pytest.raises(ValueError, match="does not fit"):
        length_batches(lengths, 1, groups)

"""Model loading with tiny models built from a config: layer cuts, pad tokens, vocabulary checks."""

from __future__ import annotations

import pytest
import torch

from cod.errors import ConfigError
from cod.models.load import (
    check_same_vocabulary,
    cut_layers,
    ensure_pad_token,
    load_classifier,
    transformer_layers,
)
from tests import tiny


def test_cut_layers_keeps_the_chosen_pretrained_blocks(tmp_path):
    spec = tiny.save_bert(tmp_path / "bert", layers=6)
    full, _ = load_classifier(spec, 2)
    cut, _ = load_classifier(spec, 2, layers=[0, 2, 4])
    assert cut.config.num_hidden_layers == 3 and len(transformer_layers(cut)) == 3
    for new, old in enumerate([0, 2, 4]):
        a = transformer_layers(cut)[new].state_dict()
        b = transformer_layers(full)[old].state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a)
    out = cut(input_ids=torch.tensor([[2, 10, 3]]), output_hidden_states=True)
    assert len(out.hidden_states) == 4
    with pytest.raises(ConfigError, match="distill.student_layers"):
        cut_layers(full, [0, 9])


def test_decoder_gets_a_pad_token_and_pad_token_id(tmp_path):
    spec = tiny.save_qwen2(tmp_path / "qwen")
    model, tok = load_classifier(spec, 2)
    assert tok.pad_token is not None
    assert model.config.pad_token_id == tok.pad_token_id
    cut, _ = load_classifier(spec, 2, layers=[1])
    assert cut.config.num_hidden_layers == 1 and len(cut.config.layer_types) == 1
    batch = tok(["good movie", "the plot was very dull"], padding=True, return_tensors="pt")
    assert cut(**batch).logits.shape == (2, 2)


def test_ensure_pad_token_falls_back_to_eos_or_sep(tmp_path):
    tok = tiny.tokenizer(tmp_path / "t", pad=False)
    assert tok.pad_token is None
    assert ensure_pad_token(tok).pad_token == "[SEP]"


def test_mismatched_vocabularies_are_refused(tmp_path):
    a = tiny.tokenizer(tmp_path / "a")
    b = tiny.tokenizer(tmp_path / "b", extra=["extra"])
    check_same_vocabulary(a, tiny.tokenizer(tmp_path / "c"), "t", "s")
    with pytest.raises(ConfigError, match="teacher.model='t'.*distill.student='s'.*do not share a tokenizer"):
        check_same_vocabulary(a, b, "t", "s")

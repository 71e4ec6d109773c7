"""Evaluation precision: bf16 autocast gives the fp32 logits to bfloat16 accuracy, and hardware that would quietly
ignore it is refused with the key to change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from cod.errors import ConfigError
from cod.models.load import load_classifier
from cod.training.batching import make_batches
from cod.training.device import precision_context
from cod.training.evaluate import predict_logits
from tests import tiny


def test_bf16_evaluation_matches_fp32_to_bfloat16_accuracy(tmp_path):
    model, tok = load_classifier(tiny.save_bert(tmp_path, layers=2), 2)
    frame = pd.DataFrame({"text": ["the movie was good", "a dull plot", "very very bad", "great plot", "love"] * 4})
    batches, index = make_batches(tok, frame, max_length=16, batch_size=8)
    cpu = torch.device("cpu")
    fp32 = predict_logits(model, batches, index, cpu)
    bf16 = predict_logits(model, batches, index, cpu, "bf16")
    assert fp32.dtype == bf16.dtype == np.float32 and fp32.shape == bf16.shape == (20, 2)
    assert not np.array_equal(fp32, bf16)  # the forward did run in bfloat16 ...
    np.testing.assert_allclose(bf16, fp32, atol=0.05)  # ... to its 8-bit mantissa


def test_precision_context_refuses_what_it_cannot_honour(monkeypatch):
    with pytest.raises(ConfigError, match="unknown precision 'fp16'"):
        precision_context("fp16", torch.device("cpu"))
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    with pytest.raises(ConfigError, match=r"distill.eval_precision.*set fp32"):
        precision_context("bf16", torch.device("cuda"))
    with precision_context("bf16", torch.device("cpu")):
        assert torch.get_autocast_dtype("cpu") == torch.bfloat16 and torch.is_autocast_enabled("cpu")
    with precision_context("fp32", torch.device("cpu")):
        assert not torch.is_autocast_enabled("cpu")

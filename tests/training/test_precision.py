"""Evaluation and training precision: bf16 autocast gives the fp32 logits to bfloat16 accuracy, bf16 training is
mixed precision (bfloat16 forward, float32 weights and optimiser), and hardware that would quietly ignore it is refused
with the key to change."""

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
from tests.training.test_rows import setup, train


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
    with pytest.raises(ConfigError, match=r"distill.train_precision.*set fp32"):
        precision_context("bf16", torch.device("cuda"), "distill.train_precision")
    with precision_context("bf16", torch.device("cpu")):
        assert torch.get_autocast_dtype("cpu") == torch.bfloat16 and torch.is_autocast_enabled("cpu")
    with precision_context("fp32", torch.device("cpu")):
        assert not torch.is_autocast_enabled("cpu")


def trained(folder, precision: str):
    """A tiny classifier after 8 epochs at ``precision``, the dtypes its first linear layer produced, and its losses."""
    model, batches, evals = setup(folder)
    dtypes: set[torch.dtype] = set()
    layer = next(m for m in model.modules() if isinstance(m, torch.nn.Linear))
    hook = layer.register_forward_hook(lambda _m, _i, out: dtypes.add(out.dtype) if model.training else None)
    result, _ = train(model, batches, evals, input_rows=False, precision=precision, lr=1e-2, epochs=8)
    hook.remove()
    return model, dtypes, [row["train_loss"] for row in result.history]


def test_bf16_training_runs_the_forward_in_bfloat16_and_keeps_float32_weights(tmp_path):
    fp32, fp32_dtypes, fp32_losses = trained(tmp_path / "a", "fp32")
    bf16, bf16_dtypes, bf16_losses = trained(tmp_path / "b", "bf16")
    assert fp32_dtypes == {torch.float32} and bf16_dtypes == {torch.bfloat16}
    assert {p.dtype for p in bf16.parameters()} == {torch.float32}  # master weights (and so AdamW) stay float32
    assert bf16_losses[-1] < bf16_losses[0]  # it learns
    assert bf16_losses != fp32_losses  # in bfloat16 ...
    np.testing.assert_allclose(bf16_losses[0], fp32_losses[0], rtol=0.05)  # ... to its precision
    changed = [
        n
        for (n, a), (_, b) in zip(fp32.named_parameters(), bf16.named_parameters(), strict=True)
        if not torch.equal(a, b)
    ]
    assert changed  # the weights took a (slightly) different path


def test_bf16_on_a_cpu_without_native_bfloat16_warns_once_per_key(monkeypatch, capsys):
    from cod.training import device

    monkeypatch.setattr(device, "native_bf16_cpu", lambda: False)
    device.warn_emulated_bf16.cache_clear()
    cpu = torch.device("cpu")
    for _ in range(3):
        with precision_context("bf16", cpu, "distill.train_precision"):
            pass
    with precision_context("fp32", cpu, "distill.eval_precision"):
        pass
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("warning: distill.train_precision: bf16 on this CPU"), err
    assert "several times slower than fp32" in err and "to fp32" in err
    monkeypatch.setattr(device, "native_bf16_cpu", lambda: True)
    device.warn_emulated_bf16.cache_clear()
    with precision_context("bf16", cpu, "distill.eval_precision"):
        pass
    assert capsys.readouterr().err == ""

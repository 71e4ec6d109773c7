"""Training only the embedding rows the batches use gives the very weights ordinary training gives (AdamW, no decay)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch

from cod.models.load import load_classifier
from cod.training.batching import make_batches
from cod.training.evaluate import predict_logits
from cod.training.loop import fit
from cod.training.rows import train_used_rows, trainable_embedding, used_ids
from cod.training.teacher import CrossEntropyStep
from tests import tiny

TEXTS = ["the movie was good", "a dull plot", "very very bad", "great plot", "the awful movie", "love"]


def setup(folder: Path):
    spec = tiny.save_bert(folder, layers=2)
    model, tok = load_classifier(spec, 2)
    frame = pd.DataFrame({"text": TEXTS, "label": [1, 0, 0, 1, 0, 1]})
    batches, _ = make_batches(tok, frame, max_length=16, batch_size=4, labels=frame["label"].to_numpy())
    evals = make_batches(tok, pd.DataFrame({"text": ["fine movie", "hate the plot"]}), max_length=16, batch_size=2)
    return model, batches, evals


def train(
    model,
    batches,
    evals,
    input_rows: bool,
    weight_decay: float = 0.0,
    precision: str = "fp32",
    lr: float = 5e-2,
    epochs: int = 3,
):
    """(fit result, the logits of every evaluation inside fit) of a seeded cross-entropy fit."""
    seen = []

    def evaluate():
        logits = predict_logits(model, *evals, torch.device("cpu"))
        seen.append(logits)
        return {"accuracy": 1 / len(seen)}  # the first evaluation stays best: its snapshot is compared too

    torch.manual_seed(0)  # the same dropout masks in both runs
    result = fit(
        CrossEntropyStep(model),
        batches,
        epochs=epochs,
        lr=lr,
        seed=0,
        evaluate=evaluate,
        keep=model,
        weight_decay=weight_decay,
        input_rows=model if input_rows else None,
        precision=precision,
    )
    return result, seen


def test_training_only_the_used_rows_gives_identical_weights_evaluations_and_snapshots(tmp_path):
    plain, batches, evals = setup(tmp_path / "a")
    fast, _, _ = setup(tmp_path / "b")
    before = fast.get_input_embeddings().weight.detach().clone()
    slow_fit, slow_seen = train(plain, batches, evals, input_rows=False)
    fast_fit, fast_seen = train(fast, batches, evals, input_rows=True)

    for (name, a), (_, b) in zip(plain.state_dict().items(), fast.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    for name, value in slow_fit.best_state.items():
        assert torch.equal(value, fast_fit.best_state[name]), name
    for a, b in zip(slow_seen, fast_seen, strict=True):  # evaluations inside fit saw the trained rows
        assert (a == b).all()
    weight = fast.get_input_embeddings().weight
    assert weight.requires_grad  # restored after fit
    changed = (weight.detach() != before).any(-1).nonzero().flatten()
    assert set(changed.tolist()) <= set(used_ids(batches).tolist()) and len(changed) > 3


def test_the_rows_shortcut_is_refused_where_it_would_change_the_result(tmp_path):
    model, batches, _ = setup(tmp_path)
    embedding = model.get_input_embeddings()
    assert trainable_embedding(model, 0.0, 1) is embedding
    assert trainable_embedding(model, 0.01, 1) is None  # weight decay shrinks unused rows too
    assert trainable_embedding(model, 0.0, 2) is None  # data-parallel wrappers sync registered parameters only
    assert trainable_embedding(None, 0.0, 1) is None
    tied = torch.nn.Linear(embedding.embedding_dim, embedding.num_embeddings, bias=False)
    tied.weight = embedding.weight
    model.tied_head = tied  # an output layer sharing the weight gives every row a gradient
    assert trainable_embedding(model, 0.0, 1) is None


def test_a_training_forward_outside_the_used_rows_fails_loudly(tmp_path):
    model, batches, _ = setup(tmp_path)
    with train_used_rows(model, batches[:1], 0.0, 1) as rows:
        assert rows is not None and not model.get_input_embeddings().weight.requires_grad
        other = [b for b in batches[1:] if not set(b["input_ids"].flatten().tolist()) <= set(rows.ids.tolist())]
        with pytest.raises(RuntimeError, match="no training batch contains"):
            model(input_ids=other[0]["input_ids"], attention_mask=other[0]["attention_mask"])
        with torch.no_grad():  # evaluation may look up any id
            model(input_ids=other[0]["input_ids"], attention_mask=other[0]["attention_mask"])
    assert model.get_input_embeddings().weight.requires_grad

"""One owner of devices: every model and batch goes to the process's accelerator device.

There is no GPU here, so placement is proven on the ``meta`` device: the model is moved there and a forward
pre-hook on it checks that every tensor input is on the parameters' device, then stops the forward (a meta
tensor has no values to go on with). A batch left on the CPU fails the check; a placed one raises ``Placed``.
"""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from cod.counterfactuals.scorer import Scorer
from cod.data.corpus import load_meta, load_split
from cod.models.teacher import load_teacher
from cod.training import distill as D
from cod.training import teacher as T
from cod.training.batching import make_batches
from cod.training.device import device, shared_accelerator
from cod.training.evaluate import predict_logits
from cod.training.loop import fit
from cod.training.teacher import CrossEntropyStep
from tests.reliability_cases import cases, ids

THIS = "tests/training/test_device.py"
META = torch.device("meta")


class Placed(Exception):
    """Raised by the guard once a forward's inputs were checked to be on the model's device."""

    def __init__(self, devices: set[torch.device]) -> None:
        super().__init__(devices)
        self.devices = devices


def guard(model: torch.nn.Module) -> None:
    """A forward pre-hook: every tensor input is on the parameters' device; then the forward stops."""

    def hook(module, args, kwargs):
        params = next(module.parameters()).device
        inputs = [t for t in (*args, *kwargs.values()) if isinstance(t, torch.Tensor)]
        assert inputs and all(t.device == params for t in inputs), ([t.device for t in inputs], params)
        raise Placed({t.device for t in inputs} | {params})

    model.register_forward_pre_hook(hook, with_kwargs=True)


class MetaAccelerator:
    """The parts of ``accelerate.Accelerator`` that ``fit`` uses, on the meta device."""

    device, num_processes, process_index, is_main_process = META, 1, 0, True

    def prepare(self, *objects):
        return objects

    def backward(self, loss):
        loss.backward()

    def free_memory(self):
        pass


def tiny_batches(tokenizer, n: int = 6) -> list[dict[str, torch.Tensor]]:
    frame = pd.DataFrame({"text": ["the movie was good", "a dull plot"] * (n // 2), "label": [1, 0] * (n // 2)})
    batches, _ = make_batches(tokenizer, frame, max_length=32, batch_size=2, labels=frame["label"].to_numpy())
    return batches


def test_the_process_has_one_accelerator_and_fit_uses_it_by_default(bert_run, monkeypatch):
    assert shared_accelerator() is shared_accelerator()
    assert device() == shared_accelerator().device == torch.device("cpu")  # no GPU here
    model, tok, _ = load_teacher("rt_sentences")
    guard(model)
    monkeypatch.setattr("cod.training.loop.shared_accelerator", MetaAccelerator)
    with pytest.raises(Placed) as placed:
        fit(CrossEntropyStep(model), tiny_batches(tok), epochs=1, lr=1e-3, seed=0)  # no accelerator passed
    assert placed.value.devices == {META}


@pytest.mark.parametrize("case", cases(f"{THIS}::test_every_forward_gets_its_inputs_on_the_models_device"), ids=ids)
def test_every_forward_gets_its_inputs_on_the_models_device(bert_run, monkeypatch, case):
    model, tok, _ = load_teacher("rt_sentences")
    batches = tiny_batches(tok)

    # training: fit moves the model and every batch to its accelerator's device
    guard(model)
    with pytest.raises(Placed) as placed:
        fit(CrossEntropyStep(model), batches, epochs=1, lr=1e-3, seed=0, accelerator=MetaAccelerator())
    assert placed.value.devices == {META} and next(model.parameters()).device == META

    # evaluation and teacher caching move each batch to the device given
    with pytest.raises(Placed):
        predict_logits(model, batches, [[0, 1]] * len(batches), META)
    with pytest.raises(Placed):
        D.cache_outputs(model, batches, [], "teacher", META, D.TEACHER_LOGITS)

    # scoring: the scorer moves the teacher to its device, then every batch (probs) and input (gradients)
    model, tok, _ = load_teacher("rt_sentences")
    scorer = Scorer(model, tok, max_length=32, device=META)
    assert scorer.device == META and next(model.parameters()).device == META
    guard(model)
    with pytest.raises(Placed) as placed:
        scorer.probs(["the movie was good"])
    assert placed.value.devices == {META}
    with pytest.raises(Placed):
        scorer.gradients(["the", "movie", "was", "good"], 1)

    # the teacher stage evaluates on the device the model is on after fit (it read the device before, on CUDA
    # the validation batches stayed on the CPU); its one accelerator is the process's
    def fake_fit(module, batches, *, evaluate, keep, accelerator, **_):
        assert accelerator is not None
        module.to(accelerator.device)
        guard(keep)
        evaluate()

    monkeypatch.setattr(T, "shared_accelerator", MetaAccelerator)
    monkeypatch.setattr(T, "fit", fake_fit)
    splits = {s: load_split("rt_sentences", s) for s in ("train", "validation", "test")}
    with pytest.raises(Placed) as placed:
        T.train_teacher(splits, load_meta("rt_sentences")["label_names"], bert_run.teacher)
    assert placed.value.devices == {META}

    # distill/tune: prepare puts the teacher on the accelerator's device and the teacher cache feeds it there
    setup = D.prepare("rt_sentences", bert_run.distill, accelerator=MetaAccelerator())
    assert next(setup.teacher.parameters()).device == META
    guard(setup.teacher)
    with pytest.raises(Placed) as placed:
        D.distill("rt_sentences", 8, 0, "kd", "clean", bert_run.distill, setup=setup)
    assert placed.value.devices == {META}


def test_the_counterfactual_stage_scores_on_the_process_device(bert_run, monkeypatch):
    monkeypatch.setattr("cod.training.device.device", lambda: META)
    seen: list[torch.device] = []
    init = Scorer.__init__

    def spy(self, model, tokenizer, max_length=128, batch_size=64, device=None):
        seen.append(device)
        init(self, model, tokenizer, max_length, batch_size, device)
        guard(self.model)

    monkeypatch.setattr(Scorer, "__init__", spy)
    from cod.counterfactuals.generate import make_cod_sets

    with pytest.raises(Placed) as placed:
        make_cod_sets("rt_sentences", [8], [0], bert_run.counterfactuals)
    assert seen == [META] and placed.value.devices == {META}

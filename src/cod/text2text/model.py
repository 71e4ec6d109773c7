"""Load a seq2seq LM (T5, Flan-T5, BART, ...) and its tokenizer from a hub id or a local folder."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from cod.errors import ConfigError
from cod.models.load import resolve
from cod.training.device import shared_accelerator

FIELD = "distill.text2text.model"


def load_seq2seq(spec: str, device: torch.device | None = None) -> tuple[nn.Module, Any]:
    """(model, tokenizer) of ``spec`` on ``device`` (the shared accelerator's by default), float32, train mode."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    where = resolve(spec)
    try:
        tokenizer = AutoTokenizer.from_pretrained(where)
        model = AutoModelForSeq2SeqLM.from_pretrained(where, dtype=torch.float32)
    except (OSError, ValueError) as err:
        raise ConfigError(
            f"{FIELD}={spec!r} could not be loaded as a seq2seq LM ({type(err).__name__}: {str(err)[:200]}); "
            "give a hub id of an encoder-decoder model (e.g. google/flan-t5-small, needs hub access) or a local "
            "folder holding one"
        ) from err
    if tokenizer.pad_token is None or tokenizer.eos_token is None:
        raise ConfigError(
            f"{FIELD}={spec!r}: its tokenizer lacks a pad or eos token, which targets need; use a T5-style model"
        )
    model.to(device or shared_accelerator().device)
    return model.train(), tokenizer

"""How much each input word matters to a classifier's log p(class): gradient norm, grad×input, integrated gradients.

The words of a text are its whitespace-separated spans. The model reads the raw text tokenised exactly as
training and evaluation feed it (cod.training.batching.encode: the same call, truncated to ``max_length``);
each token is mapped to the word its characters fall in through the tokenizer's offsets. A word's score pools
its tokens' attributions; words cut off by truncation are not scored.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from cod.errors import ConfigError, DataError
from cod.training.batching import to_device

ATTRIBUTIONS = ("grad_norm", "grad_input", "integrated_gradients")
FIELDS = ("text", "text_pair")
ROWS_PER_PASS = 32  # interpolation points of integrated gradients per forward pass
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Word:
    """One whitespace-separated word of a text field with its character span."""

    field: str  # "text" or "text_pair"
    index: int  # position among the field's words
    start: int  # character offsets into that field's string: text[start:end] == word
    end: int
    word: str


@dataclass(frozen=True)
class Reading:
    """A text (pair) as the model reads it: the words it sees and, per token, the word it belongs to."""

    words: list[Word]  # the words with at least one token inside max_length: text's, then text_pair's
    token_word: np.ndarray  # per token: index into words; -1 for special tokens and whitespace-only tokens
    special: np.ndarray  # per token: True for a token the tokenizer adds ([CLS], [SEP], <bos>, ...)
    inputs: dict[str, torch.Tensor]  # one row (1, T): input_ids, attention_mask (token_type_ids), on the CPU


@dataclass(frozen=True)
class IntegratedGradients:
    """Signed integrated-gradients attribution of each token to f = log p(target), and f at both path ends."""

    reading: Reading
    attributions: np.ndarray  # per token: (x - x')·(average gradient on the path); sums to ≈ f_input - f_baseline
    f_input: float  # f(x)
    f_baseline: float  # f(x'): every non-special token's embedding replaced by the pad token's (zeros without one)


def words_of(text: str, field: str = "text") -> list[Word]:
    """The whitespace-separated words of one text field with their character spans."""
    if field not in FIELDS:
        raise ValueError(f"field {field!r} is not one of {FIELDS}")
    return [Word(field, i, m.start(), m.end(), m.group()) for i, m in enumerate(_WORD.finditer(text))]


def reading_order(word: Word) -> tuple[int, int]:
    """Sort key of a word in reading order: text before text_pair, then position."""
    return FIELDS.index(word.field), word.index


def token_words(words: list[Word], offsets: list[tuple[int, int]]) -> list[int | None]:
    """Per token of one field (character offsets into it), the index of the word its first character falls in."""
    ends = [w.end for w in words]
    out: list[int | None] = []
    for start, end in offsets:
        i = bisect_right(ends, start)  # the first word ending after the token starts
        out.append(i if start < end and i < len(words) and words[i].start < end else None)
    return out


def read(tokenizer: Any, text: str, text_pair: str | None = None, max_length: int = 128) -> Reading:
    """Tokenise a text (pair) as batching.encode does and map every token to a word of its field."""
    if not getattr(tokenizer, "is_fast", False):
        raise ConfigError(
            f"rationales need a fast tokenizer (character offsets per token); {type(tokenizer).__name__} is not: "
            "load it with AutoTokenizer.from_pretrained(..., use_fast=True)"
        )
    enc = tokenizer(text, text_pair, truncation=True, max_length=max_length, return_offsets_mapping=True)
    fields = [words_of(text, "text"), words_of(text_pair, "text_pair") if text_pair is not None else []]
    sequence = enc.sequence_ids(0)
    seen: list[tuple[int, int] | None] = [None] * len(sequence)
    for seq, field_words in enumerate(fields):
        at = [t for t, s in enumerate(sequence) if s == seq]
        for t, w in zip(at, token_words(field_words, [tuple(enc["offset_mapping"][t]) for t in at]), strict=True):
            seen[t] = None if w is None else (seq, w)
    order = sorted({key for key in seen if key is not None})
    position = {key: i for i, key in enumerate(order)}
    inputs = {k: torch.tensor([v]) for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
    return Reading(
        words=[fields[seq][w] for seq, w in order],
        token_word=np.array([-1 if key is None else position[key] for key in seen], dtype=np.int64),
        special=np.array([s is None for s in sequence], dtype=bool),
        inputs=inputs,
    )


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """The model in eval mode with gradients enabled; every submodule's previous mode is restored on exit."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with torch.enable_grad():
            yield model
    finally:
        for m, mode in modes:
            m.training = mode


def rows_per_pass(model: nn.Module) -> int:
    """Rows one forward pass may take: a decoder classifier without a pad id in its config refuses batches."""
    return ROWS_PER_PASS if getattr(model.config, "pad_token_id", None) is not None else 1


def check_target(model: nn.Module, target: int) -> None:
    """Refuse a class index the classifier does not have."""
    n = model.config.num_labels
    if not 0 <= target < n:
        raise DataError(f"target class {target} is not one of the model's {n} classes (0..{n - 1}); check the label")


def embed(model: nn.Module, reading: Reading) -> torch.Tensor:
    """The input embeddings (1, T, H) of a reading, on the model's device, detached."""
    ids = reading.inputs["input_ids"].to(next(model.parameters()).device)
    return model.get_input_embeddings()(ids).detach()


def log_prob_gradients(
    model: nn.Module, embeds: torch.Tensor, inputs: dict[str, torch.Tensor], target: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """f = log p(target) of every row of ``embeds`` (n, T, H) read with one row's masks, and df/d(embeds)."""
    extra = to_device({k: v for k, v in inputs.items() if k != "input_ids"}, embeds.device)
    values, grads = [], []
    for chunk in embeds.split(rows_per_pass(model)):
        x = chunk.detach().requires_grad_(True)
        logits = model(inputs_embeds=x, **{k: v.expand(len(x), -1) for k, v in extra.items()}).logits
        f = torch.log_softmax(logits.float(), -1)[:, target]
        (grad,) = torch.autograd.grad(f.sum(), x)  # the rows are independent: each row's own gradient
        values.append(f.detach())
        grads.append(grad)
    return torch.cat(values), torch.cat(grads)


def baseline(model: nn.Module, tokenizer: Any, reading: Reading, x: torch.Tensor) -> torch.Tensor:
    """IG's reference input: every non-special token's embedding replaced by the pad token's (zeros without one)."""
    pad = tokenizer.pad_token_id
    weight = model.get_input_embeddings().weight
    ref = torch.zeros_like(x[0, 0]) if pad is None else weight[pad].detach().to(x.dtype)
    content = torch.as_tensor(~reading.special, device=x.device)[None, :, None]
    return torch.where(content, ref, x)


def integrated_gradients(
    model: nn.Module,
    tokenizer: Any,
    text: str,
    target: int,
    *,
    text_pair: str | None = None,
    max_length: int = 128,
    steps: int = 20,
) -> IntegratedGradients:
    """Signed IG attribution per token of log p(target), by the trapezoid rule over ``steps`` intervals.

    The ``steps + 1`` points of the straight path from the baseline to the input go through the model in
    batches; its two ends give f(x') and f(x), so completeness can be checked at no extra cost."""
    if steps < 1:
        raise ConfigError(f"distill.rkd.ig_steps={steps}: integrated gradients needs at least 1 step (20 is usual)")
    check_target(model, target)
    reading = read(tokenizer, text, text_pair, max_length)
    with evaluating(model):
        x = embed(model, reading)
        ref = baseline(model, tokenizer, reading, x)
        alphas = torch.linspace(0.0, 1.0, steps + 1, device=x.device, dtype=x.dtype)[:, None, None]
        path = torch.lerp(ref.expand(steps + 1, -1, -1), x.expand(steps + 1, -1, -1), alphas)
        f, grads = log_prob_gradients(model, path, reading.inputs, target)
    weights = torch.full((steps + 1,), 1.0 / steps, dtype=torch.float64, device=x.device)
    weights[[0, -1]] = 0.5 / steps
    mean_grad = (weights[:, None, None] * grads.double()).sum(0)
    attributions = ((x[0].double() - ref[0].double()) * mean_grad).sum(-1)
    return IntegratedGradients(reading, attributions.cpu().numpy(), float(f[-1]), float(f[0]))


def pool(reading: Reading, per_token: np.ndarray) -> np.ndarray:
    """Sum of a per-token value over each word's tokens (special and whitespace-only tokens dropped)."""
    keep = reading.token_word >= 0
    return np.bincount(reading.token_word[keep], weights=per_token[keep], minlength=len(reading.words))


def word_scores(
    model: nn.Module,
    tokenizer: Any,
    text: str,
    target: int,
    *,
    method: str,
    text_pair: str | None = None,
    max_length: int = 128,
    steps: int = 20,
) -> tuple[list[Word], np.ndarray]:
    """Importance (>= 0) of every word the model reads (within max_length tokens) for log p(target)."""
    if method not in ATTRIBUTIONS:
        raise ConfigError(f"distill.rkd.attribution: unknown method {method!r}; use one of {list(ATTRIBUTIONS)}")
    if method == "integrated_gradients":
        ig = integrated_gradients(
            model, tokenizer, text, target, text_pair=text_pair, max_length=max_length, steps=steps
        )
        return ig.reading.words, np.abs(pool(ig.reading, ig.attributions))
    check_target(model, target)
    reading = read(tokenizer, text, text_pair, max_length)
    with evaluating(model):
        x = embed(model, reading)
        _, grad = log_prob_gradients(model, x, reading.inputs, target)
    g, e = grad[0].double(), x[0].double()
    if method == "grad_norm":  # a word's gradient norm over all its tokens' embedding dimensions
        return reading.words, np.sqrt(pool(reading, (g * g).sum(-1).cpu().numpy()))
    return reading.words, np.abs(pool(reading, (g * e).sum(-1).cpu().numpy()))


def top_k(words: list[Word], scores: np.ndarray, k: int) -> list[Word]:
    """The k highest-scoring words, highest first; a tie goes to the earlier word (text before text_pair)."""
    if len(words) != len(scores):
        raise ValueError(f"{len(words)} words but {len(scores)} scores")
    order = sorted(range(len(words)), key=lambda i: (-float(scores[i]), reading_order(words[i])))
    return [words[i] for i in order[: max(k, 0)]]


def random_k(words: list[Word], k: int, rng: np.random.Generator) -> list[Word]:
    """The control rationale: k distinct words drawn uniformly (all of them if fewer), in reading order."""
    picked = rng.choice(len(words), size=min(max(k, 0), len(words)), replace=False)
    return sorted((words[i] for i in picked), key=reading_order)

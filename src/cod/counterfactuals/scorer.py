"""The teacher as an oracle for counterfactual search: batched probabilities, saliency, HotFlip, embeddings."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from cod.training.batching import make_batches, model_inputs, to_device


def frame(texts: list[str], pairs: list[str] | None = None) -> pd.DataFrame:
    """The rows to encode: ``text`` and, for a sentence-pair dataset, ``text_pair`` (as batching.encode reads)."""
    if pairs is None:
        return pd.DataFrame({"text": texts})
    if len(pairs) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(pairs)} second texts")
    return pd.DataFrame({"text": texts, "text_pair": pairs})


class Scorer:
    """Wraps a frozen classifier and counts its forward passes (one per scored text)."""

    def __init__(
        self,
        model: nn.Module,
        tokenizer: Any,
        max_length: int = 128,
        batch_size: int = 64,
        device: torch.device | str | None = None,
    ) -> None:
        """``device``: where the model is moved and every batch goes (default: where the model already is)."""
        if device is not None:
            model.to(device)
        self.model, self.tokenizer = model.eval(), tokenizer
        self.max_length, self.batch_size = max_length, batch_size
        self.device = next(model.parameters()).device
        self.forward_passes = 0

    @torch.no_grad()
    def probs(self, texts: list[str], pairs: list[str] | None = None) -> np.ndarray:
        """Class probabilities of each text (with its second text ``pairs[i]`` for a sentence-pair dataset)."""
        if not texts:
            return np.zeros((0, self.model.config.num_labels), dtype=np.float32)
        batches, index = make_batches(
            self.tokenizer, frame(texts, pairs), max_length=self.max_length, batch_size=self.batch_size
        )
        out = np.zeros((len(texts), self.model.config.num_labels), dtype=np.float32)
        for batch, rows in zip(batches, index, strict=True):
            logits = self.model(**model_inputs(to_device(batch, self.device))).logits
            out[rows] = torch.softmax(logits.float(), -1).cpu().numpy()
        self.forward_passes += len(texts)
        return out

    def gradients(
        self, words: list[str], label: int, first: list[str] | None = None
    ) -> tuple[np.ndarray, dict[int, torch.Tensor], list[int]]:
        """grad×input saliency per word of log p(label), the gradient at each word's first piece, and its id.

        With ``first`` (the fixed first text of a pair, as words) the teacher reads (first, words) and only
        the pieces of ``words``, the second segment, are scored."""
        args = (words,) if first is None else (first, words)
        enc = self.tokenizer(
            *args, is_split_into_words=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        segment = 0 if first is None else 1
        word_ids = [w if s == segment else None for w, s in zip(enc.word_ids(0), enc.sequence_ids(0), strict=True)]
        emb_layer = self.model.get_input_embeddings()
        embeds = emb_layer(enc["input_ids"].to(self.device)).detach().requires_grad_(True)
        inputs = {k: v.to(self.device) for k, v in enc.items() if k in ("attention_mask", "token_type_ids")}
        logits = self.model(inputs_embeds=embeds, **inputs).logits
        torch.log_softmax(logits, -1)[0, label].backward()
        self.forward_passes += 1
        grad = embeds.grad[0]
        token_scores = (grad * embeds[0]).sum(-1).detach().cpu().numpy()
        saliency = np.zeros(len(words), dtype=np.float32)
        first: dict[int, torch.Tensor] = {}
        first_id: list[int] = [-1] * len(words)
        for t, w in enumerate(word_ids):
            if w is None:
                continue
            saliency[w] += token_scores[t]
            if w not in first:
                first[w] = grad[t].detach()
                first_id[w] = int(enc["input_ids"][0, t])
        return saliency, first, first_id

    def visible_words(self, words: list[str], first: list[str] | None = None) -> int:
        """How many of ``words`` the teacher reads: the leading words with a token inside ``max_length`` (with
        ``first``, the fixed first text of a pair, counted in the budget)."""
        args = (words,) if first is None else (first, words)
        enc = self.tokenizer(*args, is_split_into_words=True, truncation=True, max_length=self.max_length)
        segment = 0 if first is None else 1
        seen = {w for w, s in zip(enc.word_ids(0), enc.sequence_ids(0), strict=True) if w is not None and s == segment}
        return len(seen)

    def read_part(self, text: str, first: str | None = None) -> str:
        """The part of ``text`` the teacher reads: ``text`` itself when every word fits ``max_length`` (with ``first``,
        the fixed first text of a pair, in the budget), else its leading words that do. The language model scores
        this part of a long review, not the thousand words after it that no edit touches and the teacher never sees."""
        words = text.split()
        visible = self.visible_words(words, None if first is None else first.split())
        return text if visible >= len(words) else " ".join(words[:visible])

    @cached_property
    def embedding_matrix(self) -> torch.Tensor:
        return self.model.get_input_embeddings().weight.detach()

    def hotflip(
        self, grad: torch.Tensor, current_id: int, vocab_ids: torch.Tensor, vocab_words: list[str], n: int
    ) -> list[str]:
        """The n whole words whose swap most decreases log p(label) to first order: argmin (e_w − e_i)·g."""
        if n <= 0 or len(vocab_words) == 0:
            return []
        e = self.embedding_matrix
        scores = (e[vocab_ids.to(e.device)] - e[current_id]) @ grad.to(e.device)
        order = torch.argsort(scores)[: n + 1].tolist()
        return [vocab_words[i] for i in order if int(vocab_ids[i]) != current_id][:n]

    @torch.no_grad()
    def embed(self, texts: list[str], pairs: list[str] | None = None) -> np.ndarray:
        """Mean-pooled last hidden states (a sentence vector for closeness; of the whole pair with ``pairs``)."""
        batches, index = make_batches(
            self.tokenizer, frame(texts, pairs), max_length=self.max_length, batch_size=self.batch_size
        )
        out: np.ndarray | None = None
        for batch, rows in zip(batches, index, strict=True):
            b = to_device(batch, self.device)
            h = self.model(**model_inputs(b), output_hidden_states=True).hidden_states[-1]
            m = b["attention_mask"].unsqueeze(-1).float()
            v = ((h * m).sum(1) / m.sum(1)).cpu().numpy()
            if out is None:
                out = np.zeros((len(texts), v.shape[-1]), dtype=np.float32)
            out[rows] = v
        return out if out is not None else np.zeros((0, 0), dtype=np.float32)

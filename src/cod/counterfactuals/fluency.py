"""Fluency of texts under a causal language model: mean log-probability per token, and perplexity."""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from typing import Any

import numpy as np
import torch

from cod.errors import ConfigError


class FluencyLM:
    """Scores texts with a causal LM (BOS prepended, as Gemma expects); each distinct text is run once.

    ``calls`` counts the texts the model scored (cache hits excluded), ``seconds`` the time spent doing so.
    The cache keeps the ``cache_size`` most recently used texts. A batch holds at most ``batch_size`` texts and
    ``max_tokens`` padded tokens: the logits over a large vocabulary (Gemma: 262k) take 1 MB per token.
    """

    def __init__(
        self, model: Any, tokenizer: Any, batch_size: int = 16, max_tokens: int = 512, cache_size: int = 100_000
    ) -> None:
        prefix = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
        if prefix is None:
            raise ConfigError("the language model's tokenizer has no BOS or EOS token to start a text with")
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.prefix = int(prefix)
        self.pad = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else prefix)
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.cache_size = cache_size
        self.cache: OrderedDict[str, float] = OrderedDict()
        self.calls = 0
        self.seconds = 0.0

    @classmethod
    def from_spec(cls, spec: str, **kwargs: Any) -> FluencyLM:
        """A scorer over ``embedded:NAME``, a hub id or a local folder (see ``cod.models.lm.load_lm``)."""
        from cod.models.lm import load_lm

        model, tokenizer = load_lm(spec)
        return cls(model, tokenizer, **kwargs)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def _ids(self, text: str) -> list[int]:
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if not ids:
            raise ValueError(f"cannot score an empty text ({text!r})")
        return [self.prefix, *ids]

    def _batches(self, lengths: list[int]) -> list[list[int]]:
        """Row indices grouped shortest first, each group within ``batch_size`` rows and ``max_tokens`` padded."""
        batches: list[list[int]] = []
        for i in sorted(range(len(lengths)), key=lambda i: lengths[i]):
            rows = batches[-1] if batches else []
            if rows and len(rows) < self.batch_size and (len(rows) + 1) * lengths[i] <= self.max_tokens:
                rows.append(i)
            else:
                batches.append([i])
        return batches

    def _logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """The LM's next-token logits (float32) from final hidden states, computed as its own forward does."""
        logits = self.model.get_output_embeddings()(hidden).float()
        cap = getattr(self.model.config, "final_logit_softcapping", None)
        return torch.tanh(logits / cap) * cap if cap else logits

    @torch.no_grad()
    def _score(self, texts: list[str]) -> list[float]:
        """Mean token log-probability of each text, in batches of similar length (right padding).

        A causal LM gives the same log-probability to a token whenever the tokens up to it are the same, so a text
        copies the terms it shares with an earlier text of its batch (candidates are edits of one sentence) and
        the output layer (Gemma: 262k words, most of the compute) runs only where texts differ.
        """
        encoded = [self._ids(t) for t in texts]
        out = [0.0] * len(texts)
        device = self.device
        body = self.model.get_decoder()
        for rows in self._batches([len(e) for e in encoded]):
            seqs = [encoded[i] for i in rows]
            width = max(len(e) for e in seqs)
            ids = torch.full((len(rows), width), self.pad, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for r, seq in enumerate(seqs):
                ids[r, : len(seq)] = torch.tensor(seq)
                mask[r, : len(seq)] = 1
            hidden = body(input_ids=ids.to(device), attention_mask=mask.to(device)).last_hidden_state
            shared = shared_terms(seqs)
            where = [(r, t) for r, seq in enumerate(seqs) for t in range(shared[r][1], len(seq) - 1)]
            terms = [np.zeros(len(seq) - 1) for seq in seqs]
            if where:
                r_at, t_at = torch.tensor(where, device=device).T
                logits = self._logits(hidden[r_at, t_at])
                picked = logits.gather(-1, ids.to(device)[r_at, t_at + 1].unsqueeze(-1)).squeeze(-1)
                values = (picked - torch.logsumexp(logits, dim=-1)).cpu().numpy()
                for (r, t), value in zip(where, values, strict=True):
                    terms[r][t] = value
            for r, i in enumerate(rows):
                source, n = shared[r]
                terms[r][:n] = terms[source][:n]
                out[i] = float(terms[r].mean())
        return out

    def logprobs(self, texts: list[str]) -> np.ndarray:
        """Mean log-probability per token of each text (higher is more fluent), one value per text."""
        todo = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if todo:
            t0 = time.perf_counter()
            scores = self._score(todo)
            self.seconds += time.perf_counter() - t0
            self.calls += len(todo)
            for text, score in zip(todo, scores, strict=True):
                self.cache[text] = score
        values = []
        for text in texts:
            self.cache.move_to_end(text)
            values.append(self.cache[text])
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return np.asarray(values, dtype=np.float64)

    def totals(self, texts: list[str]) -> np.ndarray:
        """Total log-probability of each text (its mean per token times its tokens): compares wordings of one
        sentence without favouring the one whose extra tokens are easy."""
        return self.logprobs(texts) * np.asarray([len(self._ids(t)) - 1 for t in texts], dtype=np.float64)

    def perplexity(self, texts: list[str]) -> np.ndarray:
        """Per-token perplexity of each text: exp(-mean log-probability)."""
        return np.exp(-self.logprobs(texts))


def shared_terms(seqs: list[list[int]]) -> list[tuple[int, int]]:
    """Per token sequence: (an earlier sequence, how many leading log-probability terms it shares with it).

    Term t (the probability of token t + 1 given tokens 0..t) is the same in two sequences whose first t + 2
    tokens are equal; the earlier sequence sharing the most is chosen ((r, 0) when none shares any).
    """
    shared: list[tuple[int, int]] = []
    for r, seq in enumerate(seqs):
        best = (r, 0)
        for s, other in enumerate(seqs[:r]):
            n = len(os.path.commonprefix([seq, other])) - 1
            if n > best[1]:
                best = (s, n)
        shared.append(best)
    return shared

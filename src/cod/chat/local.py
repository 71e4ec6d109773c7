"""A local Hugging Face causal LM answering the LLM generators' prompts, behind the same response cache."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from cod.chat.cache import ResponseCache
from cod.chat.client import CachedChat, LLMSettings


class LocalLM(CachedChat):
    """A local Hugging Face causal LM (hub id, folder, or GGUF file) answering the same prompts, greedily."""

    def __init__(self, settings: LLMSettings, cache: ResponseCache, gguf_file: str | None = None) -> None:
        gguf_file = gguf_file or settings.gguf_file
        super().__init__(replace(settings, backend="local", base_url=None, gguf_file=gguf_file), cache)
        self.gguf_file = gguf_file
        self._model: Any = None
        self._lock = threading.Lock()

    def _source(self) -> dict[str, str | None]:
        """Where answers come from, stored beside each answer: the GGUF file (None for a non-GGUF model)."""
        return {"gguf_file": self.settings.gguf_file}

    def _load(self) -> tuple[Any, Any]:
        if self._model is None:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            from cod.models.load import ensure_pad_token, resolve

            kw = {"gguf_file": self.gguf_file} if self.gguf_file else {}
            spec = resolve(self.settings.model)
            self._tok = ensure_pad_token(AutoTokenizer.from_pretrained(spec, **kw))
            self._model = AutoModelForCausalLM.from_pretrained(spec, dtype=torch.float32, **kw).eval()
        return self._model, self._tok

    def _call(self, key: str, messages: list[dict[str, str]]) -> dict[str, Any]:
        import torch

        with self._lock:  # one generation at a time: the model is shared
            model, tok = self._load()
            if getattr(tok, "chat_template", None):
                prompt = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            else:
                prompt = "\n\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\n\nassistant:"
            ids = tok(prompt, return_tensors="pt")
            self.requests_sent += 1
            with torch.no_grad():
                out = model.generate(
                    **ids, max_new_tokens=self.settings.max_tokens, do_sample=False, pad_token_id=tok.pad_token_id
                )
            new = out[0, ids["input_ids"].shape[1] :]
            text = tok.decode(new, skip_special_tokens=True)
        return self._record(key, messages, text, None, (int(ids["input_ids"].shape[1]), int(len(new))))

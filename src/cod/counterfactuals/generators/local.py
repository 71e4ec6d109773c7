"""The local generator (``backend: local``): the LLM generator's prompts answered by a local causal LM."""

from __future__ import annotations

from dataclasses import replace

from cod.counterfactuals.cache import ResponseCache
from cod.counterfactuals.chat import CachedChat, LLMSettings
from cod.counterfactuals.generators.llm import LLMGenerator
from cod.counterfactuals.local_chat import LocalLM


class LocalGenerator(LLMGenerator):
    """CFEs from the Hugging Face causal LM of section ``counterfactuals.local``, one generation at a time."""

    name = "local"

    def chat(self, cache: ResponseCache) -> CachedChat:
        """The local model (and GGUF file) of ``counterfactuals.local`` with ``counterfactuals.llm``'s sampling."""
        local = self.cfg.local
        settings = replace(LLMSettings.from_config(self.cfg.llm), model=local.model, concurrency=1)
        return LocalLM(settings, cache, gguf_file=local.gguf_file)

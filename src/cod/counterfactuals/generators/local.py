"""The local generator (``backend: local``): the LLM generator's prompts answered by a local causal LM."""

from __future__ import annotations

from typing import ClassVar

from cod.counterfactuals.chat import CachedChat
from cod.counterfactuals.generators.llm import LLMGenerator
from cod.counterfactuals.local_chat import LocalLM


class LocalGenerator(LLMGenerator):
    """CFEs from the Hugging Face causal LM (and GGUF file) of section ``counterfactuals.local``, one generation at a
    time, with that section's sampling, prompting, feedback, fallback and cache (never ``counterfactuals.llm``)."""

    name = "local"
    client: ClassVar[type[CachedChat]] = LocalLM

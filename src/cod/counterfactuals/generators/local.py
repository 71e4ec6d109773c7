"""The local generator (``backend: local``): the LLM generator's prompts answered by a local causal LM."""

from __future__ import annotations

from cod.counterfactuals.generators.llm import LLMGenerator


class LocalGenerator(LLMGenerator):
    """CFEs from the Hugging Face causal LM (and GGUF file) of section ``counterfactuals.local``, one generation at a
    time, with that section's sampling, prompting, feedback, fallback and cache (never ``counterfactuals.llm``)."""

    name = "local"


GENERATOR = LocalGenerator

"""The chat that answers explanation prompts: the client, settings and cache of a ``counterfactuals`` chat section."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cod import paths
from cod.config import CounterfactualsConfig, ExplanationsConfig
from cod.counterfactuals.cache import ResponseCache
from cod.counterfactuals.chat import LLM, CachedChat, LLMSettings
from cod.counterfactuals.local_chat import LocalLM

CLIENTS: dict[str, type[CachedChat]] = {"llm": LLM, "local": LocalLM}


def settings(cfg: ExplanationsConfig, chats: CounterfactualsConfig) -> LLMSettings:
    """The request settings of section ``counterfactuals.<explanations.backend>``, with explanations.max_tokens."""
    base = LLMSettings.from_config(getattr(chats, cfg.backend))
    return base if cfg.max_tokens is None else replace(base, max_tokens=cfg.max_tokens)


def chat(cfg: ExplanationsConfig, chats: CounterfactualsConfig, cache_dir: Path | None = None) -> CachedChat:
    """The client of ``explanations.backend`` behind its section's response cache (or the cache in ``cache_dir``)."""
    folder = cache_dir or paths.root() / getattr(chats, cfg.backend).cache_dir
    return CLIENTS[cfg.backend](settings(cfg, chats), ResponseCache(folder))

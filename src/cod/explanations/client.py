"""The chat that answers explanation prompts: the client, settings and cache of a ``counterfactuals`` chat section."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cod import paths
from cod.chat import client_class
from cod.chat.cache import ResponseCache
from cod.chat.client import CachedChat, LLMSettings
from cod.config import CounterfactualsConfig, ExplanationsConfig


def settings(cfg: ExplanationsConfig, chats: CounterfactualsConfig) -> LLMSettings:
    """The request settings of section ``counterfactuals.<explanations.backend>``, with explanations.max_tokens."""
    base = LLMSettings.from_config(getattr(chats, cfg.backend))
    return base if cfg.max_tokens is None else replace(base, max_tokens=cfg.max_tokens)


def chat(cfg: ExplanationsConfig, chats: CounterfactualsConfig, cache_dir: Path | None = None) -> CachedChat:
    """The client of ``explanations.backend`` behind its section's response cache (or the cache in ``cache_dir``)."""
    folder = cache_dir or paths.root() / getattr(chats, cfg.backend).cache_dir
    return client_class(cfg.backend)(settings(cfg, chats), ResponseCache(folder))

"""The chat client the LLM generators and the explanations share: settings, endpoint and local clients, the response
cache and cost ledger, and the reading of a JSON answer."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from cod import kind_registry

if TYPE_CHECKING:
    from cod.chat.client import CachedChat


def client_class(backend: str) -> type[CachedChat]:
    """The client class of chat backend ``backend`` (``kind_registry.CHAT_BACKENDS``), imported when asked for."""
    module, _, name = kind_registry.CHAT_BACKENDS[backend].client.partition(":")
    return getattr(importlib.import_module(module), name)

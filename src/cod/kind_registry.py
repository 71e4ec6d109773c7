"""The kinds of counterfactual by name: the module making each, and what config, the generators and the chat client
ask about it.

A bottom-layer table (no torch import) so that config validation can read it; a kind's module is imported only when
its CFEs are made (``cod.counterfactuals.generators``). A new kind is one module defining ``GENERATOR`` (a subclass of
``cod.counterfactuals.generators.base.Generator`` named after the kind) and one line in ``KINDS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How a kind becomes a CoD set: ``editor`` = counterfactuals.editor.kind (the cod arm under backend: editor) or data
# mode cod-<kind>; ``chat`` = counterfactuals.backend: <kind> (a chat backend of the same name answers its prompts);
# ``control`` = data mode cod-<kind> only (an ablation control, never the cod arm).
Role = Literal["editor", "chat", "control"]


@dataclass(frozen=True)
class KindEntry:
    """One kind of counterfactual: the module defining its ``GENERATOR`` and the properties others ask about."""

    module: str
    role: Role
    # a teacher-guided editor search: what a chat kind falls back to when counterfactuals.editor.kind names it
    search: bool = False
    # every edited text is kept with the teacher's prediction as its label: needs distill.cfe_label: teacher
    teacher_labels: bool = False


KINDS: dict[str, KindEntry] = {
    "semantic": KindEntry("cod.counterfactuals.generators.semantic", "editor", search=True),
    "adversarial": KindEntry("cod.counterfactuals.generators.adversarial", "editor", search=True),
    "random": KindEntry("cod.counterfactuals.generators.random", "editor", teacher_labels=True),
    "llm": KindEntry("cod.counterfactuals.generators.llm", "chat"),
    "local": KindEntry("cod.counterfactuals.generators.local", "chat"),
    "copy": KindEntry("cod.counterfactuals.generators.copy", "control"),
    "lexicon": KindEntry("cod.counterfactuals.generators.lexicon", "control"),
}

# The editor search a chat kind falls back to when counterfactuals.editor.kind is no search (the random control).
DEFAULT_SEARCH = "semantic"
# counterfactuals.backend's value for the offline editor (its kind: counterfactuals.editor.kind); the others are the
# chat kinds' names.
EDITOR_BACKEND = "editor"


@dataclass(frozen=True)
class ChatBackend:
    """A chat backend (counterfactuals.<name>, explanations.backend): its client and where its answers come from."""

    client: str  # "module:Class" of its cod.chat.client.CachedChat
    endpoint: bool  # answers come over HTTP from base_url (else from a local model and its gguf_file)


CHAT_BACKENDS: dict[str, ChatBackend] = {
    "llm": ChatBackend("cod.chat.client:LLM", endpoint=True),
    "local": ChatBackend("cod.chat.local:LocalLM", endpoint=False),
}


def kind_names(role: Role | None = None) -> tuple[str, ...]:
    """Every registered kind (of ``role`` if given), in registry order."""
    return tuple(name for name, entry in KINDS.items() if role is None or entry.role == role)


def ablation_kinds() -> tuple[str, ...]:
    """The kinds a ``cod-<kind>`` data mode may name: the editor kinds and the controls."""
    return tuple(name for name, entry in KINDS.items() if entry.role != "chat")


def backends() -> tuple[str, ...]:
    """Every value of counterfactuals.backend: the offline editor, then each chat kind."""
    return (EDITOR_BACKEND, *kind_names("chat"))


def cod_arm(backend: str, editor_kind: str) -> str:
    """The kind of the ``cod`` data mode: counterfactuals.editor.kind under the editor backend, else the backend's."""
    return editor_kind if backend == EDITOR_BACKEND else backend


def fallback_search(editor_kind: str) -> str:
    """The editor search a chat kind falls back to: counterfactuals.editor.kind if it is one, else DEFAULT_SEARCH."""
    entry = KINDS.get(editor_kind)
    return editor_kind if entry is not None and entry.search else DEFAULT_SEARCH

"""The kinds of counterfactual by name: one module each, one line here (``cod-<name>`` data modes; the ``cod``
mode's kind is counterfactuals.backend, or for ``backend: editor`` counterfactuals.editor.kind)."""

from __future__ import annotations

from cod.config import CounterfactualsConfig, cod_kind
from cod.counterfactuals.editor import Fluency
from cod.counterfactuals.generators.base import Generated, Generator
from cod.counterfactuals.generators.copy import CopyGenerator
from cod.counterfactuals.generators.editor import AdversarialGenerator, SemanticGenerator
from cod.counterfactuals.generators.lexicon import LexiconGenerator
from cod.counterfactuals.generators.llm import LLMGenerator
from cod.counterfactuals.generators.local import LocalGenerator
from cod.counterfactuals.generators.random import RandomGenerator
from cod.errors import ConfigError

GENERATORS: dict[str, type[Generator]] = {
    SemanticGenerator.name: SemanticGenerator,
    AdversarialGenerator.name: AdversarialGenerator,
    RandomGenerator.name: RandomGenerator,
    LLMGenerator.name: LLMGenerator,
    LocalGenerator.name: LocalGenerator,
    CopyGenerator.name: CopyGenerator,
    LexiconGenerator.name: LexiconGenerator,
}

__all__ = ["GENERATORS", "Generated", "Generator", "build"]


def build(cfg: CounterfactualsConfig, mode: str = "cod", fluency: Fluency | None = None) -> Generator:
    """The generator of CoD data mode ``mode`` (``cod`` or ``cod-<kind>``), built from section ``counterfactuals``."""
    kind = cod_kind(mode, cfg)
    make = GENERATORS.get(kind)
    if make is None:
        raise ConfigError(
            f"counterfactuals: unknown kind of counterfactual {kind!r} (data mode {mode}); use one of "
            f"{sorted(GENERATORS)} (a new one is a module in cod/counterfactuals/generators/ and a line in GENERATORS)"
        )
    return make(cfg, fluency)

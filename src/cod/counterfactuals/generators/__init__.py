"""The counterfactual generators by ``counterfactuals.backend`` name: one module each, one line here."""

from __future__ import annotations

from cod.config import CounterfactualsConfig
from cod.counterfactuals.generators.base import Generated, Generator
from cod.counterfactuals.generators.editor import EditorGenerator
from cod.counterfactuals.generators.llm import LLMGenerator
from cod.counterfactuals.generators.local import LocalGenerator
from cod.errors import ConfigError

GENERATORS: dict[str, type[Generator]] = {
    EditorGenerator.name: EditorGenerator,
    LLMGenerator.name: LLMGenerator,
    LocalGenerator.name: LocalGenerator,
}

__all__ = ["GENERATORS", "Generated", "Generator", "build"]


def build(cfg: CounterfactualsConfig) -> Generator:
    """The generator ``counterfactuals.backend`` names, built from section ``counterfactuals``."""
    make = GENERATORS.get(cfg.backend)
    if make is None:
        raise ConfigError(
            f"counterfactuals.backend: unknown generator {cfg.backend!r}; use one of {sorted(GENERATORS)} "
            "(a new one is a module in cod/counterfactuals/generators/ and a line in GENERATORS)"
        )
    return make(cfg)

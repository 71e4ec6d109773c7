"""The kinds of counterfactual by name: each kind's generator, from its module in ``cod.kind_registry``
(``cod-<name>`` data modes; the ``cod`` mode's kind is counterfactuals.backend, or for ``backend: editor``
counterfactuals.editor.kind)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from cod import kind_registry
from cod.config import CounterfactualsConfig, cod_kind
from cod.counterfactuals.editor import Fluency
from cod.counterfactuals.generators.base import Generated, Generator
from cod.errors import ConfigError

__all__ = ["GENERATORS", "Generated", "Generator", "build"]


class Registered(Mapping[str, type[Generator]]):
    """Each kind of ``kind_registry.KINDS`` → its generator class (its module's ``GENERATOR``), imported when first
    asked for; a kind registered later (a test's) is seen too."""

    def __getitem__(self, kind: str) -> type[Generator]:
        entry = kind_registry.KINDS[kind]
        made: type[Generator] = importlib.import_module(entry.module).GENERATOR
        if made.name != kind:
            raise ConfigError(f"{entry.module}.GENERATOR is named {made.name!r}, not {kind!r}: name it after its kind")
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(kind_registry.KINDS)

    def __len__(self) -> int:
        return len(kind_registry.KINDS)


GENERATORS: Mapping[str, type[Generator]] = Registered()


def build(cfg: CounterfactualsConfig, mode: str = "cod", fluency: Fluency | None = None) -> Generator:
    """The generator of CoD data mode ``mode`` (``cod`` or ``cod-<kind>``), built from section ``counterfactuals``."""
    kind = cod_kind(mode, cfg)
    if kind not in GENERATORS:
        raise ConfigError(
            f"counterfactuals: unknown kind of counterfactual {kind!r} (data mode {mode}); use one of "
            f"{sorted(GENERATORS)} (a new one is a module in cod/counterfactuals/generators/ and a line in "
            "cod/kind_registry.py)"
        )
    return GENERATORS[kind](cfg, fluency)

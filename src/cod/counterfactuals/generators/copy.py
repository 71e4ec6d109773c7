"""The copy control (``cod-copy``): every CFE slot holds an exact copy of its original, with its gold label."""

from __future__ import annotations

from cod.counterfactuals.editor import Edit
from cod.counterfactuals.generators.unguided import Original, UnguidedGenerator


class CopyGenerator(UnguidedGenerator):
    """Each of the semantic kind's final originals twice: as itself and as its own "CFE", unedited and labelled with
    its gold label (kept at distill time whatever distill.cfe_label says). The set's shape without any
    counterfactual: what pairing and repetition alone do to the student."""

    name = "copy"
    keeps = "all"
    label = "gold"

    def edits(self, originals: list[Original]) -> list[list[Edit]]:
        return [[] for _ in originals]


GENERATOR = CopyGenerator

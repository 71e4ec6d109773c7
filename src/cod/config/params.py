"""The whole params.yaml (one field per section) and the helpers that read several sections."""

from __future__ import annotations

import itertools
from typing import Literal

from pydantic import Field

from cod import kind_registry
from cod.config.distill import DistillConfig, TuneConfig
from cod.config.sections import (
    CounterfactualsConfig,
    DataConfig,
    ExplanationsConfig,
    GridConfig,
    ReportConfig,
    Strict,
    SubsetConfig,
    SyntheticConfig,
    TeacherConfig,
)


class Params(Strict):
    """The whole params.yaml, each section validated (the rules between sections: cod.config.cross)."""

    grid: GridConfig
    data: DataConfig
    subset: SubsetConfig
    teacher: TeacherConfig
    counterfactuals: CounterfactualsConfig
    distill: DistillConfig
    tune: TuneConfig
    report: ReportConfig
    synthetic: SyntheticConfig
    explanations: ExplanationsConfig = Field(default_factory=ExplanationsConfig)

    def cod_kind(self, mode: str) -> str:
        """The kind of counterfactual a CoD data mode trains on: ``cod-<kind>``, or for ``cod`` the backend's."""
        return cod_kind(mode, self.counterfactuals)

    def variant_cells(self, method: str) -> list[tuple[str, int, str]]:
        """(variant, k, mode) of the runs ``method``'s variants (distill.<method>.variants) add beside its cells."""
        names = list(getattr(getattr(self.distill, method, None), "variants", None) or {})
        return list(itertools.product(names, self.grid.k, self.grid.data_modes))


def cod_kind(mode: str, cfg: CounterfactualsConfig) -> str:
    """The kind of counterfactual of CoD data mode ``mode`` (``cod``: the editor's kind, or the LLM backend's name)."""
    if mode.startswith("cod-"):
        return mode[len("cod-") :]
    if mode != "cod":
        raise ValueError(f"data mode {mode!r} has no counterfactuals")
    return kind_registry.cod_arm(cfg.backend, cfg.editor.kind)


def check_cfe_kinds(modes: list[str], cfg: CounterfactualsConfig, cfe_label: str) -> None:
    """Refuse an ablation mode that repeats the ``cod`` arm, and a kind labelled by the teacher alone (the random
    control: ``KindEntry.teacher_labels``) with 1 − y labels. The copy and lexicon controls take any
    distill.cfe_label: their CFE rows' labels are fixed (gold, 1 − y) in the file and the distiller keeps them
    (``fixed_label``)."""
    cod_modes = [m for m in modes if m.startswith("cod")]
    kinds = [cod_kind(m, cfg) for m in cod_modes]
    for mode, kind in zip(cod_modes, kinds, strict=True):
        if mode != "cod" and "cod" in modes and kind == cod_kind("cod", cfg):
            raise ValueError(
                f"grid.data_modes: {mode} repeats the cod arm (counterfactuals.editor.kind: {kind}); drop {mode} "
                "or set counterfactuals.editor.kind to another kind"
            )
    for kind in dict.fromkeys(kinds):
        entry = kind_registry.KINDS.get(kind)
        if entry is not None and entry.teacher_labels and cfe_label != "teacher":
            raise ValueError(
                f"grid.data_modes / counterfactuals.editor.kind: the {kind} control keeps every edited text labelled "
                "with the teacher's prediction; set distill.cfe_label: teacher"
            )


# The sections a stage can load by name (config.load), one per field of Params.
SectionName = Literal[
    "grid", "data", "subset", "teacher", "counterfactuals", "distill", "tune", "report", "synthetic", "explanations"
]
# What load(section) returns: the model of one of the sections above.
Section = (
    GridConfig
    | DataConfig
    | SubsetConfig
    | TeacherConfig
    | CounterfactualsConfig
    | DistillConfig
    | TuneConfig
    | ReportConfig
    | SyntheticConfig
    | ExplanationsConfig
)

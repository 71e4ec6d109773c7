"""What every counterfactual generator is: originals in, one teacher-checked candidate per original out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from cod.config import CounterfactualsConfig
from cod.counterfactuals.editor import EditResult, Fluency
from cod.counterfactuals.kept import Keeps, Label
from cod.counterfactuals.scorer import Scorer
from cod.data.registry import DatasetInfo


@dataclass
class Generated:
    """A generator's output: one result per original (in their order) and extras for each set's metrics.json."""

    results: list[EditResult]
    extra: dict[str, Any] = field(default_factory=dict)
    # who made each result (records' ``generator``) when not all by the generator itself: an LLM's fallback editor
    makers: list[str] | None = None


class Generator:
    """A kind of counterfactual, built from section ``counterfactuals``; its module is registered in
    ``cod.kind_registry.KINDS`` (as ``GENERATOR``)."""

    name: ClassVar[str]  # its kind: ``cod-<name>`` data modes and the ``cod`` mode's counterfactuals.backend / kind
    calls_are: ClassVar[str]  # what the records' ``calls`` count (metrics.json ``calls_are``)
    # the kind whose results this one needs for the same originals (the controls take semantic's final originals)
    reference: ClassVar[str | None] = None
    # which CFEs go into the training set (cod.counterfactuals.kept): "valid" (teacher-accepted; with
    # counterfactuals.keep: all every CFE, labelled 1 − y), "changed" (every edited text) or "all" (every one)
    keeps: ClassVar[Keeps] = "valid"
    # the hard label of a kept CFE: "teacher" (its prediction; distill.cfe_label decides at distill time), "gold"
    # (its original's label) or "flip" (1 − gold); any but the teacher's is fixed: the distiller keeps it
    label: ClassVar[Label] = "teacher"

    def __init__(self, cfg: CounterfactualsConfig, fluency: Fluency | None = None) -> None:
        """``fluency``: the language model of ``counterfactuals.fluency_lm`` (the semantic editor ranks by it)."""
        self.cfg, self.fluency = cfg, fluency

    @property
    def maker(self) -> str:
        """What the records name as this kind's own generator (``generator``): its kind, ``editor:<kind>`` for the
        offline editor."""
        return self.name

    @classmethod
    def fixed_label(cls) -> bool:
        """Whether this kind's CFE rows keep their file label at distill time (a label that is not the teacher's)."""
        return cls.label != "teacher"

    def check(self, dataset: DatasetInfo, label_names: list[str]) -> None:
        """Refuse a dataset this kind cannot make CFEs for (every dataset is fine by default)."""

    def generate(
        self,
        originals: pd.DataFrame,
        scorer: Scorer,
        dataset: DatasetInfo,
        label_names: list[str],
        reference: list[EditResult] | None = None,
    ) -> Generated:
        """One candidate CFE per original (``text``, or ``text_pair`` of a sentence pair), teacher-checked;
        ``reference``: the results of kind ``self.reference`` for the same originals, when it names one."""
        raise NotImplementedError

    def warning(self, extra: dict[str, Any], seeds: int) -> str | None:
        """A one-line warning on how the CFEs of ``seeds`` seeds were made (``extra``: their extras, summed), or None
        (none by default)."""
        return None

    def set_metrics(self, records: pd.DataFrame, extra: dict[str, Any]) -> dict[str, Any]:
        """Metrics of one CoD set from its ``records`` (every row tried for it) and the seed's ``extra`` (none by
        default)."""
        return {}

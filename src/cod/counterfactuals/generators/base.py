"""What every counterfactual generator is: originals in, one teacher-checked candidate per original out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from cod.config import CounterfactualsConfig
from cod.counterfactuals.editor import EditResult, Fluency
from cod.counterfactuals.scorer import Scorer
from cod.data.registry import DatasetInfo


@dataclass
class Generated:
    """A generator's output: one result per original (in their order) and extras for each set's metrics.json."""

    results: list[EditResult]
    extra: dict[str, Any] = field(default_factory=dict)


class Generator:
    """A kind of counterfactual, built from section ``counterfactuals``; registered in ``generators.GENERATORS``."""

    name: ClassVar[str]  # its kind: ``cod-<name>`` data modes and the ``cod`` mode's counterfactuals.backend / kind
    calls_are: ClassVar[str]  # what the records' ``calls`` count (metrics.json ``calls_are``)
    # the kind whose results this one needs for the same originals (the random control matches semantic's edits)
    reference: ClassVar[str | None] = None
    # which CFEs go into the training set: "valid" (teacher-accepted, or counterfactuals.keep: all) or "changed"
    # (every edited text, labelled with the teacher's prediction: the random control)
    keeps: ClassVar[str] = "valid"

    def __init__(self, cfg: CounterfactualsConfig, fluency: Fluency | None = None) -> None:
        """``fluency``: the language model of ``counterfactuals.fluency_lm`` (the semantic editor ranks by it)."""
        self.cfg, self.fluency = cfg, fluency

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

    def set_metrics(self, records: pd.DataFrame, extra: dict[str, Any]) -> dict[str, Any]:
        """Metrics of one CoD set from its ``records`` (every row tried for it) and the seed's ``extra`` (none by
        default)."""
        return {}

"""What every counterfactual generator is: originals in, one teacher-checked candidate per original out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from cod.config import CounterfactualsConfig
from cod.counterfactuals.editor import EditResult
from cod.counterfactuals.scorer import Scorer
from cod.data.registry import DatasetInfo


@dataclass
class Generated:
    """A generator's output: one result per original (in their order) and extras for each set's metrics.json."""

    results: list[EditResult]
    extra: dict[str, Any] = field(default_factory=dict)


class Generator:
    """A counterfactual generator, built from section ``counterfactuals``; registered in ``generators.GENERATORS``."""

    name: ClassVar[str]  # its ``counterfactuals.backend`` value
    calls_are: ClassVar[str]  # what the records' ``calls`` count (metrics.json ``calls_are``)

    def __init__(self, cfg: CounterfactualsConfig) -> None:
        self.cfg = cfg

    def generate(
        self, originals: pd.DataFrame, scorer: Scorer, dataset: DatasetInfo, label_names: list[str]
    ) -> Generated:
        """One candidate CFE per original (``text``, or ``text_pair`` of a sentence pair), teacher-checked."""
        raise NotImplementedError

    def set_metrics(self, extra: dict[str, Any], valid_cfes: int) -> dict[str, Any]:
        """Metrics of one CoD set computed from the seed's ``extra`` and the set's valid CFEs (none by default)."""
        return {}

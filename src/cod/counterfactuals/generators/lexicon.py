"""The lexicon control (``cod-lexicon``): the semantic families' polarity and negation edits, chosen by VADER alone."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cod.counterfactuals.editor import Edit, lexicon_edits
from cod.counterfactuals.generators.unguided import Original, UnguidedGenerator
from cod.data.registry import DatasetInfo
from cod.errors import ConfigError

SENTIMENT_CLASSES = ["negative", "positive"]  # class 1 positive: the direction the edits move VADER's score away from


class LexiconGenerator(UnguidedGenerator):
    """Edits each of the semantic kind's final originals with the rewrites of the semantic editor's lexicon families
    that move VADER's compound score furthest toward the opposite of its gold label, as many edited words as its
    semantic CFE changed (``lexicon_edits``). Neither the teacher nor a language model chooses or filters them: the
    teacher only records its verdict afterwards. Every edited text is kept, labelled 1 − gold (kept at distill
    time); an original no rewrite moves toward the other label gets no CFE (``originals_without_lexicon_edit``)."""

    name = "lexicon"
    keeps = "changed"
    label = "flip"

    def check(self, dataset: DatasetInfo, label_names: list[str]) -> None:
        """Refuse a dataset other than binary sentiment (negative, positive): VADER's score has no other direction."""
        if dataset.task != "sentiment" or [n.lower() for n in label_names] != SENTIMENT_CLASSES:
            raise ConfigError(
                f"grid.data_modes: cod-lexicon edits toward the opposite sentiment by VADER's score, so it needs a "
                f"binary sentiment dataset (classes {SENTIMENT_CLASSES}); {dataset.name} is a {dataset.task} task "
                f"with classes {list(label_names)}. Drop cod-lexicon from grid.data_modes or {dataset.name} from "
                "grid.datasets"
            )

    def edits(self, originals: list[Original]) -> list[list[Edit]]:
        # gold positive (1): lower the score; negative (0): raise it
        return [lexicon_edits(o.words, o.budget, o.visible, toward=1 - 2 * o.label) for o in originals]

    def set_metrics(self, records: pd.DataFrame, extra: dict[str, Any]) -> dict[str, Any]:
        """How many of the set's originals no rewrite moved toward the other label: CFEs the set is short of."""
        in_set = records[records["in_set"]] if "in_set" in records else records
        return {"originals_without_lexicon_edit": int((in_set["cfe"] == in_set["original"]).sum())}

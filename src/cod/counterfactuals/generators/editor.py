"""What the offline generators share (``backend: editor``): a teacher-guided editor search run over every original."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from tqdm.auto import tqdm

from cod.counterfactuals.editor import Editor, EditResult
from cod.counterfactuals.generators.base import Generated, Generator
from cod.counterfactuals.scorer import Scorer
from cod.counterfactuals.texts import edited_texts, fixed_texts
from cod.data.registry import DatasetInfo


class EditorGenerator(Generator):
    """Runs the editor search ``search`` over every original (for a pair, over its second text, scored as a pair),
    with section ``counterfactuals.editor``'s settings and counterfactuals.min_confidence."""

    name = "editor"
    calls_are = "teacher forward passes"
    search: ClassVar[type[Editor]] = Editor  # the kind's search: a subclass of Editor with its own stages

    @property
    def maker(self) -> str:
        """``editor:<kind>``: the offline editor of this kind (also what an LLM's fallback rows name)."""
        return f"editor:{self.name}"

    def editor(self, scorer: Scorer, dataset: DatasetInfo) -> Editor:
        """The kind's search with the dataset's edit operators and section ``counterfactuals.editor``."""
        return self.search(
            scorer,
            dataset.task,  # type: ignore[arg-type]
            self.cfg.editor,
            min_confidence=self.cfg.min_confidence,
            fluency=self.fluency,
        )

    def generate(
        self,
        originals: pd.DataFrame,
        scorer: Scorer,
        dataset: DatasetInfo,
        label_names: list[str],
        reference: list[EditResult] | None = None,
    ) -> Generated:
        editor = self.editor(scorer, dataset)
        texts, firsts = edited_texts(originals), fixed_texts(originals)
        return Generated(
            [
                editor.edit(text, None if firsts is None else firsts[i])
                for i, text in enumerate(tqdm(texts, desc=f"{self.name} counterfactuals", leave=False))
            ]
        )

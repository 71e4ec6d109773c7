"""The offline generator (``backend: editor``): the teacher-guided word editor, no network."""

from __future__ import annotations

import pandas as pd
from tqdm.auto import tqdm

from cod.counterfactuals.editor import Editor, EditorConfig
from cod.counterfactuals.generators.base import Generated, Generator
from cod.counterfactuals.scorer import Scorer
from cod.counterfactuals.texts import edited_texts, fixed_texts
from cod.data.registry import DatasetInfo


class EditorGenerator(Generator):
    """Runs the offline editor over every original (for a pair, over its second text, scored as a pair)."""

    name = "editor"
    calls_are = "teacher forward passes"

    def editor(self, scorer: Scorer, dataset: DatasetInfo) -> Editor:
        """The editor with the dataset's edit operators and section ``counterfactuals.editor``'s search."""
        return Editor(scorer, dataset.task, EditorConfig(**self.cfg.editor.model_dump()))  # type: ignore[arg-type]

    def generate(
        self, originals: pd.DataFrame, scorer: Scorer, dataset: DatasetInfo, label_names: list[str]
    ) -> Generated:
        editor = self.editor(scorer, dataset)
        texts, firsts = edited_texts(originals), fixed_texts(originals)
        return Generated(
            [
                editor.edit(text, None if firsts is None else firsts[i])
                for i, text in enumerate(tqdm(texts, desc="counterfactuals", leave=False))
            ]
        )

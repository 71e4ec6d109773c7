"""The offline generators (``backend: editor``): the teacher-guided word editor of kind semantic or adversarial."""

from __future__ import annotations

import pandas as pd
from tqdm.auto import tqdm

from cod.counterfactuals.editor import Editor, EditResult
from cod.counterfactuals.generators.base import Generated, Generator
from cod.counterfactuals.scorer import Scorer
from cod.counterfactuals.texts import edited_texts, fixed_texts
from cod.data.registry import DatasetInfo


class EditorGenerator(Generator):
    """Runs the offline editor of kind ``name`` over every original (for a pair, over its second text, scored as a
    pair), with section ``counterfactuals.editor``'s search and counterfactuals.min_confidence."""

    name = "semantic"
    calls_are = "teacher forward passes"

    @property
    def maker(self) -> str:
        """``editor:<kind>``: the offline editor of this kind (also what an LLM's fallback rows name)."""
        return f"editor:{self.name}"

    def editor(self, scorer: Scorer, dataset: DatasetInfo) -> Editor:
        """The editor with the dataset's edit operators, this kind and section ``counterfactuals.editor``."""
        return Editor(
            scorer,
            dataset.task,  # type: ignore[arg-type]
            self.cfg.editor,
            self.name,  # type: ignore[arg-type]
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


class SemanticGenerator(EditorGenerator):
    """Edits a person would make (antonyms, negation, intensifier and phrase swaps), ranked by teacher and LM."""

    name = "semantic"


class AdversarialGenerator(EditorGenerator):
    """Any edit that flips the teacher: lexical edits, free deletions, then HotFlip gradient swaps."""

    name = "adversarial"

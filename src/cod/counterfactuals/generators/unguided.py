"""What the controls share: edits made without the teacher on the semantic kind's final originals, then its verdict."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cod.counterfactuals.editor import Edit, EditResult, render, target_class
from cod.counterfactuals.generators.base import Generated, Generator
from cod.counterfactuals.scorer import Scorer
from cod.counterfactuals.texts import edited_texts, fixed_texts
from cod.data.registry import DatasetInfo


@dataclass(frozen=True)
class Original:
    """One original as a control edits it."""

    idx: int
    label: int  # its gold label
    text: str  # the text a CFE edits (a sentence pair's second text)
    visible: int  # how many of its leading words the teacher reads
    budget: int  # how many words to edit: as many as its reference CFE changed, at least 1

    @property
    def words(self) -> list[str]:
        """The text's slots (whitespace-split words), the unit of an ``Edit``."""
        return self.text.split()


def teacher_verdicts(scorer: Scorer, made: list[tuple[str, list[Edit]]], firsts: list[str] | None) -> list[EditResult]:
    """The teacher's verdict on CFEs made without it (``made``: each original's text and edits; ``firsts``: a pair's
    premises): one pass over the originals and their CFEs after every edit is made, so labels, never guidance."""
    texts = [text for text, _ in made]
    cfes = [render(text.split(), {e.slot: e.new for e in edits}) if edits else text for text, edits in made]
    p = scorer.probs(texts + cfes) if firsts is None else scorer.probs(firsts + firsts, texts + cfes)
    results = []
    for (text, edits), cfe, a, b in zip(made, cfes, p[: len(made)], p[len(made) :], strict=True):
        source, target = int(a.argmax()), target_class(a)
        flipped = int(b.argmax()) != source
        results.append(EditResult(text, cfe, source, target, flipped, float(a[target]), float(b[target]), edits, 2))
    return results


class UnguidedGenerator(Generator):
    """A control: edits each of the reference kind's originals by ``edits`` alone (no teacher, no language model),
    then asks the teacher for its verdict on every result in one pass."""

    calls_are = "teacher forward passes"
    reference = "semantic"

    def edits(self, originals: list[Original]) -> list[list[Edit]]:
        """The slot edits of each original, made without the teacher (none: the original itself)."""
        raise NotImplementedError

    def generate(
        self,
        originals: pd.DataFrame,
        scorer: Scorer,
        dataset: DatasetInfo,
        label_names: list[str],
        reference: list[EditResult] | None = None,
    ) -> Generated:
        self.check(dataset, label_names)
        if reference is None or len(reference) != len(originals):
            raise ValueError(f"the {self.name} control needs the {self.reference} results of the same originals")
        texts, firsts = edited_texts(originals), fixed_texts(originals)
        rows = [
            Original(
                int(idx),
                int(label),
                text,
                scorer.visible_words(text.split(), None if firsts is None else firsts[i].split()),
                max(1, len(ref.edits)),
            )
            for i, (idx, label, text, ref) in enumerate(
                zip(originals["idx"], originals["label"], texts, reference, strict=True)
            )
        ]
        made = list(zip(texts, self.edits(rows), strict=True))
        return Generated(teacher_verdicts(scorer, made, firsts), {"reference_kind": self.reference})

"""A toy kind of counterfactual for the registry test: each CFE is its original's words in reverse order."""

from __future__ import annotations

from cod.counterfactuals.editor import EditResult
from cod.counterfactuals.generators.base import Generated, Generator


class ReversedWords(Generator):
    """A toy generator: each CFE is its original's words in reverse order, aimed at class 1 from class 0."""

    name = "toy"
    calls_are = "toy calls"

    def generate(self, originals, scorer, dataset, label_names, reference=None):
        texts = originals["text"].tolist()
        flipped = [" ".join(reversed(t.split())) for t in texts]
        return Generated(
            [EditResult(t, f, 0, 1, True, 0.0, 0.0, forward_passes=2) for t, f in zip(texts, flipped, strict=True)],
            {"toy_prompts": dataset.prompts},
        )

    def set_metrics(self, records, extra):
        return {"toy_valid": int(records["valid"].sum())}


GENERATOR = ReversedWords

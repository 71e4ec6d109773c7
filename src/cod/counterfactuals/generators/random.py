"""The random control (``cod-random``): as many word edits as the semantic CFE, at random, without the teacher."""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from cod.counterfactuals.editor import EditResult, random_edits, render, target_class
from cod.counterfactuals.generators.base import Generated, Generator
from cod.counterfactuals.scorer import Scorer
from cod.counterfactuals.texts import edited_texts, fixed_texts
from cod.data.registry import DatasetInfo


def vocabulary(texts: list[str]) -> list[str]:
    """The alphabetic lower-case words of ``texts``, sorted: what random edits draw replacements from."""
    return sorted({w.lower() for t in texts for w in t.split() if w.isalpha()})


class RandomGenerator(Generator):
    """Replaces, at random positions among the words the teacher reads, exactly as many words as the semantic CFE
    of the same original changed (1 when it changed none), with words drawn from the originals' vocabulary. The
    teacher is not consulted while editing; it only labels the results (every edited text is kept, labelled with
    the teacher's prediction). Seeded by the original's idx: the same original gets the same edits."""

    name = "random"
    calls_are = "teacher forward passes"
    reference = "semantic"
    keeps = "changed"

    def generate(
        self,
        originals: pd.DataFrame,
        scorer: Scorer,
        dataset: DatasetInfo,
        label_names: list[str],
        reference: list[EditResult] | None = None,
    ) -> Generated:
        if reference is None or len(reference) != len(originals):
            raise ValueError("the random control needs the semantic results of the same originals")
        texts, firsts = edited_texts(originals), fixed_texts(originals)
        vocab = vocabulary(texts)
        made = []
        for idx, text, ref, i in zip(originals["idx"], texts, reference, range(len(texts)), strict=True):
            words = text.split()
            visible = scorer.visible_words(words, None if firsts is None else firsts[i].split())
            rng = np.random.default_rng(zlib.crc32(f"random-{int(idx)}".encode()))
            edits = random_edits(words, max(1, len(ref.edits)), visible, vocab, rng)
            made.append((text, render(words, {e.slot: e.new for e in edits}), edits))
        # the teacher's verdicts, after every edit is made: labels, not guidance
        edited = [t for t, _, _ in made] + [c for _, c, _ in made]
        p = scorer.probs(edited) if firsts is None else scorer.probs(firsts + firsts, edited)
        p0, p1 = p[: len(made)], p[len(made) :]
        results = []
        for (text, cfe, edits), a, b in zip(made, p0, p1, strict=True):
            source, target = int(a.argmax()), target_class(a)
            results.append(
                EditResult(
                    text, cfe, source, target, int(b.argmax()) != source, float(a[target]), float(b[target]), edits, 2
                )
            )
        return Generated(results, {"reference_kind": self.reference})

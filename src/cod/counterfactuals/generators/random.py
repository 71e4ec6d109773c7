"""The random control (``cod-random``): as many word edits as the semantic CFE, at random, without the teacher."""

from __future__ import annotations

import zlib

import numpy as np

from cod.counterfactuals import lexicon as lex
from cod.counterfactuals.editor import Edit, keep_punctuation
from cod.counterfactuals.generators.unguided import Original, UnguidedGenerator


def vocabulary(texts: list[str]) -> list[str]:
    """The alphabetic lower-case words of ``texts``, sorted: what random edits draw replacements from."""
    return sorted({w.lower() for t in texts for w in t.split() if w.isalpha()})


def random_edits(words: list[str], n: int, visible: int, vocabulary: list[str], rng: np.random.Generator) -> list[Edit]:
    """The random control: ``n`` distinct words (slots with a letter, not bare punctuation) among the first ``visible``,
    each replaced by a different word drawn uniformly from ``vocabulary`` (no teacher, no lexicon)."""
    pool = [i for i in range(min(visible, len(words))) if any(c.isalpha() for c in words[i])]
    n = min(n, len(pool))
    slots = sorted(int(pool[j]) for j in rng.choice(len(pool), size=n, replace=False)) if n else []
    edits = []
    for slot in slots:
        old = lex.key(words[slot])
        new = old
        while new == old:
            new = vocabulary[int(rng.integers(len(vocabulary)))]
        edits.append(Edit(slot, "random", words[slot], keep_punctuation(words[slot], new)))
    return edits


def rng_of(idx: int) -> np.random.Generator:
    """The random stream of original ``idx``: the same original gets the same edits in every batch."""
    return np.random.default_rng(zlib.crc32(f"random-{idx}".encode()))


class RandomGenerator(UnguidedGenerator):
    """Replaces, at random positions among the words the teacher reads, exactly as many words as the semantic CFE
    of the same original changed (1 when it changed none), with words drawn from the originals' vocabulary. The
    teacher is not consulted while editing; it only labels the results (every edited text is kept, labelled with
    the teacher's prediction). Seeded by the original's idx: the same original gets the same edits."""

    name = "random"
    keeps = "changed"

    def edits(self, originals: list[Original]) -> list[list[Edit]]:
        vocab = vocabulary([o.text for o in originals])
        return [random_edits(o.words, o.budget, o.visible, vocab, rng_of(o.idx)) for o in originals]


GENERATOR = RandomGenerator

"""The lexicon control (``cod-lexicon``): the semantic families' polarity and negation edits, chosen by VADER alone."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cod.counterfactuals import lexicon as lex
from cod.counterfactuals.decency import proposals
from cod.counterfactuals.editor import Edit, render
from cod.counterfactuals.generators.unguided import Original, UnguidedGenerator
from cod.counterfactuals.operators import Op, semantic_operators
from cod.data.registry import DatasetInfo
from cod.errors import ConfigError

SENTIMENT_CLASSES = ["negative", "positive"]  # class 1 positive: the direction the edits move VADER's score away from


def lexicon_rewrites(words: list[str], visible: int) -> list[Op]:
    """Every distinct rewrite the semantic editor's lexicon families propose for a review's first ``visible`` words
    (``semantic_operators``, sentiment), reduced to the slots it changes, all of them visible; leftmost slot first,
    then in operator order."""
    out: list[Op] = []
    seen: set[tuple[tuple[int, str], ...]] = set()
    slots = range(min(visible, len(words)))
    for ops in proposals(words, slots, lambda i: semantic_operators(words, i, "sentiment")).values():
        for name, change in ops:
            changed = {s: new for s, new in change.items() if new != words[s]}
            sig = tuple(sorted(changed.items()))
            if changed and max(changed) < visible and sig not in seen:
                seen.add(sig)
                out.append((name, changed))
    return sorted(out, key=lambda op: min(op[1]))  # stable: a slot's rewrites stay in operator order


def lexicon_edits(words: list[str], n: int, visible: int, toward: int) -> list[Edit]:
    """The lexicon control: up to ``n`` edited slots among the first ``visible`` words, chosen greedily from
    ``lexicon_rewrites`` by how far each moves VADER's compound score of the text toward ``toward`` (-1: lower,
    +1: higher), each at slots no earlier one rewrote; stops early when no rewrite moves the score further. No
    teacher, no language model; ties: the leftmost rewrite, then operator order. A rewrite of several slots (a
    phrase swap, an article re-chosen) counts each, as the editor's ``EditResult.edits`` do."""
    candidates = lexicon_rewrites(words, visible)
    state: dict[int, str] = {}
    chosen: list[Op] = []
    score = lex.compound(render(words, state))
    while True:
        best: Op | None = None
        for name, change in candidates:
            if len(state) + len(change) > n or not state.keys().isdisjoint(change):
                continue
            moved = lex.compound(render(words, state | change))
            if (moved - score) * toward > 0:
                best, score = (name, change), moved
        if best is None:
            break
        chosen.append(best)
        state |= best[1]
    edits = (Edit(s, name, words[s], new) for name, change in chosen for s, new in change.items())
    return sorted(edits, key=lambda e: e.slot)


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


GENERATOR = LexiconGenerator

"""The adversarial kind (``adversarial``): any edit that flips the teacher: lexical edits (antonyms, negation) and free
deletions of the words whose deletion hurts its class most, then HotFlip gradient swaps (the editor before the
semantic kind)."""

from __future__ import annotations

import numpy as np

from cod.counterfactuals import lexicon as lex
from cod.counterfactuals.decency import proposals
from cod.counterfactuals.editor import Editor, Stages, Task, keep_punctuation, render
from cod.counterfactuals.generators.editor import EditorGenerator
from cod.counterfactuals.operators import acceptability


def operators(words: list[str], i: int, task: Task, flips: list[str]) -> list[tuple[str, dict[int, str]]]:
    """Candidate rewrites of slot i (and, for swaps, i+1): (operator name, {slot: new text})."""
    w, k = words[i], lex.key(words[i])
    out: list[tuple[str, dict[int, str]]] = []
    if task == "acceptability":
        return acceptability(words, i)
    for ant in lex.opposite_words(w)[:4]:
        out.append(("antonym", {i: keep_punctuation(w, ant)}))
    if k in lex.NEGATIONS:
        out.append(("negation_remove", {i: ""}))
    elif k in lex.CONTRACTIONS:
        out.append(("negation_remove", {i: keep_punctuation(w, lex.CONTRACTIONS[k])}))
    elif k in lex.AUXILIARIES:
        out.append(("negation_insert", {i: f"{w} not"}))
    elif k in lex.valences():
        out.append(("negation_insert", {i: f"not {w}"}))
    v = lex.valences().get(k)
    for cand in flips:
        if cand != k and (v is None or lex.valences().get(cand, 0.0) * v < 0):
            out.append(("hotflip", {i: keep_punctuation(w, cand)}))
    out.append(("delete", {i: ""}))
    return out


class AdversarialEditor(Editor):
    """The adversarial search over the most salient words (re-ranked by occlusion): lexical edits and deletions
    first, HotFlip swaps to any VADER word of the opposite polarity only when those cannot flip the teacher."""

    def _stages(self, words: list[str], source: int, target: int, first: str | None, long: bool = False) -> Stages:
        """Lexical edits (antonyms, negation, deletion), then HotFlip swaps too."""
        saliency, grads, first_ids, depth, slots = self._reach(words, source, first, long)
        ranked = [int(i) for i in np.argsort(-saliency, kind="stable")[: 2 * slots] if int(i) in grads]
        top = self._by_occlusion(words, ranked, source, first)[:slots]
        # Lexical edits (antonyms, negation, deletion) first; gradient swaps only when those cannot flip.
        yield proposals(words, top, lambda i: operators(words, i, self.task, [])), depth
        flips = {
            i: self.scorer.hotflip(
                grads[i], first_ids[i], self.vocab_ids, self.vocab_words, self.cfg.hotflip_candidates
            )
            for i in top
        }
        yield proposals(words, top, lambda i: operators(words, i, self.task, flips[i])), depth

    def _by_occlusion(self, words: list[str], slots: list[int], source: int, first: str | None) -> list[int]:
        """``slots`` ordered by how much deleting each word lowers p(source) (the biggest drop first)."""
        if not slots:
            return []
        occluded = self._probs([render(words, {i: ""}) for i in slots], first)[:, source]
        return [slots[j] for j in np.argsort(occluded, kind="stable")]


class AdversarialGenerator(EditorGenerator):
    """Any edit that flips the teacher: lexical edits, free deletions, then HotFlip gradient swaps."""

    name = "adversarial"
    search = AdversarialEditor


GENERATOR = AdversarialGenerator

"""The semantic kind (``semantic``): edits a person would make (antonyms, negation, intensifier and phrase swaps;
cod.counterfactuals.operators), then salient words swapped to polarity words, ranked by the teacher and a language
model's fluency."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cod.config import EditorSettings
from cod.counterfactuals.decency import proposals
from cod.counterfactuals.editor import Editor, Fluency, Stages, Task, render
from cod.counterfactuals.generators.editor import EditorGenerator
from cod.counterfactuals.operators import Op, broad_swap, neutral_antonym, salient_swap, semantic_operators
from cod.counterfactuals.scorer import Scorer

OPS_PER_SLOT = 3  # the best single edits of a slot kept for the beam search
SALIENT_MIN_VALENCE = 1.5  # salient words may become lexicon words at least this polar (VADER)
SALIENT_CANDIDATES = 40  # gradient-ranked lexicon words checked for a salient word's part of speech
SALIENT_IN_CONTEXT = 4  # of those, the swaps the language model finds likeliest in the sentence ...
SALIENT_WINDOW = 8  # words either side of a swap the language model reads to judge it
SALIENT_MIN_DELTA = -5.0  # ... that cost the sentence at most 5 nats of total log-probability ("kind" -> "serene": -26)


def in_context(fluency: Fluency | None, words: list[str], per_slot: dict[int, list[Op]]) -> dict[int, list[Op]]:
    """For each slot, the ``SALIENT_IN_CONTEXT`` of its swaps the language model finds most likely in their context
    (total log-probability of the ``SALIENT_WINDOW`` words either side: the new word and how the rest reads after it)
    among those costing at most ``SALIENT_MIN_DELTA`` nats; the first ``SALIENT_IN_CONTEXT`` as given without a
    language model. Every slot's windows go to the language model in one call."""
    if fluency is None:
        return {i: ops[:SALIENT_IN_CONTEXT] for i, ops in per_slot.items()}
    texts: list[str] = []
    spans: dict[int, tuple[int, int]] = {}  # slot -> (index of its unedited window, number of its swaps)
    for i, ops in per_slot.items():
        if not ops:
            continue
        slots = [s for _, change in ops for s in change]
        lo, hi = max(0, min(slots) - SALIENT_WINDOW), max(slots) + SALIENT_WINDOW + 1  # a long review: its part
        near = words[lo:hi]
        spans[i] = (len(texts), len(ops))
        texts += [" ".join(near)] + [render(near, {s - lo: new for s, new in change.items()}) for _, change in ops]
    totals = fluency.totals(texts) if texts else np.zeros(0)
    out: dict[int, list[Op]] = {}
    for i, ops in per_slot.items():
        if i not in spans:
            out[i] = []
            continue
        at, n = spans[i]
        base, cand = totals[at], totals[at + 1 : at + 1 + n]
        keep = [j for j in np.argsort(-cand, kind="stable") if cand[j] - base >= SALIENT_MIN_DELTA]
        out[i] = [ops[j] for j in keep[:SALIENT_IN_CONTEXT]]
    return out


class SemanticEditor(Editor):
    """The semantic search: the lexicon's edits first, then salient words swapped to polarity words, then antonyms
    without a polarity, then the last resorts; the accepted candidates ranked by p(target) and the LM's fluency."""

    hotflip_min_valence = SALIENT_MIN_VALENCE

    def __init__(
        self,
        scorer: Scorer,
        task: Task,
        settings: EditorSettings,
        *,
        min_confidence: float = 0.0,
        fluency: Fluency | None = None,
    ) -> None:
        if settings.fluency_weight > 0 and fluency is None:
            raise ValueError("the semantic editor ranks by fluency: pass a language model (or fluency_weight: 0)")
        super().__init__(scorer, task, settings, min_confidence=min_confidence, fluency=fluency)

    def _stages(self, words: list[str], source: int, target: int, first: str | None, long: bool = False) -> Stages:
        """The lexicon's edits, then swaps of the most salient evaluative words to polarity words, then (sentiment)
        their antonyms without a polarity, then the last resorts (other salient words to polarity words, antonyms of
        other words)."""
        saliency, grads, first_ids, depth, slots = self._reach(words, source, first, long)
        scored: dict[int, list[tuple[float, tuple[str, dict[int, str]]]]] = {}
        seen: set[tuple] = set()
        visible = sorted(grads)
        lexical = proposals(words, visible, lambda i: semantic_operators(words, i, self.task))
        self._score_proposals(words, visible, lexical, target, first, scored, seen)
        yield self._best_slots(scored, slots), depth
        if self.task == "acceptability":
            return
        salient = [int(i) for i in np.argsort(-saliency, kind="stable")[:slots] if int(i) in grads]
        swaps = {
            i: self.scorer.hotflip(grads[i], first_ids[i], self.vocab_ids, self.vocab_words, SALIENT_CANDIDATES)
            for i in salient
        }

        def floored(per_slot: dict[int, list[Op]]) -> dict[int, list[Op]]:
            """Each slot's proposals of ``per_slot`` that the LM reads well in context (one LM call for all)."""
            return in_context(self.fluency, words, per_slot)

        def swapped(swap: Callable[..., list[Op]]) -> dict[int, list[Op]]:
            """Each slot's swaps by ``swap`` to its gradient-ranked polarity words, ranked by the LM in context."""
            return floored(proposals(words, salient, lambda i: swap(words, i, swaps[i], n=len(swaps[i]))))

        self._score_proposals(words, salient, swapped(salient_swap), target, first, scored, seen)
        yield self._best_slots(scored, slots), depth
        if self.task == "sentiment":  # then antonyms without a polarity ("scant" -> "sufficient"), LM-floored
            evaluative = floored(proposals(words, visible, lambda i: neutral_antonym(words, i)))
            self._score_proposals(words, visible, evaluative, target, first, scored, seen)
            yield self._best_slots(scored, slots), depth
        # last resorts: any salient adjective, adverb or noun to a polarity word, then antonyms of the other
        # content words, each only where the language model reads it well in context
        self._score_proposals(words, salient, swapped(broad_swap), target, first, scored, seen)
        yield self._best_slots(scored, slots), depth
        if self.task == "sentiment":
            broad = floored(proposals(words, visible, lambda i: neutral_antonym(words, i, evaluative=False)))
            self._score_proposals(words, visible, broad, target, first, scored, seen)
            yield self._best_slots(scored, slots), depth

    def _score_proposals(
        self,
        words: list[str],
        slots: list[int],
        propose: dict[int, list[Op]],
        target: int,
        first: str | None,
        scored: dict[int, list],
        seen: set[tuple],
    ) -> None:
        """Score each new distinct edit that ``propose[i]`` holds for the slots alone by the teacher's p(target),
        filed into ``scored`` under the first slot it rewrites (a clause's negation is proposed from each of its
        words but is one edit, scored once)."""
        new: list[tuple[str, dict[int, str]]] = []
        for i in slots:
            for name, change in propose.get(i, []):
                sig = tuple(sorted(change.items()))
                if sig not in seen:
                    seen.add(sig)
                    new.append((name, change))
        if not new:
            return
        p = self._probs([render(words, change) for _, change in new], first)[:, target]
        for op, q in zip(new, p, strict=True):
            scored.setdefault(min(op[1]), []).append((float(q), op))

    @staticmethod
    def _best_slots(scored: dict[int, list], slots: int) -> dict[int, list]:
        """The ``slots`` slots whose best edit raises p(target) most, each with its ``OPS_PER_SLOT`` best edits."""
        best = sorted(scored, key=lambda slot: (-max(q for q, _ in scored[slot]), slot))[:slots]
        return {slot: [op for _, op in sorted(scored[slot], key=lambda x: -x[0])[:OPS_PER_SLOT]] for slot in best}

    def _choose(
        self, words: list[str], cands: list[dict[int, str]], probs: np.ndarray, target: int, first: str | None
    ) -> int:
        """The accepted candidate to keep: the most confident, or (with an LM) the best of the
        ``fluency_candidates`` most confident by p(target) + fluency_weight × Δ log-prob per token (of the part of
        each text the teacher reads)."""
        order = self.by_confidence(probs, target)
        if self.fluency is None or self.cfg.fluency_weight == 0 or len(order) == 1:
            return order[0]
        short = order[: self.cfg.fluency_candidates]
        texts = [" ".join(words)] + [render(words, cands[j]) for j in short]
        lp = self.fluency.logprobs([self.scorer.read_part(t, first) for t in texts])  # a long review: what is read
        score = [float(probs[j][target]) + self.cfg.fluency_weight * (lp[1 + n] - lp[0]) for n, j in enumerate(short)]
        return short[int(np.argmax(score))]


class SemanticGenerator(EditorGenerator):
    """Edits a person would make (antonyms, negation, intensifier and phrase swaps), ranked by teacher and LM."""

    name = "semantic"
    search = SemanticEditor


GENERATOR = SemanticGenerator

"""Offline counterfactual editor: saliency → word operators → beam search → teacher-accepted → ranked → pruned.

Kinds (``counterfactuals.editor.kind``): ``semantic`` edits the words a person would change (antonyms, negation,
intensifier and phrase swaps; cod.counterfactuals.operators) and ranks the teacher-accepted candidates by the
teacher and a language model's fluency; ``adversarial`` adds HotFlip swaps and free deletions (the editor before
the semantic kind); ``random`` (``random_edits``) is the unguided control and ``lexicon`` (``lexicon_edits``) the
lexicon's own choice among the semantic families' edits, by VADER's score alone.

Text is split on whitespace into slots; an edit rewrites one slot (a replacement, "" for a deletion,
"not good" for an insertion), so edits never shift each other's positions. Only the words the teacher reads
(its first ``max_length`` tokens) are edited; a long text may take up to ``max_edit_share`` of them. Every
candidate rewrite reaches scoring through ``decency.proposals``: one inserting an offensive word is never proposed.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import torch

from cod.config import EditorSettings
from cod.counterfactuals import lexicon as lex
from cod.counterfactuals.decency import proposals
from cod.counterfactuals.metrics import word_levenshtein
from cod.counterfactuals.operators import (
    Op,
    acceptability,
    broad_swap,
    neutral_antonym,
    salient_swap,
    semantic_operators,
)
from cod.counterfactuals.scorer import Scorer

Task = Literal["sentiment", "acceptability", "generic"]


@dataclass(frozen=True)
class Edit:
    """One slot rewrite."""

    slot: int
    op: str
    old: str
    new: str


@dataclass
class EditResult:
    """The outcome of editing one text toward ``target``."""

    original: str
    text: str
    source: int
    target: int
    flipped: bool
    p_target_before: float
    p_target_after: float
    edits: list[Edit] = field(default_factory=list)
    forward_passes: int = 0
    seconds: float = 0.0


def _with_core(word: str, new_core: str) -> str:
    """Replace the alphabetic core of ``word`` keeping surrounding punctuation ("good," -> "bad,")."""
    m = re.match(r"^(\W*)(.*?)(\W*)$", word)
    return f"{m.group(1)}{new_core}{m.group(3)}" if m else new_core


def hotflip_vocabulary(tokenizer, min_valence: float = 1.0) -> tuple[torch.Tensor, list[str]]:
    """Whole-word vocabulary entries that carry sentiment (VADER |valence| >= min_valence)."""
    vocab = tokenizer.get_vocab()
    words = sorted(w for w, v in lex.valences().items() if abs(v) >= min_valence and w in vocab)
    return torch.tensor([vocab[w] for w in words], dtype=torch.long), words


def operators(words: list[str], i: int, task: Task, flips: list[str]) -> list[tuple[str, dict[int, str]]]:
    """Candidate rewrites of slot i (and, for swaps, i+1): (operator name, {slot: new text})."""
    w, k = words[i], lex.key(words[i])
    out: list[tuple[str, dict[int, str]]] = []
    if task == "acceptability":
        return acceptability(words, i)
    for ant in lex.opposite_words(w)[:4]:
        out.append(("antonym", {i: _with_core(w, ant)}))
    if k in lex.NEGATIONS:
        out.append(("negation_remove", {i: ""}))
    elif k in lex.CONTRACTIONS:
        out.append(("negation_remove", {i: _with_core(w, lex.CONTRACTIONS[k])}))
    elif k in lex.AUXILIARIES:
        out.append(("negation_insert", {i: f"{w} not"}))
    elif k in lex.valences():
        out.append(("negation_insert", {i: f"not {w}"}))
    v = lex.valences().get(k)
    for cand in flips:
        if cand != k and (v is None or lex.valences().get(cand, 0.0) * v < 0):
            out.append(("hotflip", {i: _with_core(w, cand)}))
    out.append(("delete", {i: ""}))
    return out


def render(words: list[str], state: dict[int, str]) -> str:
    """The text of a state: slots joined with single spaces, empty slots dropped."""
    return " ".join(s for s in (state.get(i, w) for i, w in enumerate(words)) if s)


class Fluency(Protocol):
    """What the semantic editor ranks by: a language model's mean log-probability per token of each text."""

    def logprobs(self, texts: list[str]) -> np.ndarray: ...

    def totals(self, texts: list[str]) -> np.ndarray: ...


def target_class(p: np.ndarray) -> int:
    """The class a CFE aims for: the teacher's runner-up (binary: the other class; k classes: the closest other;
    ties: the lower class index, never the argmax itself)."""
    return int(np.argsort(-p, kind="stable")[1])


Kind = Literal["semantic", "adversarial"]
OPS_PER_SLOT = 3  # semantic: the best single edits of a slot kept for the beam search
SALIENT_MIN_VALENCE = 1.5  # semantic: salient words may become lexicon words at least this polar (VADER)
SALIENT_CANDIDATES = 40  # semantic: gradient-ranked lexicon words checked for a salient word's part of speech
SALIENT_IN_CONTEXT = 4  # semantic: of those, the swaps the language model finds likeliest in the sentence ...
SALIENT_WINDOW = 8  # semantic: words either side of a swap the language model reads to judge it
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


class Editor:
    """Beam search over word edits until the teacher predicts ``target`` with at least ``min_confidence``, then
    ranks the accepted candidates (semantic: by p(target) and LM fluency) and prunes unneeded edits."""

    def __init__(
        self,
        scorer: Scorer,
        task: Task,
        settings: EditorSettings,
        kind: Kind = "semantic",
        *,
        min_confidence: float = 0.0,
        fluency: Fluency | None = None,
    ) -> None:
        if kind == "semantic" and settings.fluency_weight > 0 and fluency is None:
            raise ValueError("the semantic editor ranks by fluency: pass a language model (or fluency_weight: 0)")
        self.scorer, self.task, self.cfg, self.kind = scorer, task, settings, kind
        self.min_confidence, self.fluency = min_confidence, fluency
        self.vocab_ids, self.vocab_words = (
            hotflip_vocabulary(scorer.tokenizer, 1.0 if kind == "adversarial" else SALIENT_MIN_VALENCE)
            if task != "acceptability"
            else (torch.zeros(0, dtype=torch.long), [])
        )

    def _flipped(self, p: np.ndarray, target: int) -> bool:
        return int(p.argmax()) == target and p[target] >= p.max() - 1e-12

    def _accepted(self, p: np.ndarray, target: int) -> bool:
        """A kept CFE: the teacher predicts ``target`` with p(target) >= counterfactuals.min_confidence."""
        return self._flipped(p, target) and float(p[target]) >= self.min_confidence

    def _probs(self, texts: list[str], first: str | None) -> np.ndarray:
        """The teacher's probabilities of ``texts``, each read as the second text after ``first`` if given."""
        return self.scorer.probs(texts) if first is None else self.scorer.probs([first] * len(texts), texts)

    def _score(
        self, words: list[str], states: list[dict[int, str]], target: int, first: str | None = None
    ) -> tuple[np.ndarray, list[str]]:
        texts = [render(words, s) for s in states]
        probs = self._probs(texts, first)
        dist = np.array([word_levenshtein(words, t.split()) / max(1, len(words)) for t in texts])
        return probs, list(probs[:, target] - self.cfg.edit_penalty * dist)

    def depth(self, visible: int) -> int:
        """Most edits one CFE may make: max_edits, or max_edit_share of the words the teacher reads if more."""
        return max(self.cfg.max_edits, math.ceil(self.cfg.max_edit_share * visible))

    def edit(self, text: str, first: str | None = None) -> EditResult:
        """Edit ``text`` until the teacher predicts its runner-up class (binary: the other class).

        For a sentence pair, ``first`` is the pair's first text (the premise): the teacher reads
        (first, text) and only ``text`` (the hypothesis) is edited; ``first`` stays as it is."""
        start, calls0 = time.perf_counter(), self.scorer.forward_passes
        words = text.split()
        p0 = self._probs([text], first)[0]
        source, target = int(p0.argmax()), target_class(p0)
        result = EditResult(text, text, source, target, False, float(p0[target]), float(p0[target]))
        if not words:
            return result
        long = self.scorer.visible_words(words, None if first is None else first.split()) >= self.cfg.long_text_words
        stages = self._stages(words, source, target, first, long)
        search = self._add_in_order if long else self._search
        every: dict[int, list] = {}  # every stage's operators per slot: what names the edits and groups them
        best_state, best_p = None, None  # the first stage's accepted state, else the most confident flip of any
        for ops, depth in stages:
            for slot, cands in ops.items():
                every.setdefault(slot, []).extend(cands)
            state, p = search(words, ops, target, first, depth)
            if state is not None and (best_p is None or self._accepted(p, target) or p[target] > best_p[target]):
                best_state, best_p = state, p
            if best_p is not None and self._accepted(best_p, target):
                break  # later stages (and their proposals) are never built
        if best_state is not None:
            if self._accepted(best_p, target):
                best_state, best_p = self._prune(words, best_state, best_p, target, first, every)
            result.text = render(words, best_state)
            result.flipped = self._flipped(best_p, target)
            result.p_target_after = float(best_p[target])
            result.edits = [
                Edit(s, self.change_of(s, best_state, every)[0], words[s], best_state[s]) for s in sorted(best_state)
            ]
        result.forward_passes = self.scorer.forward_passes - calls0
        result.seconds = time.perf_counter() - start
        return result

    def _stages(
        self, words: list[str], source: int, target: int, first: str | None, long: bool = False
    ) -> Iterator[tuple[dict[int, list], int]]:
        """The search's stages, each (operators per slot, depth), built lazily: a stage's proposals are made only
        when the stages before it found no accepted CFE. semantic: the lexicon's edits, then swaps of the most
        salient evaluative words to polarity words, then (sentiment) their antonyms without a polarity, then the last
        resorts (other salient words to polarity words, antonyms of other words); adversarial: lexical edits,
        then HotFlip swaps too. ``long``: a long text, searched by _add_in_order, which uses one slot per edit (the
        beam search keeps twice as many to choose among)."""
        saliency, grads, first_ids = self.scorer.gradients(words, source, None if first is None else first.split())
        depth = self.depth(len(grads))  # grads: the words the teacher reads
        slots = max(self.cfg.top_words, (1 if long else 2) * depth)
        if self.kind == "semantic":
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
        else:
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

    def _by_occlusion(self, words: list[str], slots: list[int], source: int, first: str | None) -> list[int]:
        """``slots`` ordered by how much deleting each word lowers p(source) (the biggest drop first)."""
        if not slots:
            return []
        occluded = self._probs([render(words, {i: ""}) for i in slots], first)[:, source]
        return [slots[j] for j in np.argsort(occluded, kind="stable")]

    def _choose(
        self, words: list[str], cands: list[dict[int, str]], probs: np.ndarray, target: int, first: str | None
    ) -> int:
        """The accepted candidate to keep: the most confident, or (semantic with an LM) the best of the
        ``fluency_candidates`` most confident by p(target) + fluency_weight × Δ log-prob per token (of the part of
        each text the teacher reads)."""
        order = sorted(range(len(cands)), key=lambda j: -float(probs[j][target]))
        if self.kind != "semantic" or self.fluency is None or self.cfg.fluency_weight == 0 or len(order) == 1:
            return order[0]
        short = order[: self.cfg.fluency_candidates]
        texts = [" ".join(words)] + [render(words, cands[j]) for j in short]
        lp = self.fluency.logprobs([self.scorer.read_part(t, first) for t in texts])  # a long review: what is read
        score = [float(probs[j][target]) + self.cfg.fluency_weight * (lp[1 + n] - lp[0]) for n, j in enumerate(short)]
        return short[int(np.argmax(score))]

    def _search(self, words: list[str], ops: dict[int, list], target: int, first: str | None, depth: int):
        """Beam search over edit sets of growing size (beam_width up to max_edits, then greedy): the chosen accepted
        state of the first level that has one; else the most confident flip seen; else (None, None)."""
        beam: list[dict[int, str]] = [{}]
        flipped_best: tuple[dict[int, str], np.ndarray] | None = None
        for level in range(depth):
            cands, seen = [], set()
            for state in beam:
                for i, changes in ops.items():
                    if i in state:
                        continue
                    for _, change in changes:
                        if any(s in state for s in change):
                            continue
                        new = {**state, **change}
                        sig = tuple(sorted(new.items()))
                        if sig not in seen:
                            seen.add(sig)
                            cands.append(new)
            if not cands:
                break
            probs, scores = self._score(words, cands, target, first)
            accepted = [j for j in range(len(cands)) if self._accepted(probs[j], target)]
            if accepted:
                pick = accepted[self._choose(words, [cands[j] for j in accepted], probs[accepted], target, first)]
                return cands[pick], probs[pick]
            for j in range(len(cands)):
                if self._flipped(probs[j], target) and (
                    flipped_best is None or probs[j][target] > flipped_best[1][target]
                ):
                    flipped_best = (cands[j], probs[j])
            width = self.cfg.beam_width if level < self.cfg.max_edits else 1
            beam = [cands[j] for j in np.argsort(scores, kind="stable")[::-1][:width]]
        return flipped_best if flipped_best is not None else (None, None)

    def _add_in_order(self, words: list[str], ops: dict[int, list], target: int, first: str | None, depth: int):
        """Long texts: each slot's best edit added in the slots' order (the biggest single-edit gain first) up to
        ``depth`` edits, every prefix scored in one batch; the shortest accepted prefix (edit() then prunes it), else
        the most confident flip among them, else (None, None). ``depth`` + pruning passes instead of a beam search's
        thousands on a review whose teacher reads 100+ words."""
        states, state = [], {}
        for changes in ops.values():
            if len(states) == depth:
                break
            change = next((c for _, c in changes if not any(s in state for s in c)), None)
            if change is not None:
                state = {**state, **change}
                states.append(state)
        if not states:
            return None, None
        probs, _ = self._score(words, states, target, first)
        accepted = [j for j in range(len(states)) if self._accepted(probs[j], target)]
        flipped = [j for j in range(len(states)) if self._flipped(probs[j], target)]
        if accepted or flipped:
            j = accepted[0] if accepted else max(flipped, key=lambda j: probs[j][target])
            return states[j], probs[j]
        return None, None

    @staticmethod
    def change_of(slot: int, state: dict[int, str], ops: dict[int, list]) -> tuple[str, tuple[int, ...]]:
        """The operator change of ``ops`` that made ``state``'s rewrite of ``slot``: (its name, the slots it
        rewrote); ("edit", (slot,)) when no change of ``ops`` explains it."""
        for cands in ops.values():
            for name, change in cands:
                if change.get(slot) == state[slot] and all(state.get(t) == v for t, v in change.items()):
                    return name, tuple(sorted(change))
        return "edit", (slot,)

    @classmethod
    def edit_groups(cls, state: dict[int, str], ops: dict[int, list]) -> list[tuple[int, ...]]:
        """The slots of ``state`` grouped by the operator change that made them: a phrase swap or an adjacent
        swap rewrites several slots at once and is undone as one edit (a slot no change explains stands alone)."""
        groups: list[tuple[int, ...]] = []
        for slot in sorted(state):
            if not any(slot in g for g in groups):
                groups.append(cls.change_of(slot, state, ops)[1])
        return groups

    def _prune(
        self,
        words: list[str],
        state: dict[int, str],
        p: np.ndarray,
        target: int,
        first: str | None = None,
        ops: dict[int, list] | None = None,
    ):
        """Undo edits the accepted CFE does not need, one edit (all the slots of one change) at a time."""
        groups = self.edit_groups(state, ops or {})
        while len(groups) > 1:
            trials = [{s: v for s, v in state.items() if s not in drop} for drop in groups]
            probs = self._probs([render(words, t) for t in trials], first)
            ok = [j for j in range(len(trials)) if self._accepted(probs[j], target)]
            if not ok:
                break
            j = max(ok, key=lambda j: probs[j][target])
            state, p = trials[j], probs[j]
            groups = groups[:j] + groups[j + 1 :]
        return state, p


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
        edits.append(Edit(slot, "random", words[slot], _with_core(words[slot], new)))
    return edits


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

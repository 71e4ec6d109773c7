"""The offline editor's shared search: saliency → word edits → beam search → teacher-accepted → ranked → pruned.

Each kind's own stages (which edits, in what order) live in its generator module (``generators.semantic``,
``generators.adversarial``) as a subclass of ``Editor``; the search, the acceptance rule and the pruning are here.

Text is split on whitespace into slots; an edit rewrites one slot (a replacement, "" for a deletion,
"not good" for an insertion), so edits never shift each other's positions. Only the words the teacher reads
(its first ``max_length`` tokens) are edited; a long text may take up to ``max_edit_share`` of them. Every
candidate rewrite reaches scoring through ``decency.proposals``: one inserting an offensive word is never proposed.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar, Literal, Protocol

import numpy as np
import torch

from cod.config import EditorSettings
from cod.counterfactuals import lexicon as lex
from cod.counterfactuals.acceptance import accepts
from cod.counterfactuals.metrics import word_levenshtein
from cod.counterfactuals.scorer import Scorer

Task = Literal["sentiment", "acceptability", "generic"]
Stages = Iterator[tuple[dict[int, list], int]]  # each stage of a search: (operators per slot, depth)


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


def keep_punctuation(word: str, new_core: str) -> str:
    """Replace the alphabetic core of ``word`` keeping surrounding punctuation ("good," -> "bad,")."""
    m = re.match(r"^(\W*)(.*?)(\W*)$", word)
    return f"{m.group(1)}{new_core}{m.group(3)}" if m else new_core


def hotflip_vocabulary(tokenizer, min_valence: float = 1.0) -> tuple[torch.Tensor, list[str]]:
    """Whole-word vocabulary entries that carry sentiment (VADER |valence| >= min_valence)."""
    vocab = tokenizer.get_vocab()
    words = sorted(w for w, v in lex.valences().items() if abs(v) >= min_valence and w in vocab)
    return torch.tensor([vocab[w] for w in words], dtype=torch.long), words


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


class Editor:
    """Beam search over word edits until the teacher accepts the CFE (``acceptance.accepts``: it predicts the target
    with at least ``min_confidence``), then ranks the accepted candidates (``_choose``) and prunes unneeded edits.
    A kind's search is a subclass that says which edits to try in which stages (``_stages``)."""

    hotflip_min_valence: ClassVar[float] = 1.0  # the VADER |valence| of the words HotFlip may swap in

    def __init__(
        self,
        scorer: Scorer,
        task: Task,
        settings: EditorSettings,
        *,
        min_confidence: float = 0.0,
        fluency: Fluency | None = None,
    ) -> None:
        self.scorer, self.task, self.cfg = scorer, task, settings
        self.min_confidence, self.fluency = min_confidence, fluency
        self.vocab_ids, self.vocab_words = (
            hotflip_vocabulary(scorer.tokenizer, self.hotflip_min_valence)
            if task != "acceptability"
            else (torch.zeros(0, dtype=torch.long), [])
        )

    @staticmethod
    def _flipped(p: np.ndarray, source: int, target: int) -> bool:
        """The teacher predicts ``target`` at any confidence."""
        return accepts(p, source, target, 0.0)

    def _accepted(self, p: np.ndarray, source: int, target: int) -> bool:
        """A kept CFE: the teacher predicts ``target`` with p(target) >= counterfactuals.min_confidence."""
        return accepts(p, source, target, self.min_confidence)

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
            state, p = search(words, ops, source, target, first, depth)
            if state is not None and (
                best_p is None or self._accepted(p, source, target) or p[target] > best_p[target]
            ):
                best_state, best_p = state, p
            if best_p is not None and self._accepted(best_p, source, target):
                break  # later stages (and their proposals) are never built
        if best_state is not None:
            if self._accepted(best_p, source, target):
                best_state, best_p = self._prune(words, best_state, best_p, source, target, first, every)
            result.text = render(words, best_state)
            result.flipped = self._flipped(best_p, source, target)
            result.p_target_after = float(best_p[target])
            result.edits = [
                Edit(s, self.change_of(s, best_state, every)[0], words[s], best_state[s]) for s in sorted(best_state)
            ]
        result.forward_passes = self.scorer.forward_passes - calls0
        result.seconds = time.perf_counter() - start
        return result

    def _stages(self, words: list[str], source: int, target: int, first: str | None, long: bool = False) -> Stages:
        """The search's stages, each (operators per slot, depth), built lazily: a stage's proposals are made only
        when the stages before it found no accepted CFE. ``long``: a long text, searched by _add_in_order, which uses
        one slot per edit (the beam search keeps twice as many to choose among)."""
        raise NotImplementedError

    def _reach(
        self, words: list[str], source: int, first: str | None, long: bool
    ) -> tuple[np.ndarray, dict[int, torch.Tensor], list[int], int, int]:
        """What every kind's stages start from: the teacher's saliency of each word, the gradients of the words it
        reads and the premise's token ids (``Scorer.gradients``), the depth of a CFE and how many slots a stage may
        use (one per edit for a long text, twice as many for the beam search to choose among)."""
        saliency, grads, first_ids = self.scorer.gradients(words, source, None if first is None else first.split())
        depth = self.depth(len(grads))  # grads: the words the teacher reads
        return saliency, grads, first_ids, depth, max(self.cfg.top_words, (1 if long else 2) * depth)

    def _choose(
        self, words: list[str], cands: list[dict[int, str]], probs: np.ndarray, target: int, first: str | None
    ) -> int:
        """The accepted candidate to keep: the most confident (by p(target); ties: the first)."""
        return self.by_confidence(probs, target)[0]

    @staticmethod
    def by_confidence(probs: np.ndarray, target: int) -> list[int]:
        """The candidates' indices, the most confident (by p(target)) first; ties in their order."""
        return sorted(range(len(probs)), key=lambda j: -float(probs[j][target]))

    def _search(self, words: list[str], ops: dict[int, list], source: int, target: int, first: str | None, depth: int):
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
            accepted = [j for j in range(len(cands)) if self._accepted(probs[j], source, target)]
            if accepted:
                pick = accepted[self._choose(words, [cands[j] for j in accepted], probs[accepted], target, first)]
                return cands[pick], probs[pick]
            for j in range(len(cands)):
                if self._flipped(probs[j], source, target) and (
                    flipped_best is None or probs[j][target] > flipped_best[1][target]
                ):
                    flipped_best = (cands[j], probs[j])
            width = self.cfg.beam_width if level < self.cfg.max_edits else 1
            beam = [cands[j] for j in np.argsort(scores, kind="stable")[::-1][:width]]
        return flipped_best if flipped_best is not None else (None, None)

    def _add_in_order(
        self, words: list[str], ops: dict[int, list], source: int, target: int, first: str | None, depth: int
    ):
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
        accepted = [j for j in range(len(states)) if self._accepted(probs[j], source, target)]
        flipped = [j for j in range(len(states)) if self._flipped(probs[j], source, target)]
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
        source: int,
        target: int,
        first: str | None = None,
        ops: dict[int, list] | None = None,
    ):
        """Undo edits the accepted CFE does not need, one edit (all the slots of one change) at a time."""
        groups = self.edit_groups(state, ops or {})
        while len(groups) > 1:
            trials = [{s: v for s, v in state.items() if s not in drop} for drop in groups]
            probs = self._probs([render(words, t) for t in trials], first)
            ok = [j for j in range(len(trials)) if self._accepted(probs[j], source, target)]
            if not ok:
                break
            j = max(ok, key=lambda j: probs[j][target])
            state, p = trials[j], probs[j]
            groups = groups[:j] + groups[j + 1 :]
        return state, p

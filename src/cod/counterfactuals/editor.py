"""Offline teacher-guided counterfactual editor: saliency → word operators → beam search → flip → prune.

Text is split on whitespace into slots; an edit rewrites one slot (a replacement, "" for a deletion,
"not good" for an insertion), so edits never shift each other's positions.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

from cod.counterfactuals import lexicon as lex
from cod.counterfactuals.metrics import word_levenshtein
from cod.counterfactuals.scorer import Scorer

Task = Literal["sentiment", "acceptability", "generic"]
AGREEMENT = {
    "is": "are",
    "are": "is",
    "was": "were",
    "were": "was",
    "has": "have",
    "have": "has",
    "does": "do",
    "do": "does",
    "am": "is",
    "this": "these",
    "these": "this",
    "that": "those",
    "those": "that",
    "a": "some",
    "an": "some",
}
FUNCTION_WORDS = {
    "the",
    "a",
    "an",
    "to",
    "of",
    "in",
    "on",
    "at",
    "for",
    "by",
    "with",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "has",
    "have",
    "had",
    "will",
    "would",
    "can",
    "could",
    "that",
    "it",
}


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


@dataclass(frozen=True)
class EditorConfig:
    """Search settings (section `counterfactuals.editor`)."""

    max_edits: int = 3
    beam_width: int = 4
    top_words: int = 8
    hotflip_candidates: int = 8
    edit_penalty: float = 0.1
    margin: float = 0.0


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
        if k in AGREEMENT:
            out.append(("agreement", {i: _with_core(w, AGREEMENT[k])}))
        if k.isalpha() and len(k) > 2:
            out.append(("verb_form", {i: _with_core(w, k[:-1] if k.endswith("s") else k + "s")}))
            if k.endswith("ing") and len(k) > 5:
                out.append(("verb_form", {i: _with_core(w, k[:-3])}))
        if k in FUNCTION_WORDS:
            out.append(("drop", {i: ""}))
        if i + 1 < len(words):
            out.append(("swap", {i: words[i + 1], i + 1: w}))
        return out
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


LEXICAL_OPS = {"antonym", "negation_remove", "negation_insert", "delete", "agreement", "verb_form", "drop", "swap"}


def render(words: list[str], state: dict[int, str]) -> str:
    """The text of a state: slots joined with single spaces, empty slots dropped."""
    return " ".join(s for s in (state.get(i, w) for i, w in enumerate(words)) if s)


class Editor:
    """Beam search over word edits that makes the teacher predict ``target``, then prunes unneeded edits."""

    def __init__(self, scorer: Scorer, task: Task, cfg: EditorConfig) -> None:
        self.scorer, self.task, self.cfg = scorer, task, cfg
        self.vocab_ids, self.vocab_words = (
            hotflip_vocabulary(scorer.tokenizer) if task != "acceptability" else (torch.zeros(0), [])
        )

    def _flipped(self, p: np.ndarray, target: int) -> bool:
        return int(p.argmax()) == target and p[target] >= p.max() - 1e-12 and p[target] > 0.5 * self.cfg.margin

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

    def edit(self, text: str, first: str | None = None) -> EditResult:
        """Edit ``text`` until the teacher's prediction changes (binary: to the other class).

        For a sentence pair, ``first`` is the pair's first text (the premise): the teacher reads
        (first, text) and only ``text`` (the hypothesis) is edited; ``first`` stays as it is."""
        start, calls0 = time.perf_counter(), self.scorer.forward_passes
        words = text.split()
        p0 = self._probs([text], first)[0]
        source = int(p0.argmax())
        target = int(np.argsort(p0)[-2])  # binary: the other class; otherwise the runner-up
        result = EditResult(text, text, source, target, False, float(p0[target]), float(p0[target]))
        if not words:
            return result
        saliency, grads, first_ids = self.scorer.gradients(words, source, None if first is None else first.split())
        top = [int(i) for i in np.argsort(-saliency)[: 2 * self.cfg.top_words] if int(i) in grads]
        occluded = self._probs([render(words, {i: ""}) for i in top], first)[:, source]
        top = [top[j] for j in np.argsort(occluded)[: self.cfg.top_words]]  # biggest drop of p(source) first
        flips = {
            i: self.scorer.hotflip(
                grads[i], first_ids[i], self.vocab_ids, self.vocab_words, self.cfg.hotflip_candidates
            )
            for i in top
        }
        all_ops = {i: operators(words, i, self.task, flips[i]) for i in top}
        lexical = {i: [o for o in cands if o[0] in LEXICAL_OPS] for i, cands in all_ops.items()}
        edit_ops: dict[tuple, dict[int, str]] = {}
        best_state, best_p = None, None
        # Lexical edits (antonyms, negation, deletion) first; gradient swaps only when those cannot flip.
        for ops in (lexical, all_ops):
            best_state, best_p = self._search(words, top, ops, target, edit_ops, first)
            if best_state is not None:
                break
        if best_state is not None:
            best_state, best_p = self._prune(words, best_state, best_p, target, first)
            names = edit_ops.get(tuple(sorted(best_state.items())), {})
            result.text = render(words, best_state)
            result.flipped = True
            result.p_target_after = float(best_p[target])
            result.edits = [
                Edit(s, names.get(s) or self._name_of(s, best_state[s], all_ops), words[s], best_state[s])
                for s in sorted(best_state)
            ]
        result.forward_passes = self.scorer.forward_passes - calls0
        result.seconds = time.perf_counter() - start
        return result

    def _search(
        self, words: list[str], top: list[int], ops: dict[int, list], target: int, edit_ops: dict, first: str | None
    ):
        """Beam search over edit sets of growing size; the best-scoring flipped state, or (None, None)."""
        beam: list[dict[int, str]] = [{}]
        for _ in range(self.cfg.max_edits):
            cands, seen = [], set()
            for state in beam:
                for i in top:
                    if i in state:
                        continue
                    for name, change in ops[i]:
                        if any(s in state for s in change):
                            continue
                        new = {**state, **change}
                        sig = tuple(sorted(new.items()))
                        if sig not in seen:
                            seen.add(sig)
                            cands.append(new)
                            edit_ops[sig] = {
                                **edit_ops.get(tuple(sorted(state.items())), {}),
                                **{s: name for s in change},
                            }
            if not cands:
                break
            probs, scores = self._score(words, cands, target, first)
            flipped = [j for j in range(len(cands)) if self._flipped(probs[j], target)]
            if flipped:
                j = max(flipped, key=lambda j: scores[j])
                return cands[j], probs[j]
            order = np.argsort(scores)[::-1][: self.cfg.beam_width]
            beam = [cands[j] for j in order]
        return None, None

    @staticmethod
    def _name_of(slot: int, new: str, ops: dict[int, list]) -> str:
        for cands in ops.values():
            for name, change in cands:
                if change.get(slot) == new:
                    return name
        return "edit"

    def _prune(self, words: list[str], state: dict[int, str], p: np.ndarray, target: int, first: str | None = None):
        """Undo edits the flip does not need, one at a time, keeping the flip (minimality post-pass)."""
        while len(state) > 1:
            trials = [{s: v for s, v in state.items() if s != drop} for drop in state]
            probs = self._probs([render(words, t) for t in trials], first)
            ok = [j for j in range(len(trials)) if self._flipped(probs[j], target)]
            if not ok:
                break
            j = max(ok, key=lambda j: probs[j][target])
            state, p = trials[j], probs[j]
        return state, p

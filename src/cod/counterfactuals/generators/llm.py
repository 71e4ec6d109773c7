"""The LLM generator (``backend: llm``): an OpenAI-compatible endpoint asked for minimal edits, checked by the
teacher, with feedback rounds, optional critique-revision and the offline editor as fallback."""

from __future__ import annotations

import difflib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cod import kind_registry, paths
from cod.chat import client_class
from cod.chat.answers import UNUSABLE, judged
from cod.chat.cache import ResponseCache, summarise_ledger
from cod.chat.client import CachedChat, LLMSettings
from cod.config import ChatConfig
from cod.counterfactuals import generators, prompts
from cod.counterfactuals.acceptance import accepts
from cod.counterfactuals.answers import counterfactual_judge, parse_counterfactual
from cod.counterfactuals.editor import Edit, EditResult
from cod.counterfactuals.generators.base import Generated, Generator
from cod.counterfactuals.metrics import word_levenshtein
from cod.counterfactuals.scorer import Scorer
from cod.counterfactuals.texts import edited_texts, fixed_texts
from cod.data.registry import DatasetInfo

REASONS = {"no_json": "no JSON", "wrong_key": "wrong key"}  # a status as the warning names it


@dataclass
class Attempts:
    """The conversation of every original with the LLM and its best teacher-verified answer so far."""

    texts: list[str]
    convs: list[list[dict[str, str]]]
    source: np.ndarray  # the teacher's class of each original
    target: np.ndarray  # the class each prompt asks for
    best: list[str | None]  # the valid CFE found so far, None while there is none
    calls: list[int]  # LLM requests spent per original
    firsts: list[str] | None = None  # a sentence pair's premises: ``texts`` are the hypotheses the LLM edits
    answers: Counter[str] = field(default_factory=Counter)  # every answer used (cached or not) by its status

    def complete(self, chat: CachedChat, rows: list[int], convs: list[list[dict[str, str]]]) -> list[dict[str, Any]]:
        """The answers to ``convs`` about originals ``rows``, each judged (``ok`` or why it is unusable) and counted."""
        judges = [counterfactual_judge(self.texts[i]) for i in rows]
        out = chat.complete_many(convs, judges)
        self.answers.update(judged(ans, judge) for ans, judge in zip(out, judges, strict=True))
        return out

    def probs(self, scorer: Scorer, texts: list[str], rows: list[int]) -> np.ndarray:
        """The teacher's probabilities of ``texts``, the edited texts of originals ``rows`` (after their premise)."""
        return score(scorer, texts, None if self.firsts is None else [self.firsts[i] for i in rows])


def score(scorer: Scorer, texts: list[str], firsts: list[str] | None) -> np.ndarray:
    """The teacher's probabilities of ``texts``, each read after its premise ``firsts[i]`` for a sentence pair."""
    return scorer.probs(texts) if firsts is None else scorer.probs(firsts, texts)


def diff_edits(a: list[str], b: list[str]) -> list[Edit]:
    """Slot edits turning word list ``a`` into ``b`` (for LLM outputs, which come without an edit log)."""
    edits = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        new = " ".join(b[j1:j2])
        if tag == "insert":
            slot = min(i1, len(a) - 1)
            old = a[slot] if a else ""
            edits.append(Edit(slot, "insert", old, f"{new} {old}".strip() if i1 < len(a) else f"{old} {new}".strip()))
            continue
        edits.append(Edit(i1, tag, a[i1], new))
        edits.extend(Edit(i, tag, a[i], "") for i in range(i1 + 1, i2))
    return edits


def ask(
    chat: CachedChat, scorer: Scorer, a: Attempts, label_names: list[str], rounds: int, min_confidence: float = 0.0
) -> None:
    """Up to ``rounds`` requests per original until the teacher accepts an answer (``acceptance.accepts``: it predicts
    the class the prompt asked for with p >= ``min_confidence``); an invalid answer is retried with the teacher's
    verdict as feedback."""
    pending = list(range(len(a.texts)))
    for _ in range(rounds):
        if not pending:
            break
        answers = a.complete(chat, pending, [a.convs[i] for i in pending])
        cands = [parse_counterfactual(ans.get("text")) for ans in answers]
        probs = a.probs(scorer, [x or "" for x in cands], pending)
        still = []
        for i, ans, cand, p in zip(pending, answers, cands, probs, strict=True):
            a.calls[i] += 1
            if cand and cand != a.texts[i] and accepts(p, int(a.source[i]), int(a.target[i]), min_confidence):
                a.best[i] = cand
                continue
            still.append(i)
            verdict = label_names[int(p.argmax())] if cand else "unchanged (no usable answer)"
            a.convs[i] = prompts.feedback(a.convs[i], ans.get("text") or "", verdict, float(p[a.target[i]]))
        pending = still


def revise(chat: CachedChat, scorer: Scorer, a: Attempts, label_names: list[str], min_confidence: float = 0.0) -> None:
    """Critique-revision: the LLM critiques each valid CFE and revises it; a revision is kept if the teacher still
    accepts it (``acceptance.accepts`` at ``min_confidence``) and it is no farther from the original."""
    idx = [i for i in range(len(a.texts)) if a.best[i] is not None]
    pv = a.probs(scorer, [a.best[i] for i in idx], idx)  # type: ignore[misc]
    crit = [
        prompts.critique(
            a.convs[i],
            json.dumps({"counterfactual": a.best[i]}),
            label_names[int(p.argmax())],
            float(p[a.target[i]]),
            word_levenshtein(a.texts[i].split(), a.best[i].split()),  # type: ignore[union-attr]
        )
        for i, p in zip(idx, pv, strict=True)
    ]
    revised = [parse_counterfactual(ans.get("text")) for ans in a.complete(chat, idx, crit)]
    pr = a.probs(scorer, [r or "" for r in revised], idx)
    for i, r, p in zip(idx, revised, pr, strict=True):
        a.calls[i] += 1
        words = a.texts[i].split()
        if (
            r
            and accepts(p, int(a.source[i]), int(a.target[i]), min_confidence)
            and word_levenshtein(words, r.split()) <= word_levenshtein(words, a.best[i].split())  # type: ignore[union-attr]
        ):
            a.best[i] = r


def edit_results(scorer: Scorer, a: Attempts, p0: np.ndarray) -> list[EditResult]:
    """One result per original: its best valid CFE (or the original, unflipped) with its edits and calls."""
    pf = a.probs(scorer, [b or t for b, t in zip(a.best, a.texts, strict=True)], list(range(len(a.texts))))
    return [
        EditResult(
            t,
            b or t,
            int(a.source[i]),
            int(a.target[i]),
            b is not None,
            float(p0[i][a.target[i]]),
            float(pf[i][a.target[i]]),
            diff_edits(t.split(), (b or t).split()),
            forward_passes=a.calls[i],
        )
        for i, (t, b) in enumerate(zip(a.texts, a.best, strict=True))
    ]


class LLMGenerator(Generator):
    """CFEs from the LLM of section ``counterfactuals.llm``; originals still without a valid CFE fall back to the
    offline editor if the backend's section says ``fallback: editor``."""

    name = "llm"
    calls_are = "LLM requests"

    @property
    def section(self) -> ChatConfig:
        """This backend's own section of ``counterfactuals`` (named after it): the only chat keys it reads."""
        return getattr(self.cfg, self.name)

    def chat(self, cache: ResponseCache) -> CachedChat:
        """The client answering the prompts (the chat backend of this kind's name), with the model and sampling of this
        backend's section."""
        return client_class(self.name)(LLMSettings.from_config(self.section), cache)

    def generate(
        self,
        originals: pd.DataFrame,
        scorer: Scorer,
        dataset: DatasetInfo,
        label_names: list[str],
        reference: list[EditResult] | None = None,
    ) -> Generated:
        """An unreachable or failing endpoint raises ``EndpointError`` (the fallback covers originals the LLM could
        not flip, not an endpoint that does not answer)."""
        c = self.section
        chat = self.chat(ResponseCache(paths.root() / c.cache_dir))
        texts, firsts = edited_texts(originals), fixed_texts(originals)  # a pair: the LLM edits the hypothesis
        p0 = score(scorer, texts, firsts)
        current, target = prompts.current_and_target(p0, originals["label"].to_numpy(), c.label_source)
        convs = [
            prompts.build(
                dataset.prompts,
                t,
                label_names[int(current[i])],
                label_names[int(target[i])],
                c.prompt_variant,
                None if firsts is None else firsts[i],
            )
            for i, t in enumerate(texts)
        ]
        a = Attempts(texts, convs, p0.argmax(-1), target, [None] * len(texts), [0] * len(texts), firsts)
        ask(chat, scorer, a, label_names, 1 + c.feedback_rounds, self.cfg.min_confidence)
        if c.critique_revision:
            revise(chat, scorer, a, label_names, self.cfg.min_confidence)
        results = edit_results(scorer, a, p0)
        makers = self.fall_back(results, a, scorer, dataset) if c.fallback == "editor" else [self.maker] * len(results)
        return Generated(
            results,
            {
                "llm_calls": sum(a.calls),
                "llm_requests_sent": chat.requests_sent,
                "fell_back_to_editor": sum(m != self.maker for m in makers),
                "answers": {status: a.answers[status] for status in ("ok", *UNUSABLE, "error")},
                "ledger": summarise_ledger(chat.booked),  # the requests this call paid for, by status
            },
            makers,
        )

    def fall_back(self, results: list[EditResult], a: Attempts, scorer: Scorer, dataset: DatasetInfo) -> list[str]:
        """Hand the originals still without a valid CFE to the offline editor (of counterfactuals.editor.kind when it
        is a search; else ``kind_registry.DEFAULT_SEARCH``: the random control is no fallback); returns who made each
        result: this generator, or the editor (``editor:<kind>``) where it flipped the original instead."""
        fallback = generators.GENERATORS[kind_registry.fallback_search(self.cfg.editor.kind)](self.cfg, self.fluency)
        editor = fallback.editor(scorer, dataset)  # type: ignore[attr-defined]
        makers = [self.maker] * len(results)
        for i, r in enumerate(results):
            if not r.flipped:
                fb = editor.edit(a.texts[i], None if a.firsts is None else a.firsts[i])
                if fb.flipped and fb.p_target_after >= self.cfg.min_confidence:
                    fb.forward_passes = a.calls[i]  # LLM calls spent before falling back
                    results[i], makers[i] = fb, fallback.maker
        return makers

    def warning(self, extra: dict[str, Any], seeds: int) -> str | None:
        """One line when most answers of ``seeds`` seeds (``extra``: their extras, summed) were unusable."""
        answers = extra.get("answers", {})
        total, bad = sum(answers.values()), sum(n for status, n in answers.items() if status != "ok")
        if 2 * bad <= total:
            return None
        reasons = ", ".join(
            f"{REASONS.get(status, status)} {answers.get(status, 0)}" for status in (*UNUSABLE, "error")
        )
        left = (
            f"{extra.get('fell_back_to_editor', 0)} originals got their CFE from the fallback editor instead"
            if self.section.fallback == "editor"
            else f"with counterfactuals.{self.name}.fallback: none the originals they left have no CFE"
        )
        return (
            f"counterfactuals.{self.name}: {bad} of {total} answers over {seeds} seed(s) were unusable ({reasons}); "
            f"{left}. Check counterfactuals.{self.name}.model and prompt_variant against the answers in "
            f"{self.section.cache_dir}/responses.jsonl (each request's status: ledger.jsonl)"
        )

    def set_metrics(self, records: pd.DataFrame, extra: dict[str, Any]) -> dict[str, Any]:
        """LLM calls per valid CFE of the set: the calls spent on its rows tried over its valid CFEs (``llm_calls``
        and ``llm_requests_sent`` in ``extra`` are the seed's, over the rows of every k)."""
        return {"llm_calls_per_valid_cfe": float(records["calls"].sum()) / max(1, int(records["valid"].sum()))}


GENERATOR = LLMGenerator

"""The acceptability family (CoLA): edits that break a sentence's grammar and edits that repair it."""

from __future__ import annotations

from cod.counterfactuals.operators.inflection import inflect, tags_of, verb_lemma
from cod.counterfactuals.operators.words import (
    BE,
    DETERMINERS,
    DO,
    HAVE,
    MODALS,
    PREPOSITIONS,
    PRONOUNS,
    Op,
    is_capitalised,
    lower_first,
    match_case,
    norm,
    split,
    with_core,
)

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
FUNCTION_WORDS = (
    {"the", "a", "an", "that", "it", "be", "been"} | PREPOSITIONS | BE - {"'s", "'re", "'m"} | HAVE | MODALS | set(DO)
)
INFINITIVE_MARKERS = MODALS | {"to", "do", "does", "did"}
BE_FORMS = {"am", "is", "are", "was", "were", "be", "been"}


def acceptability(words: list[str], i: int) -> list[Op]:
    """CoLA breakers and repairs around slot i (the teacher decides which direction helps).

    Breakers: ``agreement`` (is<->are, was<->were, has<->have, this<->these, VBZ<->VBP verbs),
    ``verb_form`` ("will go" -> "will goes", "is going" -> "is go", "has seen" -> "has see"),
    ``drop`` (a determiner/auxiliary/preposition), ``duplicate`` ("the" -> "the the"),
    ``swap`` (slot i with i+1, punctuation and capitals staying in place).
    Repairs: ``agreement`` and ``swap`` are their own inverse; ``verb_form_repair`` (a verb after a
    modal/"to"/do -> base, after be -> -ing, after have -> participle), ``dedupe`` (a repeated word),
    ``insert`` ("the" before a noun with no determiner)."""
    w, k = words[i], norm(words[i])
    prev = norm(words[i - 1]) if i > 0 else ""
    out: list[Op] = []
    if k in AGREEMENT:
        out.append(("agreement", {i: with_core(w, AGREEMENT[k])}))
    lemma = verb_lemma(k) if k.isalpha() else None
    if lemma and k not in AGREEMENT and k not in BE_FORMS | MODALS:
        tags = tags_of(k)
        if "VBZ" in tags:
            out.append(("agreement", {i: with_core(w, lemma)}))
        elif k == lemma and prev not in INFINITIVE_MARKERS:
            out.append(("agreement", {i: with_core(w, inflect(lemma, "VBZ") or k)}))
        if prev in INFINITIVE_MARKERS:
            if k == lemma:
                out.append(("verb_form", {i: with_core(w, inflect(lemma, "VBZ") or k)}))
            else:
                out.append(("verb_form_repair", {i: with_core(w, lemma)}))
        elif prev in BE_FORMS:
            if "VBG" in tags:
                out.append(("verb_form", {i: with_core(w, lemma)}))
            elif k == lemma:
                out.append(("verb_form_repair", {i: with_core(w, inflect(lemma, "VBG") or k)}))
        elif prev in HAVE:
            if "VBN" in tags and k != lemma:
                out.append(("verb_form", {i: with_core(w, lemma)}))
            elif k == lemma and (inflect(lemma, "VBN") or k) != k:
                out.append(("verb_form_repair", {i: with_core(w, inflect(lemma, "VBN") or k)}))
    if k in FUNCTION_WORDS:
        out.append(("drop", {i: ""}))
        if not split(w)[2]:
            out.append(("duplicate", {i: f"{w} {lower_first(w)}"}))
    if i + 1 < len(words) and k and k == norm(words[i + 1]):
        out.append(("dedupe", {i + 1: ""}))
    if (
        k.isalpha()
        and "NN" in tags_of(k)
        and prev not in DETERMINERS | INFINITIVE_MARKERS | BE_FORMS | HAVE
        and k not in PRONOUNS | DETERMINERS | FUNCTION_WORDS
    ):
        out.append(
            ("insert", {i: f"{split(w)[0]}{match_case(split(w)[1], 'the')} {lower_first(w)[len(split(w)[0]) :]}"})
        )
    if i + 1 < len(words):
        a, b = split(w), split(words[i + 1])
        if a[1] and b[1]:
            first = match_case(a[1], b[1].lower()) if is_capitalised(w) else b[1]
            second = a[1].lower() if is_capitalised(w) and a[1].lower() != "i" else a[1]
            out.append(("swap", {i: f"{a[0]}{first}{a[2]}", i + 1: f"{b[0]}{second}{b[2]}"}))
    return out

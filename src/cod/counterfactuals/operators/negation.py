"""The negation family: insert a negation into a clause that has none, or remove the one it has."""

from __future__ import annotations

import re

from cod.counterfactuals.operators.inflection import (
    clause_span,
    is_base_verb,
    next_content,
    prev_content,
    sentence_start,
    tags_of,
    verb_form,
    verb_lemma,
    word_lemmas,
)
from cod.counterfactuals.operators.polarity import valence
from cod.counterfactuals.operators.words import (
    BE,
    CLAUSE_END,
    CLAUSE_WORDS,
    CONTRACTED_AUX,
    CONTRACTED_SUBJECTS,
    DETERMINERS,
    DO,
    HAVE,
    MODALS,
    NEGATED_AUX,
    NEGATED_DO,
    NEGATION_WORDS,
    NEGATIVE_WORDS,
    PREPOSITIONS,
    PRONOUNS,
    STOPWORDS,
    SUBJECT_PL,
    SUBJECT_SG,
    Op,
    is_capitalised,
    lower_first,
    match_case,
    norm,
    split,
    with_core,
)


def _aux_slot(words: list[str], start: int, end: int) -> tuple[int, str] | None:
    """The first auxiliary/copula of words[start:end] and its negated rewrite, or None.

    be-forms and modals take "not" ("can" -> "cannot"); have/do are auxiliaries only before a
    participle/base verb ("has been" -> "has not been", "had fun" is left to do-support)."""
    for j in range(start, end):
        k = norm(words[j])
        lead, core, trail = split(words[j])
        if k in BE or k in MODALS - {"can"}:
            return j, f"{words[j][: len(lead) + len(core)]} not{trail}"
        if k == "can":
            return j, with_core(words[j], "cannot")
        nxt = next_content(words, j, end)
        nk = norm(words[nxt]) if nxt is not None else ""
        if k in HAVE and nk and "VBN" in tags_of(nk):
            return j, f"{lead}{core} not{trail}"
        if k in DO and nk and is_base_verb(nk):
            return j, f"{lead}{core} not{trail}"
        if "'" in k:
            subj, _, rest = k.partition("'")
            if subj in CONTRACTED_SUBJECTS and "'" + rest in CONTRACTED_AUX:
                if rest == "s" and subj not in {"it", "that", "there", "here", "what", "who", "he", "she"}:
                    continue
                new = CONTRACTED_AUX["'" + rest]
                if new.startswith(" "):
                    return j, f"{lead}{core[: len(subj)]}{new}{trail}"
                return j, f"{lead}{core}{new[len(rest) + 1 :]}{trail}"
    return None


def _finite_verb(words: list[str], start: int, end: int) -> tuple[int, str] | None:
    """The first finite main verb of words[start:end] and its tag (VBZ/VBD/VBP), by lemminflect forms
    and the word before it (a subject pronoun or noun, or the clause start for "Loved it")."""
    for j in range(start, end):
        k = norm(words[j])
        lemma = verb_lemma(k)
        if not lemma or k in BE | MODALS or not k.isalpha():
            continue  # have/do reaching here are main verbs ("has a great cast"): _aux_slot came first
        tags = tags_of(k)
        p = prev_content(words, j, start)
        pk = norm(words[p]) if p is not None else ""
        if pk in CLAUSE_WORDS - SUBJECT_SG - SUBJECT_PL:  # "We laughed and cried": "cried" opens its clause
            p, pk = None, ""
        elif p is None and start > 0 and not re.search(r"[.!?]$", words[start - 1]):
            continue  # after a comma a bare participle is an adjective: "A captivating, beautifully acted drama"
        if pk in (DETERMINERS - SUBJECT_SG - SUBJECT_PL) | PREPOSITIONS | BE | HAVE | MODALS or pk in DO:
            continue
        p_noun = bool(pk) and "NOUN" in word_lemmas(pk) and "ADJ" not in word_lemmas(pk) and pk not in PRONOUNS
        p_plural = bool(pk) and "NNS" in tags_of(pk) and "NN" not in tags_of(pk) and pk not in SUBJECT_SG
        nxt = norm(words[j + 1]) if j + 1 < end else ""
        if nxt == "by" and p_noun and (verb_form(lemma, "VBN") or "") == k:
            return j, "VBN"  # a reduced passive relative: "a tale elevated by …" -> "a tale not elevated by …"
        if "VBD" in tags and (p is None or pk in PRONOUNS or p_noun):
            return j, "VBD"
        if "VBZ" in tags and (p is None or pk in SUBJECT_SG or (p_noun and not p_plural)):
            return j, "VBZ"
        if k == lemma and "VBP" in tags and (pk in SUBJECT_PL or p_plural):
            return j, "VBP"
        obj = norm(words[j + 1]) if j + 1 < end else ""
        if k == lemma and p is None and is_capitalised(words[j]) and obj in PRONOUNS | DETERMINERS:
            return j, "VBP"  # imperative: "Skip it." -> "Do not skip it."
    return None


def _do_support(words: list[str], j: int, tag: str) -> str:
    """ "loved" -> "did not love", "Likes," -> "Does not like,"; a passive participle ("VBN") -> "not elevated"."""
    lead, core, trail = split(words[j])
    if tag == "VBN":
        return f"{lead}not {core}{trail}"
    do = {"VBD": "did", "VBZ": "does", "VBP": "do"}[tag]
    lemma = verb_lemma(core.lower()) or core.lower()
    return f"{lead}{match_case(core, do)} not {lemma}{trail}"


def _negations_in(words: list[str], start: int, end: int) -> list[int]:
    out = []
    for j in range(start, end):
        k = norm(words[j])
        if k in NEGATION_WORDS - {"neither", "nor"} and not (
            k == "not" and j + 1 < len(words) and norm(words[j + 1]) == "only"
        ):
            out.append(j)
    return out


def _remove(words: list[str], j: int, end: int) -> list[Op]:
    """Rewrites that remove the negation at slot j."""
    k = norm(words[j])
    w = words[j]
    lead, core, trail = split(w)
    change: dict[int, str] = {}
    do_slot = None
    if k in NEGATED_DO:
        do_slot, tag = j, DO[NEGATED_DO[k]]
    elif k == "not" and j > 0 and norm(words[j - 1]) in DO and not CLAUSE_END.search(words[j - 1]):
        do_slot, tag = j - 1, DO[norm(words[j - 1])]
    if do_slot is not None:
        v = next_content(words, j, end)
        if v is not None and is_base_verb(norm(words[v])) and norm(words[v]) not in BE | HAVE | MODALS:
            new = verb_form(norm(words[v]), tag) or norm(words[v])
            change = {do_slot: "", j: "", v: with_core(words[v], new)}
            if is_capitalised(words[do_slot]):  # "Didn't love it." -> "Loved it."
                first = min(s for s in range(do_slot + 1, len(words)) if change.get(s, words[s]))
                change[first] = _capitalise(change.get(first, words[first]))
            return [("negation_remove", {s: t for s, t in sorted(change.items())})]
        if k in NEGATED_DO:
            return [("negation_remove", {j: with_core(w, NEGATED_DO[k])})]
    if k in NEGATED_AUX:
        return [("negation_remove", {j: with_core(w, NEGATED_AUX[k])})]
    if k in NEGATIVE_WORDS:
        return [("negation_remove", {j: with_core(w, NEGATIVE_WORDS[k])})]
    if k == "no":
        if trail or j + 1 >= len(words):
            return []
        nk = norm(words[j + 1])
        if nk == "one":
            return [("negation_remove", {j: with_core(w, "someone"), j + 1: ""})]
        if nk == "longer":
            return [("negation_remove", {j: with_core(w, "still"), j + 1: ""})]
        singular = "NN" in tags_of(nk) and "NNS" not in tags_of(nk) and nk not in {"fun", "time", "sense"}
        if j > 0 and norm(words[j - 1]) in BE and singular:
            return [("negation_remove", {j: with_core(w, "an" if nk[:1] in "aeiou" else "a")})]
        return [("negation_remove", {j: with_core(w, "some")})]
    # not, never, n't: delete; a capitalised negation hands its capital to the next word ("Not bad" -> "Bad").
    if k in {"not", "never", "n't"}:
        change = {j: lead + trail if trail and not lead else ""}
        if trail and j > 0:  # "good, not great." keeps its punctuation on the previous word
            change = {j: "", j - 1: words[j - 1] + trail} if not split(words[j - 1])[2] else {j: ""}
        if is_capitalised(w) and j + 1 < len(words):
            change[j + 1] = _capitalise(words[j + 1])
        return [("negation_remove", change)]
    return []


def _drop_at_all(words: list[str], j: int, end: int, change: dict[int, str]) -> dict[int, str]:
    """Delete the negative-polarity "at all" after a removed negation ("not bad at all" -> "bad"),
    its trailing punctuation moving to the word before it."""
    for m in range(j + 1, min(end, len(words)) - 1):
        if norm(words[m]) == "at" and not split(words[m])[2] and norm(words[m + 1]) == "all":
            trail = split(words[m + 1])[2]
            prev = max(s for s in range(m) if change.get(s, words[s]))
            before = change.get(prev, words[prev])
            return {m: "", m + 1: "", prev: before + trail if trail and not split(before)[2] else before}
    return {}


def _capitalise(word: str) -> str:
    lead, core, trail = split(word)
    return lead + core[:1].upper() + core[1:] + trail


def negation(words: list[str], i: int) -> list[Op]:
    """Toggle the negation of the clause containing slot i.

    - Removal when the clause has a negation: "not"/"never"/"n't" deleted, "isn't" -> "is",
      "cannot"/"can't" -> "can", do-support undone with the verb re-inflected ("didn't love" -> "loved",
      "does not like" -> "likes"), "no" -> "some" (or "a"/"an" after a copula before a singular noun:
      "is no masterpiece" -> "is a masterpiece"), "no one" -> "someone", "nothing" -> "something",
      "without" -> "with". "never" is deleted, not turned into "always" (always grammatical).
    - Otherwise insertion, uncontracted: after the first auxiliary/copula ("is not", "will not",
      "cannot", "has not been", "it's not", "I've" -> "I have not"), else do-support on the first finite
      verb ("loved" -> "did not love", "likes" -> "does not like", "love" -> "do not love"). A clause
      without a verb (after "and"/"but") falls back to the sentence segment before it; a verbless
      fragment starting with slot i gets "not" in front ("Captivating" -> "Not captivating")."""
    start, end = clause_span(words, i)
    if any(norm(words[j]) == "not" and norm(words[j + 1]) == "only" for j in range(start, min(end, len(words) - 1))):
        return []  # "not only ... but" is no negation to toggle
    negs = _negations_in(words, start, end)
    if negs:
        out: list[Op] = []
        for j in sorted(negs, key=lambda j: abs(j - i)):
            for name, change in _remove(words, j, end):
                op = (name, {**change, **_drop_at_all(words, j, end, change)})
                if op not in out:
                    out.append(op)
        return out
    for lo in dict.fromkeys((start, sentence_start(words, i))):
        hi = end if lo == start else start
        aux = _aux_slot(words, lo, hi)
        if aux is not None:
            return [("negation_insert", {aux[0]: aux[1]})]
        verb = _finite_verb(words, lo, hi)
        if verb is not None:
            return [("negation_insert", {verb[0]: _do_support(words, *verb)})]
    k = norm(words[i])
    if (
        i == start
        and k.isalpha()
        and k not in STOPWORDS
        and ("ADJ" in word_lemmas(k) or "VBG" in tags_of(k))
        and valence(k)
    ):
        return [
            (
                "negation_insert",
                {
                    i: f"{split(words[i])[0]}{match_case(split(words[i])[1], 'not')} "
                    f"{lower_first(words[i])[len(split(words[i])[0]) :]}"
                },
            )
        ]
    return []

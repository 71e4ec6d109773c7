"""The intensifier and phrase-swap families: degree words flipped (very <-> barely, more <-> less) and a table of
review phrases and their opposites."""

from __future__ import annotations

from cod.counterfactuals.operators.inflection import word_lemmas
from cod.counterfactuals.operators.words import NEGATION_WORDS, STOPWORDS, Op, match_case, norm, replace, split

STRONG = {
    "very",
    "extremely",
    "really",
    "so",
    "incredibly",
    "truly",
    "highly",
    "deeply",
    "utterly",
    "absolutely",
    "totally",
    "thoroughly",
    "remarkably",
    "genuinely",
    "immensely",
    "exceptionally",
    "hugely",
    "wildly",
}
WEAK = {"barely", "hardly", "scarcely", "slightly", "somewhat", "mildly", "marginally"}
NOT_PREFIXABLE = {"very", "so", "really", "too", "that", "particularly", "especially", "terribly"}
OPPOSITE_DEGREE = {"more": "less", "less": "more", "most": "least", "least": "most"}


def intensifier(words: list[str], i: int) -> list[Op]:
    """Degree swaps: very/really/so/extremely... -> barely, hardly, "not very" (before an adjective or
    adverb only); barely/hardly/slightly... -> very, really; more <-> less, most <-> least,
    "too long" -> "not too long"."""
    k = norm(words[i])
    nxt = norm(words[i + 1]) if i + 1 < len(words) else ""
    modifies_adj = bool(nxt) and bool({"ADJ", "ADV"} & set(word_lemmas(nxt)))
    out: list[Op] = []
    if k in STRONG:
        out += [("intensifier", replace(words, i, "barely")), ("intensifier", replace(words, i, "hardly"))]
    if k == "that":  # "not that good", but "a drama that never ..." is a relative clause
        modifies_adj = "ADJ" in word_lemmas(nxt) and nxt not in STOPWORDS | NEGATION_WORDS
    if k in NOT_PREFIXABLE and modifies_adj and not (i > 0 and norm(words[i - 1]) == "not"):
        out.append(("intensifier", replace(words, i, f"not {k}")))
    if k in WEAK:
        out += [("intensifier", replace(words, i, "very" if modifies_adj else "really"))]
        out += [("intensifier", replace(words, i, "really"))] if modifies_adj else []
    if k in OPPOSITE_DEGREE:
        out.append(("intensifier", replace(words, i, OPPOSITE_DEGREE[k])))
    return out


# Directed table: phrase (lower-case words) -> its opposite. Hyphenated one-slot idioms included.
PHRASES: dict[tuple[str, ...], str] = {
    ("waste", "of", "time"): "joy to watch",
    ("joy", "to", "watch"): "chore to watch",
    ("chore", "to", "watch"): "joy to watch",
    ("fell", "flat"): "soared",
    ("falls", "flat"): "soars",
    ("fall", "flat"): "soar",
    ("must-see",): "must-miss",
    ("must-miss",): "must-see",
    ("two", "thumbs", "up"): "two thumbs down",
    ("two", "thumbs", "down"): "two thumbs up",
    ("thumbs", "up"): "thumbs down",
    ("thumbs", "down"): "thumbs up",
    ("hits", "the", "mark"): "misses the mark",
    ("hit", "the", "mark"): "missed the mark",
    ("misses", "the", "mark"): "hits the mark",
    ("missed", "the", "mark"): "hit the mark",
    ("miss", "the", "mark"): "hit the mark",
    ("falls", "apart"): "comes together",
    ("fell", "apart"): "came together",
    ("fall", "apart"): "come together",
    ("comes", "together"): "falls apart",
    ("came", "together"): "fell apart",
    ("lives", "up", "to"): "falls short of",
    ("lived", "up", "to"): "fell short of",
    ("live", "up", "to"): "fall short of",
    ("falls", "short", "of"): "lives up to",
    ("fell", "short", "of"): "lived up to",
    ("breath", "of", "fresh", "air"): "tired retread",
    ("run-of-the-mill",): "one-of-a-kind",
    ("one-of-a-kind",): "run-of-the-mill",
    ("run", "of", "the", "mill"): "one of a kind",
    ("one", "of", "a", "kind"): "run of the mill",
    ("top-notch",): "second-rate",
    ("top", "notch"): "second rate",
    ("first-rate",): "second-rate",
    ("second-rate",): "first-rate",
    ("third-rate",): "first-rate",
    ("pitch-perfect",): "tone-deaf",
    ("tone-deaf",): "pitch-perfect",
    ("laugh-out-loud",): "groan-inducing",
    ("well", "worth"): "hardly worth",
    ("a", "cut", "above"): "a cut below",
    ("a", "cut", "below"): "a cut above",
    ("edge-of-your-seat",): "sleep-inducing",
    ("sleep-inducing",): "edge-of-your-seat",
    ("tour", "de", "force"): "total misfire",
    ("snooze-fest",): "thrill ride",
    ("snoozefest",): "thrill ride",
    ("over", "the", "top"): "pitch perfect",
    ("over-the-top",): "pitch-perfect",
}
_MAX_PHRASE = max(len(p) for p in PHRASES)


def phrase_swap(words: list[str], i: int) -> list[Op]:
    """Opposite phrases for every table phrase whose span covers slot i ("fell flat" -> "soared"): the
    span's first slot gets the new phrase (keeping its leading punctuation and capitalisation and the
    last slot's trailing punctuation), the other slots ""."""
    keys = [norm(w) for w in words]
    out: list[Op] = []
    covered: list[range] = []
    for n in range(_MAX_PHRASE, 0, -1):  # longest first; a phrase inside a longer match is skipped
        for s in range(max(0, i - n + 1), min(i, len(words) - n) + 1):
            new = PHRASES.get(tuple(keys[s : s + n]))
            if new is None or any(split(words[m])[2] for m in range(s, s + n - 1)):
                continue
            if any(s in r and s + n - 1 in r for r in covered):
                continue
            covered.append(range(s, s + n))
            lead, core, _ = split(words[s])
            trail = split(words[s + n - 1])[2]
            change = {s: f"{lead}{match_case(core, new)}{trail}", **{m: "" for m in range(s + 1, s + n)}}
            out.append(("phrase_swap", change))
    return out

"""The polarity families: WordNet antonyms re-inflected to the word's form, and lexicon words of the opposite VADER
polarity (``polarity_swap``) when WordNet has none."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

import lemminflect

from cod.counterfactuals import lexicon as lex
from cod.counterfactuals.operators.inflection import can_be, is_inflected, primary_tags, tags_of, word_lemmas
from cod.counterfactuals.operators.words import STOPWORDS, Op, norm, replace


def antonym(words: list[str], i: int, n: int = 4, polar_only: bool = False) -> list[Op]:
    """WordNet antonyms re-inflected to the word's form (loves -> hates, best -> worst, liked -> disliked).

    Kept only when VADER gives the opposite polarity or none; when the word has a polarity and some
    antonym has the opposite one, antonyms without polarity are dropped ("great" -> "bad", not "small").
    Order: reciprocal antonyms first ("good" <-> "bad"), then closeness of magnitude, then alphabetical;
    at most ``n``. Function words, particles and numbers get none ("up" -> "down" is left alone).
    ``polar_only`` (sentiment) also drops antonyms without a VADER polarity ("middle" -> "end")."""
    k = norm(words[i])
    if not k.isalpha() or k in STOPWORDS:
        return []
    cands = [a for a in _antonyms(k) if not polar_only or lex.valences().get(a)]
    return [("antonym", replace(words, i, a)) for a in cands[:n]]


@lru_cache(maxsize=65536)
def _antonyms(k: str) -> tuple[str, ...]:
    vals = lex.valences()
    v = vals.get(k) or valence(k)
    tags = tags_of(k)
    inflected = is_inflected(k)  # "loves" takes "hates", not "hate" (a mass-noun NNS to lemminflect)
    cands = [
        a
        for a in lex.opposite_words(k)
        if a.isalpha() and a != k and (not tags or any(can_be(a, t) for t in tags)) and is_inflected(a) >= inflected
    ]

    def reciprocal(a: str) -> int:  # "good" <-> "bad" before "good" -> "disadvantageous" (<-> "advantageous")
        return 0 if k in lex.antonyms().get(a, ()) or k in lex.inflected_antonyms(a) else 1

    opposite = sorted(
        (a for a in cands if v and vals.get(a, 0.0) * v < 0),
        key=lambda a: (reciprocal(a), abs(abs(vals[a]) - abs(v)), a),
    )
    unknown = sorted((a for a in cands if a not in vals), key=lambda a: (reciprocal(a), len(a), a))
    return tuple(opposite if opposite else unknown)


def _has_opposite_antonym(k: str) -> bool:
    """Whether WordNet gives ``k`` an antonym of VADER-confirmed opposite polarity."""
    v = valence(k)
    return bool(v) and any(lex.valences().get(a, 0.0) * v < 0 for a in _antonyms(k))


# Offensive, violent or medical words in VADER that never make a sensible review counterfactual.
BLOCKED = re.compile(
    r"^(fag|nigg|whor|bitch|bastard|fuck|shit|cunt|dick|cock|puss|slut|rap(e|ed|es|ing|ist)|molest|murder|kill|"
    r"terror|racis|assassin|tortur|cancer|death|dead|die[sd]?$|dying|fatal|poison|abus|wars?$|warmonger|violen|"
    r"brutal|devil|damn|hell|crap|piss|ass$|asshole|arse|suicid|slave|nazi|retard|victim|kidnap|prison|jail|"
    r"disease|sick|evil|weapon|bomb|gun|drug|sex|porn|nigg|homo|lesbian|gay|jew|muslim|christ|god|jesus|"
    r"devastat|grie[fv]|mourn|funeral|tragic|tragedy|cruel|crim|thief|steal|stole|rob|fraud|scam|cheat|stab|drown|"
    r"shoot|fascis|riot|hostage|weakling|missing)"
)
# Evaluative nouns (the VADER noun list is mostly topical: crime, disease, war); valence from VADER or ±2.
EVALUATIVE_NOUNS = {
    "masterpiece": 3.1,
    "triumph": 2.5,
    "gem": 2.2,
    "delight": 2.9,
    "joy": 2.8,
    "treat": 1.8,
    "success": 2.7,
    "winner": 2.8,
    "pleasure": 2.7,
    "classic": 2.0,
    "marvel": 2.5,
    "wonder": 2.0,
    "achievement": 2.2,
    "hit": 1.5,
    "highlight": 1.8,
    "charm": 1.7,
    "fun": 2.3,
    "thrill": 2.2,
    "disaster": -3.1,
    "failure": -2.3,
    "mess": -1.5,
    "flop": -2.0,
    "dud": -2.0,
    "bore": -1.8,
    "chore": -1.8,
    "disappointment": -2.3,
    "letdown": -2.0,
    "misfire": -2.0,
    "waste": -1.8,
    "embarrassment": -1.9,
    "catastrophe": -3.4,
    "travesty": -2.5,
    "slog": -1.8,
    "snooze": -1.5,
    # review vocabulary of quality, neither in VADER nor topical (±2.0)
    "originality": 2.0,
    "wit": 2.0,
    "insight": 2.0,
    "genius": 2.0,
    "ingenuity": 2.0,
    "elegance": 2.0,
    "panache": 2.0,
    "verve": 2.0,
    "finesse": 2.0,
    "craftsmanship": 2.0,
    "garbage": -2.0,
    "rubbish": -2.0,
    "junk": -2.0,
    "trash": -2.0,
    "drivel": -2.0,
    "tripe": -2.0,
    "dreck": -2.0,
    "schlock": -2.0,
    "hokum": -2.0,
    "claptrap": -2.0,
    "cliche": -2.0,
    "cliché": -2.0,
    "tedium": -2.0,
    "idiocy": -2.0,
    "pretension": -2.0,
    "pretentiousness": -2.0,
    "mediocrity": -2.0,
    "muddle": -2.0,
}


@lru_cache(maxsize=1)
def _polarity_index() -> dict[str, tuple[list[float], list[str]]]:
    """Penn tag -> (sorted valences, words) of candidate substitutes: VADER adjectives/adverbs/verbs
    (every inflection of a VADER verb inherits its valence unless VADER lists the form itself) and the
    evaluative nouns. Offensive/violent words are left out."""
    vals = lex.valences()
    entries: dict[str, dict[str, float]] = {}

    def add(word: str, tag: str, v: float) -> None:
        entries.setdefault(tag, {}).setdefault(word, v)

    for word, v in sorted(vals.items()):
        if abs(v) < 0.5 or BLOCKED.match(word) or len(word) < 3:
            continue
        for upos, lemmas in word_lemmas(word).items():
            if upos not in ("ADJ", "ADV", "VERB"):
                continue
            for lemma in lemmas:
                for tag, forms in lemminflect.getAllInflections(lemma, upos).items():
                    if forms[:1] == (word,):  # only forms VADER lists itself ("boring", not "blocking")
                        add(word, tag, v)
    for noun, v in EVALUATIVE_NOUNS.items():
        for tag, forms in lemminflect.getAllInflections(noun, "NOUN").items():
            add(forms[0], tag, vals.get(noun, v))
    out = {}
    for tag, words in entries.items():
        pairs = sorted((v, w) for w, v in words.items())
        out[tag] = ([v for v, _ in pairs], [w for _, w in pairs])
    return out


def valence(k: str) -> float | None:
    """VADER valence of ``k``, else of another inflection of its lemma ("captivating" <- "captivated")."""
    vals = lex.valences()
    if k in vals:
        return vals[k]
    if k in EVALUATIVE_NOUNS:
        return EVALUATIVE_NOUNS[k]
    for upos, lemmas in word_lemmas(k).items():
        for lemma in lemmas:
            for forms in lemminflect.getAllInflections(lemma, upos).values():
                for f in forms:
                    if f in vals:
                        return vals[f]
    return None


@lru_cache(maxsize=65536)
def _polarity_swaps(k: str, n: int) -> tuple[str, ...]:
    v = valence(k)
    if not v or abs(v) < 0.5:
        return ()
    index = _polarity_index()
    tags = primary_tags(k) if k not in EVALUATIVE_NOUNS else frozenset({"NN"})
    if k not in EVALUATIVE_NOUNS:
        tags = frozenset(t for t in tags if not t.startswith("NN"))  # topical nouns: no sensible swap
    lo, hi = (-abs(v) - 1.0, -abs(v) + 1.0) if v > 0 else (abs(v) - 1.0, abs(v) + 1.0)
    # Participles used as adjectives ("captivating", "inspired") take -ing/-ed adjectives ("boring");
    # derived words keep their suffix ("wonderfully" -> "dreadfully", not "bad").
    suffix = next((x for x in ("ly", "ing", "ed") if k.endswith(x)), "")
    if tags & {"VBG", "VBN"}:
        tags = (tags - {"VBG", "VBN"}) | {"JJ"}
    # Finite verbs are left to antonym/negation: VADER's verb forms read as nouns ("the jokes" -> "the cuts").
    tags -= {"VB", "VBP", "VBZ", "VBD"}
    found: dict[str, float] = {}
    for tag in sorted(tags):
        vs, ws = index.get(tag, ([], []))
        for j in range(bisect_left(vs, lo), bisect_right(vs, hi)):
            if ws[j] != k and ws[j].endswith(suffix):
                found.setdefault(ws[j], vs[j])
    # Closeness of magnitude (within 0.5, then within 1), then shorter (a frequency proxy), then alphabetical.
    ranked = sorted(found, key=lambda w: (round(abs(abs(found[w]) - abs(v))), len(w), w))
    return tuple(ranked[:n])


def polarity_swap(words: list[str], i: int, n: int = 6) -> list[Op]:
    """Opposite-polarity substitutes when WordNet has no antonym: VADER valence of opposite sign and
    magnitude within 1, same part of speech and inflection (Penn tag via lemminflect); closest magnitude
    first, then alphabetical; at most ``n``. "masterpiece" -> "disaster", "captivating" -> "boring"."""
    k = norm(words[i])
    if not k.isalpha() or k in STOPWORDS or _has_opposite_antonym(k):
        return []
    return [("polarity_swap", replace(words, i, w)) for w in _polarity_swaps(k, n)]

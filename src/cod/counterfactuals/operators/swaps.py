"""The semantic editor's later stages: antonyms without a polarity and salient words swapped to polarity words of
the same part of speech (candidates ranked by the caller, e.g. by the teacher's gradient)."""

from __future__ import annotations

from cod.counterfactuals import lexicon as lex
from cod.counterfactuals.operators.inflection import primary_tags, tags_of
from cod.counterfactuals.operators.polarity import BLOCKED, EVALUATIVE_NOUNS, antonym, valence
from cod.counterfactuals.operators.words import DETERMINERS, STOPWORDS, Op, norm, replace, split


def neutral_antonym(words: list[str], i: int, evaluative: bool = True) -> list[Op]:
    """WordNet antonyms without a VADER polarity, proposed only when polar edits and salient swaps cannot flip.
    ``evaluative``: of evaluative words only (``swappable_tags``: "scant" -> "sufficient", "accessible" ->
    "incomprehensible"); otherwise of the other content words only, named ``broad_antonym`` ("open" -> "closed",
    "makes" -> "breaks"), the editor's very last resort, kept only where its language model reads them well."""
    if bool(swappable_tags(words, i)) != evaluative:
        return []
    polar = {tuple(sorted(change.items())) for _, change in antonym(words, i, polar_only=True)}
    name = "antonym" if evaluative else "broad_antonym"
    return [(name, change) for _, change in antonym(words, i) if tuple(sorted(change.items())) not in polar]


# Adjectives of quantity, order, size and age: salient, seldom evaluative ("the same old" -> "the same great").
NON_EVALUATIVE_ADJECTIVES = frozenset(
    "even enough next last first final full same other own such only whole entire big little small large huge "
    "tiny old new young long short high low main certain real much many few several early late previous usual "
    "general particular various different similar single double constant current recent modern ancient".split()
)


def swappable_tags(words: list[str], i: int) -> frozenset[str]:
    """The Penn tags under which salient word ``i`` may be swapped for a polarity word, empty if it may not:
    evaluative nouns ("garbage", "mess"), descriptive adjectives used as adjectives, -ly or polar adverbs. Topical
    nouns ("movie" -> "beauty"), relational adjectives ("directorial" -> "beautiful"), nouns that are also
    adjectives used as nouns ("the kind of" -> "the serene of"), function adverbs and verbs read as nonsense."""
    k = norm(split(words[i])[1])
    if not k.isalpha() or k in STOPWORDS:
        return frozenset()
    if k in EVALUATIVE_NOUNS:  # "mess" is a verb too
        return frozenset(t for t in tags_of(k) if t.startswith("NN")) or frozenset({"NN"})
    tags = primary_tags(k)
    if any(t.startswith("JJ") for t in tags):
        if k in NON_EVALUATIVE_ADJECTIVES or k in lex.relational_adjectives():
            return frozenset()
        if k not in lex.wordnet_adjectives() and k not in lex.valences():
            return frozenset()
        if "NN" in tags_of(k):  # "derivative", "kind", "manual": read the neighbours
            nxt = norm(split(words[i + 1])[1]) if i + 1 < len(words) else ""
            prv = norm(split(words[i - 1])[1]) if i > 0 else ""
            if nxt == "of" or (prv in DETERMINERS and (not nxt.isalpha() or nxt in STOPWORDS)):
                return frozenset()
        return tags
    if any(t.startswith("RB") for t in tags):
        return tags if k.endswith("ly") or k in lex.valences() else frozenset()
    stems = (k[:-2], k[:-3] + "y", k[:-1] + "e")  # tiresome-ly, hamm-ily, terrib-ly
    if not tags and k.endswith("ly") and any(a in lex.wordnet_adjectives() for a in stems):  # not in lemminflect
        return frozenset({"RB"})
    if any(t.startswith("NN") for t in tags) and valence(k) is not None:
        return tags
    return frozenset()


def broad_swap(words: list[str], i: int, candidates: list[str], n: int = 4) -> list[Op]:
    """The semantic editor's last resort, when no evaluative edit can flip: any salient adjective, adverb or noun
    (not a verb, not one ``swappable_tags`` already covers) to a polarity word of its main part of speech and
    inflection ("the [movie→masterpiece] slides"); the editor keeps only swaps its language model reads well."""
    k = norm(split(words[i])[1])
    if not k.isalpha() or k in STOPWORDS or swappable_tags(words, i):
        return []
    tags = primary_tags(k)
    if not any(t.startswith(("JJ", "RB", "NN")) for t in tags):  # verbs: "scores" -> "hugs" reads as nonsense
        return []
    out: list[Op] = []
    for cand in candidates:
        if cand != k and tags & primary_tags(cand) and not BLOCKED.search(cand):
            out.append(("broad_swap", replace(words, i, cand)))
            if len(out) == n:
                break
    return out


def salient_swap(words: list[str], i: int, candidates: list[str], n: int = 4) -> list[Op]:
    """Replace an evaluative word the teacher relies on (see ``swappable_tags``) by one of ``candidates`` (polarity
    words ranked by the caller, e.g. by the teacher's gradient) whose main part of speech and inflection are the
    same ("garbage" -> "gem", never "gems" or "glorious"); for salient words no antonym or lexicon entry covers."""
    tags = swappable_tags(words, i)
    if not tags:
        return []
    k = norm(split(words[i])[1])
    noun = any(t.startswith("NN") for t in tags)
    out: list[Op] = []
    for cand in candidates:
        if noun and cand not in EVALUATIVE_NOUNS:  # "originality" -> "kindness": a quality takes a quality
            continue
        if cand != k and tags & (tags_of(cand) if noun else primary_tags(cand)) and not BLOCKED.search(cand):
            out.append(("salient_swap", replace(words, i, cand)))
            if len(out) == n:
                break
    return out

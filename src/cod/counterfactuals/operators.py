"""Semantic word-edit operators for the offline counterfactual editor (pure functions).

Text is split on whitespace into slots. Every operator family is a function
``(words, i) -> [(operator name, {slot: new text})]`` proposing rewrites around slot ``i``: a slot's
new text may be "" (deletion), several words (insertion: "is" -> "is not") or a replacement. Edits keep
the punctuation around a word ("good," -> "bad,") and its capitalisation ("Good" -> "Bad").

Families:

- ``antonym``: WordNet antonyms re-inflected to the word's form, opposite or no VADER polarity.
- ``polarity_swap``: when WordNet has no antonym, lexicon words of opposite VADER sign, similar
  magnitude and the same part of speech/inflection (masterpiece -> disaster, captivating -> boring).
- ``negation``: insertion after the clause's first auxiliary/copula ("is good" -> "is not good",
  "can see" -> "cannot see"), do-support otherwise ("loved it" -> "did not love it"), and removal
  ("not good" -> "good", "isn't" -> "is", "didn't love" -> "loved", "never" -> "", "no" -> "some"/"a",
  "nothing" -> "something", "without" -> "with").
- ``intensifier``: very/really/so/extremely... <-> barely/hardly, "very" -> "not very", more <-> less.
- ``phrase_swap``: a small table of multi-word review phrases and their opposites over a slot span
  (first slot gets the new phrase, the others "").
- ``acceptability``: CoLA breakers (agreement, verb form after a modal/aux, dropping or duplicating a
  function word, swapping neighbours) and their repairs.

``semantic_operators(words, i, task)`` picks the families for a DatasetInfo.task.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import lru_cache

import lemminflect

from cod.counterfactuals import lexicon as lex

Op = tuple[str, dict[int, str]]

# ---------------------------------------------------------------------------------------------- words

_SPLIT = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)
CLAUSE_END = re.compile(r"[,;:.!?)\]]$|--$|—$")
CLAUSE_WORDS = {"but", "and", "or", "although", "though", "while", "because", "yet", "whereas", "which", "who", "that"}
DETERMINERS = {
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "his",
    "her",
    "its",
    "their",
    "my",
    "your",
    "our",
    "some",
    "any",
    "every",
    "each",
    "no",
    "another",
}
PREPOSITIONS = {"to", "of", "in", "on", "at", "for", "by", "with", "from", "about", "into", "as", "than", "like"}
SUBJECT_SG = {"he", "she", "it", "this", "that", "who", "which", "what", "everything", "nothing", "everyone", "one"}
SUBJECT_PL = {"i", "you", "we", "they", "these", "those", "who", "which"}
PRONOUNS = SUBJECT_SG | SUBJECT_PL | {"me", "him", "them", "us"}
ADVERBS = {
    "really",
    "just",
    "even",
    "still",
    "also",
    "always",
    "ever",
    "often",
    "actually",
    "truly",
    "simply",
    "quite",
    "only",
    "certainly",
    "definitely",
    "genuinely",
    "absolutely",
    "totally",
    "completely",
}
PARTICLES = {"up", "down", "out", "off", "over", "back", "around", "through", "away", "here", "there", "now", "then"}
NUMBERS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "first", "second", "last"}
BE = {"am", "is", "are", "was", "were", "'s", "'re", "'m"}
HAVE = {"has", "have", "had"}
DO = {"do": "VBP", "does": "VBZ", "did": "VBD"}
MODALS = {"can", "could", "will", "would", "should", "must", "may", "might", "shall"}
# Pronoun contractions: "it's" -> "it's not", "I've" -> "I haven't"-style rewrites of the whole slot.
CONTRACTED_AUX = {
    "'s": "'s not",
    "'re": "'re not",
    "'m": "'m not",
    "'ve": " have not",
    "'ll": " will not",
    "'d": " would not",
}
CONTRACTED_SUBJECTS = {"it", "that", "there", "here", "what", "who", "he", "she", "i", "you", "we", "they"}
# Negated auxiliaries and what they become without the negation (standard and apostrophe-less spellings).
NEGATED_AUX = {
    **lex.CONTRACTIONS,
    "ain't": "is",
    "shan't": "shall",
    "mustn't": "must",
    "needn't": "need",
    "mightn't": "might",
    "hadn't": "had",
    "cannot": "can",
    **{k.replace("'", ""): v for k, v in lex.CONTRACTIONS.items() if k not in ("can't", "won't")},
}
NEGATED_DO = {"don't": "do", "doesn't": "does", "didn't": "did", "dont": "do", "doesnt": "does", "didnt": "did"}
# Negative words removed or replaced by their positive counterpart.
NEGATIVE_WORDS = {
    "nothing": "something",
    "nobody": "somebody",
    "none": "some",
    "nowhere": "somewhere",
    "without": "with",
}
NEGATION_WORDS = lex.NEGATIONS | set(NEGATED_AUX) | set(NEGATIVE_WORDS) | {"neither", "nor"}
DEGREE_WORDS = {"very", "so", "too", "really", "quite", "rather", "pretty", "more", "most", "less", "least", "much"}
# Words no lexical operator rewrites (and never read as a main verb).
STOPWORDS = (
    DETERMINERS
    | PREPOSITIONS
    | PRONOUNS
    | PARTICLES
    | NUMBERS
    | CLAUSE_WORDS
    | DEGREE_WORDS
    | BE
    | HAVE
    | set(DO)
    | MODALS
    | {"not", "be", "been", "being", "if", "then", "than", "as", "i"}
)
NOT_VERBS = STOPWORDS - BE - HAVE - set(DO) - {"like", "be", "been", "being"}


def norm(word: str) -> str:
    """Lookup form of a slot: ``lexicon.key`` after folding curly apostrophes."""
    return lex.key(word.replace("\u2019", "'").replace("\u2018", "'"))


def split(word: str) -> tuple[str, str, str]:
    """(leading punctuation, core, trailing punctuation) of a slot."""
    m = _SPLIT.match(word)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", word, "")


def match_case(template: str, new: str) -> str:
    """``new`` with the capitalisation of ``template``: "Good" -> "Bad", "GOOD" -> "BAD"."""
    if not new or not template:
        return new
    if len(template) > 1 and template.isupper() and template.isalpha():
        return new.upper()
    if template[0].isupper():
        return new[0].upper() + new[1:]
    return new


def with_core(word: str, new_core: str) -> str:
    """Replace the core of ``word`` keeping punctuation and capitalisation ("Good," -> "Bad,")."""
    lead, core, trail = split(word)
    return f"{lead}{match_case(core, new_core)}{trail}"


def replace(words: list[str], i: int, new_core: str) -> dict[int, str]:
    """{i: words[i] with core ``new_core``}, plus the article before it re-chosen when "a"/"an" no longer
    fits ("a captivating" -> "a boring", "a masterpiece" -> "an embarrassment")."""
    change = {i: with_core(words[i], new_core)}
    if i > 0 and norm(words[i - 1]) in ("a", "an") and not split(words[i - 1])[2] and new_core:
        article = "an" if new_core[0].lower() in "aeiou" else "a"
        if norm(words[i - 1]) != article:
            change[i - 1] = with_core(words[i - 1], article)
    return change


def _is_capitalised(word: str) -> bool:
    core = split(word)[1]
    return bool(core) and core[0].isupper() and core.lower() != "i"


def _lower_first(text: str) -> str:
    lead, core, trail = split(text)
    if core[:1].isupper() and not (len(core) > 1 and core.isupper()) and core.lower() != "i":
        core = core[0].lower() + core[1:]
    return lead + core + trail


@lru_cache(maxsize=65536)
def _lemmas(word: str) -> dict[str, tuple[str, ...]]:
    return lemminflect.getAllLemmas(word)


@lru_cache(maxsize=65536)
def tags_of(word: str) -> frozenset[str]:
    """Penn tags ``word`` (lower case) carries as the main form in lemminflect's tables ("love" is NN,
    VB, VBP, not NNS although lemminflect also lists it as a plural)."""
    out: set[str] = set()
    for upos, lemmas in _lemmas(word).items():
        for lemma in lemmas:
            for tag, forms in lemminflect.getAllInflections(lemma, upos).items():
                if forms[:1] == (word,):
                    out.add(tag)
    return frozenset(out)


def can_be(word: str, tag: str) -> bool:
    """Whether ``word`` is lemminflect's main ``tag`` form of one of its lemmas ("hates" is VBZ, "hate" is not)."""
    return any(
        (lemminflect.getInflection(lemma, tag) or ("",))[0] == word
        for lemmas in _lemmas(word).values()
        for lemma in lemmas
    )


def _is_inflected(word: str) -> bool:
    """Whether ``word`` differs from every lemma lemminflect gives it ("loves", "best"; not "love")."""
    lemmas = {lemma for ls in _lemmas(word).values() for lemma in ls}
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
    lemmas = _lemmas(word).get("VERB")
    return lemmas[0] if lemmas and word not in NOT_VERBS else None


def inflect(lemma: str, tag: str) -> str | None:
    forms = lemminflect.getInflection(lemma, tag)
    return forms[0] if forms else None


def verb_form(word: str, tag: str) -> str | None:
    """``word`` re-inflected as ``tag`` when it is a verb ("loved", "VBZ") -> "loves"."""
    lemma = verb_lemma(word)
    return inflect(lemma, tag) if lemma else None


def is_base_verb(word: str) -> bool:
    return verb_lemma(word) == word


def _is_adverb(k: str) -> bool:
    return k in ADVERBS or (k.endswith("ly") and "ADV" in _lemmas(k))


def _next_content(words: list[str], j: int, stop: int | None = None) -> int | None:
    """The first slot after j that is not an adverb (within the clause end ``stop``)."""
    stop = len(words) if stop is None else stop
    for m in range(j + 1, stop):
        if not _is_adverb(norm(words[m])):
            return m
    return None


def _prev_content(words: list[str], j: int, start: int) -> int | None:
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


def _sentence_start(words: list[str], i: int) -> int:
    """Start of the punctuation-delimited segment around i (conjunctions do not break it)."""
    while i > 0 and not CLAUSE_END.search(words[i - 1]):
        i -= 1
    return i


# ------------------------------------------------------------------------------------------- antonym


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
    v = vals.get(k) or _valence(k)
    tags = tags_of(k)
    inflected = _is_inflected(k)  # "loves" takes "hates", not "hate" (a mass-noun NNS to lemminflect)
    cands = [
        a
        for a in lex.opposite_words(k)
        if a.isalpha() and a != k and (not tags or any(can_be(a, t) for t in tags)) and _is_inflected(a) >= inflected
    ]

    def reciprocal(a: str) -> int:  # "good" <-> "bad" before "good" -> "disadvantageous" (<-> "advantageous")
        return 0 if k in lex.antonyms().get(a, ()) or k in lex.inflected_antonyms(a) else 1

    opposite = sorted(
        (a for a in cands if v and vals.get(a, 0.0) * v < 0),
        key=lambda a: (reciprocal(a), abs(abs(vals[a]) - abs(v)), a),
    )
    unknown = sorted((a for a in cands if a not in vals), key=lambda a: (reciprocal(a), len(a), a))
    return tuple(opposite if opposite else unknown)


# ------------------------------------------------------------------------------------- polarity swap


def _has_opposite_antonym(k: str) -> bool:
    """Whether WordNet gives ``k`` an antonym of VADER-confirmed opposite polarity."""
    v = _valence(k)
    return bool(v) and any(lex.valences().get(a, 0.0) * v < 0 for a in _antonyms(k))


# Offensive, violent or medical words in VADER that never make a sensible review counterfactual.
_BLOCKED = re.compile(
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
        if abs(v) < 0.5 or _BLOCKED.match(word) or len(word) < 3:
            continue
        for upos, lemmas in _lemmas(word).items():
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


def _valence(k: str) -> float | None:
    """VADER valence of ``k``, else of another inflection of its lemma ("captivating" <- "captivated")."""
    vals = lex.valences()
    if k in vals:
        return vals[k]
    if k in EVALUATIVE_NOUNS:
        return EVALUATIVE_NOUNS[k]
    for upos, lemmas in _lemmas(k).items():
        for lemma in lemmas:
            for forms in lemminflect.getAllInflections(lemma, upos).values():
                for f in forms:
                    if f in vals:
                        return vals[f]
    return None


@lru_cache(maxsize=65536)
def _polarity_swaps(k: str, n: int) -> tuple[str, ...]:
    v = _valence(k)
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


# ------------------------------------------------------------------------------------------ negation


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
        nxt = _next_content(words, j, end)
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
        p = _prev_content(words, j, start)
        pk = norm(words[p]) if p is not None else ""
        if pk in CLAUSE_WORDS - SUBJECT_SG - SUBJECT_PL:  # "We laughed and cried": "cried" opens its clause
            p, pk = None, ""
        elif p is None and start > 0 and not re.search(r"[.!?]$", words[start - 1]):
            continue  # after a comma a bare participle is an adjective: "A captivating, beautifully acted drama"
        if pk in (DETERMINERS - SUBJECT_SG - SUBJECT_PL) | PREPOSITIONS | BE | HAVE | MODALS or pk in DO:
            continue
        p_noun = bool(pk) and "NOUN" in _lemmas(pk) and "ADJ" not in _lemmas(pk) and pk not in PRONOUNS
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
        if k == lemma and p is None and _is_capitalised(words[j]) and obj in PRONOUNS | DETERMINERS:
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
        v = _next_content(words, j, end)
        if v is not None and is_base_verb(norm(words[v])) and norm(words[v]) not in BE | HAVE | MODALS:
            new = verb_form(norm(words[v]), tag) or norm(words[v])
            change = {do_slot: "", j: "", v: with_core(words[v], new)}
            if _is_capitalised(words[do_slot]):  # "Didn't love it." -> "Loved it."
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
        if _is_capitalised(w) and j + 1 < len(words):
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
    for lo in dict.fromkeys((start, _sentence_start(words, i))):
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
        and ("ADJ" in _lemmas(k) or "VBG" in tags_of(k))
        and _valence(k)
    ):
        return [
            (
                "negation_insert",
                {
                    i: f"{split(words[i])[0]}{match_case(split(words[i])[1], 'not')} "
                    f"{_lower_first(words[i])[len(split(words[i])[0]) :]}"
                },
            )
        ]
    return []


# --------------------------------------------------------------------------------------- intensifier

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
    modifies_adj = bool(nxt) and bool({"ADJ", "ADV"} & set(_lemmas(nxt)))
    out: list[Op] = []
    if k in STRONG:
        out += [("intensifier", replace(words, i, "barely")), ("intensifier", replace(words, i, "hardly"))]
    if k == "that":  # "not that good", but "a drama that never ..." is a relative clause
        modifies_adj = "ADJ" in _lemmas(nxt) and nxt not in STOPWORDS | NEGATION_WORDS
    if k in NOT_PREFIXABLE and modifies_adj and not (i > 0 and norm(words[i - 1]) == "not"):
        out.append(("intensifier", replace(words, i, f"not {k}")))
    if k in WEAK:
        out += [("intensifier", replace(words, i, "very" if modifies_adj else "really"))]
        out += [("intensifier", replace(words, i, "really"))] if modifies_adj else []
    if k in OPPOSITE_DEGREE:
        out.append(("intensifier", replace(words, i, OPPOSITE_DEGREE[k])))
    return out


# --------------------------------------------------------------------------------------- phrase swap

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


# ------------------------------------------------------------------------------------- acceptability

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
            out.append(("duplicate", {i: f"{w} {_lower_first(w)}"}))
    if i + 1 < len(words) and k and k == norm(words[i + 1]):
        out.append(("dedupe", {i + 1: ""}))
    if (
        k.isalpha()
        and "NN" in tags_of(k)
        and prev not in DETERMINERS | INFINITIVE_MARKERS | BE_FORMS | HAVE
        and k not in PRONOUNS | DETERMINERS | FUNCTION_WORDS
    ):
        out.append(
            ("insert", {i: f"{split(w)[0]}{match_case(split(w)[1], 'the')} {_lower_first(w)[len(split(w)[0]) :]}"})
        )
    if i + 1 < len(words):
        a, b = split(w), split(words[i + 1])
        if a[1] and b[1]:
            first = match_case(a[1], b[1].lower()) if _is_capitalised(w) else b[1]
            second = a[1].lower() if _is_capitalised(w) and a[1].lower() != "i" else a[1]
            out.append(("swap", {i: f"{a[0]}{first}{a[2]}", i + 1: f"{b[0]}{second}{b[2]}"}))
    return out


# ---------------------------------------------------------------------------------------- dispatcher

FAMILIES: dict[str, Callable[[list[str], int], list[Op]]] = {
    "antonym": antonym,
    "polarity_swap": polarity_swap,
    "negation": negation,
    "intensifier": intensifier,
    "phrase_swap": phrase_swap,
    "acceptability": acceptability,
}
# Operator names each family emits.
OPERATOR_NAMES: dict[str, frozenset[str]] = {
    "antonym": frozenset({"antonym", "broad_antonym"}),  # broad_antonym: the editor's last resort (non-evaluative)
    "polarity_swap": frozenset({"polarity_swap"}),
    "negation": frozenset({"negation_insert", "negation_remove"}),
    "intensifier": frozenset({"intensifier"}),
    "phrase_swap": frozenset({"phrase_swap"}),
    "salient_swap": frozenset({"salient_swap"}),  # the editor's: candidates ranked by the teacher's gradient
    "broad_swap": frozenset({"broad_swap"}),  # the editor's last resort: any salient adjective, adverb or noun
    "acceptability": frozenset(
        {"agreement", "verb_form", "verb_form_repair", "drop", "duplicate", "dedupe", "insert", "swap"}
    ),
}
LEXICON_OPS = frozenset().union(
    *(
        OPERATOR_NAMES[f]
        for f in ("antonym", "polarity_swap", "negation", "intensifier", "phrase_swap", "salient_swap", "broad_swap")
    )
)
ACCEPTABILITY_OPS = OPERATOR_NAMES["acceptability"]
TASK_FAMILIES = {
    "sentiment": ("antonym", "polarity_swap", "negation", "intensifier", "phrase_swap"),
    "generic": ("antonym", "negation", "intensifier"),
    "acceptability": ("acceptability",),
}


def semantic_operators(words: list[str], i: int, task: str) -> list[Op]:
    """Every family's rewrites of slot i for ``task`` (sentiment | generic | acceptability), in family
    order, without duplicates and without no-op rewrites."""
    out: list[Op] = []
    seen: set[tuple] = set()
    for family in TASK_FAMILIES[task]:
        # sentiment: antonyms must carry a polarity ("great" -> "bad"); the others ("old" -> "future", "setting" ->
        # "rising") read as nonsense in a review more often than not: neutral_antonym, the editor's last resort
        polar = (task, family) == ("sentiment", "antonym")
        for name, change in antonym(words, i, polar_only=True) if polar else FAMILIES[family](words, i):
            sig = tuple(sorted(change.items()))
            if sig in seen or all(words[s] == t for s, t in change.items()):
                continue
            seen.add(sig)
            out.append((name, change))
    return out


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
    if any(t.startswith("NN") for t in tags) and _valence(k) is not None:
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
        if cand != k and tags & primary_tags(cand) and not _BLOCKED.search(cand):
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
        if cand != k and tags & (tags_of(cand) if noun else primary_tags(cand)) and not _BLOCKED.search(cand):
            out.append(("salient_swap", replace(words, i, cand)))
            if len(out) == n:
                break
    return out


def is_agreement_edit(old: str, new: str) -> bool:
    """Whether old -> new only switches the article "a" / "an" to agree with the edited word after it (part of
    that word's edit, not an edit of its own)."""
    return {norm(old), norm(new)} == {"a", "an"}


def is_semantic_edit(old: str, new: str) -> bool:
    """Whether the edit old -> new adds or removes a VADER polarity word or a negation (either side);
    compares the words that differ, so "is" -> "is not" counts and a pure reordering does not."""
    a = [norm(w) for w in old.split()]
    b = [norm(w) for w in new.split()]
    changed = [w for w in a if w not in b] + [w for w in b if w not in a]
    vals = lex.valences()
    return any(w in vals or w in NEGATION_WORDS or w.endswith("n't") for w in changed)

"""Word tables and slot helpers of the edit operators: function words by class, negations, stopwords; a slot's
lookup form, punctuation and capitalisation, and a rewrite keeping them."""

from __future__ import annotations

import re

from cod.counterfactuals import lexicon as lex

Op = tuple[str, dict[int, str]]

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


def is_capitalised(word: str) -> bool:
    """Whether the core of ``word`` starts with a capital (the pronoun "I" aside)."""
    core = split(word)[1]
    return bool(core) and core[0].isupper() and core.lower() != "i"


def lower_first(text: str) -> str:
    """``text`` with the first letter of its core lower-cased, unless an acronym or the pronoun "I"."""
    lead, core, trail = split(text)
    if core[:1].isupper() and not (len(core) > 1 and core.isupper()) and core.lower() != "i":
        core = core[0].lower() + core[1:]
    return lead + core + trail

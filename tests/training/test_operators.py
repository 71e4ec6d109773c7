"""Semantic edit operators: inflection, case and punctuation kept, negation placement, polarity, CoLA round trips."""

from __future__ import annotations

import pytest

from cod.counterfactuals import lexicon
from cod.counterfactuals import operators as ops
from cod.counterfactuals.operators import polarity


def apply(words: list[str], change: dict[int, str]) -> str:
    return " ".join(s for s in (change.get(j, w) for j, w in enumerate(words)) if s)


def outputs(family: str, text: str, i: int | str) -> list[str]:
    """Rendered rewrites of ``family`` at slot i (or at the first slot whose text is i)."""
    words = text.split()
    slot = words.index(i) if isinstance(i, str) else i
    return [apply(words, change) for _, change in ops.FAMILIES[family](words, slot)]


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("He loves it", "loves", "He hates it"),
        ("I liked it", "liked", "I disliked it"),
        ("The best film of the year", "best", "The worst film of the year"),
        ("Happier than ever", "Happier", "Unhappier than ever"),
        ("Good, solid fun", "Good,", "Bad, solid fun"),
        ("It is GOOD!", "GOOD!", "It is BAD!"),
    ],
)
def test_antonym_keeps_inflection_case_and_punctuation(text, word, expected):
    out = outputs("antonym", text, word)
    assert out[0] == expected


def test_antonym_polarity_filter_and_inflection():
    assert "He hate it" not in outputs("antonym", "He loves it", "loves")  # wrong inflection dropped
    for word in ("good", "great", "superb", "loved", "best"):
        v = lexicon.valences()[word]
        for _, change in ops.antonym([word], 0):
            assert lexicon.valences().get(change[0], 0.0) * v <= 0  # opposite or no polarity, never the same


@pytest.mark.parametrize(
    ("text", "word", "some"),
    [
        ("A masterpiece.", "masterpiece.", {"A disaster.", "A failure."}),
        ("A captivating story", "captivating", {"A boring story"}),
        ("wonderfully acted", "wonderfully", {"horribly acted", "terribly acted"}),
        ("What a mess", "mess", {"What a hit", "What a treat"}),
    ],
)
def test_polarity_swap_finds_opposite_words_of_the_same_form(text, word, some):
    out = outputs("polarity_swap", text, word)
    assert some & set(out) and len(out) <= 6
    assert out == outputs("polarity_swap", text, word)  # deterministic


def test_polarity_swap_has_opposite_sign_and_similar_magnitude():
    for word in ("masterpiece", "captivating", "wonderfully", "delightful", "mess", "charming", "beautifully"):
        v = polarity.valence(word)
        swaps = polarity._polarity_swaps(word, 6)
        assert swaps, word
        for s in swaps:
            assert polarity.valence(s) * v < 0 and abs(abs(polarity.valence(s)) - abs(v)) <= 1.0 + 1e-9
            assert not polarity.BLOCKED.match(s)
    assert ops.polarity_swap(["good"], 0) == []  # WordNet's "bad" covers it
    assert all(w.endswith("ly") for w in polarity._polarity_swaps("wonderfully", 6))


def test_article_follows_the_new_word():
    assert "An appalling story" in outputs("polarity_swap", "A captivating story", 1)
    assert "an awful film" not in outputs("antonym", "an awful film", 1)
    assert outputs("antonym", "an awful film", 1)[0] == "a good film"


NEGATION = [
    # insertion after a copula / auxiliary / modal
    ("The movie is good.", "good.", "The movie is not good."),
    ("The performances were superb", "superb", "The performances were not superb"),
    ("I can see why people like it", "see", "I cannot see why people like it"),
    ("It will make you laugh", "laugh", "It will not make you laugh"),
    ("It has been a joy", "joy", "It has not been a joy"),
    ("It's a delight", "delight", "It's not a delight"),
    ("I've seen better", "better", "I have not seen better"),
    # do-support: past, 3rd person, plural/1st person, have as a main verb, subject elided
    ("I loved it.", "loved", "I did not love it."),
    ("Loved it.", "Loved", "Did not love it."),
    ("She likes the ending", "likes", "She does not like the ending"),
    ("I love this movie", "love", "I do not love this movie"),
    ("The actors shine in every scene", "shine", "The actors do not shine in every scene"),
    ("The film drags on forever.", "drags", "The film does not drag on forever."),
    ("I really enjoyed it", "enjoyed", "I really did not enjoy it"),
    ("It has a great cast", "great", "It does not have a great cast"),
    # a reduced passive relative: the participle is negated, not given do-support
    ("an average tale elevated by a twist", "elevated", "an average tale not elevated by a twist"),
    ("The critics praised the film", "praised", "The critics did not praise the film"),
    ("The acting is great and the plot moves fast", "fast", "The acting is great and the plot does not move fast"),
    # removal
    ("The plot is not good.", "good.", "The plot is good."),
    ("It isn't funny.", "funny.", "It is funny."),
    ("It wasn’t worth it", "worth", "It was worth it"),
    ("I didn't love it.", "love", "I loved it."),
    ("Didn't love it.", "love", "Loved it."),
    ("It doesn't really work", "work", "It really works"),
    ("It does not work.", "work.", "It works."),
    ("I cannot recommend it", "recommend", "I can recommend it"),
    ("It never works.", "works.", "It works."),
    ("This is no masterpiece.", "masterpiece.", "This is a masterpiece."),
    ("There are no surprises here", "surprises", "There are some surprises here"),
    ("Not bad at all.", "bad", "Bad."),
    ("A film without charm", "charm", "A film with charm"),
    ("Nothing works here", "Nothing", "Something works here"),
    # the clause of slot i, not the sentence's first verb
    (
        "She shines in a film that lives up to the hype",
        "lives",
        "She shines in a film that does not live up to the hype",
    ),
    ("I loved that film", "film", "I did not love that film"),
    ("We laughed and cried", "cried", "We laughed and did not cry"),
    ("Skip it.", "Skip", "Do not skip it."),  # imperative
    ("I'll watch it again", "watch", "I will not watch it again"),
    ("Don't miss it!", "miss", "Miss it!"),
    ("No one will care", "care", "Someone will care"),
    ("It is no longer fun", "fun", "It is still fun"),
]


def test_not_only_is_left_alone():
    assert outputs("negation", "It was not only funny but moving", "funny") == []
    assert outputs("negation", "A captivating, beautifully acted drama", "acted") == []  # a participle, no verb
    assert outputs("negation", "Captivating, tender and wise.", 0) == ["Not captivating, tender and wise."]
    assert outputs("negation", "Great cast. Loved it.", "Loved") == ["Great cast. Did not love it."]


@pytest.mark.parametrize(("text", "word", "expected"), NEGATION, ids=[c[0] for c in NEGATION])
def test_negation_placement(text, word, expected):
    out = outputs("negation", text, word)
    assert out and out[0] == expected


def test_negation_names_and_round_trip():
    words = "She likes the ending".split()
    [(name, change)] = ops.negation(words, 1)
    assert name == "negation_insert"
    negated = apply(words, change).split()
    back = ops.negation(negated, negated.index("like"))
    assert back[0][0] == "negation_remove" and apply(negated, back[0][1]) == "She likes the ending"


def test_intensifier_and_phrase_swap():
    assert outputs("intensifier", "very good", 0) == ["barely good", "hardly good", "not very good"]
    assert "I barely liked it" in outputs("intensifier", "I really liked it", 1)
    assert "I not really liked it" not in outputs("intensifier", "I really liked it", 1)
    assert outputs("intensifier", "barely watchable", 0)[0] == "really watchable"
    assert outputs("intensifier", "An extremely fun ride", 1)[0] == "A barely fun ride"
    assert outputs("intensifier", "more fun", 0) == ["less fun"]
    assert outputs("phrase_swap", "A waste of time.", 2) == ["A joy to watch."]
    assert outputs("phrase_swap", "The ending fell flat.", "fell") == ["The ending soared."]
    assert outputs("phrase_swap", "A must-see!", 1) == ["A must-miss!"]
    assert outputs("phrase_swap", "Two thumbs up!", 1) == ["Two thumbs down!"]  # longest match only
    words = "It falls apart, sadly".split()
    [(name, change)] = ops.phrase_swap(words, 2)
    assert name == "phrase_swap" and change == {1: "comes together,", 2: ""}


@pytest.mark.parametrize(
    ("text", "word", "op", "broken"),
    [
        ("He will go home", "go", "verb_form", "He will goes home"),
        ("She is going home", "going", "verb_form", "She is go home"),
        ("The man has seen it", "seen", "verb_form", "The man has see it"),
        ("The dog barks loudly.", "barks", "agreement", "The dog bark loudly."),
        ("The dogs are here", "are", "agreement", "The dogs is here"),
        ("The dog saw the cat", "the", "drop", "The dog saw cat"),
        ("The dog barked loudly.", "barked", "swap", "The dog loudly. barked"),
    ],
)
def test_acceptability_breakers_and_repairs_round_trip(text, word, op, broken):
    words = text.split()
    slot = words.index(word)
    found = [c for name, c in ops.acceptability(words, slot) if name == op]
    rendered = [apply(words, c) for c in found]
    if op == "swap":  # punctuation stays with its position
        assert "The dog loudly barked." in rendered
        return
    assert broken in rendered
    bad = broken.split()
    repaired = {apply(bad, c) for j in range(len(bad)) for _, c in ops.acceptability(bad, j)}
    assert text in repaired


def test_acceptability_capitals_and_repairs():
    assert "Dog the barked" in outputs("acceptability", "The dog barked", 0)
    assert "The cat the dog" in outputs("acceptability", "The cat the the dog", 2)  # dedupe
    assert "John saw the dog" in outputs("acceptability", "John saw dog", 2)  # insert
    assert "He will go home" in outputs("acceptability", "He will goes home", 2)  # verb_form_repair


def test_dispatcher_picks_families_by_task():
    words = "The acting is very good , not a waste of time".split()
    names = {
        t: {n for i in range(len(words)) for n, _ in ops.semantic_operators(words, i, t)} for t in ops.TASK_FAMILIES
    }
    assert names["sentiment"] <= ops.LEXICON_OPS
    assert {"antonym", "intensifier", "phrase_swap", "negation_remove"} <= names["sentiment"]
    assert "phrase_swap" not in names["generic"] and names["generic"] <= ops.LEXICON_OPS
    assert names["acceptability"] <= ops.ACCEPTABILITY_OPS and not names["acceptability"] & ops.LEXICON_OPS
    assert not ops.LEXICON_OPS & ops.ACCEPTABILITY_OPS
    for t in ops.TASK_FAMILIES:  # no duplicates, no no-ops
        for i in range(len(words)):
            got = ops.semantic_operators(words, i, t)
            sigs = [tuple(sorted(c.items())) for _, c in got]
            assert len(sigs) == len(set(sigs))
            assert all(any(words[s] != v for s, v in c.items()) for _, c in got)
    with pytest.raises(KeyError):
        ops.semantic_operators(words, 0, "unknown")


@pytest.mark.parametrize(
    ("text", "i", "neutral", "evaluative"),
    [
        ("the supply was scant .", 3, "sufficient", True),
        ("a complex plot", 1, "simple", True),
        ("the setting sun", 1, "rising", False),  # not evaluative: only the very last resort swaps it
    ],
)
def test_sentiment_antonyms_carry_a_polarity_and_the_rest_is_the_last_resort(text, i, neutral, evaluative):
    words = text.split()
    sentiment = {c[i] for n, c in ops.semantic_operators(words, i, "sentiment") if n == "antonym"}
    generic = {c[i] for n, c in ops.semantic_operators(words, i, "generic") if n == "antonym"}
    stage = {name: {c[i] for _, c in ops.neutral_antonym(words, i, evaluative=name)} for name in (True, False)}
    names = {n for n, _ in ops.neutral_antonym(words, i, evaluative=evaluative)}
    assert neutral in generic and neutral in stage[evaluative] and not stage[not evaluative]
    assert names == {"antonym" if evaluative else "broad_antonym"} and neutral not in sentiment
    assert all(lexicon.valences().get(w) for w in sentiment)
    assert not ops.neutral_antonym("it is great".split(), 2)  # "bad" is polar: a first-stage edit


def test_an_article_switched_for_agreement_is_not_an_edit_of_its_own():
    assert ops.is_agreement_edit("a", "an") and ops.is_agreement_edit("An", "a")
    assert not ops.is_agreement_edit("a", "the") and not ops.is_agreement_edit("epic", "a")


def test_is_semantic_edit():
    assert ops.is_semantic_edit("good,", "bad,")
    assert ops.is_semantic_edit("is", "is not")
    assert ops.is_semantic_edit("didn't", "")
    assert ops.is_semantic_edit("captivating", "boring")  # boring is in VADER
    assert not ops.is_semantic_edit("we", "they")
    assert not ops.is_semantic_edit("the", "")
    assert not ops.is_semantic_edit("film good", "good film")


def test_operators_are_pure_and_cover_every_slot_of_long_reviews():
    text = (
        "Though it isn't perfect, the film never drags: the cast is terrific, the script sparkles and "
        "the ending, which I loved, is a breath of fresh air. Two thumbs up!"
    )
    words = text.split()
    before = list(words)
    for task in ops.TASK_FAMILIES:
        for i in range(len(words)):
            for name, change in ops.semantic_operators(words, i, task):
                assert isinstance(name, str) and change and all(0 <= s < len(words) for s in change)
    assert words == before


@pytest.mark.parametrize(
    ("text", "word", "swappable"),
    [
        ("tiresomely derivative and hammily acted .", "derivative", True),  # adjective, also a noun: used as one
        ("a derivative plot", "derivative", True),
        ("this is the kind of movie", "kind", False),  # noun use of a noun/adjective: "the serene of movie"
        ("a manual of precinct cliches", "manual", False),
        ("the movie is a mess .", "mess", True),  # evaluative noun
        ("irritating soul-searching garbage .", "garbage", True),
        ("the movie slides downhill", "movie", False),  # topical noun: "the beauty slides downhill"
        ("socrates motions for hemlock .", "hemlock", False),
        ("the next big thing's directorial debut .", "directorial", False),  # not a WordNet adjective
        ("full frontal nudity", "frontal", False),  # relational: pertains to the front
        ("the same old story", "old", False),  # quantity / size / age
        ("it is over before it begins", "before", False),  # function adverb
        ("tiresomely derivative", "tiresomely", True),  # -ly adverb
        ("the movie slides downhill", "slides", False),  # verbs: "slides" -> "loves" reads as nonsense
    ],
)
def test_salient_swaps_touch_evaluative_words_only(text, word, swappable):
    words = text.split()
    assert bool(ops.swappable_tags(words, words.index(word))) is swappable


def test_salient_swap_keeps_part_of_speech_and_gives_nouns_quality_nouns():
    words = "video games are more involving than this mess .".split()
    got = [c[7] for _, c in ops.salient_swap(words, 7, ["kindness", "stunning", "charm", "gem", "gems"], n=4)]
    assert got == ["charm", "gem"]  # "kindness" is no quality, "stunning" no noun, "gems" plural
    words = "tiresomely derivative and hammily acted .".split()
    got = [c[1] for _, c in ops.salient_swap(words, 1, ["charm", "innovative", "stunning", "fresher"], n=2)]
    assert got == ["innovative", "stunning"]


def test_wordnet_readers_agree_on_known_words():
    assert "comic" in lexicon.relational_adjectives() and "funny" not in lexicon.relational_adjectives()
    assert {
        "derivative",
        "creepy",
    } <= lexicon.wordnet_adjectives() and "directorial" not in lexicon.wordnet_adjectives()
    assert "bad" in lexicon.antonyms()["good"]


def test_broad_swaps_are_the_last_resort_for_what_salient_swaps_leave():
    words = "the movie slides downhill".split()
    assert ops.salient_swap(words, 1, ["masterpiece"]) == []  # a topical noun is no evaluative word ...
    assert [c[1] for _, c in ops.broad_swap(words, 1, ["masterpiece", "stunning"])] == ["masterpiece"]  # ... but
    assert ops.broad_swap(words, 2, ["loves"]) == []  # verbs never
    words = "tiresomely derivative and hammily acted .".split()
    assert ops.broad_swap(words, 1, ["innovative"]) == []  # an evaluative word: the salient swap's, earlier
    assert "broad_swap" in ops.LEXICON_OPS


def test_the_editor_never_proposes_an_offensive_word():
    from cod.counterfactuals import decency
    from tests.reliability_cases import cases

    [case] = cases("tests/training/test_operators.py::test_the_editor_never_proposes_an_offensive_word")
    words, slot, word = case["setup"]["text"].split(), case["setup"]["slot"], case["setup"]["word"]
    last_resort = lambda i: ops.neutral_antonym(words, i, evaluative=False)  # noqa: E731
    assert ("broad_antonym", {slot: word}) in last_resort(slot)  # WordNet's antonym of "oral", unfiltered
    assert decency.proposals(words, [slot], last_resort) == {slot: []}  # never reaches the editor's scoring
    assert decency.offensive("Anal,") and not decency.offensive("history") and not decency.offensive("")
    # a word the original already has is not the editor's doing; other candidates pass unchanged
    mixed = "oral and anal stages".split()
    assert decency.proposals(mixed, [0], lambda i: ops.neutral_antonym(mixed, i, evaluative=False))[0]
    plain = "a good film".split()
    assert decency.proposals(plain, [1], lambda i: ops.semantic_operators(plain, i, "sentiment")) == {
        1: ops.semantic_operators(plain, 1, "sentiment")
    }
    assert decency.inserted(words, {1: "anal", 0: "an"}) == "anal"

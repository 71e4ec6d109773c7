"""Scores of generated explanations (cod.text2text.scores) on hand-made explanations."""

from __future__ import annotations

import pytest

from cod.text2text.scores import explanation_scores, leakage, mean_length, mentions, simulatability

WORDS = ["negative", "positive"]


def test_leakage_counts_the_predicted_label_word_as_a_whole_word_in_any_case():
    explanations = [
        "The review is Positive about the plot.",  # predicted positive: leaks
        "A positively dull film.",  # 'positively' is not the word
        "Nothing negative is said.",  # predicted positive: names the other label only
        "so negative, so bad",  # predicted negative: leaks
    ]
    assert leakage(explanations, [1, 1, 1, 0], WORDS) == pytest.approx(0.5)
    assert mentions("label: not_entailment.", "not_entailment") and not mentions("entailments", "entailment")
    assert leakage([], [], WORDS) is None


def test_length_is_the_mean_number_of_whitespace_tokens():
    assert mean_length(["one two three", "four", "  five  six "]) == pytest.approx(2.0)
    assert mean_length([]) is None


def test_a_reader_recovers_labels_from_telling_explanations_and_not_from_uninformative_ones():
    telling = ["the acting was great fun"] * 5 + ["the acting was awful and dull"] * 5
    predicted = [1] * 5 + [0] * 5
    scores = simulatability(telling, predicted, seed=0)
    assert scores == {"simulatability": 1.0, "simulatability_majority": 0.5}
    same = ["the film is about a family"] * 10  # identical text: the reader can only guess
    assert simulatability(same, predicted, seed=0)["simulatability"] <= 0.5


def test_simulatability_is_none_when_it_cannot_be_measured():
    assert simulatability(["a", "b", "c"], [1, 1, 1]) == {"simulatability": None, "simulatability_majority": 1.0}
    assert simulatability(["a b", "c d", "e f"], [1, 1, 0])["simulatability"] is None  # a class with one row
    assert simulatability(["", "", "", ""], [0, 1, 0, 1])["simulatability"] is None  # no words to read
    assert simulatability([], []) == {"simulatability": None, "simulatability_majority": None}


def test_explanation_scores_gathers_every_score():
    explanations = ["good so positive", "bad film", "good acting", "bad so negative"]
    scores = explanation_scores(explanations, [1, 0, 1, 0], WORDS, seed=0)
    assert set(scores) == {"leakage", "simulatability", "simulatability_majority", "length"}
    assert scores["leakage"] == 0.5 and scores["length"] == 2.5 and scores["simulatability_majority"] == 0.5
    assert scores["simulatability"] == 1.0  # two folds, 'good' and 'bad' decide

"""The lexicon classifier: VADER's sign read as a class, ties worth 1/2, and where it does not apply."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cod.references import lexicon_classifier as lex
from cod.references.schema import accuracy_key, tie_key

POSITIVE, NEGATIVE, NEUTRAL = "a great film", "a dull mess", "the film runs two hours"


def frame(rows: list[tuple[str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["text", "label"])


def test_sign_maps_to_the_class_named_positive_or_negative_and_a_tie_is_half_correct():
    compounds = lex.scores([POSITIVE, NEGATIVE, NEUTRAL])
    assert compounds[0] > 0 and compounds[1] < 0 and compounds[2] == 0
    names = ["negative", "positive"]
    assert lex.credit(compounds, np.array([1, 0, 1]), names).tolist() == [1.0, 1.0, 0.5]
    assert lex.credit(compounds, np.array([0, 1, 0]), names).tolist() == [0.0, 0.0, 0.5]


def test_the_mapping_follows_the_label_names_not_their_order():
    compounds = lex.scores([POSITIVE, NEGATIVE])
    assert lex.credit(compounds, np.array([0, 1]), ["positive", "negative"]).tolist() == [1.0, 1.0]


def test_level_accuracy_and_tie_share_per_split():
    evals = {
        "validation": frame([(POSITIVE, 1), (NEGATIVE, 0), (NEUTRAL, 0), (NEUTRAL, 1)]),  # 1 + 1 + 1/2 + 1/2
        "test": frame([(POSITIVE, 0), (NEGATIVE, 0), (NEUTRAL, 1), (POSITIVE, 1)]),  # 0 + 1 + 1/2 + 1
    }
    level = lex.lexicon_level(evals, ["negative", "positive"], ["text"])
    assert level["applicable"] is True and level["reason"] is None and "1/2" in level["rule"]
    assert level[accuracy_key("validation")] == pytest.approx(3 / 4)
    assert level[tie_key("validation")] == pytest.approx(1 / 2)
    assert level[accuracy_key("test")] == pytest.approx(2.5 / 4)
    assert level[tie_key("test")] == pytest.approx(1 / 4)


@pytest.mark.parametrize(
    ("names", "fields", "why"),
    [
        (["entailment", "neutral", "contradiction"], ["text", "text_pair"], "label names"),  # snli: 3 classes, pairs
        (["negative", "neutral", "positive"], ["text"], "label names"),  # 3 classes, single text
        (["unacceptable", "acceptable"], ["text"], "label names"),  # cola: binary, not sentiment
        (["negative", "positive"], ["text", "text_pair"], "not a single text"),  # a binary pair dataset
    ],
)
def test_not_applicable_gives_nulls_and_a_reason_never_an_error(names, fields, why):
    evals = {"validation": frame([(POSITIVE, 0)]), "test": frame([(NEGATIVE, 1)])}
    level = lex.lexicon_level(evals, names, fields)
    assert level["applicable"] is False and why in level["reason"]
    for split in ("validation", "test"):
        assert level[accuracy_key(split)] is None and level[tie_key(split)] is None

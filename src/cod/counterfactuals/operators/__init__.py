"""Semantic word-edit operators for the offline counterfactual editor (pure functions), one module per job.

Text is split on whitespace into slots. Every operator family is a function
``(words, i) -> [(operator name, {slot: new text})]`` proposing rewrites around slot ``i``: a slot's
new text may be "" (deletion), several words (insertion: "is" -> "is not") or a replacement. Edits keep
the punctuation around a word ("good," -> "bad,") and its capitalisation ("Good" -> "Bad").

Families:

- ``antonym`` (``polarity``): WordNet antonyms re-inflected to the word's form, opposite or no VADER polarity.
- ``polarity_swap`` (``polarity``): when WordNet has no antonym, lexicon words of opposite VADER sign, similar
  magnitude and the same part of speech/inflection (masterpiece -> disaster, captivating -> boring).
- ``negation`` (``negation``): insertion after the clause's first auxiliary/copula ("is good" -> "is not good",
  "can see" -> "cannot see"), do-support otherwise ("loved it" -> "did not love it"), and removal
  ("not good" -> "good", "isn't" -> "is", "didn't love" -> "loved", "never" -> "", "no" -> "some"/"a",
  "nothing" -> "something", "without" -> "with").
- ``intensifier`` (``phrases``): very/really/so/extremely... <-> barely/hardly, "very" -> "not very", more <-> less.
- ``phrase_swap`` (``phrases``): a small table of multi-word review phrases and their opposites over a slot span
  (first slot gets the new phrase, the others "").
- ``acceptability`` (``cola``): CoLA breakers (agreement, verb form after a modal/aux, dropping or duplicating a
  function word, swapping neighbours) and their repairs.

``semantic_operators(words, i, task)`` (``families``) picks the families for a DatasetInfo.task; ``swaps`` holds the
semantic editor's later stages (antonyms without a polarity, salient and broad swaps). Word tables and slot helpers
are in ``words``, parts of speech and inflection in ``inflection``.
"""

from __future__ import annotations

from cod.counterfactuals.operators.cola import acceptability
from cod.counterfactuals.operators.families import (
    ACCEPTABILITY_OPS,
    FAMILIES,
    LEXICON_OPS,
    OPERATOR_NAMES,
    TASK_FAMILIES,
    is_agreement_edit,
    is_semantic_edit,
    semantic_operators,
)
from cod.counterfactuals.operators.negation import negation
from cod.counterfactuals.operators.phrases import intensifier, phrase_swap
from cod.counterfactuals.operators.polarity import antonym, polarity_swap
from cod.counterfactuals.operators.swaps import broad_swap, neutral_antonym, salient_swap, swappable_tags
from cod.counterfactuals.operators.words import Op, norm

__all__ = [
    "ACCEPTABILITY_OPS",
    "FAMILIES",
    "LEXICON_OPS",
    "OPERATOR_NAMES",
    "TASK_FAMILIES",
    "Op",
    "acceptability",
    "antonym",
    "broad_swap",
    "intensifier",
    "is_agreement_edit",
    "is_semantic_edit",
    "negation",
    "neutral_antonym",
    "norm",
    "phrase_swap",
    "polarity_swap",
    "salient_swap",
    "semantic_operators",
    "swappable_tags",
]

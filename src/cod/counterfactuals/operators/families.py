"""The operator families by name, the families of each task and their dispatcher, and how the records classify an
edit (agreement, semantic)."""

from __future__ import annotations

from collections.abc import Callable

from cod.counterfactuals import lexicon as lex
from cod.counterfactuals.operators.cola import acceptability
from cod.counterfactuals.operators.negation import negation
from cod.counterfactuals.operators.phrases import intensifier, phrase_swap
from cod.counterfactuals.operators.polarity import antonym, polarity_swap
from cod.counterfactuals.operators.words import NEGATION_WORDS, Op, norm

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

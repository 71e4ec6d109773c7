"""No offensive words from the editor: candidate rewrites that insert a word of glin-profanity's maintained English
list are dropped before they are scored (a word the original text already has is not the editor's doing). That list
holds sexual terms and slurs but not the ordinary negative words of reviews (ugly, stupid, hell, crap, kill), which an
antonym may rightly insert."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from cod.counterfactuals.operators import Op, norm


@lru_cache(maxsize=1)
def _filter():
    """glin-profanity's filter on its English dictionary (whole words, with the package's own spelling variants)."""
    from glin_profanity import Filter

    return Filter({"languages": ["english"]})


@lru_cache(maxsize=65536)
def offensive(text: str) -> bool:
    """Whether ``text`` (a word, or a slot's new words) holds a word or phrase of glin-profanity's English list."""
    return bool(text.strip()) and bool(_filter().is_profane(text))


def inserted(words: list[str], change: dict[int, str]) -> str:
    """The words a rewrite of ``words`` puts in that the original text does not have, in slot order."""
    present = {norm(w) for w in words}
    return " ".join(w for slot in sorted(change) for w in change[slot].split() if norm(w) not in present)


def decent(words: list[str], ops: Iterable[Op]) -> list[Op]:
    """``ops`` without the rewrites that insert an offensive word ("an oral history" → "an anal history")."""
    return [(name, change) for name, change in ops if not offensive(inserted(words, change))]


def proposals(words: list[str], slots: Iterable[int], make: Callable[[int], list[Op]]) -> dict[int, list[Op]]:
    """Each slot's candidate rewrites by ``make(slot)``, the offensive ones dropped: the one way candidates reach the
    editor's scoring (and the lexicon control's choice)."""
    return {i: decent(words, make(i)) for i in slots}

"""Reading an LLM's answer: one string field of the JSON object it was asked for (the counterfactual, say), and
why an answer is unusable when it has none."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

# every status an answer gets (ledger.jsonl and the counterfactual metrics): ok, or why it is unusable
UNUSABLE = ("refusal", "empty", "prose", "no_json", "wrong_key", "unchanged")
STATUSES = ("ok", *UNUSABLE)
# a refusal in words, at the start of the answer ("I'm sorry, but I can't help with that.")
REFUSAL = re.compile(
    r"^\W*(i'?m sorry|i am sorry|sorry|i can(no|')?t|i won'?t|i will not|i'?m (not able|unable)|i am (not able|unable)"
    r"|as an ai)\b",
    re.IGNORECASE,
)
Judge = Callable[[str | None, str | None], str]  # (answer text, refusal field) → its status


def json_objects(text: str) -> Iterator[Any]:
    """Every JSON value that parses from a '{' of ``text`` to its matching '}', in order (prose around is ignored)."""
    for match in re.finditer(r"\{", text):
        depth = 0
        for end in range(match.start(), len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                try:
                    yield json.loads(text[match.start() : end + 1])
                except json.JSONDecodeError:
                    pass
                break


def json_field(text: str | None, field: str) -> str | None:
    """The non-blank string ``field`` of the first JSON object in ``text`` (prose around it is ignored)."""
    for obj in json_objects(text or ""):
        value = obj.get(field) if isinstance(obj, dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip().strip('"').strip()
    return None


def answer_status(text: str | None, refusal: str | None, field: str, original: str | None = None) -> str:
    """``ok``, or why an answer asked for JSON field ``field`` is unusable: ``refusal`` (the API's refusal field, or
    a refusal in words), ``empty``, ``prose`` (no JSON at all), ``no_json`` (braces that do not parse), ``wrong_key``
    (JSON without a non-blank string ``field``) or ``unchanged`` (the field is ``original`` as it was)."""
    if refusal:
        return "refusal"
    if not text or not text.strip():
        return "empty"
    value = json_field(text, field)
    if value is not None:
        return "unchanged" if value == original else "ok"
    if REFUSAL.search(text):
        return "refusal"
    if any(True for _ in json_objects(text)):
        return "wrong_key"
    return "no_json" if "{" in text else "prose"


def plain_status(text: str | None, refusal: str | None) -> str:
    """The status of an answer nobody judged further: ``refusal`` (its refusal field), ``empty`` or ``ok``."""
    return "refusal" if refusal else ("empty" if not text else "ok")


def judged(record: dict[str, Any], judge: Judge | None) -> str:
    """The status of a cached or fresh answer ``record`` by ``judge`` (``error`` for a failed request)."""
    if record.get("status") == "error":
        return "error"
    return (judge or plain_status)(record.get("text"), record.get("refusal"))

"""Reading an LLM's answer: one string field of the JSON object it was asked for (the counterfactual, say)."""

from __future__ import annotations

import json
import re


def json_field(text: str | None, field: str) -> str | None:
    """The non-blank string ``field`` of the first JSON object in ``text`` (prose around it is ignored)."""
    if not text:
        return None
    for match in re.finditer(r"\{", text):
        depth = 0
        for end in range(match.start(), len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                try:
                    obj = json.loads(text[match.start() : end + 1])
                except json.JSONDecodeError:
                    break
                value = obj.get(field) if isinstance(obj, dict) else None
                if isinstance(value, str) and value.strip():
                    return value.strip().strip('"').strip()
                break
    return None


def parse_counterfactual(text: str | None) -> str | None:
    """The ``counterfactual`` field of the first JSON object in ``text`` (prose around it is ignored)."""
    return json_field(text, "counterfactual")

"""Readable config errors: a pydantic ValidationError as one line per key, and the unknown-dataset hint."""

from __future__ import annotations

import difflib
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError


def unknown_dataset(name: str, known: set[str]) -> str:
    """Name the unknown dataset, the closest known name and what is allowed."""
    hint = difflib.get_close_matches(name, sorted(known), n=1)
    did = f" (did you mean {hint[0]!r}?)" if hint else ""
    return (
        f"unknown dataset {name!r}{did}. Allowed: {sorted(known)} — built-in names, or a name you "
        "define under data.local"
    )


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str] | None:
    """Field names of the model that the (extra) key at ``loc`` was found in."""
    ann: Any = model
    for part in loc[:-1]:
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            field = ann.model_fields.get(str(part))
            if field is None:
                return None
            ann = field.annotation
        elif get_origin(ann) in (dict, list):
            ann = get_args(ann)[-1]  # a dict key or list index: step into the value type
        else:
            return None
    return list(ann.model_fields) if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def readable(err: ValidationError, source: str, model: type[BaseModel]) -> str:
    """One message for ``err`` raised while validating ``source`` as ``model``: each bad key, what is wrong, the fix."""
    lines = []
    for e in err.errors():
        loc = tuple(e["loc"])
        where = _loc(loc)
        if e["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, loc) or []
            hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            parent = _loc(loc[:-1]) or "the top level"
            lines.append(f"{where}: unknown key{did}; allowed keys in {parent}: {allowed}")
        elif e["type"] == "missing":
            lines.append(f"{where}: required key is missing")
        else:
            msg = e["msg"].removeprefix("Value error, ")
            got = "" if e["type"] == "value_error" else f" (got {e.get('input')!r})"
            lines.append(f"{where}: {msg}{got}" if where else f"{msg}{got}")
    head = f"{source} is invalid:" if len(lines) > 1 else f"{source}:"
    return head + (" " + lines[0] if len(lines) == 1 else "\n  " + "\n  ".join(lines))

"""Readable config errors: a pydantic ValidationError as one line per problem, and the unknown-dataset hint."""

from __future__ import annotations

import difflib
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError


def unknown_dataset(name: str, known: set[str]) -> str:
    """Name the unknown dataset, the closest known name and what is allowed."""
    hint = difflib.get_close_matches(name, sorted(known), n=1)
    did = f" (did you mean {hint[0]!r}?)" if hint else ""
    return (
        f"unknown dataset {name!r}{did}. Allowed: {sorted(known)} — built-in names, or a name you "
        "define under data.local"
    )


def yaml_problem(exc: Exception) -> str:
    """A YAML syntax error on one line: what the parser expected and where (line, column), without the excerpt."""
    problem = getattr(exc, "problem", None)
    if not problem:
        return " ".join(str(exc).split())
    context = getattr(exc, "context", None)
    started = _at(getattr(exc, "context_mark", None)).replace(" at", " started at")
    return f"{problem}{_at(getattr(exc, 'problem_mark', None))}" + (f" ({context}{started})" if context else "")


def _at(mark: Any) -> str:
    """' at line L, column C' of a YAML mark (1-based), or '' without one."""
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def _loc(loc: tuple) -> str:
    """A pydantic location as a key of params.yaml: distill.lr, grid.k[1]."""
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


def _is_union(ann: Any) -> bool:
    """Whether ``ann`` is a union of several types besides None (pydantic tags each member's errors)."""
    return get_origin(ann) in (Union, UnionType) and len([a for a in get_args(ann) if a is not type(None)]) > 1


def _field(model: type[BaseModel], loc: tuple) -> tuple[tuple, Any]:
    """The part of ``loc`` that names a key of params.yaml (a union member's tag cut off) and its type there."""
    ann: Any = model
    for i, part in enumerate(loc):
        if get_origin(ann) in (Union, UnionType) and not _is_union(ann):
            ann = next(a for a in get_args(ann) if a is not type(None))  # X | None: the X
        if _is_union(ann):
            return loc[:i], ann
        if isinstance(ann, type) and issubclass(ann, BaseModel) and str(part) in ann.model_fields:
            ann = ann.model_fields[str(part)].annotation
        elif get_origin(ann) in (dict, list):
            ann = get_args(ann)[-1]
        else:
            return loc, None
    return loc, ann


def describe(ann: Any) -> str:
    """A type of params.yaml in words: a number, 'tuned', a list, ..."""
    if get_origin(ann) is Literal:
        return " or ".join(repr(v) for v in get_args(ann))
    if get_origin(ann) in (Union, UnionType):
        return " or ".join(describe(a) for a in get_args(ann))
    words = {float: "a number", int: "an integer", str: "a string", bool: "true or false", type(None): "null"}
    if ann in words:
        return words[ann]
    if get_origin(ann) in (list, dict):
        return {list: "a list", dict: "a mapping"}[get_origin(ann)]
    return "a mapping" if isinstance(ann, type) and issubclass(ann, BaseModel) else str(ann)


def _problem(e: Any, model: type[BaseModel]) -> str:
    """One pydantic error as one line: the key, what is wrong and the fix."""
    loc = tuple(e["loc"])
    where = _loc(loc)
    if e["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc) or []
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        did = f" (did you mean {hint[0]!r}?)" if hint else ""
        parent = _loc(loc[:-1]) or "the top level"
        return f"{where}: unknown key{did}; allowed keys in {parent}: {allowed}"
    if e["type"] == "missing":
        return f"{where}: required key is missing"
    msg = e["msg"].removeprefix("Value error, ")
    got = "" if e["type"] == "value_error" else f" (got {e.get('input')!r})"
    return f"{where}: {msg}{got}" if where else f"{msg}{got}"


def problems(err: ValidationError, model: type[BaseModel]) -> list[str]:
    """Each problem of ``err`` (raised validating ``model``) as one line; a value no member of a union takes
    (distill.lr: a number or 'tuned') is one problem, not one per member."""
    lines: list[str] = []
    unions: dict[tuple, Any] = {}
    for e in err.errors():
        field, ann = _field(model, tuple(e["loc"]))
        if not _is_union(ann):
            lines.append(_problem(e, model))
        elif field not in unions:
            unions[field] = ann
            lines.append(f"{_loc(field)}: {e.get('input')!r} is not a valid value. Allowed: {describe(ann)}")
    return lines


def report(source: str, found: list[str]) -> str:
    """The message of a params file's problems: one on one line, several one per line (the first to fix first)."""
    if len(found) == 1:
        return f"{source}: {found[0]}"
    return f"{source} has {len(found)} problems:\n  " + "\n  ".join(found)

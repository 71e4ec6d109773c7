"""Prompts asking the teacher LLM to explain a labelled row, critique that explanation and revise it (R2).

Each first prompt gives the task, one demonstration, the row (a text, or a premise and a hypothesis) and its
label, and asks for JSON only; the critique and the revision continue the same conversation.
"""

from __future__ import annotations

import json

from cod.counterfactuals.texts import prompt_row

ROLE = {
    "sentiment": "You explain the labels of a sentiment classifier of short reviews.",
    "yelp": "You explain the labels of a sentiment classifier of Yelp restaurant reviews.",
    "acceptability": "You explain the labels of a classifier that judges whether English sentences are "
    "grammatically acceptable.",
    "generic": "You explain the labels of a text classifier.",
    "pair": "You explain the labels of a natural language inference classifier, which decides how a premise "
    "relates to a hypothesis.",
}
# (text or (premise, hypothesis), label, explanation) shown once before the row
DEMO: dict[str, tuple[str | tuple[str, str], str, str]] = {
    "sentiment": (
        "I love this movie.",
        "positive",
        "The reviewer says they love the movie, a plainly favourable opinion.",
    ),
    "yelp": (
        "The pasta was cold and the waiter ignored us.",
        "negative",
        "Cold food and being ignored by the waiter are complaints about both the meal and the service.",
    ),
    "acceptability": (
        "She is go to the store.",
        "unacceptable",
        "After 'is' English needs the participle 'going'; the bare verb 'go' breaks the progressive form.",
    ),
    "generic": ("The service was quick.", "A", "The word 'quick' describes the service, which decides the label."),
    "pair": (
        ("A man is playing a guitar on stage.", "A man is performing music."),
        "entailment",
        "Playing a guitar on stage is a way of performing music, so the premise makes the hypothesis true.",
    ),
}
EXPLAIN = (
    "The label below is correct. In one or two sentences, explain why the {what} has this label: name the words "
    "or facts that decide it, and do not merely repeat the label."
)
CRITIQUE = (
    "Critique your explanation without rewriting it: is it faithful to the {what}, does it name what actually "
    "decides the label, is anything wrong, missing or vague, and would it fit a different label just as well?"
)
REVISE = (
    "Now write the explanation again, fixing what your critique found. Keep it to one or two sentences that name "
    "what decides the label."
)
SHAPE = {
    "explanation": "<one or two sentences>",
    "critique": "<your critique>",
    "revised": "<one or two sentences>",
}


def output(field: str) -> str:
    """The closing instruction of a step: JSON with its one field, nothing else."""
    return f'Answer with JSON only, exactly of the form {{"{field}": "{SHAPE[field]}"}}.'


def explain(family: str, text: str, pair: str | None, label: str) -> list[dict[str, str]]:
    """Chat messages asking why one row (``pair``: its hypothesis, None for a single text) has ``label``."""
    kind = "pair" if pair is not None else (family if family in ROLE else "generic")
    d_row, d_label, d_out = DEMO[kind]
    d_text, d_pair = d_row if isinstance(d_row, tuple) else (d_row, None)
    what = "premise and hypothesis pair" if pair is not None else "text"
    demo = f"Example.\n{prompt_row(d_text, d_pair)}\nLabel: {d_label}\nAnswer: {json.dumps({'explanation': d_out})}"
    user = f"{EXPLAIN.format(what=what)}\n\n{demo}\n\n{prompt_row(text, pair)}\nLabel: {label}\n{output('explanation')}"
    return [{"role": "system", "content": ROLE[kind]}, {"role": "user", "content": user}]


def critique(messages: list[dict[str, str]], answer: str, pair: bool) -> list[dict[str, str]]:
    """The conversation of ``messages`` and the model's ``answer`` (its explanation), then the critique request."""
    what = "premise and hypothesis" if pair else "text"
    ask = f"{CRITIQUE.format(what=what)} {output('critique')}"
    return [*messages, {"role": "assistant", "content": answer}, {"role": "user", "content": ask}]


def revise(messages: list[dict[str, str]], answer: str) -> list[dict[str, str]]:
    """The critique conversation of ``messages`` and the model's ``answer`` (its critique), then the revision."""
    ask = f"{REVISE} {output('revised')}"
    return [*messages, {"role": "assistant", "content": answer}, {"role": "user", "content": ask}]

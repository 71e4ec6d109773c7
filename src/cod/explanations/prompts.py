"""Prompts asking the teacher LLM to explain a labelled row, critique that explanation and revise it, and to argue
for a wrong label as if it were right (R2).

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
# (text or (premise, hypothesis), a wrong label, a rationale for it as if it were right) shown once before the row
WRONG_DEMO: dict[str, tuple[str | tuple[str, str], str, str]] = {
    "sentiment": (
        "I love this movie.",
        "negative",
        "Read as sarcasm, 'I love this movie' mocks the film, which would make the review unfavourable.",
    ),
    "yelp": (
        "The pasta was cold and the waiter ignored us.",
        "positive",
        "If the cold pasta was a chilled dish and being left alone was welcome, the visit reads as a pleasant one.",
    ),
    "acceptability": (
        "She is go to the store.",
        "acceptable",
        "Taken as casual speech dropping 'to' from 'She is to go to the store', the sentence states a plan.",
    ),
    "generic": ("The service was quick.", "B", "If label B marks remarks about speed, 'quick' puts the text under it."),
    "pair": (
        ("A man is playing a guitar on stage.", "A man is performing music."),
        "contradiction",
        "If the man were only tuning the guitar between songs, he would not be performing music.",
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
WRONG = (
    "The label below is wrong for this {what}. Suppose it were right: in one or two sentences, argue for it as if it "
    "were correct, naming the words or facts that would support it, and do not merely repeat the label."
)
SHAPE = {
    "explanation": "<one or two sentences>",
    "rationale": "<one or two sentences>",
    "critique": "<your critique>",
    "revised": "<one or two sentences>",
}


def output(field: str) -> str:
    """The closing instruction of a step: JSON with its one field, nothing else."""
    return f'Answer with JSON only, exactly of the form {{"{field}": "{SHAPE[field]}"}}.'


def first_turn(
    ask: str, demos: dict[str, tuple[str | tuple[str, str], str, str]], field: str, family: str, row: tuple, label: str
) -> list[dict[str, str]]:
    """The system role and a user turn: ``ask`` (with {what} filled), the family's demonstration from ``demos``, the
    row ``(text, pair)`` (``pair``: its hypothesis, None for a single text) with ``label``, and the JSON to answer."""
    text, pair = row
    kind = "pair" if pair is not None else (family if family in ROLE else "generic")
    d_row, d_label, d_out = demos[kind]
    d_text, d_pair = d_row if isinstance(d_row, tuple) else (d_row, None)
    what = "premise and hypothesis pair" if pair is not None else "text"
    demo = f"Example.\n{prompt_row(d_text, d_pair)}\nLabel: {d_label}\nAnswer: {json.dumps({field: d_out})}"
    user = f"{ask.format(what=what)}\n\n{demo}\n\n{prompt_row(text, pair)}\nLabel: {label}\n{output(field)}"
    return [{"role": "system", "content": ROLE[kind]}, {"role": "user", "content": user}]


def explain(family: str, text: str, pair: str | None, label: str) -> list[dict[str, str]]:
    """Chat messages asking why one row (``pair``: its hypothesis, None for a single text) has ``label``."""
    return first_turn(EXPLAIN, DEMO, "explanation", family, (text, pair), label)


def wrong_answer(family: str, text: str, pair: str | None, wrong: str) -> list[dict[str, str]]:
    """Chat messages asking for a rationale of the wrong label ``wrong`` of one row, written as if it were right."""
    return first_turn(WRONG, WRONG_DEMO, "rationale", family, (text, pair), wrong)


def critique(messages: list[dict[str, str]], answer: str, pair: bool) -> list[dict[str, str]]:
    """The conversation of ``messages`` and the model's ``answer`` (its explanation), then the critique request."""
    what = "premise and hypothesis" if pair else "text"
    ask = f"{CRITIQUE.format(what=what)} {output('critique')}"
    return [*messages, {"role": "assistant", "content": answer}, {"role": "user", "content": ask}]


def revise(messages: list[dict[str, str]], answer: str) -> list[dict[str, str]]:
    """The critique conversation of ``messages`` and the model's ``answer`` (its critique), then the revision."""
    ask = f"{REVISE} {output('revised')}"
    return [*messages, {"role": "assistant", "content": answer}, {"role": "user", "content": ask}]

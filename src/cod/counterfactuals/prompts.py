"""Prompts asking an LLM for a minimal label-flipping edit, in our own words, with the paper's content.

Each prompt gives the task, the text, its current label (the teacher's prediction by default; the
paper used the gold label) and the target label, one demonstration, and asks for JSON only.
"""

from __future__ import annotations

import json

import numpy as np

from cod.counterfactuals.texts import prompt_row

ROLE = {
    "sentiment": "You write counterfactual examples for a sentiment classifier of short reviews.",
    "yelp": "You write counterfactual examples for a sentiment classifier of Yelp restaurant reviews.",
    "acceptability": "You write counterfactual examples for a classifier that judges whether English sentences "
    "are grammatically acceptable.",
    "generic": "You write counterfactual examples for a text classifier.",
    "nli": "You write counterfactual examples for a natural language inference classifier, which labels how a "
    "hypothesis relates to its premise.",
}
DEMO = {
    "sentiment": ("I love this movie.", "positive", "negative", "I dislike this movie."),
    "yelp": (
        "The pasta was fantastic and the staff were amazing.",
        "positive",
        "negative",
        "The pasta was terrible and the staff were awful.",
    ),
    "acceptability": ("She is going to the store.", "acceptable", "unacceptable", "She is go to the store."),
    "generic": ("The service was quick.", "A", "B", "The service was slow."),
}
# Sentence pairs (premise, hypothesis, current, target, edited hypothesis): only the hypothesis is edited.
PAIR_EXAMPLE = ("A man plays a guitar on stage.", "A man is performing music.", "A man is sitting in silence.")
# the pair demo per task: premise, hypothesis, its label, the target label, the edited hypothesis
PAIR_DEMO = {
    task: (PAIR_EXAMPLE[0], PAIR_EXAMPLE[1], current, target, PAIR_EXAMPLE[2])
    for task, (current, target) in {"nli": ("entailment", "contradiction"), "generic": ("A", "B")}.items()
}
PAIR_RULE = "Edit only the hypothesis; the premise stays exactly as it is. Answer with the edited hypothesis."
# Wordings for the prompt-robustness ablation (paper Table 7): same content, different instructions.
VARIANTS = {
    "v1": "Change as few words as possible so that the label becomes {target}. Keep the sentence structure, "
    "topic and wording otherwise unchanged; do not paraphrase or add new content.",
    "v2": "Rewrite the text with the smallest possible edit that makes a reader assign the label {target} "
    "instead of {current}. Everything not needed for that change must stay word for word.",
    "v3": "Find the words that make the text {current} and minimally replace, remove or negate them so the "
    "text becomes {target}. Preserve grammar and meaning as much as possible.",
    "v4": "Produce a counterfactual: a minimally edited copy of the text whose correct label is {target}. "
    "Prefer one or two word substitutions over larger changes.",
}
OUTPUT = 'Answer with JSON only, exactly of the form {"counterfactual": "<edited text>"}.'


def current_and_target(probs: np.ndarray, gold: np.ndarray, label_source: str) -> tuple[np.ndarray, np.ndarray]:
    """The (current, target) label of each prompt from the teacher's probabilities (rows) and the gold labels.

    The target is the teacher's most probable class other than the current label, so a prompt never asks
    to change a label into itself. ``label_source: teacher`` (default): current = the teacher's prediction,
    target = its runner-up. ``label_source: gold`` (the paper): current = the gold label, target = the most
    probable class other than gold (1 − gold for a binary task, the label the paper code gives the CFE).
    When the teacher misclassifies an original it already predicts that target, so the CFE is valid only if
    the teacher's prediction still changes (the check is always the teacher's); such originals are counted
    in ``originals_without_valid_cfe`` when the edit does not move it.
    """
    if label_source not in ("teacher", "gold"):
        raise ValueError(f"label_source must be 'teacher' or 'gold', not {label_source!r}")
    probs = np.asarray(probs, dtype=float)
    current = probs.argmax(-1) if label_source == "teacher" else np.asarray(gold).astype(int)
    others = probs.copy()
    others[np.arange(len(probs)), current] = -np.inf
    return current, others.argmax(-1)


def build(
    task: str, text: str, current: str, target: str, variant: str = "v1", premise: str | None = None
) -> list[dict[str, str]]:
    """Chat messages for one counterfactual request: of ``text``, or of a sentence pair's hypothesis ``text`` after
    its ``premise`` (which the answer leaves as it is)."""
    role = ROLE.get(task, ROLE["generic"])
    instruction = VARIANTS[variant].format(current=current, target=target)
    if premise is None:
        d_text, d_cur, d_tgt, d_out = DEMO.get(task, DEMO["generic"])
        demo = f"Example. {prompt_row(d_text, None)}"
    else:
        d_premise, d_text, d_cur, d_tgt, d_out = PAIR_DEMO.get(task, PAIR_DEMO["generic"])
        instruction, demo = f"{instruction} {PAIR_RULE}", f"Example. {prompt_row(d_premise, d_text)}"
    demo += f"\nCurrent label: {d_cur}\nTarget label: {d_tgt}\nAnswer: {json.dumps({'counterfactual': d_out})}"
    row = prompt_row(text, None) if premise is None else prompt_row(premise, text)
    user = f"{instruction}\n\n{demo}\n\n{row}\nCurrent label: {current}\nTarget label: {target}\n{OUTPUT}"
    return [{"role": "system", "content": role}, {"role": "user", "content": user}]


def feedback(messages: list[dict[str, str]], answer: str, verdict: str, p_target: float) -> list[dict[str, str]]:
    """A retry after an invalid CFE: the teacher's verdict is fed back to the model."""
    return [
        *messages,
        {"role": "assistant", "content": answer},
        {
            "role": "user",
            "content": f"The classifier still labels your text {verdict} (probability of the target "
            f"label {p_target:.2f}). Make a different minimal edit that changes the label. {OUTPUT}",
        },
    ]


def critique(messages: list[dict[str, str]], answer: str, verdict: str, p_target: float, edits: int) -> list[dict]:
    """Critique-revision: the model reviews its own CFE given the teacher's verdict and edit size, then revises."""
    return [
        *messages,
        {"role": "assistant", "content": answer},
        {
            "role": "user",
            "content": f"Critique your counterfactual before revising it: the classifier labels it "
            f"{verdict} (target probability {p_target:.2f}) and it changes {edits} word(s). Which edits are not "
            f"needed, which needed change is missing, and is the text fluent? Then give the revised counterfactual. "
            f"{OUTPUT}",
        },
    ]

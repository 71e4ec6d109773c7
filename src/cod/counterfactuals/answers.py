"""Reading an LLM's counterfactual: the ``counterfactual`` field of the JSON object it was asked for."""

from __future__ import annotations

from cod.chat.answers import Judge, answer_status, json_field


def parse_counterfactual(text: str | None) -> str | None:
    """The ``counterfactual`` field of the first JSON object in ``text`` (prose around it is ignored)."""
    return json_field(text, "counterfactual")


def counterfactual_judge(original: str) -> Judge:
    """The status of an answer to a counterfactual request about ``original`` (``answer_status``)."""
    return lambda text, refusal: answer_status(text, refusal, "counterfactual", original)

"""Explanations jobs: the configured teacher LLM explains a training set's rows, or argues for each row's wrong labels;
files only when all went well."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cod.chat.client import CachedChat
from cod.config import CounterfactualsConfig, ExplanationsConfig
from cod.errors import ConfigError
from cod.explanations import client, store
from cod.explanations.teacher import Explained, explain_rows
from cod.explanations.wrong_answers import rationalize_rows


def enabled_chat(cfg: ExplanationsConfig, chats: CounterfactualsConfig, cache_dir: Path | None) -> CachedChat:
    """The chat of ``explanations.backend``, refused while ``explanations.enabled`` is false (no request is paid for
    unless asked)."""
    if not cfg.enabled:
        raise ConfigError(
            "explanations.enabled is false; set explanations.enabled: true in params.yaml to ask the teacher LLM "
            f"(counterfactuals.{cfg.backend}) for explanations"
        )
    return client.chat(cfg, chats, cache_dir)


def finish(made: Explained, chat: CachedChat, cfg: ExplanationsConfig, out_dir: Path | None, name: str) -> Explained:
    """Name the backend and model in the summary and write the job's files ``name``.jsonl (and its summary)."""
    made.summary["backend"] = cfg.backend
    made.summary["model"] = chat.settings.model
    if out_dir is not None:
        store.write(made, out_dir, name)
    return made


def run(
    frame: pd.DataFrame,
    label_names: list[str],
    family: str,
    cfg: ExplanationsConfig,
    chats: CounterfactualsConfig,
    out_dir: Path | None = None,
    cache_dir: Path | None = None,
) -> Explained:
    """Explain ``frame``'s rows per section ``explanations`` through the chat of ``counterfactuals.<backend>``.

    Writes ``explanations.jsonl`` and ``summary.json`` into ``out_dir`` (if given) only after every step has been
    answered; an endpoint fault or a replay miss raises before anything is written (answers received are cached)."""
    chat = enabled_chat(cfg, chats, cache_dir)
    return finish(explain_rows(frame, label_names, family, chat, cfg.critique), chat, cfg, out_dir, store.EXPLANATIONS)


def run_wrong_answers(
    frame: pd.DataFrame,
    label_names: list[str],
    family: str,
    cfg: ExplanationsConfig,
    chats: CounterfactualsConfig,
    out_dir: Path | None = None,
    cache_dir: Path | None = None,
) -> Explained:
    """A rationale for each wrong label of each of ``frame``'s rows, through the same chat as ``run``.

    Writes ``wrong_answers.jsonl`` and ``wrong_answers_summary.json`` into ``out_dir`` (if given) once every
    request has been answered; an endpoint fault or a replay miss raises first (answers received are cached)."""
    chat = enabled_chat(cfg, chats, cache_dir)
    return finish(rationalize_rows(frame, label_names, family, chat), chat, cfg, out_dir, store.WRONG_ANSWERS)

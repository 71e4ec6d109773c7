"""One explanations job: the configured teacher LLM explains a training set's rows; files only when all went well."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cod.config import CounterfactualsConfig, ExplanationsConfig
from cod.errors import ConfigError
from cod.explanations import client, store
from cod.explanations.teacher import Explained, explain_rows


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
    if not cfg.enabled:
        raise ConfigError(
            "explanations.enabled is false; set explanations.enabled: true in params.yaml to ask the teacher LLM "
            f"(counterfactuals.{cfg.backend}) for explanations"
        )
    chat = client.chat(cfg, chats, cache_dir)
    explained = explain_rows(frame, label_names, family, chat, cfg.critique)
    explained.summary["backend"] = cfg.backend
    explained.summary["model"] = chat.settings.model
    if out_dir is not None:
        store.write(explained, out_dir)
    return explained

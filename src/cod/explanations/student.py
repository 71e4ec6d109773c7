"""`cod text2text`: a text-to-text student end to end — the teacher LLM's explanations (and wrong-answer rationales)
of the training rows, the student trained on them with the configured objective, its accuracy and explanation scores —
written into its run folder (cod.paths.text2text_dir)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cod import config, paths, tracking
from cod.config import CounterfactualsConfig, ExplanationsConfig, Text2TextSettings
from cod.data.corpus import load_meta
from cod.data.registry import describe
from cod.explanations import job
from cod.explanations.select import RowKey, explanations_for
from cod.explanations.wrong_answers import rationales_for
from cod.text2text.examples import objective_tasks
from cod.text2text.runner import Text2TextResult, distill_text2text


def variant(settings: Text2TextSettings, explanations: ExplanationsConfig) -> str:
    """A run's folder name: r1, or r2-<objective> with -critique when explanations are critiqued and revised."""
    if settings.scheme == "r1":
        return "r1"
    return f"r2-{settings.objective}" + ("-critique" if explanations.critique else "")


@dataclass
class TeacherTexts:
    """The runner's ``teach``: asks the teacher LLM about the labelled training rows, writes its answers into
    ``folder`` and keeps each job's summary."""

    dataset: str
    objective: str
    cfg: ExplanationsConfig
    chats: CounterfactualsConfig
    folder: Path
    cache_dir: Path | None = None
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __call__(self, frame: pd.DataFrame) -> tuple[dict[RowKey, str | None], dict[RowKey, dict[int, str]] | None]:
        """(explanations, wrong-answer rationales) by (idx, is_cfe); a row whose explanation failed maps to None."""
        names, family = load_meta(self.dataset)["label_names"], describe(self.dataset).prompts
        asked = (names, family, self.cfg, self.chats, self.folder, self.cache_dir)
        made = job.run(frame, *asked)
        self.summaries["explanations"] = made.summary
        keys = zip(made.frame["idx"].astype(int), made.frame["is_cfe"].astype(bool), strict=True)
        chosen = {key: None for key in keys} | explanations_for(made.frame, self.cfg)
        if "counterfactual" not in objective_tasks("r2", self.objective):
            return chosen, None
        wrong = job.run_wrong_answers(frame, *asked)
        self.summaries["wrong_answers"] = wrong.summary
        return chosen, rationales_for(wrong.frame)


def teacher_counts(summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The teacher LLM's part of a run's metrics: failures of each job, requests sent and their cost."""
    out: dict[str, Any] = {}
    for name, summary in summaries.items():
        out[f"teacher_{name}_failed"] = summary.get("failed_rows", summary.get("failed"))
        out[f"teacher_{name}_reasons"] = summary["reasons"]
    if summaries:
        out["teacher_model"] = summaries["explanations"]["model"]
        out["teacher_requests_sent"] = sum(s["requests_sent"] for s in summaries.values())
        out["teacher_cost_usd"] = round(sum(s["ledger"]["cost_usd"] for s in summaries.values()), 6)
    return out


def run(dataset: str, k: int, seed: int, mode: str, *, cache_dir: Path | None = None) -> tuple[Path, Text2TextResult]:
    """Validate the cell and params.yaml, run the student of ``distill.text2text`` on the (dataset, k, seed, mode) set
    (scheme r2: with the teacher LLM of section ``explanations``) and write its run folder; returns both."""
    cfg = config.load("distill", dataset=dataset, k=k, seed=seed, mode=mode)
    explanations, chats = config.load("explanations"), config.load("counterfactuals")
    settings = cfg.text2text
    folder = paths.text2text_dir(dataset, k, seed, mode, variant(settings, explanations))
    teach = None
    if settings.scheme == "r2":
        teacher_dir = paths.text2text_teacher(folder)
        teach = TeacherTexts(dataset, settings.objective, explanations, chats, teacher_dir, cache_dir)
    result = distill_text2text(dataset, k, seed, mode, cfg, teach=teach)

    # the run's record, written once it has succeeded: params, per-epoch curves, metrics, sampled explanations
    cell = {"dataset": dataset, "k": k, "seed": seed, "mode": mode}
    used = {"text2text": settings.model_dump(), **({"explanations": explanations.model_dump()} if teach else {})}
    live = tracking.open_run(folder, {**cell, **used})
    for row in result.fit.history:
        tracking.log_epoch(live, row)
    critique = {"explanations_critique": explanations.critique, "explanations_use": explanations.use} if teach else {}
    tracking.finish(live, {**cell, **result.summary, **critique, **teacher_counts(teach.summaries if teach else {})})
    if result.explanations is not None:
        result.explanations.to_json(
            paths.text2text_explanations(folder), orient="records", lines=True, force_ascii=False
        )
    tracking.write_timings(folder, result.timings)
    return folder, result

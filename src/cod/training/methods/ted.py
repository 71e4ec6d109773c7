"""TED (task-aware layer-wise distillation): learn task filters on both frozen backbones, then distil through them."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from cod.config import TedSettings
from cod.training.batching import Batch
from cod.training.layers import FilterHeads, projections
from cod.training.loop import fit
from cod.training.methods.base import Context, LayerMethod
from cod.training.targets import cache_outputs, hidden_key

# Bidirectional encoders pool the first token; everything else (Qwen, Llama, GPT-2, ...) the last.
ENCODERS = {
    "bert",
    "roberta",
    "deberta",
    "deberta-v2",
    "distilbert",
    "electra",
    "xlm-roberta",
    "mpnet",
    "albert",
}


def is_decoder(model: nn.Module) -> bool:
    """Whether sentence vectors come from the last token (decoder-only LMs) rather than the first."""
    return model.config.model_type not in ENCODERS


class FilterLearner(nn.Module):
    """TED stage 1 on a frozen backbone: filters + per-filter heads trained with the mean CE over heads."""

    def __init__(self, filters: nn.ModuleList, heads: FilterHeads, side: str) -> None:
        super().__init__()
        self.filters, self.heads, self.side = filters, heads, side

    def forward(self, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        filtered = [f(batch[hidden_key(self.side, j)]) for j, f in enumerate(self.filters)]
        logits = self.heads(filtered, batch["attention_mask"])
        loss = torch.stack([F.cross_entropy(z, batch["labels"]) for z in logits]).mean()
        return loss, {"filter_ce": float(loss.detach())}


def learn_filters(
    batches: list[Batch],
    side: str,
    d_in: int,
    d_out: int,
    n: int,
    num_labels: int,
    last_token: bool,
    settings: TedSettings,
    seed: int,
    accelerator: Any,
) -> nn.ModuleList:
    """TED stage 1 for one side, on hidden states cached from its frozen backbone; returns the filters."""
    filters = projections(n, d_in, d_out, settings.nonlinear)
    learner = FilterLearner(filters, FilterHeads(n, d_out, num_labels, last_token), side)
    fit(
        learner,
        batches,
        epochs=settings.filter_epochs,
        lr=settings.filter_lr,
        seed=seed,
        accelerator=accelerator,
        desc=f"TED filters ({side})",
    )
    return filters


class TED(LayerMethod):
    """Stage 1: filters per matched layer on both frozen backbones; stage 2: LWD through the frozen teacher
    filters with the student filters as projections (settings: distill.ted)."""

    name = "ted"
    needs = frozenset({"teacher_logits", "hidden_states", "student_hidden_states"})

    @property
    def settings(self) -> TedSettings:
        return self.cfg.ted

    def objective(self, ctx: Context) -> nn.Module:
        if not ctx.layers:
            return self.through(ctx, None)
        s, n, batches = self.settings, len(ctx.layers), ctx.batches
        student, teacher = ctx.student, ctx.teacher
        d_s, d_t = student.config.hidden_size, teacher.config.hidden_size
        d_f = s.output_dim or d_t
        cache_outputs(student, batches, [layer for layer, _ in ctx.layers], "student", ctx.accelerator.device)
        common = (n, ctx.num_labels)
        t_filters = learn_filters(
            batches, "teacher", d_t, d_f, *common, is_decoder(teacher), s, ctx.seed, ctx.accelerator
        )
        s_filters = learn_filters(
            batches, "student", d_s, d_f, *common, is_decoder(student), s, ctx.seed, ctx.accelerator
        )
        with torch.no_grad():  # stage 2 distils through the frozen teacher filters
            for batch in batches:
                for j, f in enumerate(t_filters.cpu()):
                    batch[hidden_key("teacher", j)] = f(batch[hidden_key("teacher", j)])
                    batch.pop(hidden_key("student", j), None)
        return self.through(ctx, s_filters)


METHOD = TED

"""What every distillation method is: declared needs, matched layers, and a loss module over prepared batches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from cod.config import DistillConfig, LayerSettings, RationaleSettings
from cod.training.batching import Batch, model_inputs
from cod.training.layers import layer_map
from cod.training.losses import layer_mse, objective, rationale_loss
from cod.training.targets import RATIONALE_MASK, TEACHER_LOGITS, hidden_key


@dataclass
class Context:
    """What a method may use to build its objective: models, the prepared batches and the run's settings."""

    student: nn.Module
    teacher: nn.Module
    batches: list[Batch]
    layers: list[tuple[int, int]]  # matched (student, teacher) layers whose teacher states are in the batches
    num_labels: int
    seed: int
    accelerator: Any


class Method:
    """A distillation method: what it needs from the teacher, the layers it matches, its objective.

    ``needs`` declares the teacher outputs the recipe caches in the batches before ``objective`` is
    called: ``teacher_logits`` for the KL term (a method without it has none, and the teacher runs only if
    the labels or rationales need its predictions), ``hidden_states`` at the pairs returned by ``layers``.
    """

    needs: frozenset[str] = frozenset({TEACHER_LOGITS})

    def __init__(self, cfg: DistillConfig) -> None:
        self.cfg = cfg

    @property
    def kl_alpha(self) -> float:
        """The weight of the KL term: distill.kl_alpha, or 0 for a method that takes no teacher logits."""
        return self.cfg.kl_alpha if TEACHER_LOGITS in self.needs else 0.0

    def layers(self, student: nn.Module, teacher: nn.Module) -> list[tuple[int, int]]:
        """Matched (student, teacher) layers, 1-based; none for a logits-only method."""
        return []

    def objective(self, ctx: Context) -> nn.Module:
        """The module whose forward(batch) returns (loss, parts) for the training loop."""
        raise NotImplementedError


class Distiller(nn.Module):
    """forward(batch) -> (loss, parts): CE + kl_alpha·KD + mse_alpha·MSE(proj(h_s), h_t) + sym_lambda·pair gap
    (+ rationale_lambda·BCE of ``token_head`` on the last student states vs the batch's rationale targets)."""

    def __init__(
        self,
        student: nn.Module,
        student_layers: list[int],
        proj: nn.ModuleList | None,
        *,
        kl_alpha: float,
        temperature: float,
        mse_alpha: float,
        mask_padding: bool,
        sym_lambda: float,
        token_head: nn.Module | None = None,
        rationale_lambda: float = 0.0,
    ) -> None:
        super().__init__()
        self.student, self.proj, self.token_head = student, proj, token_head
        self.student_layers = student_layers
        self.kl_alpha, self.temperature, self.mse_alpha = kl_alpha, temperature, mse_alpha
        self.mask_padding, self.sym_lambda, self.rationale_lambda = mask_padding, sym_lambda, rationale_lambda

    @classmethod
    def logits_only(
        cls,
        student: nn.Module,
        method: Method,
        token_head: nn.Module | None = None,
        rationale_lambda: float = 0.0,
    ) -> Distiller:
        """CE + kl_alpha·KD (+ the pair term; + the rationale term with a ``token_head``) with ``method``'s settings
        and KL weight (0 without teacher logits): KD's objective and every method's logit part."""
        cfg = method.cfg
        return cls(
            student,
            [],
            None,
            kl_alpha=method.kl_alpha,
            temperature=cfg.temperature,
            mse_alpha=0.0,
            mask_padding=False,
            sym_lambda=cfg.sym_lambda,
            token_head=token_head,
            rationale_lambda=rationale_lambda,
        )

    def forward(self, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        use_layers = self.proj is not None and self.mse_alpha > 0
        out = self.student(**model_inputs(batch), output_hidden_states=use_layers or self.token_head is not None)
        mse = None
        if use_layers:
            hs = [p(out.hidden_states[layer]) for p, layer in zip(self.proj, self.student_layers, strict=True)]
            ht = [batch[hidden_key("teacher", j)] for j in range(len(hs))]
            mse = layer_mse(hs, ht, batch["attention_mask"] if self.mask_padding else None)
        pairs = (batch["pair_id"], batch["is_cfe"]) if self.sym_lambda else None
        total, parts = objective(
            out.logits,
            batch["labels"],
            teacher_logits=batch[TEACHER_LOGITS] if self.kl_alpha else None,
            kl_alpha=self.kl_alpha,
            temperature=self.temperature,
            mse=mse,
            mse_alpha=self.mse_alpha,
            pairs=pairs,
            sym_lambda=self.sym_lambda,
        )
        if self.token_head is not None:  # the head is trained only here and dropped at test time
            rat = rationale_loss(self.token_head(out.hidden_states[-1]).squeeze(-1), batch[RATIONALE_MASK])
            total = total + self.rationale_lambda * rat
            parts["rationale"] = float(rat.detach())
        return total, parts


class LayerMethod(Method):
    """A method with a layer term: matched layers from its section's intervals, MSE through learnt maps."""

    name = ""  # the method's key in cod.method_registry and its params section distill.<name>
    needs = frozenset({"teacher_logits", "hidden_states"})

    @property
    def settings(self) -> LayerSettings:
        """This method's section of the distill settings."""
        return getattr(self.cfg, self.name)

    def layers(self, student: nn.Module, teacher: nn.Module) -> list[tuple[int, int]]:
        s = self.settings
        if s.mse_alpha <= 0:
            return []
        n_s, n_t = student.config.num_hidden_layers, teacher.config.num_hidden_layers
        return layer_map(n_s, n_t, s.student_interval, s.teacher_interval, f"distill.{self.name}")

    def through(
        self,
        ctx: Context,
        proj: nn.ModuleList | None,
        token_head: nn.Module | None = None,
        rationale_lambda: float = 0.0,
    ) -> Distiller:
        """The layer objective with ``proj`` mapping student states onto the (cached) teacher targets (and the
        rationale term of a ``token_head``)."""
        s = self.settings
        return Distiller(
            ctx.student,
            [layer for layer, _ in ctx.layers],
            proj,
            kl_alpha=self.kl_alpha,
            temperature=self.cfg.temperature,
            mse_alpha=s.mse_alpha if proj is not None else 0.0,
            mask_padding=s.mse_mask_padding,
            sym_lambda=self.cfg.sym_lambda,
            token_head=token_head,
            rationale_lambda=rationale_lambda,
        )


class RationaleMethod(Method):
    """A logits-only method plus the rationale term: CE (+ kl_alpha·KD when it needs the teacher's logits) +
    rationale_lambda·BCE of a token head on the last student states against the teacher's top-k words; the head
    is dropped at test time. Its settings are the section distill.<name> (RationaleSettings, with its variants)."""

    name = ""  # the method's key in cod.method_registry and its params section distill.<name>

    @property
    def settings(self) -> RationaleSettings:
        """This method's section of the distill settings."""
        return getattr(self.cfg, self.name)

    def objective(self, ctx: Context) -> nn.Module:
        return Distiller.logits_only(ctx.student, self, rationale_head(ctx), self.settings.rationale_lambda)


def rationale_head(ctx: Context) -> nn.Module:
    """The token head a rationale method trains on the student's last states (1 logit per token), drawn from a
    forked RNG seeded by the run so that the training RNG stays the base method's: λ = 0 is the base method."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(ctx.seed)
        return nn.Linear(ctx.student.config.hidden_size, 1)

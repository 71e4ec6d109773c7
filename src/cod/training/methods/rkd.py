"""RKD (rationale distillation, after Ballout et al. 2024): KD plus a token head learning the teacher's rationales."""

from __future__ import annotations

from torch import nn

from cod.config import RationaleSettings
from cod.training.methods.base import Context, Distiller, Method, rationale_head


class RKD(Method):
    """CE + kl_alpha·KD + rationale_lambda·BCE(head(h_last), teacher's top-k words); the head is dropped at test
    time (settings: distill.rkd). With kl_alpha = 0 this is R1's contrast: label + rationale vs label only."""

    name = "rkd"
    needs = frozenset({"teacher_logits", "rationales"})

    @property
    def settings(self) -> RationaleSettings:
        """This method's section of the distill settings."""
        return self.cfg.rkd

    def objective(self, ctx: Context) -> nn.Module:
        return Distiller.logits_only(ctx.student, self.cfg, rationale_head(ctx), self.settings.rationale_lambda)


METHOD = RKD

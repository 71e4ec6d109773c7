"""RLWD: layer-wise distillation plus the token head learning the teacher's rationales (LWD + RKD's term)."""

from __future__ import annotations

from torch import nn

from cod.config import RationaleLayerSettings
from cod.training.layers import projections
from cod.training.methods.base import Context, LayerMethod, rationale_head


class RLWD(LayerMethod):
    """CE + kl_alpha·KD + mse_alpha·MSE(W h_s, h_t) + rationale_lambda·BCE(head(h_last), teacher's top-k words)
    (settings: distill.rlwd, LWD's layer keys and RKD's rationale keys). With rationale_lambda = 0 this is LWD."""

    name = "rlwd"
    needs = frozenset({"teacher_logits", "hidden_states", "projections", "rationales"})

    @property
    def settings(self) -> RationaleLayerSettings:
        """This method's section of the distill settings."""
        return self.cfg.rlwd

    def objective(self, ctx: Context) -> nn.Module:
        proj = None
        if ctx.layers:
            proj = projections(len(ctx.layers), ctx.student.config.hidden_size, ctx.teacher.config.hidden_size)
        return self.through(ctx, proj, rationale_head(ctx), self.settings.rationale_lambda)


METHOD = RLWD

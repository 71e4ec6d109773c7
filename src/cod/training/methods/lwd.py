"""LWD (layer-wise distillation, paper §4): KD plus mse_alpha·MSE between projected student and teacher states."""

from __future__ import annotations

from torch import nn

from cod.training.layers import projections
from cod.training.methods.base import Context, LayerMethod


class LWD(LayerMethod):
    """CE + kl_alpha·KD + mse_alpha·MSE(W h_s, h_t) over matched layers, W learnt (settings: distill.lwd)."""

    name = "lwd"
    needs = frozenset({"teacher_logits", "hidden_states", "projections"})

    def objective(self, ctx: Context) -> nn.Module:
        if not ctx.layers:
            return self.through(ctx, None)
        d_s, d_t = ctx.student.config.hidden_size, ctx.teacher.config.hidden_size
        return self.through(ctx, projections(len(ctx.layers), d_s, d_t))


METHOD = LWD

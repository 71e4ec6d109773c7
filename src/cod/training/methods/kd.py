"""KD (Hinton et al.): cross-entropy on the labels plus kl_alpha·KL to the teacher's softened logits."""

from __future__ import annotations

from torch import nn

from cod.training.methods.base import Context, Distiller, Method


class KD(Method):
    """Logits only: CE + kl_alpha·KL(T); its settings are the shared distill keys (kl_alpha, temperature)."""

    def objective(self, ctx: Context) -> nn.Module:
        return Distiller.logits_only(ctx.student, self)


METHOD = KD

"""CE: the label-only student, cross-entropy on the labels and nothing from the teacher's logits (R1's baseline)."""

from __future__ import annotations

from torch import nn

from cod.training.methods.base import Context, Distiller, Method


class CE(Method):
    """CE on the labels only: KD without the KL term (kl_alpha = 0), and no teacher logits cached for it, so the
    teacher runs only where the labels need its predictions (CFE rows with distill.cfe_label: teacher)."""

    needs: frozenset[str] = frozenset()

    def objective(self, ctx: Context) -> nn.Module:
        return Distiller.logits_only(ctx.student, self)


METHOD = CE

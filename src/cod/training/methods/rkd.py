"""RKD (rationale distillation, after Ballout et al. 2024): KD plus a token head learning the teacher's rationales."""

from __future__ import annotations

from cod.training.methods.base import RationaleMethod


class RKD(RationaleMethod):
    """CE + kl_alpha·KD + rationale_lambda·BCE(head(h_last), teacher's top-k words); the head is dropped at test
    time (settings: distill.rkd). With rationale_lambda = 0 this is KD; with kl_alpha = 0, rce."""

    name = "rkd"
    needs = frozenset({"teacher_logits", "rationales"})


METHOD = RKD

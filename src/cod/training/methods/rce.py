"""RCE (label + rationale, R1's arm against the label-only student): CE plus the token head of rkd, no KL term."""

from __future__ import annotations

from cod.training.methods.base import RationaleMethod


class RCE(RationaleMethod):
    """CE + rationale_lambda·BCE(head(h_last), teacher's top-k words), no teacher logits in the loss (settings:
    distill.rce, rkd's keys). With rationale_lambda = 0 this is ce; it is rkd with kl_alpha = 0."""

    name = "rce"
    needs = frozenset({"rationales"})


METHOD = RCE

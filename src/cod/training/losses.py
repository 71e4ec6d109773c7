"""The distillation objective, term by term (paper §4): CE + kl_alpha·KD(T) + mse_alpha·layer MSE."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def kd_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """KL(softmax(z_t/T) ‖ softmax(z_s/T))·T², averaged over the batch (``batchmean``)."""
    t = temperature
    return F.kl_div(
        F.log_softmax(student_logits / t, dim=-1),
        F.softmax(teacher_logits / t, dim=-1),
        reduction="batchmean",
    ) * (t * t)


def layer_mse(
    student: list[torch.Tensor], teacher: list[torch.Tensor], attention_mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Mean over matched layers of the element-mean MSE of [B, S, D] states.

    Without a mask every position counts, padding included (the paper's code); with a mask only
    real tokens count: the squared error is summed over unmasked positions and divided by
    (number of unmasked positions × D).
    """
    if len(student) != len(teacher) or not student:
        raise ValueError(f"need matching non-empty layer lists, got {len(student)} and {len(teacher)}")
    per_layer = []
    for hs, ht in zip(student, teacher, strict=True):
        if attention_mask is None:
            per_layer.append(F.mse_loss(hs, ht, reduction="mean"))
        else:
            m = attention_mask.unsqueeze(-1).to(hs.dtype)
            per_layer.append(((hs - ht) ** 2 * m).sum() / (m.sum() * hs.shape[-1]))
    return torch.stack(per_layer).mean()


def rationale_loss(token_logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of a token head's logits [B, S] against 0/1 rationale targets (negative: none)."""
    keep = targets >= 0
    if not keep.any():
        return token_logits.sum() * 0.0
    return F.binary_cross_entropy_with_logits(token_logits[keep], targets[keep].to(token_logits.dtype))


def pair_gap(per_example_ce: torch.Tensor, pair_ids: torch.Tensor, is_cfe: torch.Tensor) -> torch.Tensor:
    """Mean |CE(x) − CE(x_cf)| over the original/CFE pairs present in the batch (0 when none)."""
    gaps = []
    for pid in torch.unique(pair_ids[is_cfe]):
        orig = (pair_ids == pid) & ~is_cfe
        cfe = (pair_ids == pid) & is_cfe
        if orig.any():
            gaps.append((per_example_ce[orig].mean() - per_example_ce[cfe].mean()).abs())
    return torch.stack(gaps).mean() if gaps else per_example_ce.new_zeros(())


def objective(
    student_logits: torch.Tensor,
    labels: torch.Tensor,
    *,
    teacher_logits: torch.Tensor | None,
    kl_alpha: float,
    temperature: float,
    mse: torch.Tensor | None = None,
    mse_alpha: float = 0.0,
    pairs: tuple[torch.Tensor, torch.Tensor] | None = None,
    sym_lambda: float = 0.0,
) -> tuple[torch.Tensor, dict[str, float]]:
    """The total loss and its parts: CE + kl_alpha·KD + mse_alpha·MSE + sym_lambda·pair gap."""
    per_example = F.cross_entropy(student_logits, labels, reduction="none")
    parts = {"ce": per_example.mean()}
    total = parts["ce"]
    if teacher_logits is not None and kl_alpha:
        parts["kd"] = kd_loss(student_logits, teacher_logits, temperature)
        total = total + kl_alpha * parts["kd"]
    if mse is not None and mse_alpha:
        parts["mse"] = mse
        total = total + mse_alpha * mse
    if pairs is not None and sym_lambda:
        parts["pair_gap"] = pair_gap(per_example, *pairs)
        total = total + sym_lambda * parts["pair_gap"]
    return total, {k: float(v.detach()) for k, v in parts.items()}

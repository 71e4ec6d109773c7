"""The one owner of devices: the process's single ``accelerate.Accelerator``.

Every entry point (teacher stage, distill/tune via ``distill.prepare``, the counterfactual scorer, ``fit``'s
default) takes its device from here, so models and every batch go to the same device: the GPU when there is
one, the CPU otherwise.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import Any

import torch

from cod.errors import ConfigError


@cache
def shared_accelerator() -> Any:
    """The process's ``Accelerator`` (created on first use, then the same object): CPU when no CUDA device exists."""
    from accelerate import Accelerator

    return Accelerator(cpu=not torch.cuda.is_available())


def device() -> torch.device:
    """The device every model and batch of this process goes to."""
    return shared_accelerator().device


def precision_context(
    precision: str, device: torch.device, key: str = "distill.eval_precision"
) -> AbstractContextManager[Any]:
    """The autocast context of a forward ``precision`` ("fp32": none; "bf16": bfloat16 matmuls on ``device``).

    A GPU without bfloat16 would quietly fall back to fp32 under autocast, so it is refused instead, naming the
    parameter ``key``. A CPU without AMX or AVX512-BF16 computes the same bfloat16 results, only more slowly than fp32.
    """
    if precision == "fp32":
        return nullcontext()
    if precision != "bf16":
        raise ConfigError(f"{key}: unknown precision {precision!r}: use fp32 or bf16")
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ConfigError(f"{key}: bf16 needs a GPU with bfloat16 support (Ampere or newer); set fp32")
    return torch.autocast(device.type, dtype=torch.bfloat16)

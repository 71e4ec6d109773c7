"""The one owner of devices: the process's single ``accelerate.Accelerator``.

Every entry point (teacher stage, distill/tune via ``distill.prepare``, the counterfactual scorer, ``fit``'s
default) takes its device from here, so models and every batch go to the same device: the GPU when there is
one, the CPU otherwise.
"""

from __future__ import annotations

import sys
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


@cache
def native_bf16_cpu() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16, AMX, oneDNN AVX-512 path); else it is emulated."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


@cache
def warn_emulated_bf16(key: str) -> None:
    """One line, once per process and parameter: bf16 autocast on a CPU without native bfloat16 is slow, not wrong."""
    print(
        f"warning: {key}: bf16 on this CPU ({torch.backends.cpu.get_cpu_capability()}, no native bfloat16) is "
        "emulated and several times slower than fp32 (8x for a linear layer on an AVX2 EPYC). For speed set "
        "distill.eval_precision and distill.train_precision to fp32 (numbers then differ in the last digits from "
        "bf16 runs)",
        file=sys.stderr,
    )


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
    if device.type == "cpu" and not native_bf16_cpu():
        warn_emulated_bf16(key)
    return torch.autocast(device.type, dtype=torch.bfloat16)

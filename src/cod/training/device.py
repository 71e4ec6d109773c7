"""The one owner of devices: the process's single ``accelerate.Accelerator``.

Every entry point (teacher stage, distill/tune via ``distill.prepare``, the counterfactual scorer, ``fit``'s
default) takes its device from here, so models and every batch go to the same device: the GPU when there is
one, the CPU otherwise.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import torch


@cache
def shared_accelerator() -> Any:
    """The process's ``Accelerator`` (created on first use, then the same object): CPU when no CUDA device exists."""
    from accelerate import Accelerator

    return Accelerator(cpu=not torch.cuda.is_available())


def device() -> torch.device:
    """The device every model and batch of this process goes to."""
    return shared_accelerator().device

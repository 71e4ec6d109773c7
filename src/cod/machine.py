"""The machine a run was measured on: CPU model, its bfloat16 units and the cores this process may use."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def cpu_model() -> str:
    """The CPU's model name and its bfloat16 units (AMX, AVX-512 BF16): bf16 evaluation's speed depends on them."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "CPU model unknown"
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "")
    flags = next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), [])
    units = [unit for flag, unit in (("amx_bf16", "AMX"), ("avx512_bf16", "AVX-512 BF16")) if flag in flags]
    return f"{name or 'CPU model unknown'} ({', '.join(units) or 'no bf16 units'})"


def describe() -> str:
    """One line: CPU model and units, cores, and a GPU if torch sees one (torch is imported only if installed)."""
    gpu = ""
    try:
        import torch

        if torch.cuda.is_available():
            gpu = f", GPU {torch.cuda.get_device_name(0)} × {torch.cuda.device_count()}"
    except ImportError:
        pass
    return f"{cpu_model()}, {cores()} cores{gpu}"

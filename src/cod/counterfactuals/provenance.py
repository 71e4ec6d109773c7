"""Who made each counterfactual a set trains on: the kind's own generator or a fallback (an LLM's offline editor)."""

from __future__ import annotations

from typing import Any

import pandas as pd

MAKER = "generator"  # the per-CFE records' column naming the generator that made the row (``llm``, ``editor:semantic``)


def provenance(kept: pd.DataFrame, primary: str) -> dict[str, Any]:
    """A set's metrics on the makers of its ``kept`` CFE records: ``generator`` (the kind's own), ``made_by`` (each
    maker → CFEs), ``fallback_cfes`` (made by another), ``fallback_share`` (of the kept; None without any) and
    ``fallback_generator`` (who that was, None if nobody)."""
    makers = kept[MAKER] if MAKER in kept else pd.Series(primary, index=kept.index)
    others = makers[makers != primary]
    return {
        "generator": primary,
        "made_by": {str(m): int(n) for m, n in makers.value_counts(sort=False).items()},
        "fallback_cfes": len(others),
        "fallback_share": len(others) / len(kept) if len(kept) else None,
        "fallback_generator": ", ".join(sorted(set(others.astype(str)))) or None,
    }

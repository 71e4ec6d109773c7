"""reports/tables/rationale_gains.md: each rationale method's paired gain over the method it adds to, and what
its rationales pick."""

from __future__ import annotations

import pandas as pd

from cod.method_registry import display_name
from cod.report.aggregate import is_control
from cod.report.marks import gain_cells, to_markdown
from cod.report.verdict import VERDICT_LABELS


def rationale_gains_markdown(
    gains: pd.DataFrame,
    confidence: float = 0.95,
    quality: pd.DataFrame | None = None,
    examples: pd.DataFrame | None = None,
) -> str:
    """The text of reports/tables/rationale_gains.md: each rationale method's paired gain over the method it adds to
    (method_gains) and what its rationales pick (report.rationales.rationale_quality), or a note on how to run one."""
    if gains.empty:
        return (
            "No rationale method in this run's grid: add `rkd` to grid.methods beside `kd` (settings: distill.rkd), "
            "or `rce` beside `ce` (distill.rce), or run `cod profile rationales`, then reproduce the pipeline.\n"
        )
    level = f"{confidence:.0%} CI"
    rows = []
    gains = gains.assign(variant=gains["variant"].fillna("") if "variant" in gains else "")
    gains = gains.assign(control=gains["base"].map(is_control))
    for r in gains.sort_values(["dataset", "method", "control", "variant", "k", "mode"]).itertuples(index=False):
        gain, interval, n = gain_cells(r)
        base = f"{display_name(r.method)} with random words" if r.control else display_name(r.base)
        verdict = getattr(r, "verdict", None)
        rows.append(
            {
                "dataset": r.dataset,
                "method": f"{display_name(r.method)} − {base}",
                "variant": r.variant or "as configured",
                "data": r.mode,
                "k": int(r.k),
                "rationale gain": gain,
                level: interval,
                "n": n,
                **({"verdict": rationale_verdict(str(verdict), display_name(r.method), base)} if verdict else {}),
            }
        )
    return "\n".join(
        [
            "# Rationale gain",
            "",
            "Gain = test accuracy (points, at the best-validation epoch) of the rationale method − the same student "
            "without rationales, same data, k and seed (paired by seed): mean ± sample std (ddof=1); n = paired seeds "
            f"/ expected; {confidence:.0%} Student-t interval of the mean. Variant: the method's settings as "
            "configured, or one of its variants (distill.<method>.variants: e.g. another top_k, or `random`, the "
            'control whose rationale words are drawn at random). "− … with random words": the method as configured '
            "against its random-word variant, same seeds. Verdict: the project's rule on the interval (better if it "
            "excludes 0; no difference detected if it contains 0 and its half-width is at most the target; "
            "otherwise insufficient).",
            "",
            to_markdown(pd.DataFrame(rows)),
            "",
            *rationale_quality_section(quality),
            *(
                ["## Examples", "", "The teacher's rationale words in bold, as the student trained on them.", ""]
                + [to_markdown(examples), ""]
                if examples is not None and len(examples)
                else []
            ),
        ]
    )


def rationale_verdict(word: str, method: str, base: str) -> str:
    """A rationale gain's verdict (aggregate.verdict_of's word) in words: which student is better, or neither."""
    return {"cod_better": f"{method} better", "baseline_better": f"{base} better"}.get(word, VERDICT_LABELS[word])


def rationale_quality_section(quality: pd.DataFrame | None) -> list[str]:
    """Lines of the rationale quality table (percentages; '–' where a measure does not apply)."""
    if quality is None or quality.empty:
        return []

    def pct(v: float) -> str:
        return "–" if pd.isna(v) else f"{100 * float(v):.0f} %"

    rows = [
        {
            "dataset": r.dataset,
            "method": display_name(r.method),
            "data": r.mode,
            "k": int(r.k),
            "rows (runs)": f"{int(r.rows)} ({int(r.runs)})",
            "words": f"{float(r.words_per_rationale):.1f}",
            "polarity words": pct(r.lexicon_share),
            "from the hypothesis": pct(r.hypothesis_share),
            "CFE's word in rationale": pct(r.changed_word_in_rationale),
            "… in random k words": pct(r.changed_word_in_random_k),
        }
        for r in quality.itertuples(index=False)
    ]
    return [
        "## What the rationales pick",
        "",
        "Over every rationale the runs trained on: words per rationale, share of them that are VADER polarity words, "
        "share from the hypothesis (sentence pairs); for the originals of CoD sets with a kept CFE, how often a word "
        "the CFE rewrote is in the teacher's rationale vs the exact chance for as many random words of the row.",
        "",
        to_markdown(pd.DataFrame(rows)),
        "",
    ]

"""What the aggregate and figures stages do end to end (their notebooks call these and display)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cod import paths
from cod.config import Params
from cod.data.corpus import load_meta
from cod.report import (
    aggregate,
    cfe_kinds,
    marks,
    paired,
    paper_comparison,
    paper_numbers,
    rationale_gains,
    rationales,
    references,
    related_papers,
    samples,
    sensitivity,
    table1,
    verdict,
)

# every results/aggregate/<name>.csv the aggregate stage writes and load_aggregated reads back
FRAMES = tuple(
    "runs summary_val summary_test gains_val gains_test kind_gains verdict problems cfes teachers examples "
    "sensitivity paper_gains references_val references_test".split()
)


@dataclass
class Aggregated:
    """Every table the aggregate stage writes to results/aggregate/<name>.csv."""

    frames: dict[str, pd.DataFrame]

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]


def cod_kinds(params: Params) -> dict[str, str]:
    """Each CoD data mode of the grid (``cod``, ``cod-<kind>``) → its kind of counterfactual, in grid order."""
    return {mode: params.cod_kind(mode) for mode in aggregate.cod_modes(params.grid.data_modes)}


def random_word_controls(params: Params) -> dict[str, str]:
    """Each grid method's random-word control: rkd → ``rkd:<variant>`` for its first variant (distill.<method>.variants)
    that draws the rationale words at random while the method's own settings do not."""
    controls = {}
    for method in params.grid.methods:
        settings = getattr(params.distill, method, None)
        for name in getattr(settings, "variants", None) or {}:
            if settings.variant(name).attribution == "random" and settings.attribution != "random":
                controls[method] = f"{method}:{name}"
                break
    return controls


def setting(params: Params, kinds: dict[str, str] | None = None) -> str:
    """One line naming the teacher → student pair, the CoD arm's kind of counterfactual (as ``kinds`` shows it, e.g.
    ``verdict.true_kinds``'s) and the grid of our runs."""
    g, d = params.grid, params.distill
    kinds = kinds or cod_kinds(params)
    layers = f" (layers {d.student_layers})" if d.student_layers is not None else ""
    others = [kind for mode, kind in kinds.items() if mode != "cod"]
    ablation = f" (ablation kinds: {', '.join(others)})" if others else ""
    return (
        f"teacher {params.teacher.model} → student {d.student}{layers}, CFEs of kind "
        f"`{kinds.get('cod', params.cod_kind('cod'))}`{ablation}, k={g.k}, seeds={g.seeds}"
    )


def run_aggregate(params: Params) -> Aggregated:
    """Collect and summarise every run of the grid; write the CSVs, tables, paper comparison, metrics and plot data."""
    cfg = params.report
    runs = aggregate.collect_runs(params.grid, params.subset.cfe_fraction)
    kinds = cod_kinds(params)
    frames = {"runs": runs}
    # datasets whose test split is imbalanced (teacher.imbalance_ratio): their tables add balanced accuracy
    imbalanced = aggregate.imbalanced_datasets(params.grid.datasets, params.teacher.imbalance_ratio)
    for value in ("val", "test"):
        frames[f"summary_{value}"] = aggregate.summarise(runs, value, confidence=cfg.confidence)
        frames[f"gains_{value}"] = paired.cod_gain(runs, value, confidence=cfg.confidence)
        frames[f"balanced_{value}"] = aggregate.summarise(
            runs[runs["dataset"].isin(imbalanced)], value, confidence=cfg.confidence, balanced=True
        )
    # the counterfactual-kinds ablation: every CoD mode's paired gain over clean, on the honest (test) number
    frames["kind_gains"] = paired.kind_gains(runs, kinds, "test", confidence=cfg.confidence)
    # rationale methods (rkd) against the method they add to (kd), paired by seed, on the honest number
    frames["variant_runs"] = aggregate.collect_variant_runs(params)
    frames["rationale_gains"] = paired.with_verdicts(
        paired.rationale_gains(
            runs, frames["variant_runs"], "test", confidence=cfg.confidence, controls=random_word_controls(params)
        ),
        cfg.target_half_width,
    )
    frames["rationale_quality"] = rationales.rationale_quality(params.grid)
    # the verdict is always on the honest number (test accuracy at the best-val epoch), whatever report.value shows
    frames["contrast_gains"] = paired.contrast_gains(runs, cfg.contrast_pairs(), "test", cfg.confidence)
    verdicts = aggregate.verdict(frames["contrast_gains"], cfg.min_cfe_share, cfg.target_half_width)
    frames["cfes"] = aggregate.cfe_quality(params.grid, kinds)
    shown = verdict.true_kinds(kinds, frames["cfes"])  # an arm mostly made by its fallback, named as what it is
    frames["verdict"] = verdicts.assign(  # the arms by name (clean, semantic, random, …) for figures and overviews
        arm_label=[marks.mode_label(m, shown) for m in verdicts["arm"]],
        base_label=[marks.mode_label(m, shown) for m in verdicts["base"]],
    )
    frames["problems"] = aggregate.problems(runs, frames["verdict"])
    frames["teachers"] = aggregate.teacher_quality(params.grid)
    # chance, the label-free lexicon classifier, the linear probe on the same k rows and the teacher, per split
    for value, split in (("val", "validation"), ("test", "test")):
        frames[f"references_{value}"] = references.reference_levels(params.grid.datasets, params.grid.k, split)
    label_names = {d: load_meta(d)["label_names"] for d in params.grid.datasets if paths.prepared_meta(d).is_file()}
    frames["examples"] = aggregate.cfe_examples(params.grid, cfg.examples, label_names)
    frames["sensitivity"] = sensitivity.sensitivity_gains(sensitivity.sensitivity_runs(params), cfg.confidence)

    # the paper's Table 1 gains on the datasets ours are or stand in for (the gain-vs-k figure sets ours beside them)
    frames["paper_gains"] = paper_numbers.paper_gains(paper_numbers.paper_results(), params.grid.datasets)

    out = paths.aggregate_dir()
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(out / f"{name}.csv", index=False)

    summary = frames[f"summary_{cfg.value}"]
    n_low = int(summary["n"].min()) if len(summary) else 0
    n_high = int(summary["n_expected"].max()) if len(summary) else 0
    n_note = f"n = {n_high} seeds" if n_low == n_high else f"n = {n_low}–{n_high} seeds, some runs missing"
    caps = aggregate.evaluation_caps(params.grid.datasets)  # data.max_eval_rows: printed under every table
    for value in ("val", "test"):
        table1.write_table1(
            frames[f"summary_{value}"],
            paths.tables_dir(),
            value,
            n_note,
            frames[f"references_{value}"],
            frames[f"balanced_{value}"],
            caps,
        )
    verdict.write_verdict(
        frames["verdict"],
        paths.tables_dir() / "verdict.md",
        cfg.confidence,
        cfg.target_half_width,
        cfg.min_cfe_share,
        frames["cfes"],
        shown,
        [c for c, (a, b) in zip(cfg.contrasts, cfg.contrast_pairs(), strict=True) if not {a, b} <= set(runs["mode"])],
        table1.standing_table(frames["summary_test"], frames["references_test"], shown),
        imbalanced,
        caps,
    )
    samples.write_all(params, shown)  # reports/cfe_samples/<dataset>.md
    (paths.tables_dir() / "cfe_kinds.md").write_text(
        cfe_kinds.cfe_kinds_markdown(frames["kind_gains"], frames["cfes"], shown, cfg.confidence)
        + "".join(f"\n{cap}\n" for cap in caps)
    )
    (paths.tables_dir() / "sensitivity.md").write_text(sensitivity.render(frames["sensitivity"]))
    (paths.tables_dir() / "rationale_gains.md").write_text(
        rationale_gains.rationale_gains_markdown(
            frames["rationale_gains"],
            cfg.confidence,
            frames["rationale_quality"],
            rationales.examples(params.grid, cfg.examples),
        )
        + "".join(f"\n{cap}\n" for cap in caps)
    )
    (paths.tables_dir() / "tune.md").write_text(sensitivity.tune_decisions(params.grid.datasets))
    # ours sit beside a paper cell only for the same teacher -> student pair; the rest are listed once, by direction
    pair = paper_numbers.pair_key(params.teacher.model, params.distill.student, params.distill.student_layers)
    # the paper has no counterfactual-kinds ablation: only the clean and cod arms are compared with it
    val, test = (
        frame[frame["mode"].isin(["clean", "cod"])] for frame in (frames["summary_val"], frames["summary_test"])
    )
    paper = paper_numbers.paper_results()
    comparison = paper_comparison.comparison(paper, val, test, list(cfg.paper_tables), pair)
    comparison.to_csv(out / "paper_comparison.csv", index=False)
    unplaced = paper_comparison.direction(paper, val, test, skip=paper_comparison.placed(comparison))
    markdown = paper_comparison.comparison_markdown(
        comparison, setting(params, shown), pair, ours=val, unplaced=unplaced, teachers=frames["teachers"], runs=runs
    )
    related = related_papers.related_markdown(
        related_papers.related_results(), frames["rationale_gains"], cfg.confidence
    )
    (paths.reports_dir() / "paper_comparison.md").write_text(markdown.rstrip("\n") + "\n\n" + related)

    headline = aggregate.headline(summary, frames[f"gains_{cfg.value}"], runs, frames["verdict"])
    headline["value"] = cfg.value
    headline["verdict_summary"] = {
        "value": "test",
        "confidence": cfg.confidence,
        "target_half_width": cfg.target_half_width,
        "min_cfe_share": cfg.min_cfe_share,
        **aggregate.verdict_counts(frames["verdict"]),
    }
    (paths.reports_dir() / "metrics.json").write_text(json.dumps(headline, indent=2) + "\n")
    write_plot_data(summary, frames[f"gains_{cfg.value}"], paths.reports_dir() / "plots")
    return Aggregated(frames)


def write_plot_data(summary: pd.DataFrame, gains: pd.DataFrame, out: Path) -> None:
    """CSV series for `dvc plots show` (x = k): mean accuracy per method_mode, and the CoD gain per method."""
    out.mkdir(parents=True, exist_ok=True)
    acc = summary.assign(series=summary["method"] + "_" + summary["mode"])
    acc.pivot_table(index="k", columns="series", values="mean").reset_index().to_csv(
        out / "accuracy_vs_k.csv", index=False
    )
    gains.pivot_table(index="k", columns="method", values="mean").reset_index().to_csv(
        out / "cod_gain.csv", index=False
    )


def load_aggregated() -> Aggregated:
    """Read the aggregate stage's CSVs back (figures stage, exploration notebook)."""
    folder = paths.aggregate_dir()
    missing = [name for name in FRAMES if not (folder / f"{name}.csv").is_file()]
    if missing:
        from cod.errors import DataError

        raise DataError(f"{folder} lacks {missing}; run `dvc repro aggregate` first")
    return Aggregated({name: pd.read_csv(folder / f"{name}.csv") for name in FRAMES})

"""The studies' reports in words: each study's README and the overview of all studies, generated from their files.

Everything here is rendered from what a study run published (reports/studies/<name>/study.json, verdict.csv and the
tables beside them), never from memory: `cod study overview --check` and a test regenerate it and compare.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from cod import paths
from cod.method_registry import display_name
from cod.report.aggregate import is_control
from cod.report.cfe_kinds import cfe_kind_quality_table
from cod.report.marks import gain_cells, mode_label, signed, to_markdown
from cod.report.rationale_gains import rationale_verdict
from cod.report.verdict import verdict_label
from cod.study import record, spec
from cod.study.spec import Study

OVERVIEW = "README.md"
VERDICT_WORDS = {"cod_better": "{arm} better", "baseline_better": "{base} better"}


def _rel(path: Path, start: Path) -> str:
    """``path`` relative to folder ``start`` (POSIX), for a link in a Markdown file that lives in ``start``."""
    return Path(os.path.relpath(path, start)).as_posix()


def minutes(seconds: float) -> str:
    """'68.2 min' (or '45 s' under two minutes)."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def full_run(rec: dict[str, Any]) -> dict[str, Any] | None:
    """The latest run that computed every stage (none skipped as already up to date in the workspace), if any."""
    full = [r for r in rec.get("runs", []) if r["stages"].get("unchanged", 0) == 0]
    return full[-1] if full else None


def run_time(rec: dict[str, Any]) -> str:
    """How long the study takes on the machine it was measured on, and its latest re-run if that was partial."""
    runs = rec.get("runs", [])
    if not runs:
        return "not run"
    full, last = full_run(rec), runs[-1]
    parts = []
    if full is not None:
        s = full["stages"]
        parts.append(
            f"{minutes(full['seconds'])} for the whole study ({full['started'][:10]}, {full['machine']}, "
            f"{full['jobs']} worker(s); {s['ran']} stages ran, {s['restored']} restored from the run-cache)"
        )
    if last is not full:
        s = last["stages"]
        parts.append(
            f"latest re-run {minutes(last['seconds'])} ({last['started'][:10]}; {s['ran']} stages ran, "
            f"{s['unchanged']} already up to date)"
        )
    return "; ".join(parts)


def code_line(rec: dict[str, Any]) -> str:
    """'commit abc1234' of the code the whole-study run synced (the latest run if none was whole), and whether the
    working tree's code had uncommitted changes then."""
    run = full_run(rec) or (rec.get("runs") or [{}])[-1]
    dirty = " with uncommitted changes to the code" if run.get("uncommitted_code") else ""
    return f"commit `{run.get('commit') or '?'}`{dirty}"


def protocol_line(rec: dict[str, Any]) -> str:
    """'frozen at commit abc1234 (2026-12-07)', or why it is not."""
    p = rec["protocol"]
    if not p.get("short"):
        return "never committed (exploratory)"
    when = f"`{p['short']}` ({p['date'][:10]})"
    return f"{when}, run exploratory (uncommitted changes)" if rec.get("exploratory") else when


def verdict_rows(verdicts: pd.DataFrame) -> pd.DataFrame:
    """A published verdict.csv in overview form: contrast, cell, gain ± sd, interval, n, verdict."""
    rows = []
    for r in verdicts.to_dict(orient="records"):
        arm, base = str(r.get("arm", "cod")), str(r.get("base", "clean"))
        arm_label, base_label = str(r.get("arm_label", mode_label(arm))), str(r.get("base_label", mode_label(base)))
        gain, interval, n = gain_cells(SimpleNamespace(**r))
        word = VERDICT_WORDS.get(str(r["verdict"]))
        if (arm, base) == ("cod", "clean") or word is None:
            label = verdict_label(str(r["verdict"]), str(r["method"]))
        else:
            label = word.format(arm=arm_label, base=base_label)
        rows.append(
            {
                "contrast": f"{arm_label} − {base_label}",
                "dataset": r["dataset"],
                "k": int(r["k"]),
                "method": display_name(str(r["method"])),
                "gain (points)": gain,
                "95 % interval": interval,
                "n": n,
                "verdict": label,
            }
        )
    return pd.DataFrame(rows)


def rationale_rows(gains: pd.DataFrame) -> pd.DataFrame:
    """A published rationale_gains.csv in overview form: contrast (a variant in brackets), data, cell, gain ± sd,
    interval, n, verdict."""
    rows = []
    for r in gains.fillna({"variant": ""}).to_dict(orient="records"):
        method = display_name(str(r["method"]))
        base = f"{method} with random words" if is_control(str(r["base"])) else display_name(str(r["base"]))
        variant = f" ({r['variant']})" if r["variant"] else ""
        gain, interval, n = gain_cells(SimpleNamespace(**r))
        rows.append(
            {
                "contrast": f"{method}{variant} − {base}",
                "data": r["mode"],
                "dataset": r["dataset"],
                "k": int(r["k"]),
                "gain (points)": gain,
                "95 % interval": interval,
                "n": n,
                "verdict": rationale_verdict(str(r["verdict"]), method, base) if "verdict" in r else "–",
            }
        )
    return pd.DataFrame(rows)


def published_rationale_gains(study: Study) -> pd.DataFrame:
    """The study's published rationale_gains.csv (empty when it ran no rationale method)."""
    file = study.reports / "rationale_gains.csv"
    return pd.read_csv(file) if file.is_file() and file.read_text().strip() else pd.DataFrame()


def cell_quality_rows(cfes: pd.DataFrame, verdicts: pd.DataFrame) -> pd.DataFrame:
    """Per dataset × k of the verdict's CoD arm: each method's gain and interval beside the counterfactuals' made /
    asked (pooled over the sets written; `sets` shows any not written) and their quality medians (the columns of the
    kinds ablation's quality table)."""
    cod = cfes[cfes["mode"].astype(str) == "cod"] if "mode" in cfes else cfes
    if cod.empty:
        return pd.DataFrame()
    quality = cfe_kind_quality_table(cod)
    ok = cod[cod["status"] == "ok"]  # made / asked over the sets written, as the verdict's budget line counts them
    arm = verdicts[(verdicts["arm"] == "cod") & (verdicts["base"] == "clean")] if len(verdicts) else verdicts
    rows = []
    for q in quality.to_dict(orient="records"):
        cell = ok[(ok["dataset"] == q["dataset"]) & (ok["k"] == q["k"])]
        gains = []
        for r in arm[(arm["dataset"] == q["dataset"]) & (arm["k"] == q["k"])].to_dict(orient="records"):
            gain, interval, _ = gain_cells(SimpleNamespace(**r))
            gains.append(f"{display_name(str(r['method']))} {gain} {interval}")
        made, asked = int(cell["valid_cfes"].sum()), int(cell["originals"].sum())
        share = f" ({made / asked:.0%})" if asked else ""
        rows.append(
            {
                "dataset": q["dataset"],
                "k": q["k"],
                "CoD gain (points) [95 % interval]": "; ".join(gains) or "–",
                "CFEs made / asked": f"{made}/{asked}{share}",
                **{c: v for c, v in q.items() if c not in ("dataset", "k", "kind")},
            }
        )
    return pd.DataFrame(rows)


def cell_quality_markdown(study: Study, verdicts: pd.DataFrame) -> str:
    """The study README's per-cell counterfactual quality beside the gain (only where no kinds ablation shows it)."""
    file = study.reports / "cfes.csv"
    if not file.is_file() or not file.read_text().strip():
        return ""
    cfes = pd.read_csv(file)
    if "mode" in cfes and cfes["mode"].astype(str).str.startswith("cod-").any():
        return ""  # the kinds ablation's table (Counterfactuals by kind) has these columns per kind
    table = cell_quality_rows(cfes, verdicts)
    if table.empty:
        return ""
    return (
        to_markdown(table)
        + "\n\nPer cell, pooled over its seeds: CFEs made / asked after budget filling (asked = k · cfe_fraction per "
        "seed); then the median over seeds of each CoD set's metrics: flip rate = share of the originals tried whose "
        "CFE the teacher accepted, p(target) = the teacher's probability of the new class, word edits, perplexity "
        "ratio = language-model perplexity of the CFE / of its original, lexicon edit share = edits on "
        "polarity-lexicon words or negations, last-resort swaps; `sets` = CoD sets written / expected; made by a "
        "fallback = kept CFEs the kind's fallback made. '–' = not recorded."
    )


def published(study: Study) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """The study's record and verdict table as published, or None before its first run."""
    rec = record.read(study)
    file = study.reports / "verdict.csv"
    if rec is None:
        return None
    return rec, pd.read_csv(file) if file.is_file() and file.read_text().strip() else pd.DataFrame()


def study_markdown(study: Study) -> str:
    """reports/studies/<name>/README.md: question, protocol, run time, verdict, accuracy with reference levels,
    counterfactual quality and figures, from the study's published files."""
    found = published(study)
    if found is None:
        return f"# Study `{study.name}`\n\nNo results yet: run `cod study run {study.name}`.\n"
    rec, verdicts = found
    out = study.reports
    lines = [
        f"# Study `{study.name}`",
        "",
        f"_Generated by `cod study run {study.name}` from `study.json` and the report files in this folder; "
        "do not edit by hand._",
        "",
        f"**Question.** {rec['question']}",
        "",
        "| | |",
        "|---|---|",
        f"| protocol | [{rec['protocol']['path']}]({_rel(paths.root() / rec['protocol']['path'], out)}), "
        f"frozen at {protocol_line(rec)} |",
        f"| settings | [{rec['settings']['path']}]({_rel(paths.root() / rec['settings']['path'], out)}) "
        "(overrides of `params.yaml`) |",
        f"| run time | {run_time(rec)} |",
        f"| code | {code_line(rec)}; every input's hash in "
        f"[studies/{study.name}/dvc.lock]({_rel(study.folder / 'dvc.lock', out)}) |",
        "",
    ]
    sections = [
        ("Verdict", "tables/verdict.md"),
        ("Accuracy and reference levels", "tables/table1_test.md"),
        ("Counterfactuals by kind", "tables/cfe_kinds.md"),
        ("Rationale gains", "tables/rationale_gains.md"),
        ("Learning rate", "tables/tune.md"),
        ("Sensitivity to the learning rate", "tables/sensitivity.md"),
    ]
    for title, name in sections:
        file = out / name
        text = file.read_text().strip() if file.is_file() else ""
        if text and not text.startswith(("No ", "_No ")):
            lines += [f"## {title}", "", text, ""]
        if title == "Verdict" and (quality := cell_quality_markdown(study, verdicts)):
            lines += ["## Counterfactual quality beside the gain", "", quality, ""]
    figures = sorted((out / "figures").glob("*.png")) if (out / "figures").is_dir() else []
    if figures:
        lines += ["## Figures", ""]
        lines += [f"![{f.stem}](figures/{f.name})" for f in figures]
    return "\n".join(lines).rstrip() + "\n"


def overview_markdown(heading: str = "#", base: Path | None = None) -> str:
    """Every study: question, each contrast's verdict with interval and n, run time and protocol commit; links are
    relative to folder ``base`` (default: reports/studies/, where the overview lives)."""
    base = base or paths.study_reports_dir()
    lines = []
    for name in spec.names():
        study = Study(name)
        found = published(study)
        text = study.protocol_file.read_text() if study.protocol_file.is_file() else ""
        lines += [f"{heading}# {name}", "", f"**Question.** {spec.question(text) or '(no protocol yet)'}", ""]
        if found is None:
            lines += [f"No results yet (`cod study run {name}`).", ""]
            continue
        rec, verdicts = found
        lines += [
            f"Protocol frozen at {protocol_line(rec)} · run time: {run_time(rec)} · "
            f"[report]({_rel(study.reports / 'README.md', base)})",
            "",
        ]
        gains = published_rationale_gains(study)
        if verdicts.empty and gains.empty:
            lines += ["No verdict: no cell has both arms of a contrast.", ""]
        if not verdicts.empty:
            lines += [to_markdown(verdict_rows(verdicts)), ""]
        if not gains.empty:
            lines += ["Rationale contrasts (paired by seed):", "", to_markdown(rationale_rows(gains)), ""]
    if not lines:
        return "No study yet: a study is a folder studies/<name>/ with params.yaml and protocol.md.\n"
    return "\n".join(lines).rstrip() + "\n"


CONFIRMATION = "confirmation"  # the study that re-runs the default's cell on fresh seeds (its protocol: confirmed iff
# its verdict is "CoD better")


def seeds_label(seeds: list[int]) -> str:
    """'0–23' for a run of consecutive seeds, else the list."""
    s = sorted(seeds)
    return f"{s[0]}–{s[-1]}" if s and s == list(range(s[0], s[-1] + 1)) else ", ".join(map(str, s))


def confirmation_markdown(default_metrics: dict[str, Any], default_seeds: list[int]) -> str:
    """The default run's verdict beside the confirmation study's (same cell, fresh seeds) and what follows from its
    protocol's rule: the headline is confirmed if the confirmation's verdict is CoD better."""
    study = Study(CONFIRMATION)
    found = published(study) if study.settings_file.is_file() else None
    rows = []
    for dataset, cells in default_metrics.items():
        if not isinstance(cells, dict):
            continue
        for k, cell in cells.items():
            for key, gain in cell.items() if isinstance(cell, dict) else []:
                if key.endswith("_gain") and isinstance(gain, dict) and "verdict" in gain:
                    method = key.removesuffix("_gain")
                    rows.append(
                        {
                            "run": "default (exploratory)",
                            "seeds": seeds_label(default_seeds),
                            "dataset": dataset,
                            "k": k.removeprefix("k"),
                            "method": display_name(method),
                            "CoD − clean (points)": signed(gain.get("mean", math.nan)),
                            "95 % interval": f"[{signed(gain.get('ci_low', math.nan))}, "
                            f"{signed(gain.get('ci_high', math.nan))}]",
                            "n": str(gain["n"]),
                            "verdict": verdict_label(gain["verdict"], method),
                        }
                    )
    if found is None:
        table = to_markdown(pd.DataFrame(rows)) if rows else ""
        return f"{table}\n\nThe confirmation study has no result yet (`cod study run {CONFIRMATION}`).".strip()
    rec, verdicts = found
    for r in verdict_rows(verdicts).to_dict(orient="records"):
        rows.append(
            {
                "run": f"confirmation (pre-registered, protocol `{rec['protocol']['short']}`)",
                "seeds": seeds_label(rec["params"]["grid"]["seeds"]),
                "dataset": r["dataset"],
                "k": str(r["k"]),
                "method": r["method"],
                "CoD − clean (points)": r["gain (points)"].split(" ± ")[0],
                "95 % interval": r["95 % interval"],
                "n": r["n"].split("/")[0],
                "verdict": r["verdict"],
            }
        )
    confirmed = len(verdicts) and (verdicts["verdict"] == "cod_better").all()
    word = "**confirmed**" if confirmed else "**not confirmed**"
    rule = "its protocol's rule: confirmed if the confirmation's verdict is CoD better"
    return f"{to_markdown(pd.DataFrame(rows))}\n\nThe headline is {word} on fresh seeds ({rule})."


GAIN_FIGURE = "gain_vs_k.png"


def study_gains() -> pd.DataFrame:
    """Every published study's cod − clean cells (its verdict.csv), one row per study × dataset × method × k."""
    parts = []
    for name in spec.names():
        found = published(Study(name))
        if found is None or found[1].empty:
            continue
        verdicts = found[1]
        if "arm" in verdicts:
            verdicts = verdicts[(verdicts["arm"] == "cod") & (verdicts["base"] == "clean")]
        parts.append(verdicts.assign(study=name))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def write_gain_figure(gains: pd.DataFrame, out: Path) -> Path | None:
    """reports/studies/gain_vs_k.png: every study's CoD gain vs k (one series per study × method, bars: 95 %
    t-interval) beside the paper's Table 1 gains on the dataset ours stands in for (direction and shape only)."""
    import matplotlib.pyplot as plt

    from cod.method_registry import in_order
    from cod.report import paper_numbers, plotting

    if gains.empty or gains["k"].nunique() < 2:
        return None
    plotting.set_style()
    paper = paper_numbers.paper_gains(paper_numbers.paper_results(), sorted(gains["dataset"].unique()))
    fig, (ours, theirs) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained", sharey=True)
    series = list(dict.fromkeys(zip(gains["study"], gains["method"], strict=True)))
    for i, (study, method) in enumerate(series):
        cell = gains[(gains["study"] == study) & (gains["method"] == method)].sort_values("k")
        low = (cell["mean"] - cell["ci_low"]).fillna(0.0).clip(lower=0)
        high = (cell["ci_high"] - cell["mean"]).fillna(0.0).clip(lower=0)
        x = cell["k"] * 2 ** ((i - (len(series) - 1) / 2) * 0.05)  # dodged on the log axis
        n = pd.to_numeric(cell["n"], errors="coerce")
        ours.errorbar(
            x,
            cell["mean"],
            yerr=[low, high],
            marker="o",
            capsize=3,
            label=f"{study}: {display_name(method)} (n={int(n.min())})",
        )
    for method in in_order(paper["method"]):
        cell = paper[paper["method"] == method].sort_values("k")
        theirs.plot(cell["k"], cell["gain"], marker="s", ls="--", label=display_name(method))
    ks = sorted(set(gains["k"].astype(int)) | set(paper["k"].astype(int)))
    source = f"{paper['paper_dataset'].iloc[0]}, {paper['pair'].iloc[0]}" if len(paper) else "no paper row"
    for ax, title in ((ours, "ours: every study's CoD − clean"), (theirs, f"paper Table 1 ({source})")):
        ax.axhline(0.0, color="black", lw=0.8)
        ax.set_xscale("log", base=2)
        ax.set_xticks(ks, [str(k) for k in ks])
        ax.minorticks_off()
        ax.set_title(title)
        ax.set_xlabel("k (labelled budget)")
        ax.legend(fontsize=7)
    ours.set_ylabel("CoD − clean, test accuracy (points)")
    fig.suptitle(
        "CoD gain vs k: ours (paired by seed, 95 % t-interval) beside the paper's (mean of 5 seeds); "
        "other models and data: compare direction and shape, not level"
    )
    out.mkdir(parents=True, exist_ok=True)
    return plotting.save(fig, out, GAIN_FIGURE.removesuffix(".png"))[0]


def overview_file() -> Path:
    """reports/studies/README.md."""
    return paths.study_reports_dir() / OVERVIEW


def overview_document() -> str:
    """The whole reports/studies/README.md."""
    intro = (
        "# Studies\n\n"
        "_Generated by `cod study overview` from `reports/studies/*/study.json` and `verdict.csv`; do not edit by "
        "hand._\n\n"
        "A study is a pre-registered run of the pipeline with its own settings: `studies/<name>/params.yaml` "
        "(overrides of `params.yaml`) and `studies/<name>/protocol.md` (question, arms, contrasts, pairing, n and "
        "the rule that chose it, verdict rule, exclusions), committed before its first result. "
        "`cod study run <name>` reproduces one; `cod study list` says whether its results are up to date with its "
        "protocol, settings and code.\n\n"
    )
    return intro + gain_figure_link(paths.study_reports_dir()) + overview_markdown("#")


def gain_figure_link(base: Path) -> str:
    """The Markdown image of reports/studies/gain_vs_k.png relative to folder ``base`` ('' when it is not drawn)."""
    figure = paths.study_reports_dir() / GAIN_FIGURE
    return f"![CoD gain vs k across studies]({_rel(figure, base)})\n\n" if figure.is_file() else ""


def documents() -> dict[Path, str]:
    """Every generated studies document and its content: each published study's README and the overview."""
    studies = [s for s in map(Study, spec.names()) if record.read(s)]
    out = {s.reports / "README.md": study_markdown(s) for s in studies}
    return {**out, overview_file(): overview_document()}


def stale_documents() -> list[Path]:
    """The generated studies documents whose file differs from what the published files render."""
    return [f for f, text in documents().items() if not f.is_file() or f.read_text() != text]


def write_overview() -> Path:
    """Write reports/studies/README.md, every published study's README.md and the gain-vs-k figure across studies,
    from the published files."""
    write_gain_figure(study_gains(), paths.study_reports_dir())
    for file, text in documents().items():
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text)
    return overview_file()

"""Benchmark (run on demand, not a test): the teacher stage on a small, imbalanced 3-class local file.

Builds a local CSV of SNLI pairs (the embedded corpus, no hub) with classes at about 65 / 10 / 25 % and
`--rows` rows in all, declares it under `data.local` in a temporary copy of this repository, and runs
`dvc repro teacher@imb3` twice: with the teacher's defaults (a minimum of updates, a class-weighted loss on
imbalanced data, the stop on a teacher at or near chance) and with the paper's schedule and loss
(`min_steps: 0`, `class_weights: none`). The claim under test: either the teacher reaches validation MCC
above `teacher.min_mcc`, or the stage fails with its one-line message and saves nothing; never a constant
teacher passed on silently. Writes reports/benchmarks/imbalanced_teacher.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from cod import paths, workspace
from cod.data.embedded import load_embedded
from cod.machine import cpu_model

SHARES = {"entailment": 0.65, "neutral": 0.10, "contradiction": 0.25}
VARIANTS = {
    "defaults": {},
    "paper schedule and loss (min_steps 0, class_weights none)": {"min_steps": 0, "class_weights": "none"},
}


def imbalanced_pairs(out: Path, rows: int, seed: int) -> dict[str, int]:
    """Write ``rows`` SNLI training pairs at SHARES to ``out`` (text, text_pair, label names); returns class counts."""
    corpus = load_embedded("snli", split_seed=0, validation_fraction=0.1, test_fraction=0.2)
    train = corpus.splits["train"]
    parts = []
    for name, share in SHARES.items():
        pool = train[train["label"] == corpus.label_names.index(name)]
        parts.append(pool.sample(round(rows * share), random_state=seed).assign(label=name))
    table = pd.concat(parts).sample(frac=1.0, random_state=seed)
    table[["text", "text_pair", "label"]].to_csv(out, index=False)
    return table["label"].value_counts().to_dict()


def run_variant(root: Path, csv: Path, teacher: dict) -> dict:
    """The teacher stage on the file with ``teacher`` overrides: its metrics, or its failure message."""
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["data"]["local"] = {"imb3": {"files": {"train": str(csv)}, "text_pair_column": "text_pair"}}
    params["grid"].update(datasets=["imb3"], k=[12])  # k splits evenly over 3 classes (only the teacher runs here)
    params["tune"]["sensitivity_k"] = [12]
    params["teacher"].update(teacher)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    start = time.perf_counter()
    proc = subprocess.run(
        ["dvc", "repro", "teacher@imb3"], cwd=root, env=workspace.tool_env(), capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    metrics_file = root / "models" / "teachers" / "imb3" / "metrics.json"
    if proc.returncode == 0:
        metrics = json.loads(metrics_file.read_text())
        return {"exit": 0, "seconds": seconds, "metrics": metrics, "message": None}
    lines = (proc.stdout + proc.stderr).splitlines()
    # the stage's own message: the degenerate-teacher stop, else the first error line (a config problem, say)
    message = next((line for line in lines if "DegenerateTeacher:" in line), None) or next(
        (line for line in lines if "Error" in line or "error:" in line), lines[-1] if lines else ""
    )
    return {
        "exit": proc.returncode,
        "seconds": seconds,
        "metrics": None,
        "message": message.strip(),
        "saved": metrics_file.exists(),
    }


def render(counts: dict[str, int], results: dict[str, dict], rows: int, seed: int) -> str:
    """The report: the file, then one row per variant and each stop's message."""
    total = sum(counts.values())
    classes = ", ".join(f"{name} {counts.get(name, 0)} ({counts.get(name, 0) / total:.0%})" for name in SHARES)
    lines = [
        "# The teacher on a small, imbalanced 3-class file",
        "",
        f"`python benchmarks/imbalanced_teacher.py --rows {rows} --seed {seed}`, {time.strftime('%Y-%m-%d')}, one run "
        f"on this machine ({cpu_model()}, {platform.python_version()}). The file: {total} SNLI training pairs "
        f"(premise, hypothesis) from the embedded corpus, classes {classes}, declared under `data.local` as "
        "`imb3`; `data.validation_fraction` and `data.test_fraction` carve validation and test per class. The "
        "claim: the teacher reaches validation MCC ≥ `teacher.min_mcc` (and balanced accuracy ≥ 1/C + "
        "`teacher.chance_margin`), or the stage stops with one message and saves nothing.",
        "",
        "| teacher settings | stage | epochs run | class weights | val. accuracy | val. balanced acc. | val. MCC "
        "| test MCC | seconds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        m = r["metrics"]
        if m is None:
            lines.append(f"| {name} | stopped (exit {r['exit']}) | – | – | – | – | – | – | {r['seconds']:.0f} |")
            continue
        weights = m.get("class_weights")
        pairs = weights.items() if isinstance(weights, dict) else enumerate(weights or [])
        shown = ", ".join(f"{name} {float(w):.2f}" for name, w in pairs) or "none"
        lines.append(
            f"| {name} | passed | {m.get('epochs_run', '–')} | {shown} | {m['validation_accuracy']:.1%} "
            f"| {m['validation_balanced_accuracy']:.1%} | {m['validation_mcc']:.2f} | {m['test_mcc']:.2f} "
            f"| {r['seconds']:.0f} |"
        )
    stops = [(name, r) for name, r in results.items() if r["metrics"] is None]
    if stops:
        lines += [
            "",
            "Messages of the stopped stages (nothing saved: "
            + ", ".join(
                f"{name}: {'a metrics file was left' if r['saved'] else 'no model or metrics'}" for name, r in stops
            )
            + "):",
            "",
        ]
        lines += [f"- {name}: `{r['message']}`" for name, r in stops]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=540, help="rows in the local file (before splitting)")
    parser.add_argument("--seed", type=int, default=0, help="which pairs are drawn")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cod-imbalanced-") as tmp:
        root = workspace.copy_sources(Path(tmp) / "cod")
        workspace.git_init(root)
        csv = Path(tmp) / "imb3.csv"
        counts = imbalanced_pairs(csv, args.rows, args.seed)
        results = {}
        for name, teacher in VARIANTS.items():
            results[name] = run_variant(root, csv, teacher)
            print(name, {k: v for k, v in results[name].items() if k != "metrics"})
    out = paths.reports_dir() / "benchmarks" / "imbalanced_teacher.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(counts, results, args.rows, args.seed))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

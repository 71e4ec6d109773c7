"""Benchmark (on demand, not a test): the cost and agreement of the teacher's saliency rationales.

Needs the default pipeline's teacher and prepared data (`dvc repro teacher@rt_sentences`), in this checkout or in
another one given with `--root` (the report is written to this checkout either way). Measures, in one run on this
machine, over `--rows` training rows of the first grid dataset drawn with seed 0, each attributed for the teacher's
own predicted class at teacher.max_length:
1. seconds per row of each attribution (grad_norm, grad_input, integrated_gradients at `--steps` steps), after one
   untimed warm-up row; targets: ≤ 0.2 s for a gradient method, ≤ 2 s for IG at 20 steps (2 CPU cores);
2. how much the methods agree: the mean share of one method's top-5 words that are also in another's, beside the
   share a random 5 words would reach (5 / the row's words);
3. IG's completeness error at `--steps` steps on the first 20 rows: |Σ attributions − (f(x) − f(x'))|.
Writes reports/benchmarks/rationales.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
from pathlib import Path

import numpy as np
import torch

from cod import config, paths
from cod.counterfactuals.scorer import Scorer
from cod.data.corpus import load_split
from cod.models.teacher import load_teacher
from cod.rationales.attribution import ATTRIBUTIONS, integrated_gradients, top_k, word_scores

TARGETS = {"grad_norm": 0.2, "grad_input": 0.2, "integrated_gradients": 2.0}  # seconds per row
K = 5


def attribute(teacher, tokenizer, rows, targets, method: str, max_length: int, steps: int):
    """(seconds per row, top-K word indices per row) of one method over the rows; the first row warms up."""
    fields = ["text", "text_pair"] if "text_pair" in rows else ["text"]
    args = [(r["text"], r.get("text_pair")) for r in rows[fields].to_dict("records")]

    def run(i: int) -> set[tuple[str, int]]:
        text, pair = args[i]
        kwargs = {"text_pair": pair, "max_length": max_length, "steps": steps}
        words, scores = word_scores(teacher, tokenizer, text, int(targets[i]), method=method, **kwargs)
        return {(w.field, w.index) for w in top_k(words, scores, K)}

    run(0)
    start = time.perf_counter()
    tops = [run(i) for i in range(len(args))]
    return (time.perf_counter() - start) / len(args), tops


def completeness(teacher, tokenizer, rows, targets, max_length: int, steps: int) -> tuple[float, float]:
    """Median and max of IG's |Σ attributions − (f(x) − f(x'))| over the rows."""
    errors = []
    for (_, row), target in zip(rows.iterrows(), targets, strict=True):
        kwargs = {"text_pair": row.get("text_pair"), "max_length": max_length, "steps": steps}
        ig = integrated_gradients(teacher, tokenizer, row["text"], int(target), **kwargs)
        errors.append(abs(ig.attributions.sum() - (ig.f_input - ig.f_baseline)))
    return float(np.median(errors)), float(np.max(errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100, help="training rows to attribute")
    parser.add_argument("--steps", type=int, default=20, help="integrated-gradients steps")
    parser.add_argument("--root", type=Path, help="another checkout to read the teacher and the data from")
    args = parser.parse_args()
    out = paths.reports_dir() / "benchmarks" / "rationales.md"  # this checkout's, before --root moves the reads
    params = config.load_params()
    dataset, max_length = params.grid.datasets[0], params.teacher.max_length
    if args.root is not None:
        os.environ["COD_ROOT"] = str(args.root.resolve())
    teacher, tokenizer, _ = load_teacher(dataset)
    rows = load_split(dataset, "train").sample(n=args.rows, random_state=0).reset_index(drop=True)
    pairs = rows["text_pair"].tolist() if "text_pair" in rows else None
    targets = Scorer(teacher, tokenizer, max_length).probs(rows["text"].tolist(), pairs).argmax(1)

    load_before = os.getloadavg()[0]
    seconds, tops = {}, {}
    for method in ATTRIBUTIONS:
        seconds[method], tops[method] = attribute(teacher, tokenizer, rows, targets, method, max_length, args.steps)
    load_after = os.getloadavg()[0]
    median_err, max_err = completeness(teacher, tokenizer, rows.head(20), targets[:20], max_length, args.steps)
    n_words = rows["text"].str.split().str.len() + (rows["text_pair"].str.split().str.len() if pairs else 0)
    chance = float(np.mean(np.minimum(K, n_words) / n_words))

    speed = "\n".join(
        f"| {m} | {seconds[m]:.3f} | ≤ {TARGETS[m]:g} | {'✓' if seconds[m] <= TARGETS[m] else '✗'} |"
        for m in ATTRIBUTIONS
    )
    overlap = "\n".join(
        f"| {a} | {b} | {np.mean([len(x & y) / len(x) for x, y in zip(tops[a], tops[b], strict=True)]):.2f} |"
        for a, b in itertools.combinations(ATTRIBUTIONS, 2)
    )
    where = "" if args.root is None else " of another checkout (`--root`; the data too)"
    report = f"""# Teacher saliency rationales benchmark

`python benchmarks/rationales.py`, {time.strftime("%Y-%m-%d")}, one run on this machine ({torch.get_num_threads()}
torch threads, torch {torch.__version__}): teacher `models/teachers/{dataset}`{where} (`{params.teacher.model}` fine-tuned,
{teacher.config.num_hidden_layers} layers), {args.rows} `{dataset}` training rows drawn with seed 0 (median
{int(n_words.median())} words), each attributed for the teacher's predicted class at max_length {max_length}; one
row at a time, the first row of each method an untimed warm-up. The machine's 1-minute load average was
{load_before:.1f} before the timed runs and {load_after:.1f} after them (other jobs share its cores).

## Seconds per row

| method | s per row | target | met |
|---|---|---|---|
{speed}

Integrated gradients at {args.steps} steps (the trapezoid rule: {args.steps + 1} points of the path in one batched
forward and backward pass; the baseline replaces every non-special token's embedding with the pad token's).
Completeness at {args.steps} steps on the first 20 rows: |Σ attributions − (f(x) − f(x'))| median {median_err:.4f},
max {max_err:.4f} (f = log p(predicted class)).

## Agreement of the top-{K} words

Mean share of one method's top-{K} words that are also in the other's (rows with fewer than {K} words count all of
them); {K} random words of a row would reach {chance:.2f} on average.

| method | method | top-{K} overlap |
|---|---|---|
{overlap}
"""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()

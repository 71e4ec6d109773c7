"""Benchmark (on demand, not a test): the kinds of counterfactual side by side, and the LLM path's cost.

Needs the default pipeline's teacher and subsets (`dvc repro counterfactuals`) and the lm stage's model. Measures,
in one run on this machine:
1. rt_sentences, the CoD originals of every grid seed at the largest k: the semantic kind (the default), the
   adversarial kind (the editor before the semantic one: HotFlip swaps and free deletions) and the random control:
   flip rate at counterfactuals.min_confidence, median teacher p(new class), median word edits, median LM
   perplexity ratio (CFE / original), share of edits on polarity-lexicon words or negations, seconds per CFE
   (generation; the LM's load is reported apart), and whether the random control edits exactly as many words as
   the semantic CFE of the same original;
2. movie_reviews (full reviews, long texts): the semantic flip rate on `--reviews` training reviews. Needs its
   teacher: `cod run notebooks/10_prepare.py -p dataset movie_reviews` then `cod run notebooks/20_teacher.py -p
   dataset movie_reviews` (skipped with a note when it is absent);
3. the LLM path end to end (prompts, openai client, cache, teacher check, feedback rounds) against a local
   OpenAI-compatible server on 127.0.0.1 whose "model" is the semantic editor: LLM calls per valid CFE, and the
   requests a rerun sends (should be 0: everything comes from the cache).
Writes reports/benchmarks/counterfactuals.md.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd

from cod import config, paths
from cod.counterfactuals.editor import Editor
from cod.counterfactuals.fluency import FluencyLM
from cod.counterfactuals.generate import generate, selection, summarise, training_rows
from cod.counterfactuals.generators import GENERATORS
from cod.counterfactuals.generators.llm import LLMGenerator
from cod.counterfactuals.generators.semantic import SemanticEditor
from cod.counterfactuals.metrics import word_levenshtein
from cod.counterfactuals.scorer import Scorer
from cod.data.corpus import load_meta, load_split
from cod.data.registry import describe
from cod.data.subsets import load_subset
from cod.models.teacher import load_teacher

TARGETS = {  # the declared targets for the semantic kind on rt_sentences (flip rate: the teacher's class changes)
    "any_flip_rate": (">=", 0.80),
    "word_edits_median": ("<=", 2),
    "p_target_median": (">=", 0.80),
    "ppl_ratio_median": ("<=", 1.5),
    "lexicon_edit_share": (">=", 0.80),
    "seconds_per_cfe": ("<=", 2.0),
}


def editor_server(editor: Editor) -> ThreadingHTTPServer:
    """An OpenAI-compatible chat endpoint answering every request with the offline editor's CFE."""

    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            text = body["messages"][1]["content"].split("\nText: ")[-1].split("\n")[0]
            answer = json.dumps({"counterfactual": editor.edit(text).text})
            data = json.dumps(
                {
                    "id": "x",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": answer}}
                    ],
                    "usage": {"prompt_tokens": 200, "completion_tokens": 30, "total_tokens": 230},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


def met(value: float | None, rule: tuple[str, float]) -> str:
    """✓ or ✗ for ``value`` against a target rule (">=", 0.8)."""
    if value is None:
        return "✗"
    return "✓" if (value >= rule[1] if rule[0] == ">=" else value <= rule[1]) else "✗"


def run_kind(kind, cfg, originals, scorer, fluency, dataset, names, reference=None):
    """(summary with seconds_per_cfe, records, results) of one kind of counterfactual over ``originals``."""
    generator = GENERATORS[kind](cfg, fluency)
    start = time.perf_counter()
    made, records = generate(
        originals, scorer, fluency, describe(dataset), generator, names, reference, cfg.min_confidence
    )
    seconds = time.perf_counter() - start  # generation and the teacher's and LM's verdicts on the result
    rows = training_rows(originals, records, *selection(generator, cfg.keep), generator.fixed_label())
    summary = summarise(records, rows, generator) | {"seconds_per_cfe": seconds / max(1, len(originals))}
    return summary, records, made.results


def kinds_table(rows: dict[str, dict]) -> str:
    """The side-by-side Markdown table of the kinds' summaries."""
    cols = [
        ("any_flip_rate", "flip rate", "{:.1%}"),
        ("flip_rate", "kept (p ≥ min_confidence)", "{:.1%}"),
        ("p_target_median", "median p(new class)", "{:.2f}"),
        ("word_edits_median", "median word edits", "{:g}"),
        ("ppl_ratio_median", "median perplexity ratio", "{:.2f}"),
        ("lexicon_edit_share", "edits on lexicon / negation", "{:.0%}"),
        ("seconds_per_cfe", "s per CFE", "{:.2f}"),
    ]
    lines = ["| kind | " + " | ".join(c[1] for c in cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for kind, s in rows.items():
        cells = [fmt.format(s[key]) if s.get(key) is not None else "–" for key, _, fmt in cols]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    target = [f"{TARGETS[key][0]} {TARGETS[key][1]:g}" if key in TARGETS else "–" for key, _, _ in cols]
    lines.append("| target (semantic) | " + " | ".join(target) + " |")
    lines.append(
        "| semantic meets it | "
        + " | ".join(met(rows["semantic"].get(k), TARGETS[k]) if k in TARGETS else "–" for k, _, _ in cols)
        + " |"
    )
    return "\n".join(lines)


def movie_reviews(cfg, fluency, n: int) -> str:
    """The semantic flip rate on ``n`` long reviews (target >= 70 %), or why it was skipped."""
    dataset = "movie_reviews"
    if not paths.teacher_dir(dataset).is_dir():
        return (
            "skipped: no movie_reviews teacher (`cod run notebooks/10_prepare.py -p dataset movie_reviews`, then "
            "`cod run notebooks/20_teacher.py -p dataset movie_reviews`)"
        )
    teacher, tokenizer, _ = load_teacher(dataset)
    scorer = Scorer(teacher, tokenizer, cfg.max_length)
    originals = load_split(dataset, "train").sample(n=n, random_state=0).reset_index(drop=True)
    if "idx" not in originals:  # a prepared split's rows are numbered by the subset stage; number these here
        originals.insert(0, "idx", range(n))
    words = originals["text"].str.split().str.len()
    s, records, results = run_kind(
        "semantic", cfg, originals, scorer, fluency, dataset, load_meta(dataset)["label_names"]
    )
    edits = [len(r.edits) for r in results if r.flipped]
    flipped = sum(r.flipped for r in results) / max(1, len(results))
    p_source = pd.Series([1.0 - r.p_target_before for r in results])  # binary: p(the teacher's class)
    return (
        f"{n} training reviews drawn with seed 0 (median {int(words.median())} words; the teacher reads the first "
        f"{cfg.max_length} tokens, so the editor edits only those). The teacher is weak on long reviews (test "
        f"accuracy {teacher_accuracy(dataset):.1%}): its median confidence in its own class on these originals is "
        f"{p_source.median():.2f}, and {(p_source >= cfg.min_confidence).mean():.0%} of them reach p ≥ "
        f"{cfg.min_confidence:g}.\n\n"
        f"- semantic flip rate (the teacher's prediction moves to the other class): **{flipped:.1%}** "
        f"(target ≥ 70 % {met(flipped, ('>=', 0.7))})\n"
        f"- kept at p(new class) ≥ {cfg.min_confidence:g} (counterfactuals.min_confidence): {s['flip_rate']:.1%}\n"
        f"- median p(new class) of the kept {s['p_target_median'] or float('nan'):.2f}, median word edits "
        f"{s['word_edits_median']}, most edits in one flip {max(edits) if edits else 0}, median perplexity ratio "
        f"{s['ppl_ratio_median'] or float('nan'):.2f}, {s['seconds_per_cfe']:.1f} s per original."
    )


def teacher_accuracy(dataset: str) -> float:
    """The teacher's test accuracy from its metrics file."""
    return float(json.loads((paths.teacher_dir(dataset) / "metrics.json").read_text())["test_accuracy"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=20, help="movie_reviews originals (0 = skip)")
    args = parser.parse_args()
    params = config.load_params()
    dataset, k = params.grid.datasets[0], max(params.grid.k)
    cfg = params.counterfactuals
    originals = pd.concat([load_subset(dataset, k, s, "cod_originals") for s in params.grid.seeds], ignore_index=True)
    teacher, tokenizer, _ = load_teacher(dataset)
    scorer = Scorer(teacher, tokenizer, cfg.max_length)
    start = time.perf_counter()
    fluency = FluencyLM.from_spec(cfg.fluency_lm)
    load_seconds = time.perf_counter() - start
    names = load_meta(dataset)["label_names"]
    rows, results = {}, {}
    for kind in ("semantic", "adversarial", "random"):
        ref = results.get("semantic")
        rows[kind], _, results[kind] = run_kind(kind, cfg, originals, scorer, fluency, dataset, names, ref)
    same = [
        word_levenshtein(r.original.split(), r.text.split()) == max(1, len(s.edits))
        for r, s in zip(results["random"], results["semantic"], strict=True)
    ]
    slots = [len(r.edits) == max(1, len(s.edits)) for r, s in zip(results["random"], results["semantic"], strict=True)]
    reviews = movie_reviews(cfg, fluency, args.reviews) if args.reviews else "skipped (--reviews 0)"

    server = editor_server(
        SemanticEditor(scorer, "sentiment", cfg.editor, min_confidence=cfg.min_confidence, fluency=fluency)
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ.setdefault("OPENAI_API_KEY", "sk-local-benchmark")
    with tempfile.TemporaryDirectory() as cache:
        llm_cfg = cfg.llm.model_copy(
            update={
                "base_url": f"http://127.0.0.1:{server.server_address[1]}/v1",
                "cache_dir": cache,
                "fallback": "none",
                "concurrency": 1,
            }
        )
        llm = LLMGenerator(cfg.model_copy(update={"backend": "llm", "llm": llm_cfg}), fluency)
        sample = originals.head(8)
        made = llm.generate(sample, scorer, describe(dataset), names)
        first, extra = made.results, made.extra
        rerun = llm.generate(sample, scorer, describe(dataset), names).extra
    server.shutdown()
    valid = sum(r.flipped for r in first)
    report = f"""# Counterfactual generation benchmark

`python benchmarks/counterfactuals.py`, {time.strftime("%Y-%m-%d")}, one run on this machine (2 CPU cores): dataset
`{dataset}`, the {len(originals)} CoD originals of k={k} over the {len(params.grid.seeds)} grid seeds; teacher from
`models/teachers/{dataset}`; flip rate = the teacher's class changed (the issue's target); kept = changed with p ≥
counterfactuals.min_confidence
({cfg.min_confidence}); fluency LM `{cfg.fluency_lm}` (load: {load_seconds:.1f} s, not in the per-CFE seconds, which
include the LM's scoring during the search).

## Kinds of counterfactual on {dataset}

{kinds_table(rows)}

Semantic CFEs that needed the editor's last resorts (a salient word that is not evaluative — a topical noun, a
relational adjective — swapped for a polarity word, or an antonym of a word that is not evaluative, each kept only
where the language model reads it well in context): {
        rows["semantic"]["last_resort_share"]
        or 0:.0%} of the kept ones; the rest are lexicon, negation and evaluative-word edits.

Random control: {sum(slots)}/{len(slots)} originals with exactly as many replaced words as the semantic CFE of the
same original (1 where the semantic editor changed none); word-level edit distance equal to that count for
{sum(same)}/{len(same)} (a replacement can coincide with a shift of the same words).

## Long texts: movie_reviews

{reviews}

## LLM path against a local server (targets: <= 1.2 calls per valid CFE, 0 calls on a rerun)

The server on 127.0.0.1 answers with the semantic editor's CFE, so this measures the client side:
prompting, the openai client, JSON parsing, the response cache, the teacher check and feedback rounds
(the first 8 originals).

| valid CFEs | LLM calls | calls per valid CFE | requests sent on the first run | requests sent on a rerun |
|---|---|---|---|---|
| {valid}/{len(first)} | {extra["llm_calls"]} | {extra["llm_calls"] / max(1, valid):.2f} | {
        extra["llm_requests_sent"]
    } | {rerun["llm_requests_sent"]} |
"""
    out = paths.reports_dir() / "benchmarks" / "counterfactuals.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()

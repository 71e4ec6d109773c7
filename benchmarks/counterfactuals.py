"""Benchmark (on demand, not a test): counterfactual quality and cost on the default dataset.

Needs the teacher and subsets of the pipeline (`dvc repro teacher subset`). Measures
1. the offline editor: flip rate, median word edits, seconds per CFE, teacher calls per valid CFE;
2. the LLM path end to end (prompts, openai client, cache, teacher check, feedback rounds) against a
   local OpenAI-compatible server on 127.0.0.1 whose "model" is the offline editor: LLM calls per
   valid CFE, and the requests a rerun sends (should be 0: everything comes from the cache).
Writes reports/benchmarks/counterfactuals.md.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cod import config, paths
from cod.counterfactuals.editor import Editor
from cod.counterfactuals.generate import assess, summarise
from cod.counterfactuals.generators.editor import EditorGenerator
from cod.counterfactuals.generators.llm import LLMGenerator
from cod.counterfactuals.metrics import BigramLM
from cod.counterfactuals.scorer import Scorer
from cod.data.corpus import load_meta, load_split
from cod.data.registry import describe
from cod.data.subsets import load_subset
from cod.models.teacher import load_teacher


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


def main() -> None:
    params = config.load_params()
    dataset, k, seed = params.grid.datasets[0], max(params.grid.k), params.grid.seeds[0]
    cfg = params.counterfactuals
    originals = load_subset(dataset, k, seed, "cod_originals")
    teacher, tokenizer, _ = load_teacher(dataset)
    scorer = Scorer(teacher, tokenizer, cfg.max_length)
    lm = BigramLM(load_split(dataset, "train")["text"])
    info, names, offline = describe(dataset), load_meta(dataset)["label_names"], EditorGenerator(cfg)
    start = time.perf_counter()
    results = offline.generate(originals, scorer, info, names).results
    wall = time.perf_counter() - start
    editor = summarise(assess(originals, results, scorer, lm), 0, offline)

    server = editor_server(offline.editor(scorer, info))
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
        llm = LLMGenerator(cfg.model_copy(update={"backend": "llm", "llm": llm_cfg}))
        made = llm.generate(originals, scorer, info, names)
        first, extra = made.results, made.extra
        rerun = llm.generate(originals, scorer, info, names).extra
    server.shutdown()
    valid = sum(r.flipped for r in first)
    report = f"""# Counterfactual generation benchmark

`python benchmarks/counterfactuals.py`, {time.strftime("%Y-%m-%d")}: dataset `{dataset}`, the
{len(originals)} CoD originals of k={k}, seed {seed}; teacher from `models/teachers/{dataset}`; one run.

## Offline editor (targets: flip rate >= 80 %, median <= 3 word edits, <= 1 s per CFE on 2 cores)

| flip rate | median word edits | mean normalised edits | mean ΔP | s per CFE (mean) | wall s | teacher calls per valid CFE |
|---|---|---|---|---|---|---|
| {editor["flip_rate"]:.1%} | {editor["word_edits_median"]} | {editor["word_edits_norm_mean"]:.3f} | {editor["delta_p_mean"]:.3f} | {sum(r.seconds for r in results) / max(1, len(results)):.2f} | {wall:.1f} | {editor["calls_per_valid_cfe"]:.0f} |

## LLM path against a local server (targets: <= 1.2 calls per valid CFE, 0 calls on a rerun)

The server on 127.0.0.1 answers with the offline editor's CFE, so this measures the client side:
prompting, the openai client, JSON parsing, the response cache, the teacher check and feedback rounds.

| valid CFEs | LLM calls | calls per valid CFE | requests sent on the first run | requests sent on a rerun |
|---|---|---|---|---|
| {valid}/{len(originals)} | {extra["llm_calls"]} | {extra["llm_calls"] / max(1, valid):.2f} | {extra["llm_requests_sent"]} | {rerun["llm_requests_sent"]} |
"""
    out = paths.reports_dir() / "benchmarks" / "counterfactuals.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
